"""`catdog collect`: pieces out of saved notebooks into a workspace."""
import nbformat
import pytest

from catdog_lib.cli import main
from catdog_lib.course.collect import collect_pieces, save_piece
from catdog_lib.errors import CatdogError

GOOD = 'def label_from_filename(path):\n    return "cat"\n'
BETTER = 'def label_from_filename(path):\n    return Path(path).name.split(".")[0].lower()\n'
STUB = 'def split_items(items, val_fraction=0.25, seed=0):\n    """Doc."""\n    # YOUR CODE HERE\n    raise NotImplementedError()'


def write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A lesson")]
                                  + [nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)
    return path


def test_collect_takes_the_last_written_cell_and_skips_stubs(tmp_path):
    first = write_notebook(tmp_path / "02_data.ipynb", "%%piece label_from_filename\n" + GOOD,
                           "%%piece label_from_filename\n" + BETTER, "%%piece split_items\n" + STUB,
                           "%%piece not_a_piece\nx = 1", "print('hello')")
    second = write_notebook(tmp_path / "01_setup.ipynb", "%%piece pick_device\ndef pick_device(prefer=None):\n    return torch.device('cpu')")
    workspace = tmp_path / "ws"
    (workspace).mkdir()
    (workspace / "split_items.py").write_text("# the learner's earlier work\n")
    lines = []
    saved = collect_pieces([first, second], workspace, report=lines.append)

    assert saved == {"pick_device": workspace / "pick_device.py", "label_from_filename": workspace / "label_from_filename.py"}
    assert (workspace / "label_from_filename.py").read_text() == BETTER
    assert (workspace / "pick_device.py").read_text().startswith("def pick_device(prefer=None):")
    assert (workspace / "split_items.py").read_text() == "# the learner's earlier work\n", "a stub never overwrites"
    assert f"label_from_filename: from {first} cell 3 -> {workspace / 'label_from_filename.py'}" in lines
    assert f"skipped {first} cell 4: split_items is still the lesson's stub" in lines
    assert any("no piece is called 'not_a_piece'" in line for line in lines)
    assert not list(workspace.glob(".*.tmp")), "no temporary files are left behind"


def test_collect_cli(tmp_path, capsys):
    nb = write_notebook(tmp_path / "lesson.ipynb", "%%piece label_from_filename\n" + GOOD)
    assert main(["collect", str(nb), "--workspace", str(tmp_path / "ws")]) == 0
    assert "label_from_filename: from" in capsys.readouterr().out
    assert (tmp_path / "ws" / "label_from_filename.py").read_text() == GOOD

    assert main(["collect", str(tmp_path / "missing.ipynb"), "--workspace", str(tmp_path / "ws")]) == 1
    err = capsys.readouterr().err
    assert "there is no notebook at" in err and len(err.strip().splitlines()) == 1

    (tmp_path / "broken.ipynb").write_text("{not json")
    assert main(["collect", str(tmp_path / "broken.ipynb"), "--workspace", str(tmp_path / "ws")]) == 1
    assert "is not a readable notebook" in capsys.readouterr().err


def test_save_piece_replaces_the_file_whole(tmp_path):
    path = save_piece("run_epoch", "one\n", tmp_path)
    assert path == tmp_path / "run_epoch.py"
    save_piece("run_epoch", "two\n", tmp_path)
    assert path.read_text() == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_epoch.py"]
    with pytest.raises(CatdogError, match="no piece called"):
        save_piece("run_epochs", "x", tmp_path)
    (tmp_path / "a_file").write_text("")
    with pytest.raises(CatdogError, match="cannot save run_epoch in .*a_file.*set CATDOG_WORKSPACE"):
        save_piece("run_epoch", "x", tmp_path / "a_file")
