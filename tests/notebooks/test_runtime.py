"""start_lesson, the setup cell's work: in JupyterLab one line; in Colab the kit, Google Drive, the Kaggle token.

Colab is played by the stand-in ``google.colab`` of tests/e2e/fake_colab: its
``drive.mount`` links ``MOUNTPOINT/MyDrive`` to ``$CATDOG_FAKE_DRIVE`` (a
refusal without it), its ``userdata.get`` reads ``$CATDOG_FAKE_SECRETS``.
The whole course across runtimes is tests/e2e/test_course_in_colab.py.
"""
import json
import sys
import zipfile
from pathlib import Path

import pytest

from catdog_lib.notebook import runtime

FAKE_COLAB = Path(__file__).resolve().parents[1] / "e2e" / "fake_colab"
TOKEN = {"username": "learner", "key": "0123456789abcdef"}


@pytest.fixture
def colab(tmp_path, monkeypatch):
    """A Colab-like runtime: google.colab importable, a fresh home, a kit folder in its /content, no CATDOG_* set."""
    monkeypatch.syspath_prepend(str(FAKE_COLAB))
    for name in list(sys.modules):
        if name.startswith("google.colab"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(runtime, "in_colab", lambda: True)
    for name in ("CATDOG_WORKSPACE", "CATDOG_RUNS", "CATDOG_DOWNLOADS", "CATDOG_DRIVE", "CATDOG_FAKE_DRIVE",
                 "CATDOG_FAKE_SECRETS", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    kit = tmp_path / "content" / "catdog-kit"
    (kit / "lessons").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runtime, "install_kit", lambda kit: None)  # this Python has the kit already
    yield kit
    for name in list(sys.modules):  # the stand-in, imported during the test, must not make later tests "Colab"
        if name.startswith("google.colab"):
            del sys.modules[name]


def lines_of(kit):
    said = []
    return said, runtime.start_lesson(kit, report=said.append)


def test_jupyterlab_gets_one_line_and_nothing_moves(monkeypatch, tmp_path):
    monkeypatch.setattr(runtime, "in_colab", lambda: False)
    monkeypatch.setenv("CATDOG_WORKSPACE", str(tmp_path / "pieces"))
    said = []
    found = runtime.start_lesson("/content/catdog-kit", report=said.append)
    assert said == [f"Your pieces are saved in {tmp_path / 'pieces'}."] and found.colab is False
    assert Path.cwd() != Path("/content/catdog-kit")


def test_with_drive_the_work_goes_to_mydrive(colab, tmp_path, monkeypatch):
    drive = tmp_path / "MyDrive"
    drive.mkdir()
    monkeypatch.setenv("CATDOG_FAKE_DRIVE", str(drive))
    said, found = lines_of(colab)
    kept = colab.parent / "drive" / "MyDrive" / "catdog"
    assert found.drive == kept and (drive / "catdog").is_dir()
    assert Path.cwd() == colab
    from catdog_lib import paths

    assert paths.workspace() == kept / "my_pieces" and paths.runs_dir() == kept / "runs"
    assert paths.download_dir("elsewhere") == kept / "downloads"
    assert len(said) == 1 and said[0].startswith("Google Drive is mounted: your pieces, the hints you have seen, "
                                                 "your Kaggle token, the downloaded photos, checkpoints and models")


def test_a_variable_set_by_hand_wins_over_drive(colab, tmp_path, monkeypatch):
    monkeypatch.setenv("CATDOG_FAKE_DRIVE", str(tmp_path))
    monkeypatch.setenv("CATDOG_WORKSPACE", str(tmp_path / "mine"))
    lines_of(colab)
    from catdog_lib import paths

    assert paths.workspace() == tmp_path / "mine"


@pytest.mark.parametrize("drive_off, why", [(True, "CATDOG_DRIVE=0"), (False, "it was not mounted: mount failed")])
def test_without_drive_one_line_says_what_will_be_lost(colab, monkeypatch, drive_off, why):
    if drive_off:
        monkeypatch.setenv("CATDOG_DRIVE", "0")
    said, found = lines_of(colab)
    assert found.drive is None and len(said) == 1
    assert said[0].startswith(f"No Google Drive ({why}") and "stay on this runtime and are lost when it ends" in said[0]
    assert ("unset CATDOG_DRIVE" in said[0]) is drive_off
    import os

    assert "CATDOG_WORKSPACE" not in os.environ


def test_the_kaggle_token_goes_to_drive_and_comes_back_in_the_next_runtime(colab, tmp_path, monkeypatch):
    drive = tmp_path / "MyDrive"
    drive.mkdir()
    monkeypatch.setenv("CATDOG_FAKE_DRIVE", str(drive))
    home = Path(tmp_path / "home")
    (home / ".kaggle").mkdir(parents=True)
    (home / ".kaggle" / "kaggle.json").write_text(json.dumps(TOKEN))
    lines_of(colab)
    assert json.loads((drive / "catdog" / "kaggle.json").read_text()) == TOKEN

    monkeypatch.setenv("HOME", str(tmp_path / "next_home"))  # the next lesson: a new runtime, no token
    said, _ = lines_of(colab)
    assert json.loads((tmp_path / "next_home" / ".kaggle" / "kaggle.json").read_text()) == TOKEN
    assert said[0].endswith("Your Kaggle token came from Drive.")


def test_the_colab_secrets_are_read_when_there_is_no_token(colab, monkeypatch):
    monkeypatch.setenv("CATDOG_DRIVE", "0")
    monkeypatch.setenv("CATDOG_FAKE_SECRETS", json.dumps({"KAGGLE_USERNAME": "learner", "KAGGLE_KEY": "abc"}))
    said, _ = lines_of(colab)
    import os

    assert os.environ["KAGGLE_USERNAME"] == "learner" and os.environ["KAGGLE_KEY"] == "abc"
    assert said[0].endswith("Your Kaggle token came from your Colab secrets.")


def test_the_kaggle_archive_on_drive_is_unpacked_not_downloaded_again(tmp_path, monkeypatch, photos_dir):
    """A later runtime finds the competition's zip in $CATDOG_DOWNLOADS and only unpacks it onto its own disk."""
    from catdog_lib.prepare.sources import download_kaggle

    downloads = tmp_path / "MyDrive" / "catdog" / "downloads"
    downloads.mkdir(parents=True)
    inner = tmp_path / "train.zip"
    with zipfile.ZipFile(inner, "w") as z:
        for name, label in (("cat.1.jpg", "cat"), ("dog.1.jpg", "dog")):  # the competition's names
            z.write(sorted(photos_dir.glob(f"{label}.*.jpg"))[0], f"train/{name}")
    with zipfile.ZipFile(downloads / "dogs-vs-cats.zip", "w") as z:
        z.write(inner, "train.zip")
    monkeypatch.setenv("CATDOG_DOWNLOADS", str(downloads))
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "no_token"))  # no credentials: Kaggle is never asked
    said = []
    photos = download_kaggle(tmp_path / "vm" / "data" / "kaggle", report=said.append)
    assert photos == tmp_path / "vm" / "data" / "kaggle" / "raw" / "train"
    assert sorted(p.name for p in photos.iterdir()) == ["cat.1.jpg", "dog.1.jpg"]
    assert (downloads / "dogs-vs-cats.zip").is_file() and not (tmp_path / "vm" / "data" / "kaggle" / "download").exists()
    assert not any("Downloading" in line for line in said)


@pytest.mark.parametrize("source,lang,words", [
    ("", "en", ["No Kaggle token", "Oxford-IIIT Pet", "small sample when offline"]),
    ("sample", "en", ["small sample (CATDOG_SOURCE=sample)", "96 photos"]),
    ("oxford-pets", "en", ["source oxford-pets (CATDOG_SOURCE)"]),
    ("", "zh", ["Kaggle", "Oxford-IIIT Pet", "样本"]),
])
def test_lesson01_says_where_the_photos_will_come_from(tmp_path, monkeypatch, source, lang, words):
    """Lesson 01 without a token, outside Colab: the line names what the lessons will really use."""
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR", "CATDOG_DATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CATDOG_SOURCE", source)
    monkeypatch.setenv("CATDOG_LANG", lang)
    monkeypatch.setattr(runtime, "in_colab", lambda: False)
    said = []
    runtime.get_kaggle_token(type("Settings", (), {"data": None})(), report=said.append)
    assert len(said) == 1 and all(word in said[0] for word in words), said


ACCESS_TOKEN = "KGAT_fedcba9876543210fedcba9876543210"


def test_the_colab_secret_kaggle_api_token_is_read(colab, monkeypatch):
    monkeypatch.setenv("CATDOG_DRIVE", "0")
    monkeypatch.setenv("CATDOG_FAKE_SECRETS", json.dumps({"KAGGLE_API_TOKEN": ACCESS_TOKEN}))
    said, _ = lines_of(colab)
    import os

    from catdog_lib.prepare.sources import find_kaggle_credentials

    assert os.environ["KAGGLE_API_TOKEN"] == ACCESS_TOKEN and "KAGGLE_KEY" not in os.environ
    assert said[0].endswith("Your Kaggle token came from your Colab secrets.")
    assert find_kaggle_credentials() == "the KAGGLE_API_TOKEN environment variable"
    assert ACCESS_TOKEN not in "".join(said)


def _lesson01_upload(colab, tmp_path, monkeypatch, upload_bytes):
    """Lesson 01's token cell in Colab with Drive, the learner uploading a file of ``upload_bytes``."""
    drive = tmp_path / "MyDrive"
    drive.mkdir(exist_ok=True)
    monkeypatch.setenv("CATDOG_FAKE_DRIVE", str(drive))
    lines_of(colab)
    upload = tmp_path / "uploads" / "token.txt"
    upload.parent.mkdir(exist_ok=True)
    upload.write_bytes(upload_bytes)
    monkeypatch.setenv("CATDOG_FAKE_UPLOADS", str(upload))
    said = []
    runtime.get_kaggle_token(type("Settings", (), {"data": None})(), report=said.append)
    return said, drive / "catdog"


def test_an_uploaded_access_token_is_installed_kept_on_drive_and_comes_back(colab, tmp_path, monkeypatch, capfd):
    said, kept = _lesson01_upload(colab, tmp_path, monkeypatch, (ACCESS_TOKEN + "\n").encode())
    home_token = tmp_path / "home" / ".kaggle" / "access_token"
    assert said[0].startswith("Upload your kaggle.json, or a file holding your access token (KGAT_...)")
    assert f"Saved your token to {home_token}." in said
    assert (kept / "access_token").read_text().strip() == ACCESS_TOKEN and not (kept / "kaggle.json").exists()
    assert ACCESS_TOKEN not in "\n".join(said) + "".join(capfd.readouterr())

    monkeypatch.setenv("HOME", str(tmp_path / "next_home"))  # lesson 02: a new runtime, no token
    said, _ = lines_of(colab)
    assert (tmp_path / "next_home" / ".kaggle" / "access_token").read_text().strip() == ACCESS_TOKEN
    assert said[0].endswith("Your Kaggle token came from Drive.")


def test_an_uploaded_kaggle_json_still_works_at_the_same_prompt(colab, tmp_path, monkeypatch):
    said, kept = _lesson01_upload(colab, tmp_path, monkeypatch, json.dumps(TOKEN).encode())
    assert json.loads((kept / "kaggle.json").read_text()) == TOKEN and not (kept / "access_token").exists()
    assert f"Saved your token to {tmp_path / 'home' / '.kaggle' / 'kaggle.json'}." in said


def test_an_upload_that_is_neither_kind_says_so_and_the_lesson_goes_on(colab, tmp_path, monkeypatch):
    said, kept = _lesson01_upload(colab, tmp_path, monkeypatch, b"\x89PNG\r\n\x1a\n not a token")
    assert said[1].startswith("Not saved: that is neither a kaggle.json nor a Kaggle access token")
    assert not (kept / "access_token").exists() and not (tmp_path / "home" / ".kaggle").exists()


def test_no_upload_asks_for_a_pasted_token_in_a_hidden_box(colab, tmp_path, monkeypatch):
    import getpass

    asked = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or f" {ACCESS_TOKEN}\n")
    said, kept = _lesson01_upload(colab, tmp_path, monkeypatch, b"")
    monkeypatch.delenv("CATDOG_FAKE_UPLOADS")
    said = []
    runtime.get_kaggle_token(type("Settings", (), {"data": None})(), report=said.append)
    assert asked and asked[0].startswith("Paste your Kaggle access token (KGAT_...)")
    assert (kept / "access_token").read_text().strip() == ACCESS_TOKEN
    assert ACCESS_TOKEN not in "\n".join(said + asked)


def test_no_upload_and_no_one_to_paste_goes_on_to_oxford(colab, tmp_path, monkeypatch):
    import getpass

    def no_stdin(prompt):
        raise RuntimeError("raw_input was called, but this frontend does not support input requests")

    monkeypatch.setattr(getpass, "getpass", no_stdin)
    monkeypatch.setenv("CATDOG_DRIVE", "0")
    lines_of(colab)
    said = []
    runtime.get_kaggle_token(type("Settings", (), {"data": None})(), report=said.append)
    assert len(said) == 1 and not (tmp_path / "home" / ".kaggle").exists()


def test_a_token_with_a_client_too_old_for_it_is_said_in_one_line(colab, tmp_path, monkeypatch):
    from catdog_lib.prepare import sources

    monkeypatch.setattr(sources, "kaggle_client_version", lambda: (1, 7, 4))
    monkeypatch.setenv("CATDOG_DRIVE", "0")
    monkeypatch.setenv("CATDOG_FAKE_SECRETS", json.dumps({"KAGGLE_API_TOKEN": ACCESS_TOKEN}))
    said, _ = lines_of(colab)
    assert len(said) == 1 and "Your Kaggle token came from your Colab secrets. Your Kaggle credentials are an " \
        "access token (the KAGGLE_API_TOKEN environment variable), which the installed kaggle client 1.7.4 " \
        "cannot use" in said[0]
    assert ACCESS_TOKEN not in said[0]
