"""The small helpers every module shares: atomic writes, and the first line of another library's error."""
import os
import stat

import pytest

from catdog_lib.atomic import atomic_open, atomic_write, remove_stale_temporaries
from catdog_lib.errors import first_line


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = atomic_write(tmp_path / "split.json", '{"old": 1}')
    with pytest.raises(RuntimeError):
        with atomic_open(path, "w") as f:
            f.write('{"new": ')
            raise RuntimeError("killed mid-write")
    assert path.read_text() == '{"old": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["split.json"]


def test_text_and_bytes_permissions_and_a_new_folder(tmp_path):
    text = atomic_write(tmp_path / "new" / "history.json", "é\n")
    assert text.read_bytes() == "é\n".encode()
    secret = atomic_write(tmp_path / "kaggle.json", b"{}", permissions=0o600)
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(text).st_mode) == 0o644


def test_only_new_files_and_stale_temporaries_go(tmp_path):
    with pytest.raises(ValueError, match="mode must be"):
        with atomic_open(tmp_path / "x", "a"):
            pass
    (tmp_path / ".model.pt.abc.tmp").write_bytes(b"half")
    (tmp_path / ".other.pt.abc.tmp").write_bytes(b"someone else's")
    remove_stale_temporaries(tmp_path / "model.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.pt.abc.tmp"]


@pytest.mark.parametrize("error, expected", [
    (ValueError("first\nsecond"), "first"),
    (KeyError(), "KeyError"),
    (OSError("  padded  "), "padded"),
    ("", ""),
    ("x" * 300, "x" * 200),
])
def test_first_line(error, expected):
    assert first_line(error) == expected


def test_first_line_limits():
    assert first_line("abcdef", limit=3) == "abc" and first_line("abcdef", limit=None) == "abcdef"
