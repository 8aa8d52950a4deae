"""The checks in checks/ can fail, and do not fail good work.

For every piece: the reference passes, the lesson's stub fails as "not
written yet", every wrong version in wrong/<piece>/ fails with the message
meant for its mistake (its first line says ``# expect: <part of it>``), in
the check its row of the clause table (clauses.py) names and no other but
those the row allows, each failure with a hint of its own, and
every version in good/<piece>/, written differently from the reference,
passes. Learner code that loops, exits, prints megabytes, raises or changes
global state fails alone while the other pieces of the same run pass.

tests/checks/judge_many.py runs ``pytest checks --workspace DIR --catdog-json
FILE`` once per workspace, each workspace holding one version of several
pieces, by both paths ``%check`` takes: a fresh process per run (cold), and a
child of the warm judge per run (warm). Every test runs for both, and the two
must give the same verdicts (numbers quoted in sentences aside).
"""
import ast
import inspect
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from catdog_lib.course.pieces import HINTS, PIECE_NAMES, PIECES, reference

import clauses

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHECKS = ROOT / "checks"
TIMEOUT = 5  # per check in these runs: long enough for a busy machine, short for the endless loops


def reference_text(name):
    return textwrap.dedent(inspect.getsource(reference(name)))


def stub_text(name):
    """The lesson's stub: the reference's signature and docstring, then the nbgrader placeholder."""
    source = reference_text(name)
    function = ast.parse(source).body[0]
    header = source.splitlines()[:function.body[0].end_lineno]
    return "\n".join(header) + "\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def expectation(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path} must start with '# expect: <part of the message>'"
    return first[len("# expect: "):].strip()


def cases(folder):
    return sorted((piece.name, path) for piece in PIECES
                  for path in sorted((HERE / folder / piece.name).glob("*.py")))


WRONG = cases("wrong")
GOOD = cases("good")


def batches(found):
    """Group piece files so that each workspace holds at most one version of a piece."""
    groups = []
    for name, path in found:
        for group in groups:
            if name not in group:
                group[name] = path
                break
        else:
            groups.append({name: path})
    return groups


# Learner code that misbehaves: (piece, file text, part of the message). Run 1 judges these
# lesson 01-02 pieces first, then good copies of the rest; run 2 judges lesson 04 first.
FAULTY_EARLY = {
    "pick_device": ('def pick_device(prefer=None):\n    print("x" * 3_000_000)\n    return torch.device("cpu")\n',
                    "printed 3.0 million characters"),
    "label_from_filename": ("def label_from_filename(path):\n    while True:\n        pass\n",
                            "ran for more than"),
    "split_items": ("import sys\n\ndef split_items(items, val_fraction=0.25, seed=0):\n    sys.exit(1)\n",
                    "called sys.exit()"),
    "arrange_imagefolder": ("def arrange_imagefolder(train_items, val_items, dest, link=True):\n    os._exit(3)\n",
                            "called os._exit()"),
    "build_transforms": ("from catdog_lib.transforms import build_transforms as _build\n\n"
                         "def build_transforms(train, size=224):\n"
                         "    transforms.Normalize.forward = lambda self, tensor: tensor\n"
                         "    return _build(train, size)\n",
                         "changed transforms.Normalize.forward"),
}
FAULTY_LATE = {
    "make_loaders": ("def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):\n"
                     "    counts = {}\n    return helper(counts)\n\ndef helper(counts):\n    return counts['train'] / 0\n",
                     "raised KeyError"),
    "build_model": ("def build_model(num_classes=2, weights='DEFAULT', freeze_backbone=False):\n"
                    "    torch.set_default_dtype(torch.float64)\n    return None\n",
                    "default dtype"),
    "run_epoch": ("def run_epoch(model, loader, criterion, device, optimizer=None):\n"
                  "    torch.set_grad_enabled(False)\n    return 0.0, 0.0\n",
                  "gradient tracking switched off"),
    "train_model": ("import tempfile\nfrom catdog_lib import training as _training\n\n"
                    "def train_model(*args, **kwargs):\n    os.chdir(tempfile.gettempdir())\n"
                    "    return _training.train_model(*args, **kwargs)\n",
                    "changed the working folder"),
    "predict_image": ("def predict_image(model, image, class_names, size=224, device=None):\n"
                      "    torch.softmax = lambda x, dim: x\n    return {'cat': 0.5, 'dog': 0.5}\n",
                      "changed torch.softmax"),
}
# Files that do not load, one per piece, judged together: (piece, text, part of the message).
BROKEN = {
    "syntax": ("pick_device", "def pick_device(prefer=None:\n    return 1\n", "pick_device.py line 1"),
    "top_level_error": ("label_from_filename", "x = undefined_name\n\ndef label_from_filename(path):\n    return 'cat'\n",
                        "raised NameError"),
    "no_function": ("split_items", "# I wrote nothing yet\n", "does not define split_items"),
    "top_level_exit": ("arrange_imagefolder", "exit()\n", "called sys.exit()"),
    "top_level_grad_off": ("build_transforms", "torch.set_grad_enabled(False)\n\n"
                           "def build_transforms(train, size=224):\n    return None\n",
                           "left gradient tracking switched off"),
    "not_a_function": ("make_loaders", "make_loaders = 3\n", "not a function"),
    "top_level_loop": ("build_model", "while True:\n    pass\n", "took longer than the time limit"),
    "rebinds_a_shared_name": ("run_epoch", "from torchvision.transforms import v2 as transforms\n\n"
                              "def run_epoch(model, loader, criterion, device, optimizer=None):\n    return 0.0, 0.0\n",
                              "rebinds transforms"),
}


def _run_args(workspace, out, *, files=(CHECKS,), extra=()):
    return ["-q", "-p", "no:cacheprovider", "-p", "no:nbval", "--catdog-timeout", str(TIMEOUT), *map(str, files),
            *extra, "--catdog-json", str(out), *(["--workspace", str(workspace)] if workspace else [])]


@pytest.fixture(scope="module", params=["cold", "warm"])
def judged(request, tmp_path_factory):
    """{run name: (exit code, JSON verdicts)} for every run, and the output of all of them."""
    base = tmp_path_factory.mktemp("judged")
    runs, names = [], []

    def add(name, pieces, **kwargs):
        workspace = base / name
        workspace.mkdir()
        for piece, text in pieces.items():
            (workspace / f"{piece}.py").write_text(text)
        names.append(name)
        runs.append(_run_args(workspace, base / f"{name}.json", **kwargs))

    names.append("reference")
    runs.append(_run_args(None, base / "reference.json", extra=["--reference"]))
    add("nothing", {})
    add("stubs", {name: stub_text(name) for name in PIECE_NAMES})
    add("broken", {piece: text for piece, text, _ in BROKEN.values()})
    for i, group in enumerate(batches(WRONG)):
        add(f"wrong{i}", {name: path.read_text() for name, path in group.items()})
    for i, group in enumerate(batches(GOOD)):
        add(f"good{i}", {name: path.read_text() for name, path in group.items()})
    copies = {name: reference_text(name) for name in PIECE_NAMES}
    add("faulty_early", {**copies, **{name: text for name, (text, _) in FAULTY_EARLY.items()}})
    add("faulty_late", {**copies, **{name: text for name, (text, _) in FAULTY_LATE.items()}},
        files=sorted(CHECKS.glob("test_0*.py"), reverse=True))

    runs_file = base / "runs.json"
    runs_file.write_text(json.dumps(runs))
    done = subprocess.run([sys.executable, str(HERE / "judge_many.py"), "--path", request.param, str(runs_file)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    codes_file = Path(str(runs_file) + ".codes")
    assert codes_file.exists(), f"the judging process died:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    codes = json.loads(codes_file.read_text())
    results = {name: (code, json.loads((base / f"{name}.json").read_text())) for name, code in zip(names, codes)}
    PATHS[request.param] = json.loads(json.dumps(results).replace(str(base), "<base>"))  # for the comparison
    return results, done.stdout


def _verdict(judged, run, piece):
    results, output = judged
    code, summary = results[run]
    assert piece in summary["pieces"], f"{piece} was not judged in run {run}"
    return summary["pieces"][piece]


def _messages(verdict):
    return "\n".join(f["message"] or "" for f in verdict["failures"])


def test_the_reference_passes(judged):
    results, output = judged
    code, summary = results["reference"]
    assert code == 0
    assert summary["reference"] is True
    assert {name: v["status"] for name, v in summary["pieces"].items()} == {name: "passed" for name in PIECE_NAMES}
    assert sum(v["points"] for v in summary["pieces"].values()) == 20
    assert "Points: 20 of 20" in output


def test_nothing_written_is_not_started(judged):
    results, _ = judged
    code, summary = results["nothing"]
    assert code == 0, "pieces not started must not fail the run"
    for name in PIECE_NAMES:
        verdict = summary["pieces"][name]
        assert verdict["status"] == "not_started"
        assert verdict["points"] == 0 and verdict["passed"] == 0 and verdict["message"] is None


@pytest.mark.parametrize("piece", PIECE_NAMES)
def test_the_stub_is_not_written(judged, piece):
    verdict = _verdict(judged, "stubs", piece)
    assert verdict["status"] == "failed"
    assert verdict["passed"] == 0
    assert "not written yet" in verdict["message"]
    assert verdict["hint"]
    assert judged[0]["stubs"][0] == 1


@pytest.mark.parametrize("key", BROKEN)
def test_a_file_that_does_not_load(judged, key):
    piece, _, fragment = BROKEN[key]
    verdict = _verdict(judged, "broken", piece)
    assert verdict["status"] == "failed" and verdict["passed"] == 0
    assert fragment in verdict["message"]
    assert all(fragment in f["message"] for f in verdict["failures"])


@pytest.mark.parametrize("piece,path", WRONG, ids=[f"{name}-{path.stem}" for name, path in WRONG])
def test_a_wrong_piece_fails_with_its_message(judged, piece, path):
    run = next(f"wrong{i}" for i, group in enumerate(batches(WRONG)) if group.get(piece) == path)
    verdict = _verdict(judged, run, piece)
    assert verdict["status"] == "failed", f"{path.name} passed every check of {piece}"
    assert expectation(path) in _messages(verdict), _messages(verdict)
    # It breaks its row of the clause table (clauses.py), and only that, and each failure has its own hint.
    assert not clauses.verdict_problems(piece, path, expectation(path), verdict, HINTS[piece])


@pytest.mark.parametrize("piece,path", GOOD, ids=[f"{name}-{path.stem}" for name, path in GOOD])
def test_a_good_piece_passes(judged, piece, path):
    run = next(f"good{i}" for i, group in enumerate(batches(GOOD)) if group.get(piece) == path)
    verdict = _verdict(judged, run, piece)
    assert verdict["status"] == "passed", _messages(verdict)


def test_every_piece_has_wrong_and_good_versions():
    for piece in PIECE_NAMES:
        assert sum(name == piece for name, _ in WRONG) >= 3, piece
        assert sum(name == piece for name, _ in GOOD) >= 2, piece


@pytest.mark.parametrize("run,faulty", [("faulty_early", FAULTY_EARLY), ("faulty_late", FAULTY_LATE)])
def test_faulty_code_fails_alone(judged, run, faulty):
    for piece in PIECE_NAMES:
        verdict = _verdict(judged, run, piece)
        if piece in faulty:
            assert verdict["status"] == "failed", piece
            assert faulty[piece][1] in verdict["message"], (piece, verdict["message"])
        else:
            assert verdict["status"] == "passed", (piece, _messages(verdict))


def test_an_endless_loop_stops_the_piece_once(judged):
    verdict = _verdict(judged, "faulty_early", "label_from_filename")
    later = [f["message"] for f in verdict["failures"][1:]]
    assert later and all("not judged further" in m for m in later)


def test_the_learners_traceback_is_short(judged):
    verdict = _verdict(judged, "faulty_late", "make_loaders")
    tb = verdict["traceback"]
    assert "make_loaders.py" in tb and "counts['train']" in tb and "KeyError" in tb
    assert "site-packages" not in tb and "plugin.py" not in tb and "test_03" not in tb


def _run_outputs(output):
    """Each run's own output: judge_many ends each with a line of its own."""
    return re.split(r"^=== judge_many .*$", output, flags=re.M)[:-1]


def test_megabytes_of_print_are_not_echoed(judged):
    results, output = judged
    outputs = _run_outputs(output)
    assert len(outputs) == len(results)
    printed = outputs[list(results).index("faulty_early")]  # pick_device printed 3 million characters
    assert "x" * 5000 not in output
    assert len(printed) < 100_000, len(printed)
    assert max(map(len, outputs)) < 100_000


PATHS = {}  # path ("cold", "warm") -> its results, with the workspaces' folder as "<base>"


def test_warm_and_cold_give_the_same_verdicts(judged):
    """Word for word, numbers aside: a fresh process seeds torch anew, and a check on an unseeded
    model may quote what it computed (history['val_acc'] is [0.0, 0.5, 1.0])."""
    if len(PATHS) < 2:
        pytest.skip("compared once both paths have judged")
    for run, cold in PATHS["cold"].items():
        warm = PATHS["warm"][run]
        if _masked(warm) == _masked(cold):
            continue
        differ = [piece for piece in set(cold[1].get("pieces", {})) | set(warm[1].get("pieces", {}))
                  if _masked(cold[1]["pieces"].get(piece)) != _masked(warm[1]["pieces"].get(piece))]
        details = {piece: {path: [(f["check"], f["message"]) for f in (side[1]["pieces"].get(piece) or {}).get("failures", [])]
                           for path, side in (("cold", cold), ("warm", warm))} for piece in differ}
        raise AssertionError(f"run {run}: exit {cold[0]} cold, {warm[0]} warm; pieces judged differently: {details}")


def _masked(value):
    """``value`` with the digits in its strings masked (counts and points stay)."""
    if isinstance(value, str):
        return re.sub(r"\d+", "N", value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value
