"""The embedded sample (catdog_lib/sample/): real photos, small, said where from, in the wheel and the sdist."""
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from catdog_lib.sample import ODD_PHOTOS, PHOTOS, sample_dir, sample_photos, sample_summary

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "dogs-vs-cats-200px" / "train"
KAGGLE_NAME = re.compile(r"(cat|dog)\.\d+\.jpg")


def sample_names():
    return sorted(p.name for p in PHOTOS.iterdir() if p.name != "NOTICE")


def test_half_cats_half_dogs_under_kaggles_names():
    names = sample_names()
    assert all(KAGGLE_NAME.fullmatch(name) for name in names), [n for n in names if not KAGGLE_NAME.fullmatch(n)]
    cats = [n for n in names if n.startswith("cat.")]
    assert len(names) == 96 and len(cats) == 48
    assert [p.name for p in sample_photos()] == sorted(names, key=lambda n: (n[:3], int(n.split(".")[1])))
    assert sample_dir() == PHOTOS and sample_dir().is_dir()


def test_small_jpegs_of_160_px():
    total = 0
    for path in sample_photos():
        with Image.open(path) as image:
            image.load()
            assert (image.format, image.mode, max(image.size)) == ("JPEG", "RGB", 160), path.name
        total += path.stat().st_size
    assert total < 700 * 1024, f"the sample takes {total / 1024:.0f} KiB"


def test_the_odd_photos_are_in_it_and_described():
    names = set(sample_names())
    assert set(ODD_PHOTOS) <= names, set(ODD_PHOTOS) - names
    assert {n.split(".")[0] for n in ODD_PHOTOS} == {"cat", "dog"}
    assert len(ODD_PHOTOS) <= len(names) // 4, "mostly ordinary photos"
    assert all(len(words) > 10 for words in ODD_PHOTOS.values())


def test_the_notice_says_where_they_come_from_and_on_what_terms():
    notice = (PHOTOS / "NOTICE").read_text()
    for words in ("Kaggle", "Dogs vs. Cats", "Asirra", "Microsoft Research", "Petfinder", "non-commercial",
                  "tools/make_sample.py"):
        assert words in notice, words
    readme = (ROOT / "README.md").read_text()
    assert "catdog_lib/sample/photos/NOTICE" in readme, "the README's license note points at the NOTICE"


def test_the_summary_line_counts_the_photos_and_says_how_to_get_more():
    line = sample_summary()
    assert "\n" not in line and "96 photos (48 cats, 48 dogs)" in line
    assert "CATDOG_DATA" in line and "kaggle" in line.lower()


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"tools/make_sample.py draws from the shared photos ({SHARED})")
def test_make_sample_draws_the_same_photos_again(tmp_path):
    """The script is deterministic, and what it draws is what the package holds."""
    runs = []
    for name in ("a", "b"):
        out = subprocess.run([sys.executable, str(ROOT / "tools" / "make_sample.py"), "--to", str(tmp_path / name)],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        runs.append({p.name: p.read_bytes() for p in (tmp_path / name).iterdir()})
    assert runs[0] == runs[1]
    assert sorted(runs[0]) == sample_names()
    import numpy as np

    for name, data in runs[0].items():  # the same pixels, give or take another libjpeg's rounding
        drawn = np.asarray(Image.open(tmp_path / "a" / name), dtype=float)
        shipped = np.asarray(Image.open(PHOTOS / name), dtype=float)
        assert drawn.shape == shipped.shape and np.abs(drawn - shipped).mean() < 1.0, name


def _build(tmp_path):
    """Build the sdist and the wheel from a copy of the project (the build writes into its source folder)."""
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"pyproject.toml needs setuptools>=77 to build; this Python has {setuptools.__version__}")
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "MANIFEST.in", "labextension/install.json",
                 "jupyter-config/server-config/catdog_lib.json"):  # the JupyterLab extension's data files too
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "catdog_lib", source / "catdog_lib", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    for hook in ("build_sdist", "build_wheel"):  # one process each: in one, the wheel lands in the sdist's folder
        code = f"import sys; from setuptools import build_meta; build_meta.{hook}(sys.argv[1])"
        out = subprocess.run([sys.executable, "-c", code, str(dist)], cwd=source, capture_output=True, text=True,
                             timeout=300, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
        assert out.returncode == 0, out.stderr[-2000:]
    (sdist,), (wheel,) = dist.glob("*.tar.gz"), dist.glob("*.whl")
    return sdist, wheel


def test_the_wheel_and_the_sdist_ship_the_photos_and_an_install_finds_them(tmp_path):
    sdist, wheel = _build(tmp_path)
    wanted = {f"catdog_lib/sample/photos/{name}" for name in sample_names() + ["NOTICE"]}
    with zipfile.ZipFile(wheel) as zf:
        assert wanted <= set(zf.namelist()), sorted(wanted - set(zf.namelist()))[:5]
    with tarfile.open(sdist) as tf:
        in_sdist = {name.split("/", 1)[1] for name in tf.getnames() if "/" in name}
        assert wanted <= in_sdist, sorted(wanted - in_sdist)[:5]

    target = tmp_path / "installed"
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                          "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    code = "from catdog_lib.sample import sample_dir, sample_photos; print(sample_dir()); print(len(sample_photos()))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(target)})
    assert out.returncode == 0, out.stderr
    folder, count = out.stdout.split()
    assert Path(folder) == target / "catdog_lib" / "sample" / "photos" and int(count) == 96
