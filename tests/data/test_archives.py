"""safe_extract: nothing outside the target, no links, clear words for broken archives, all or nothing."""
import io
import os
import tarfile
import zipfile

import pytest

from catdog_lib.prepare.archives import safe_extract
from catdog_lib.errors import CatdogError

from .conftest import make_tar_gz, make_zip


def _zip_with(tmp_path, entries, name="a.zip"):
    path = tmp_path / name
    path.write_bytes(make_zip(entries))
    return path


def _symlink_zip(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ok.txt", b"fine")
        info = zipfile.ZipInfo("evil")
        info.external_attr = (0o120777 << 16)  # a symbolic link, as Info-ZIP stores it
        zf.writestr(info, "/etc/passwd")
    return path


def _tar_with_link(tmp_path, kind):
    path = tmp_path / f"{kind}.tar"
    with tarfile.open(path, "w") as tf:
        info = tarfile.TarInfo("ok.txt")
        info.size = 4
        tf.addfile(info, io.BytesIO(b"fine"))
        link = tarfile.TarInfo("evil")
        link.type = tarfile.SYMTYPE if kind == "sym" else tarfile.LNKTYPE
        link.linkname = "/etc/passwd" if kind == "sym" else "ok.txt"
        tf.addfile(link)
    return path


def test_zip_and_tar_unpack_into_dest(tmp_path):
    entries = {"train/cat.1.jpg": b"meow", "train/sub/dog.2.jpg": b"woof", "empty/": b""}
    for name, data in (("a.zip", make_zip(entries)), ("a.tar.gz", make_tar_gz(entries))):
        archive = tmp_path / name
        archive.write_bytes(data)
        out = safe_extract(archive, tmp_path / f"out-{name}")
        assert (out / "train" / "cat.1.jpg").read_bytes() == b"meow"
        assert (out / "train" / "sub" / "dog.2.jpg").read_bytes() == b"woof"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp folders left


def test_members_picks_entries_and_names_missing_ones(tmp_path):
    archive = _zip_with(tmp_path, {"train.zip": b"x", "test1.zip": b"y"})
    out = safe_extract(archive, tmp_path / "out", members=["train.zip"])
    assert [p.name for p in out.iterdir()] == ["train.zip"]
    with pytest.raises(CatdogError, match="does not hold nothing.zip"):
        safe_extract(archive, tmp_path / "out2", members=["nothing.zip"])


@pytest.mark.parametrize("evil", ["../escape.txt", "a/../../escape.txt", "/tmp/abs-escape.txt",
                                  "..\\escape.txt", "C:/escape.txt"])
def test_entries_outside_dest_are_refused(tmp_path, evil):
    archive = _zip_with(tmp_path, {"fine.txt": b"ok", evil: b"gotcha"})
    target = tmp_path / "deep" / "out"
    with pytest.raises(CatdogError, match="would land outside"):
        safe_extract(archive, target)
    assert not target.exists()
    assert not (tmp_path / "deep" / "escape.txt").exists() and not (tmp_path / "escape.txt").exists()
    assert not os.path.exists("/tmp/abs-escape.txt")


def test_tar_entries_outside_dest_are_refused(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(make_tar_gz({"ok.txt": b"ok", "../escape.txt": b"gotcha"}))
    with pytest.raises(CatdogError, match="would land outside"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_link_entries_are_refused(tmp_path):
    for archive in (_symlink_zip(tmp_path), _tar_with_link(tmp_path, "sym"), _tar_with_link(tmp_path, "hard")):
        with pytest.raises(CatdogError, match="is a link"):
            safe_extract(archive, tmp_path / "out")
        assert not (tmp_path / "out").exists()


def test_truncated_and_corrupt_archives_get_one_clear_sentence(tmp_path):
    good = make_zip({f"f{i}.bin": os.urandom(2000) for i in range(5)})
    corrupt = bytearray(good)
    corrupt[200:260] = b"\0" * 60  # inside the first file's data: its CRC fails
    cases = {"truncated.zip": good[: len(good) // 2], "corrupt.zip": bytes(corrupt),
             "page.zip": b"<html>Please log in</html>", "empty.zip": b"",
             "truncated.tar.gz": make_tar_gz({"a.bin": os.urandom(50_000)})[:20_000]}
    for name, data in cases.items():
        archive = tmp_path / name
        archive.write_bytes(data)
        with pytest.raises(CatdogError) as info:
            safe_extract(archive, tmp_path / "out")
        message = str(info.value)
        assert "not a complete zip or tar archive" in message and "download it again" in message, name
        assert "\n" not in message
        assert not (tmp_path / "out").exists(), name
        assert not list(tmp_path.glob(".out.partial*")), name


def test_an_interrupted_extraction_is_redone_never_half_used(tmp_path):
    archive = _zip_with(tmp_path, {"a.txt": b"a", "b.txt": b"b"})
    # What a killed run leaves behind: a hidden partial folder, and no dest.
    stale = tmp_path / ".out.partial-abc123"
    stale.mkdir()
    (stale / "a.txt").write_bytes(b"half")
    out = safe_extract(archive, tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    assert not stale.exists()


def test_a_new_extraction_replaces_the_old_only_when_complete(tmp_path):
    out = safe_extract(_zip_with(tmp_path, {"old.txt": b"1"}, "old.zip"), tmp_path / "out")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(make_zip({"new.txt": b"2" * 5000})[:-30])
    with pytest.raises(CatdogError):
        safe_extract(broken, out)
    assert [p.name for p in out.iterdir()] == ["old.txt"]  # the old one survives a failed update
    safe_extract(_zip_with(tmp_path, {"new.txt": b"2"}, "new.zip"), out)
    assert [p.name for p in out.iterdir()] == ["new.txt"]


def test_missing_archive_says_so(tmp_path):
    with pytest.raises(CatdogError, match="no archive at"):
        safe_extract(tmp_path / "nope.zip", tmp_path / "out")


def test_an_archive_bigger_than_the_free_disk_is_refused_before_unpacking(tmp_path):
    """A zip bomb (or a big zip on a small disk) is stopped before it fills the disk."""
    import struct

    data = bytearray(make_zip({"small.txt": b"ok"}))
    # Make the central directory claim 1 PiB for the entry, through a Zip64 extra field.
    cd, eocd = data.find(b"PK\x01\x02"), data.rfind(b"PK\x05\x06")
    name_len, extra_len = struct.unpack_from("<HH", data, cd + 28)
    struct.pack_into("<IH", data, cd + 24, 0xFFFFFFFF, name_len)
    struct.pack_into("<H", data, cd + 30, extra_len + 12)
    at = cd + 46 + name_len + extra_len
    data[at:at] = struct.pack("<HHQ", 1, 8, 2**50)
    struct.pack_into("<I", data, eocd + 12 + 12, struct.unpack_from("<I", data, eocd + 12 + 12)[0] + 12)
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(bytes(data))
    assert zipfile.ZipFile(archive).infolist()[0].file_size == 2**50
    with pytest.raises(CatdogError, match="GB are free"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.partial*"))
