"""The words a lesson shows outside the checks (setup, data, training and upload errors, their progress
lines, the settings table, the upload box) go through ``tr``, and read Chinese with ``CATDOG_LANG=zh``.

The first tests read the code (Python's parser): every error of the kit raised in these files, every line
they print for a learner and every widget label is a ``tr(...)`` call, so a message added in English only
fails here. The others run the real paths in both languages.
"""
import ast
import importlib
import json
import string
from pathlib import Path

import pytest

from catdog_lib.errors import CatdogError
from catdog_lib.i18n import tr

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "catdog_lib"

# The files whose learner-facing words this side of the kit translates (the checks and the check machinery
# of course/ are covered by their own tests; runtime.py and training.py by the lessons' side).
COVERED = sorted(
    [LIB / "course" / "magics.py", LIB / "course" / "learner.py", LIB / "hardware.py",
     LIB / "notebook" / "settings.py", LIB / "notebook" / "photos.py", LIB / "notebook" / "widgets.py",
     *(LIB / "prepare").glob("*.py"),
     *(LIB / "train" / name for name in ("amp.py", "bundle.py", "cache.py", "checkpoint.py", "fast.py",
                                          "loop.py", "run.py", "weights.py"))])
# Calls whose first argument is a line a learner reads.
SAYING = {"report", "print", "say", "note"}
# Deliberate exceptions, by (file, the call's line of source): none. The pieces' own errors (ValueError in
# data.py and pick_device) are not here on purpose: %solution shows their source, and a tr() in it would
# teach nothing; the checks judge a learner's piece by the type of the error, not its words. Not a call, so
# not read here, and still English: the index's one-line reasons for a skipped file (prepare/index.py,
# read_image_header), which the GIF work is changing at the same time.
ALLOWED = set()


def _error_names():
    """CatdogError and every subclass of it in the library (UploadError, PieceNotPassing, ...)."""
    for path in COVERED:
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    found, todo = set(), [CatdogError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def _name(func):
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _is_tr(node):
    return isinstance(node, ast.Call) and _name(node.func) == "tr"


def _has_words(node):
    """Whether a string literal or f-string holds letters of its own (``f"  {path}: {reason}"`` does not)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _has_words(node.left) or _has_words(node.right)
    return False


def untranslated(source, filename, errors):
    """``[(line, why)]`` for each learner-facing text in ``source`` that does not go through ``tr``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        first = node.args[0] if node.args else None
        if name in errors and first is not None and not _is_tr(first):
            found.append((node.lineno, f"{name}(...) without tr()"))
        if name in SAYING:  # note(piece name, why): the words are the second argument
            words = node.args[1] if name == "note" and len(node.args) > 1 else first
            if words is not None and _has_words(words):
                found.append((node.lineno, f"{name}(...) of words without tr()"))
        for keyword in node.keywords:
            if keyword.arg in ("description", "label", "tooltip", "placeholder") and _has_words(keyword.value):
                found.append((node.lineno, f"{keyword.arg}= without tr()"))
        if name == "HTML" and first is not None and _has_words(first):
            found.append((node.lineno, "a widget's HTML without tr()"))
        if name == "tr":
            if first is None or not (isinstance(first, ast.Name) or
                                     isinstance(first, ast.Subscript) or
                                     (isinstance(first, ast.Constant) and isinstance(first.value, str))):
                found.append((node.lineno, "tr() of something the catalogue cannot hold (give it the English text)"))
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                fields = {f.split(".")[0].split("[")[0].split("!")[0]
                          for _, f, _, _ in string.Formatter().parse(first.value) if f is not None}
                clash = fields & {"message", "lang"}
                if clash:  # tr's own parameters: a value of that name raises TypeError
                    found.append((node.lineno, f"a placeholder named {sorted(clash)[0]}: name it otherwise"))
                given = {kw.arg for kw in node.keywords if kw.arg} - {"lang"}
                if "" in fields:
                    found.append((node.lineno, "a positional {} placeholder: name it"))
                elif not any(kw.arg is None for kw in node.keywords) and fields != given:
                    found.append((node.lineno, f"placeholders {sorted(fields)} but values {sorted(given)}"))
    return found


def test_every_error_line_and_label_of_the_covered_files_goes_through_tr():
    errors = _error_names()
    assert {"CatdogError", "UploadError", "PieceNotPassing", "PieceRaised"} <= errors
    problems = []
    for path in COVERED:
        rel = str(path.relative_to(ROOT))
        problems += [f"{rel}:{line}: {why}" for line, why in untranslated(path.read_text(encoding="utf-8"), rel, errors)
                     if (rel, line) not in ALLOWED]
    assert not problems, "\n".join(problems)


def test_the_reading_of_the_code_catches_each_kind_of_english_only_text():
    errors = {"CatdogError", "UploadError"}
    source = '''
raise CatdogError(f"there is no folder {path}")
raise UploadError("too big")
raise CatdogError(tr("fine {path}", path=path))
report(f"Indexed {count} files")
report(f"  {path}: {reason}")
note("split_items", "not used here")
widgets.FileUpload(description="Upload photos")
widgets.HTML("Upload one or more photos:")
tr("{path} is gone", where=path)
tr("{} is gone", path)
tr("{message}", message=text)
'''
    lines = sorted({line for line, _ in untranslated(source, "<test>", errors)})
    assert lines == [2, 3, 5, 7, 8, 9, 10, 11, 12]


# ----- the real paths, in Chinese and in English -------------------------------------------------------

@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("CATDOG_LANG", "zh")


@pytest.fixture
def en(monkeypatch):
    monkeypatch.delenv("CATDOG_LANG", raising=False)


def _chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_catalogue_has_the_chinese_of_these_messages():
    """Without a compiled catalogue everything would silently stay English: the tests below would prove nothing."""
    assert tr("Upload photos", lang="zh") == "上传照片"
    assert tr("there is no checkpoint at {path}", lang="zh", path="/x/ck.pt") == "/x/ck.pt 处没有检查点"


def _no_photos(tmp_path):
    from catdog_lib.prepare import prepare

    empty = tmp_path / "my photos"
    empty.mkdir()
    with pytest.raises(CatdogError) as info:
        prepare(source="folder", from_dir=empty, dest=tmp_path / "arranged", report=lambda line: None)
    return str(info.value), empty


def test_an_empty_folder_says_so_in_chinese_with_its_path(zh, tmp_path):
    message, empty = _no_photos(tmp_path)
    assert message.startswith(f"在 {empty} 中没有找到可用的猫狗照片"), message
    assert "cat.1.jpg" in message and "train/<label>/" in message  # names and paths stay as they are


def test_an_empty_folder_says_so_in_english_without_a_language(en, tmp_path):
    message, empty = _no_photos(tmp_path)
    assert message.startswith(f"found no usable cat or dog photos in {empty}: expected files named like cat.1.jpg")
    assert not _chinese(message)


def _no_kaggle_token(tmp_path, monkeypatch):
    from catdog_lib.prepare import sources

    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / ".kaggle"))
    (tmp_path / ".kaggle").mkdir()
    (tmp_path / ".kaggle" / "kaggle.json").write_text(json.dumps({"username": ""}))
    with pytest.raises(CatdogError) as info:
        sources.download_kaggle(tmp_path / "raw", report=lambda line: None)
    return str(info.value)


def test_a_kaggle_json_without_a_key_is_named_in_chinese_with_what_to_do(zh, tmp_path, monkeypatch):
    message = _no_kaggle_token(tmp_path, monkeypatch)
    config = tmp_path / ".kaggle" / "kaggle.json"
    # the message and the how-to inside it are both Chinese; the path, the URL and the names stay
    assert message.startswith(f"{config} 里没有 username 和 key：请替换它；在 https://www.kaggle.com/settings（API）中，"
                              "Create New Token 给出一个访问令牌（KGAT_...）")
    assert "KAGGLE_USERNAME" in message and "KAGGLE_API_TOKEN" in message and "Create Legacy API Key" in message


def test_a_kaggle_json_without_a_key_in_english(en, tmp_path, monkeypatch):
    message = _no_kaggle_token(tmp_path, monkeypatch)
    assert message.startswith(f"{tmp_path / '.kaggle' / 'kaggle.json'} holds no username and key: replace it; "
                              "on https://www.kaggle.com/settings (API), Create New Token gives an access token")


def _upload_box():
    import torch

    from catdog_lib.notebook import widgets as box

    model = torch.nn.Linear(1, 2)
    return box.upload_box(model, ["cat", "dog"])


def test_the_upload_box_labels_are_chinese(zh, monkeypatch):
    from catdog_lib.notebook import widgets as box

    monkeypatch.setattr(box, "in_colab", lambda: False)
    intro, button, _ = _upload_box().children
    assert button.description == "上传照片"
    assert intro.value == "上传一张或多张猫或狗的照片（只接受图片，每张最大 20 MB）："


def test_the_upload_box_labels_are_english_without_a_language(en, monkeypatch):
    from catdog_lib.notebook import widgets as box

    monkeypatch.setattr(box, "in_colab", lambda: False)
    intro, button, _ = _upload_box().children
    assert button.description == "Upload photos"
    assert intro.value == "Upload one or more photos of cats or dogs (images only, up to 20 MB each):"


def test_a_refused_upload_says_why_in_chinese(zh, tmp_path):
    from catdog_lib.notebook.widgets import classify_uploads

    [refused] = classify_uploads([("notes.txt", b"not a photo")], model=None, class_names=["cat", "dog"],
                                 folder=tmp_path, predict=lambda *a, **k: {})
    assert refused.error == "'notes.txt' 不是我们能读取的图像：请上传照片（JPEG、PNG、GIF、BMP、WebP 或 TIFF）"


def test_the_settings_table_is_chinese_and_keeps_the_names_and_values(zh):
    from catdog_lib.notebook.settings import load_settings

    settings = load_settings(epochs=3, env={"CATDOG_SIZE": "64"}, device="cpu")
    text, page = str(settings), settings._repr_html_()
    rows = {line.split()[0]: line for line in text.splitlines()}
    assert rows["lr"].endswith("学习率（对先升后降的调度来说，是其峰值）") and "默认" in rows["lr"]  # where from, what
    assert "CATDOG_SIZE" in rows["size"] and "64" in rows["size"]
    assert "<b>设置</b>" in page and ">含义</th>" in page and "size 64 (CATDOG_SIZE)" in page
    from catdog_lib.i18n import text_width
    from catdog_lib.notebook.settings import HELP

    # the meanings start in one column on screen, though "默认" takes four columns and "default" seven
    starts = {text_width(rows[name][:rows[name].index(tr(HELP[name]))]) for name in rows}
    assert len(starts) == 1, text


def test_a_bad_setting_says_so_in_chinese(zh):
    from catdog_lib.notebook.settings import load_settings

    with pytest.raises(CatdogError) as info:
        load_settings(env={"CATDOG_EPOCHS": "three"})
    assert str(info.value) == "CATDOG_EPOCHS='three' 不是整数：请设为例如 {}".format(
        load_settings.__globals__["Settings"].epochs)


def test_the_hardware_report_is_chinese_where_it_is_words(zh):
    from catdog_lib.hardware import format_report

    report = {"cpu": "Test CPU", "cores": 2, "ram_bytes": None, "gpus": [], "mps": False, "torch": "2",
              "torchvision": "0", "python": "3.11", "device": "cpu"}
    lines = format_report(report).splitlines()
    assert lines[0] == "CPU:          Test CPU（2 核）"
    assert "GPU:          无（训练在 CPU 上进行，比较慢）" in lines and "训练设备:     cpu" in lines
    assert "torch:        2, torchvision 0" in lines  # versions are not words


def test_a_strip_is_refused_in_chinese_on_upload_and_its_cached_index_reason_stays_english(zh, tmp_path):
    """The index caches its reasons by file (every lesson indexes again): they stay in one language."""
    import io

    from PIL import Image

    from catdog_lib.notebook.widgets import classify_uploads
    from catdog_lib.prepare.index import index_images

    buffer = io.BytesIO()
    Image.new("RGB", (1, 200)).save(buffer, format="PNG")
    [refused] = classify_uploads([("strip.png", buffer.getvalue())], model=None, class_names=["cat", "dog"],
                                 folder=tmp_path / "up", predict=lambda *a, **k: {})
    assert refused.error.startswith("'strip.png' 是一张 1 x 200 像素的长条图（一条边是另一条边的 50 倍以上）")

    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.1.png").write_bytes(buffer.getvalue())
    _, [(_, reason)] = index_images(tmp_path / "photos", cache=tmp_path / "index.json")
    assert reason.startswith("the image is a strip of 1 x 200 pixels"), reason


def test_an_upload_card_names_the_class_in_both_words_in_chinese_and_once_in_english(monkeypatch, photos_dir):
    from catdog_lib.notebook.widgets import Upload, class_words, uploads_html
    from helpers import photo_items

    photo, _ = photo_items(photos_dir, 1)[0]
    card = [Upload("mine.jpg", photo, {"cat": 0.9, "dog": 0.1})]
    monkeypatch.setenv("CATDOG_LANG", "zh")
    assert class_words("dog") == "dog 狗" and "<b>cat 猫</b>" in uploads_html(card)
    assert class_words("tabby") == "tabby"  # a class of a learner's own data keeps its folder's name
    monkeypatch.delenv("CATDOG_LANG")
    assert class_words("dog") == "dog" and "<b>cat</b>" in uploads_html(card)
