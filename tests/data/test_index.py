"""index_images on a corpus of bad inputs made from the real photos: each used, or skipped with its reason."""
import os
import struct
import zlib

import pytest
from PIL import Image

from catdog_lib.prepare import IMAGE_EXTENSIONS, SYSTEM_FILE, ImageRecord, index_images, report_skipped


def _png_header_only(path, width, height):
    """A PNG whose header claims ``width x height`` pixels (no pixel data): a decompression bomb's header."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, photos_dir):
    """``{file name: expected}``: ``"ok"`` for a usable photo, else a word of the skip reason."""
    from helpers import photo_path

    root = tmp_path_factory.mktemp("corpus")
    photo = Image.open(photo_path(photos_dir, "cat", 0))
    jpeg = photo_path(photos_dir, "dog", 0).read_bytes()
    nested = root / "a" / "b c"
    nested.mkdir(parents=True)
    (root / "__MACOSX").mkdir()
    expected = {}

    def add(name, expect, data=None, image=None, **save):
        path = root / name
        if data is not None:
            path.write_bytes(data)
        else:
            image.save(path, **save)
        expected[name] = expect

    add("cat.1.jpg", "ok", jpeg)
    add("dog.2.jpg", "truncated", jpeg[: len(jpeg) // 2])
    add("cat.3.jpg", "empty", b"")
    add("dog.4.jpg", "not an image", b"this is a text file, not a photo\n")
    add("cat.5.png", "ok", image=photo.convert("RGBA"))  # alpha
    add("dog.6.jpg", "ok", image=photo.convert("L"))  # grayscale
    add("cat.7.png", "ok", image=photo.convert("P"))  # palette
    add("dog.8.jpg", "ok", image=photo.convert("CMYK"))
    add("cat.9.png", "16-bit", image=photo.convert("L").point(lambda v: v * 256).convert("I;16"))  # white in ImageFolder
    add("dog.10.gif", "ok", image=photo, save_all=True,  # usable: prepare converts it (convert.py)
        append_images=[photo.rotate(90)], duration=100)
    _png_header_only(root / "cat.11.png", 20_000, 20_000)
    expected["cat.11.png"] = "too many pixels"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the header's size is before rotation
    add("dog.12.jpg", "ok", image=photo, exif=exif)
    add("cat.13.heic", "HEIC", b"\x00\x00\x00\x18ftypheic")
    add(".DS_Store", SYSTEM_FILE, b"\x00\x00\x00\x01Bud1")
    add("Thumbs.db", SYSTEM_FILE, b"\xd0\xcf\x11\xe0")
    add("__MACOSX/._cat.1.jpg", SYSTEM_FILE, b"\x00\x05\x16\x07")
    add("a/b c/dog.14 copy.jpg", "ok", jpeg)  # nested, spaces
    add("a/Chat.ñ.jpg", "no label", jpeg)  # non-ASCII, unknown label
    add("a/b c/Dog.15.Ünïcödé.JPG", "ok", jpeg)  # upper case extension, non-ASCII
    add("bird.16.jpg", "no label", jpeg)
    add("notes.txt", "not an image file", b"hello")
    return root, expected


def test_every_file_is_used_or_skipped_with_its_reason(corpus):
    root, expected = corpus
    images, skipped = index_images(root)
    by_name = {r.path.relative_to(root).as_posix(): r for r in images}
    reasons = {p.relative_to(root).as_posix(): reason for p, reason in skipped}
    assert len(images) + len(skipped) == len(expected)
    for name, expect in expected.items():
        if expect == "ok":
            assert name in by_name, (name, reasons.get(name))
        else:
            assert name in reasons, name
            assert expect.lower() in reasons[name].lower(), (name, reasons[name])

    width, height = Image.open(root / "cat.1.jpg").size
    assert by_name["cat.1.jpg"] == ImageRecord(root / "cat.1.jpg", "cat", width, height, "RGB", "JPEG")
    assert by_name["dog.8.jpg"].mode == "CMYK" and by_name["cat.7.png"].mode == "P"
    assert by_name["a/b c/Dog.15.Ünïcödé.JPG"].label == "dog"


def test_usable_photos_really_load_and_skipped_ones_really_fail(corpus):
    """The index agrees with a full decode: what it keeps, Pillow can load."""
    root, _ = corpus
    images, skipped = index_images(root)
    for record in images:
        with Image.open(record.path) as im:
            im.convert("RGB").load()
    truncated = [p for p, reason in skipped if "truncated" in reason]
    with pytest.raises(OSError), Image.open(truncated[0]) as im:
        im.load()


def test_pairs_and_paths_are_indexed_too(corpus, photos_dir):
    root, _ = corpus
    images, skipped = index_images([(root / "cat.1.jpg", "kitten"), (root / "gone.jpg", "cat")])
    assert [(r.path.name, r.label) for r in images] == [("cat.1.jpg", "kitten")]
    assert [(p.name, reason) for p, reason in skipped] == [("gone.jpg", "missing (no such file)")]
    from helpers import photo_path

    images, _ = index_images([photo_path(photos_dir, "dog", 3)])
    assert images[0].label == "dog"


def test_our_extensions_are_imagefolders():
    from torchvision.datasets.folder import IMG_EXTENSIONS

    assert set(IMAGE_EXTENSIONS) == set(IMG_EXTENSIONS)


def test_report_lists_ten_then_counts_and_counts_system_files():
    skipped = [(f"x/{i}.jpg", "empty file (0 bytes)") for i in range(13)] + [("x/.DS_Store", SYSTEM_FILE)] * 2
    lines = []
    report_skipped(skipped, lines.append)
    assert lines[0].startswith("Ignored 2 system file")
    assert lines[1] == "Skipped 13 file(s):"
    assert len(lines) == 2 + 10 + 1 and lines[-1] == "  ... and 3 more"


def test_the_cache_rereads_only_changed_files(tmp_path, photos_dir):
    from helpers import photo_path

    folder = tmp_path / "photos"
    folder.mkdir()
    for label in ("cat", "dog"):
        (folder / f"{label}.1.jpg").write_bytes(photo_path(photos_dir, label, 1).read_bytes())
    cache = tmp_path / "index.json"
    first = index_images(folder, cache=cache)
    assert cache.is_file() and not first[1]

    # Same size and time: the cached header is trusted (the file is not opened again)...
    cat = folder / "cat.1.jpg"
    st = cat.stat()
    cat.write_bytes(b"\0" * st.st_size)
    os.utime(cat, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert index_images(folder, cache=cache) == first
    # ...a changed file is read again.
    cat.write_bytes(b"")
    images, skipped = index_images(folder, cache=cache)
    assert [r.path.name for r in images] == ["dog.1.jpg"]
    assert [(p.name, r) for p, r in skipped] == [("cat.1.jpg", "empty file (0 bytes)")]
    # A broken cache file is no reason to stop.
    cache.write_text("{not json")
    assert index_images(folder, cache=cache) == (images, skipped)


def test_photos_under_a_hidden_folder_are_still_photos(tmp_path, photos_dir):
    """Data kept in ~/.cache/... is not a hidden file; a hidden folder inside the data is."""
    folder = tmp_path / ".cache" / "photos"
    (folder / ".ipynb_checkpoints").mkdir(parents=True)
    from helpers import photo_path

    (folder / "cat.1.jpg").write_bytes(photo_path(photos_dir, "cat", 1).read_bytes())
    (folder / ".ipynb_checkpoints" / "cat.2.jpg").write_bytes(photo_path(photos_dir, "cat", 2).read_bytes())
    images, skipped = index_images(folder)
    assert [r.path.name for r in images] == ["cat.1.jpg"]
    assert [(p.name, r) for p, r in skipped] == [("cat.2.jpg", SYSTEM_FILE)]
    images, skipped = index_images([folder / "cat.1.jpg", folder / ".ipynb_checkpoints" / "cat.2.jpg"])
    assert [r.path.name for r in images] == ["cat.1.jpg"] and len(skipped) == 1


def test_skip_reasons_are_kept_in_english_and_shown_in_the_learners_words(tmp_path, monkeypatch):
    """The index's cache serves every session: reasons stay English there, and read Chinese where shown."""
    import re
    import string

    from catdog_lib.prepare import reason_words
    from catdog_lib.prepare.reasons import TEMPLATES

    cjk = re.compile(r"[\u4e00-\u9fff]")
    for template in TEMPLATES:  # each one, with made-up values, back and forth
        names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        values = {name: f"V{i}.x" for i, name in enumerate(names)}
        reason = template.format(**values)
        assert reason_words(reason, lang="en") == reason
        chinese = reason_words(reason, lang="zh")
        assert cjk.search(chinese) and all(value in chinese for value in values.values()), (template, chinese)
    (tmp_path / "cat.1.jpg").write_bytes(b"")
    (tmp_path / "dog.4.txt").write_text("notes")
    (tmp_path / "bird.5.jpg").write_bytes(b"\xff\xd8\xff")
    _, skipped = index_images(tmp_path)
    assert not any(cjk.search(reason) for _, reason in skipped)  # what the cache keeps
    monkeypatch.setenv("CATDOG_LANG", "zh")
    said = []
    report_skipped(skipped, report=said.append)
    assert len(said) == 4 and all(cjk.search(line) for line in said), said
    assert any(".txt" in line for line in said)
    assert reason_words("a reason from an older cache") == "a reason from an older cache"
