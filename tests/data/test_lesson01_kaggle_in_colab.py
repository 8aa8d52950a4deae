"""Lesson 01 as released, run all in a stand-in Colab runtime, with each kind of Kaggle access token.

The kernel imports the stand-in ``google.colab`` (tests/e2e/fake_colab): its
``files.upload`` hands over the file named by ``CATDOG_FAKE_UPLOADS``, its
``userdata.get`` the secrets in ``CATDOG_FAKE_SECRETS``, its ``drive.mount``
one folder as MyDrive. Kaggle is the stand-in on localhost:7777
(``fake_kaggle``), which accepts only ``Authorization: Bearer <the token>``.
Each run must reach Kaggle's download and the lesson's last cell.
"""
import json
import os
from pathlib import Path

import nbformat
import pytest

from .conftest import FAKE_TOKEN

KIT = Path(__file__).resolve().parents[2]
FAKE_COLAB = KIT / "tests" / "e2e" / "fake_colab"
INTROSPECT = "/api/v1/security.OAuthService/IntrospectToken"
RPC = "/api/v1/competitions.CompetitionApiService/DownloadDataFiles"

pytestmark = pytest.mark.slow


def run_lesson01(tmp_path, **env_extra):
    from nbclient import NotebookClient

    nb = nbformat.read(KIT / "lessons" / "01_setup_and_hardware.ipynb", as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    # This runtime's clone is the kit here, seen through /content/catdog-kit: Drive mounts beside it, in tmp_path.
    clone = tmp_path / "content" / "catdog-kit"
    clone.parent.mkdir()
    clone.symlink_to(KIT, target_is_directory=True)
    setup.source = setup.source.replace("/content/catdog-kit", str(clone))
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CATDOG_", "PYTHON", "JUPYTER", "PYTEST_", "KAGGLE_", "XDG_"))}
    env.update({
        "HOME": str(home), "PYTHONPATH": str(FAKE_COLAB), "CATDOG_FAKE_DRIVE": str(tmp_path / "MyDrive"),
        "CATDOG_DATA_ROOT": str(tmp_path / "disk"), "KAGGLE_API_ENVIRONMENT": "TEST",
        "CATDOG_SIZE": "32", "CATDOG_DEVICE": "cpu", "CATDOG_WORKERS": "0", "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(env_extra)
    (tmp_path / "MyDrive").mkdir()
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)
    return nb, home


def outputs(cell):
    return "\n".join([o.get("text", "") for o in cell.outputs] +
                     [str(v) for o in cell.outputs for k, v in o.get("data", {}).items() if k == "text/plain"])


def check_the_run(nb, fake_kaggle, tmp_path):
    errors = [(c.source.splitlines()[0], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    calls = [(r[1], r[2].get("Authorization")) for r in fake_kaggle.requests if r[0] == "POST"]
    assert calls == [(INTROSPECT, f"Bearer {FAKE_TOKEN}"), (RPC, f"Bearer {FAKE_TOKEN}")]
    photos = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("photos = get_photos"))
    assert "Downloading Kaggle's dogs-vs-cats" in outputs(photos) and "kaggle" in outputs(photos).lower()
    assert nb.cells[-1].source == "%progress" and nb.cells[-1].outputs  # the end of the lesson
    assert FAKE_TOKEN not in json.dumps(nb)
    assert (tmp_path / "disk" / "kaggle" / "raw" / ".complete").is_file()
    assert (tmp_path / "MyDrive" / "catdog" / "downloads" / "dogs-vs-cats.zip").is_file()  # kept on Drive
    assert (tmp_path / "content" / "drive" / "MyDrive").is_symlink()  # mounted beside the clone, nowhere else


def test_lesson01_with_an_access_token_uploaded_reaches_kaggle_and_the_end(fake_kaggle, tmp_path):
    token = tmp_path / "uploads" / "kaggle_token.txt"
    token.parent.mkdir()
    token.write_text(FAKE_TOKEN + "\n")
    nb, home = run_lesson01(tmp_path, CATDOG_FAKE_UPLOADS=str(token))
    check_the_run(nb, fake_kaggle, tmp_path)
    asked = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Where will the photos"))
    said = outputs(asked)
    assert "Upload your kaggle.json, or a file holding your access token (KGAT_...)" in said
    assert f"Saved your token to {home / '.kaggle' / 'access_token'}." in said
    assert (tmp_path / "MyDrive" / "catdog" / "access_token").read_text().strip() == FAKE_TOKEN
    # files.upload writes into the working folder: no copy of the token is left beside the kit
    from catdog_lib.paths import kit_root
    assert not list(kit_root().glob("kaggle_token*")) and not list(tmp_path.glob("kaggle_token*"))


def test_lesson01_with_the_colab_secret_kaggle_api_token_reaches_kaggle_and_the_end(fake_kaggle, tmp_path):
    nb, home = run_lesson01(tmp_path, CATDOG_FAKE_SECRETS=json.dumps({"KAGGLE_API_TOKEN": FAKE_TOKEN}))
    check_the_run(nb, fake_kaggle, tmp_path)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert "Your Kaggle token came from your Colab secrets." in outputs(setup)
    asked = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Where will the photos"))
    assert "Kaggle token found in the KAGGLE_API_TOKEN environment variable." in outputs(asked)
    assert not (home / ".kaggle").exists()  # a secret stays a secret: nothing written
