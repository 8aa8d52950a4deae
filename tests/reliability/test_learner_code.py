"""Faulty learner code through ``judge`` (what ``%check`` and ``%progress`` run) and the ``%check`` magic.

tests/checks/test_checks.py runs ``pytest checks`` on pieces that loop,
exit, print megabytes, raise, patch a library class, change torch's
defaults or the working folder, or patch ``torch.softmax``. Here are the
kinds it leaves out, all in one workspace judged once by ``judge()`` the way
``%progress`` does: each faulty piece fails with its own sentence, and the
three pieces kept right (run_epoch, train_model, predict_image, which use
what the faulty ones break: ``torch.optim.SGD``, ``nn.Linear``) still pass.
"""
import inspect
import textwrap

import pytest

from catdog_lib.course.pieces import PIECE_NAMES, reference

TIMEOUT = 3  # seconds per check in these runs (PYTEST_ADDOPTS reaches the judging process)

# piece: (file text, words its failure must hold)
FAULTY = {
    # A library name changed at the top of the file, outside the modules a lesson imports by name.
    "pick_device": ("torch.optim.SGD = None\n\ndef pick_device(prefer=None):\n    return torch.device('cpu')\n",
                    "changed torch.optim.SGD"),
    # An endless loop that swallows every exception, the stop included.
    "label_from_filename": ("def label_from_filename(path):\n    while True:\n        try:\n"
                            "            time.sleep(0.01)\n        except:\n            pass\n",
                            "would not stop"),
    # The wrong type: a dict instead of two lists.
    "split_items": ("def split_items(items, val_fraction=0.25, seed=0):\n"
                    "    return {'train': list(items), 'val': []}\n", "split_items"),
    # os._exit while the file loads, not inside the function.
    "arrange_imagefolder": ("os._exit(0)\n", "called os._exit()"),
    # The global random generator seeded inside the function: the contract allows it (only split_items
    # must leave it alone), so the piece is judged on its transforms, and the seed is put back for the others.
    "build_transforms": ("def build_transforms(train, size=224):\n    random.seed(0)\n"
                         "    return transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor()])\n",
                         "no Normalize"),
    # An endless loop while the file loads.
    "make_loaders": ("while True:\n    pass\n", "took longer than the time limit"),
    # A class of the prelude patched: every model's last layer would output zeros.
    "build_model": ("def build_model(num_classes=2, weights='DEFAULT', freeze_backbone=False):\n"
                    "    nn.Linear.forward = lambda self, x: x[..., :self.out_features] * 0\n"
                    "    model = models.resnet18(weights=weights)\n"
                    "    model.fc = nn.Linear(model.fc.in_features, num_classes)\n    return model\n",
                    "changed nn.Linear.forward"),
}
KEPT_RIGHT = [name for name in PIECE_NAMES if name not in FAULTY]


def reference_text(name):
    return textwrap.dedent(inspect.getsource(reference(name)))


@pytest.fixture
def fast_checks(monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", f"--catdog-timeout {TIMEOUT}")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faulty_workspace")
    for name, (text, _) in FAULTY.items():
        (folder / f"{name}.py").write_text(text)
    for name in KEPT_RIGHT:
        (folder / f"{name}.py").write_text(reference_text(name))
    return folder


def test_each_faulty_piece_fails_alone_and_the_others_are_judged_as_usual(workspace, fast_checks):
    from catdog_lib.course.judge import judge, progress_table, verdict_text

    results = judge(workspace=workspace, timeout=300)
    for name, (_, words) in FAULTY.items():
        verdict = results[name]
        assert verdict["status"] == "failed", (name, verdict)
        assert words in verdict["message"], (name, verdict["message"])
        text = verdict_text(name, verdict)
        assert "plugin.py" not in text and "site-packages" not in text, text
    for name in KEPT_RIGHT:
        assert results[name]["status"] == "passed", (name, results[name]["message"])
    table = str(progress_table(results))
    assert f"Total: {sum(results[n]['points'] for n in KEPT_RIGHT)} of 20 points" in table


def test_check_magic_reports_a_loop_that_will_not_stop_in_one_line(tmp_path, monkeypatch, fast_checks):
    """%check in a notebook: the verdict, then one line; the kernel lives on."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from catdog_lib.course.pieces import PRELUDE_IMPORTS

    monkeypatch.setenv("CATDOG_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("CATDOG_STRICT_CHECKS", "1")  # the failing check fails its cell, as under nbgrader
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext catdog_lib\n" + PRELUDE_IMPORTS, store_history=False)
    with capture_output() as out:
        saved = shell.run_cell("%%piece label_from_filename\n" + FAULTY["label_from_filename"][0],
                               store_history=False)
        checked = shell.run_cell("%check label_from_filename", store_history=False)
    shown = "\n".join([out.stdout, out.stderr] + [o.data.get("text/plain", "") for o in out.outputs])
    assert saved.success and not checked.success
    assert "would not stop" in shown and "Hint:" in shown
    assert "PieceNotPassing: label_from_filename does not pass its checks yet" in shown
    assert "Traceback" not in shown
    assert shell.run_cell("1 + 1", store_history=False).result == 2
