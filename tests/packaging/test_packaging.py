"""The packaging promises: ranges not pins, conda and pip agree, the CLI is installed."""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONDA_NAMES = {"torch": "pytorch", "matplotlib": "matplotlib-base"}  # conda-forge's name, where it differs


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def split_requirement(req):
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_torch_and_torchvision_are_ranges_not_pins():
    deps = dict(split_requirement(r) for r in pyproject()["project"]["dependencies"])
    for name in ("torch", "torchvision"):
        assert deps[name], f"{name} has no lower bound"
        assert "==" not in deps[name] and "~=" not in deps[name], f"{name} is pinned: {deps[name]}"


def test_environment_yml_matches_pyproject():
    """conda users get the library and JupyterLab (the `lab` extra), with the same ranges."""
    project = pyproject()["project"]
    deps = dict(split_requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["lab"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            conda.update(split_requirement(r) for r in entry["pip"])
        else:
            conda.update([split_requirement(entry)])
    for name, spec in deps.items():
        conda_name = CONDA_NAMES.get(name, name)
        assert conda_name in conda, f"{name} is in pyproject.toml but not in environment.yml"
        assert conda[conda_name] == spec, f"{name}: pyproject.toml says {spec!r}, environment.yml {conda[conda_name]!r}"
    extra = set(conda) - {CONDA_NAMES.get(n, n) for n in deps} - {"python", "pip"}
    assert not extra, f"environment.yml has packages pyproject.toml lacks: {sorted(extra)}"
    python = pyproject()["project"]["requires-python"].replace(" ", "")
    assert conda["python"] == python


def test_console_script_and_module_entry_point_agree():
    assert pyproject()["project"]["scripts"]["catdog"] == "catdog_lib.cli:main"
    out = subprocess.run([sys.executable, "-m", "catdog_lib", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("info", "prepare", "train", "predict", "build", "collect", "demo"):
        assert command in out.stdout


def test_info_json_describes_the_machine():
    import json

    out = subprocess.run([sys.executable, "-m", "catdog_lib", "info", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["cores"] >= 1 and report["ram_bytes"] > 0
    assert report["torch"].startswith(__import__("torch").__version__.split("+")[0])
    assert report["device"] in ("cpu", "cuda", "mps")


def test_library_imports_no_jupyter():
    """A plain script imports the library quickly and headless."""
    code = ("import sys, catdog_lib; bad = [m for m in ('IPython', 'ipywidgets', 'matplotlib', 'kaggle') "
            "if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing catdog_lib pulled in {out.stdout.strip()}"


def test_readme_quick_start_commands_are_make_targets():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M), f"the Makefile has no {target} target"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_badges_open_the_lessons_from_the_kits_repository():
    """The README's Colab and Kaggle badges and the notebooks' own come from one repository name."""
    from catdog_lib.course.colab import colab_url, kaggle_url

    readme = (ROOT / "README.md").read_text()
    readme_zh = (ROOT / "README.zh.md").read_text()
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb"))
    assert len(lessons) == 5
    for name in lessons:
        assert colab_url(name) in readme, f"the README has no Colab badge for lessons/{name}"
        assert kaggle_url(name) in readme, f"the README has no Kaggle badge for lessons/{name}"
        assert kaggle_url(name, "lessons/zh") in readme_zh, f"README.zh has no Kaggle badge for lessons/zh/{name}"


def test_every_folder_of_the_library_is_installed():
    """A folder without ``__init__.py`` imports from a checkout but is left out of a wheel by setuptools."""
    from setuptools import find_packages

    installed = set(find_packages(str(ROOT), include=pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]))
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "catdog_lib").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert folders <= installed, f"add an __init__.py to {sorted(folders - installed)}"
