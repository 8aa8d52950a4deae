"""The last lesson trains with the learner's pieces where they pass, the reference elsewhere."""
import catdog_lib
from catdog_lib.course.judge import learner_or_reference
from catdog_lib.course.pieces import PIECE_NAMES

RIGHT = '''def label_from_filename(path):
    name = os.path.basename(os.fspath(path))
    first = name.split(".", 1)[0].lower()
    if first not in ("cat", "dog") or name.count(".") < 2:
        raise ValueError(f"no label in {name!r}")
    return first
'''
WRONG = '''def pick_device(prefer=None):
    return "cpu"
'''


def test_learner_or_reference(tmp_path):
    (tmp_path / "label_from_filename.py").write_text(RIGHT)
    (tmp_path / "pick_device.py").write_text(WRONG)
    namespace, table = learner_or_reference(tmp_path)

    assert sorted(namespace) == sorted(PIECE_NAMES)
    mine = namespace["label_from_filename"]
    assert mine is not catdog_lib.label_from_filename and mine("some/dir/Dog.7.JPG") == "dog"
    assert namespace["pick_device"] is catdog_lib.pick_device
    assert namespace["run_epoch"] is catdog_lib.run_epoch

    text = str(table)
    rows = {line.split()[0]: line for line in text.splitlines()[2:-1]}
    assert "yours" in rows["label_from_filename"] and "passes all" in rows["label_from_filename"]
    assert "reference" in rows["pick_device"] and "yours fails:" in rows["pick_device"]
    assert "reference" in rows["run_epoch"] and "not started" in rows["run_epoch"]
    assert text.splitlines()[-1] == f"1 of {len(PIECE_NAMES)} pieces are yours"
    assert "<table>" in table._repr_html_() and "label_from_filename" in table._repr_html_()
