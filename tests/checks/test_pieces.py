"""catdog_lib.course.pieces: the registry, the prelude, loading a piece file."""
import pytest

from catdog_lib.course import pieces
from catdog_lib.course.pieces import (HINTS, LESSONS, PIECE_NAMES, PIECES, PRELUDE_NAMES, PieceError, get_piece,
                                      is_stub, load_piece, piece_path, prelude)
from catdog_lib.errors import CatdogError


def test_ten_pieces_in_course_order():
    assert PIECE_NAMES == ("pick_device", "label_from_filename", "split_items", "arrange_imagefolder",
                           "build_transforms", "make_loaders", "build_model", "run_epoch", "train_model",
                           "predict_image")
    assert [p.lesson for p in PIECES] == sorted(p.lesson for p in PIECES)
    assert set(p.lesson for p in PIECES) == set(LESSONS)
    assert all(p.points > 0 and p.title for p in PIECES)
    assert get_piece("split_items").lesson == "02"


def test_every_piece_has_hints_from_gentle_to_explicit():
    assert set(HINTS) == set(PIECE_NAMES)
    assert all(len(hints) >= 3 and all(isinstance(h, str) and h for h in hints) for hints in HINTS.values())


def test_an_unknown_piece_is_a_clear_error():
    with pytest.raises(CatdogError, match="no piece called 'split'.*split_items"):
        get_piece("split")


def test_piece_path(tmp_path, monkeypatch):
    assert piece_path("run_epoch", tmp_path) == tmp_path / "run_epoch.py"
    monkeypatch.setenv("CATDOG_WORKSPACE", str(tmp_path / "ws"))
    assert piece_path("run_epoch") == tmp_path / "ws" / "run_epoch.py"


def test_the_prelude_holds_exactly_the_contracts_names():
    import catdog_lib

    namespace = prelude()
    assert set(namespace) == set(PRELUDE_NAMES) | set(PIECE_NAMES)
    assert namespace["IMAGENET_MEAN"] == (0.485, 0.456, 0.406)
    assert namespace["F"].__name__ == "torch.nn.functional"
    assert all(namespace[name] is getattr(catdog_lib, name) for name in PIECE_NAMES)
    assert prelude() is not prelude()


def test_prelude_imports_give_the_same_names():
    namespace = {}
    exec(pieces.PRELUDE_IMPORTS, namespace)
    assert set(namespace) - {"__builtins__"} == set(prelude())


def test_is_stub():
    stub = 'def f(x):\n    """Doc."""\n    # YOUR CODE HERE\n    raise NotImplementedError()\n'
    assert is_stub(stub)
    assert is_stub(stub.replace("()", ""))
    assert not is_stub('def f(x):\n    return x\n')
    assert is_stub(stub, "f") and not is_stub(stub, "g")
    written = 'def f(x):\n    if x:\n        raise NotImplementedError("not for mps yet")\n    return 1\n'
    assert not is_stub(written), "a piece that raises it in one branch is written"
    assert not is_stub("def f(x:\n    raise NotImplementedError()\n"), "a syntax error is loading's to report"


def test_load_piece_from_text_and_path(tmp_path):
    text = "def split_items(items, val_fraction=0.25, seed=0):\n    return list(items), []\n"
    function = load_piece("split_items", text)
    assert function([1, 2]) == ([1, 2], [])
    path = tmp_path / "split_items.py"
    path.write_text(text)
    assert load_piece("split_items", path)([3]) == ([3], [])
    assert load_piece("split_items", str(path))([3]) == ([3], [])


def test_a_piece_sees_the_prelude_and_its_own_namespace():
    text = "def label_from_filename(path):\n    return str(type(torch.device('cpu'))) + Path(path).name\n"
    first = load_piece("label_from_filename", text)
    assert first("a/b.jpg").endswith("b.jpg")
    other = load_piece("label_from_filename", "seen = []\ndef label_from_filename(path):\n    seen.append(path)\n    return 'x'\n")
    assert other("x") == "x" and "seen" not in first.__globals__  # each file has its own namespace
    assert load_piece("label_from_filename", "from torchvision import transforms\nimport numpy as np\n"
                      "def label_from_filename(path):\n    return 'cat'\n")("c") == "cat"  # the same objects again


@pytest.mark.parametrize("text,message", [
    ("def split_items(:\n", "split_items.py line 1"),
    ("x = 1\n", "does not define split_items"),
    ("split_items = 3\n", "not a function"),
    ("1 / 0\n", "raised ZeroDivisionError"),
    ("np = None\ndef split_items(items, val_fraction=0.25, seed=0):\n    return [], []\n", "rebinds np"),
    ("def build_transforms(train):\n    pass\ndef split_items(items, val_fraction=0.25, seed=0):\n    return [], []\n",
     "rebinds build_transforms"),
])
def test_load_piece_errors_are_one_sentence(text, message):
    with pytest.raises(PieceError, match=message):
        load_piece("split_items", text)


def test_the_learners_lines_show_in_tracebacks():
    import traceback

    function = load_piece("split_items", "def split_items(items, val_fraction=0.25, seed=0):\n    return 1 / 0\n")
    with pytest.raises(ZeroDivisionError) as info:
        function([])
    assert "return 1 / 0" in "".join(traceback.format_tb(info.value.__traceback__))
