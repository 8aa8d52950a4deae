"""A Python with Colab's own versions, for the Colab tests: built once per machine, then a fresh runtime per lesson.

Colab's image (googlecolab/backend-info ``pip-freeze.gpu.txt``; see
../shared/design/facts.md) has Python 3.13 and the versions in ``PINS``; torch
and torchvision are taken as the registry serves them (never pinned). The
*base* environment holds them and never changes: it is built once into
``~/.cache/catdog/colab-<hash>`` (or ``$CATDOG_COLAB_ENV``), in a temporary
folder renamed when complete, so a build cut short is never used; pip's own
cache (``~/.cache/pip``) keeps the wheels for the next build.

Each lesson then gets a *runtime*: a new, empty virtual environment whose
``.pth`` puts the base's packages and the stand-in ``google.colab`` on its
path, as Colab's preinstalled ones are. The setup cell's ``pip install -e``
installs into that runtime only, so what pip added or replaced is exactly what
the runtime's own site-packages holds (``added_packages``), and the base is
the same for every lesson (``base_freeze`` before and after).
"""
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

FAKE_COLAB = Path(__file__).resolve().parent / "fake_colab"
# From Colab's published list. torch and torchvision: as the registry serves them.
PINS = ["ipython==7.34.0", "ipykernel==6.17.1", "ipywidgets==7.7.1", "traitlets==5.7.1", "kaggle==2.0.2",
        "pytest==8.4.2", "notebook==6.5.7", "nbclient==0.10.2", "setuptools==75.2.0"]
UNPINNED = ["torch", "torchvision", "matplotlib", "pillow", "numpy", "tqdm", "nbformat"]
# What the kit's install may add to Colab (Colab has no pytest-timeout); anything else is a replacement.
MAY_ADD = {"catdog_lib", "catdog-lib", "pytest-timeout", "pytest_timeout"}


def colab_interpreter():
    """Python 3.13 (Colab's) where this machine has it: on PATH, else pyenv's; else this Python, said so."""
    candidates = [shutil.which("python3.13")]
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{root}/versions/3.13*/bin/python3.13"), reverse=True)
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "import venv"], capture_output=True).returncode == 0:
            return candidate
    print(f"\nno Python 3.13 here: the Colab environment uses {sys.version.split()[0]}")
    return sys.executable


def base_folder(python):
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True).stdout
    key = hashlib.sha256("\n".join([version, *PINS, *UNPINNED]).encode()).hexdigest()[:12]
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "catdog" / f"colab-{key}"
    return Path(os.environ.get("CATDOG_COLAB_ENV", default))


def colab_base():
    """``(python of the base environment, seconds its build took, or 0.0 when it was there)``."""
    python = colab_interpreter()
    folder = base_folder(python)
    if (folder / "bin" / "python").exists():
        return folder / "bin" / "python", 0.0
    started = time.perf_counter()
    building = folder.with_name(folder.name + f".building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    pip = [str(building / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    for command in ([python, "-m", "venv", str(building)], pip + ["--upgrade", "pip"], pip + PINS + UNPINNED):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"building Colab's environment failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    # A venv's scripts name their folder: build in place of the final name is not possible with
    # a rename, so the base is used only through `python -m` (never its bin/ scripts).
    if folder.exists():
        shutil.rmtree(folder)
    building.rename(folder)
    return folder / "bin" / "python", time.perf_counter() - started


def site_packages(python):
    return Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())


def new_runtime(folder, base_python):
    """A fresh runtime's Python: an empty venv that sees the base's packages and ``google.colab``."""
    subprocess.run([str(base_python), "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True)
    python = folder / "bin" / "python"
    # Plain path lines: the base's packages and the stand-in become importable, as Colab's preinstalled ones.
    (site_packages(python) / "colab_image.pth").write_text(f"{site_packages(base_python)}\n{FAKE_COLAB}\n")
    return python


def added_packages(python):
    """``{name: version}`` of what was installed into this runtime itself (not the base)."""
    found = {}
    for meta in site_packages(python).glob("*.dist-info"):
        name, _, version = meta.name[:-len(".dist-info")].partition("-")
        found[name] = version
    return found


def base_freeze(base_python):
    return subprocess.run([str(base_python), "-m", "pip", "list", "--format=freeze"], check=True,
                          capture_output=True, text=True).stdout.split()


if __name__ == "__main__":  # build it ahead (CI does, to time it apart from the tests)
    python, seconds = colab_base()
    print(f"Colab environment: {python} ({'built in %.0f s' % seconds if seconds else 'already built'})")
