"""``catdog prepare --source folder`` end to end, as a learner runs it, on 96 real photos."""
import json
import os
import subprocess
import sys

from catdog_lib.prepare import MANIFEST
from helpers import photo_items


def _catdog(*args, env=None):
    return subprocess.run([sys.executable, "-m", "catdog_lib", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_catdog_prepare_folder(tmp_path, photos_dir, capsys, monkeypatch):
    monkeypatch.delenv("CATDOG_DATA", raising=False)
    photos = tmp_path / "photos"
    (photos / "nested").mkdir(parents=True)
    for path, label in photo_items(photos_dir, 48):  # as many as the kit's sample has
        os.symlink(path, photos / ("nested" if label == "dog" else "") / path.name)
    (photos / "dog.500.jpg").write_bytes(b"")  # a bad file is reported, the run goes on
    (photos / ".DS_Store").write_bytes(b"junk")
    dest = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "CATDOG_DATA"}

    first = _catdog("prepare", "--source", "folder", "--from", str(photos), "--dest", str(dest), env=env)
    assert first.returncode == 0, first.stderr
    assert "train:     72 photos (36 cat, 36 dog)" in first.stdout
    assert "  val:     24 photos (12 cat, 12 dog)" in first.stdout
    assert "dog.500.jpg: empty file (0 bytes)" in first.stdout
    assert "Ignored 1 system file" in first.stdout

    train = {p.name for p in (dest / "train").rglob("*.jpg")}
    val = {p.name for p in (dest / "val").rglob("*.jpg")}
    assert len(train) == 72 and len(val) == 24 and not train & val
    manifest = json.loads((dest / MANIFEST).read_text())
    assert {name.split("/")[-1] for name, _ in manifest["val"]} == val

    # Again, as a restart would (in this process: each new one spends seconds importing torch).
    lines = _main(capsys, "prepare", "--source", "folder", "--from", str(photos), "--dest", str(dest))
    assert lines[0] == 0
    assert "Reusing the split" in lines[1]
    assert {p.name for p in (dest / "val").rglob("*.jpg")} == val
    assert json.loads((dest / MANIFEST).read_text()) == manifest

    code, out, err = _main(capsys, "prepare", "--source", "folder", "--from", str(tmp_path / "nowhere"))
    assert code == 1
    assert err.startswith("catdog prepare: there is no folder at") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def _main(capsys, *args):
    from catdog_lib.cli import main

    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
