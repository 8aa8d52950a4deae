"""The Kaggle route, end to end with the real kaggle client against a fake Kaggle on localhost:7777."""
import json
import logging
import os
import stat

import pytest

from catdog_lib.errors import CatdogError
from catdog_lib.prepare import prepare
from catdog_lib.prepare.sources import download_kaggle, find_kaggle_credentials, install_kaggle_json

from .conftest import FAKE_KEY, FAKE_USER

RPC = "/api/v1/competitions.CompetitionApiService/DownloadDataFiles"


def _kaggle_json(user=FAKE_USER, key=FAKE_KEY):
    return json.dumps({"username": user, "key": key}).encode()


def test_kaggle_end_to_end_with_the_real_client(fake_kaggle, kaggle_home, tmp_path, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    written = install_kaggle_json(_kaggle_json())
    assert written == kaggle_home / ".kaggle" / "kaggle.json"
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    assert FAKE_KEY not in (find_kaggle_credentials() or "")

    lines = []
    prepared = prepare(source="auto", dest=tmp_path / "kaggle", report=lines.append)

    # The client called the RPC for the competition, authenticated, then fetched the file.
    rpc = [r for r in fake_kaggle.requests if r[1] == RPC]
    assert len(rpc) == 1 and json.loads(rpc[0][3])["competitionName"] == "dogs-vs-cats"
    assert any(r[0] == "GET" and r[1] == "/files/dogs-vs-cats.zip" for r in fake_kaggle.requests)

    assert prepared.source == "kaggle" and prepared.class_names == ["cat", "dog"]
    assert prepared.counts == {"train": {"cat": 8, "dog": 8}, "val": {"cat": 2, "dog": 2}}
    assert [(p.name, reason.split(" ")[0]) for p, reason in prepared.skipped] == [("dog.999.jpg", "truncated")]
    raw = tmp_path / "kaggle" / "raw"
    assert (raw / ".complete").is_file() and not (raw / "test1").exists()
    assert not list(raw.parent.glob(".*partial*"))

    # A second run finds the finished download and asks Kaggle nothing.
    before = len(fake_kaggle.requests)
    again = prepare(source="kaggle", dest=tmp_path / "kaggle", report=lines.append)
    assert len(fake_kaggle.requests) == before
    assert again.counts == prepared.counts
    assert any("already" in line for line in lines)

    # Unpacking cut off after a finished download: redone from the zip, without asking Kaggle.
    import shutil

    shutil.rmtree(raw)
    fake_kaggle.mode = "401"
    before = len(fake_kaggle.requests)
    assert prepare(source="kaggle", dest=tmp_path / "kaggle", report=lines.append).counts == prepared.counts
    assert len(fake_kaggle.requests) == before

    # The key is never printed nor logged.
    out, err = capfd.readouterr()
    everything = out + err + "\n".join(lines) + "\n".join(r.getMessage() for r in caplog.records)
    assert FAKE_KEY not in everything


def test_credentials_from_environment_variables(fake_kaggle, kaggle_home, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("KAGGLE_USERNAME", FAKE_USER)
    monkeypatch.setenv("KAGGLE_KEY", FAKE_KEY)
    photos = download_kaggle(tmp_path / "k", report=print)
    assert len(list(photos.glob("*.jpg"))) == 21
    assert FAKE_KEY not in "".join(capfd.readouterr())


@pytest.mark.parametrize("mode, words", [("401", "refused the credentials (401)"),
                                         ("403", "https://www.kaggle.com/c/dogs-vs-cats/rules")])
def test_kaggle_refusals_say_what_to_do(fake_kaggle, kaggle_home, tmp_path, mode, words, capfd):
    fake_kaggle.mode = mode
    install_kaggle_json(_kaggle_json())
    with pytest.raises(CatdogError) as info:
        download_kaggle(tmp_path / "k", report=print)
    message = str(info.value)
    assert words in message
    assert "\n" not in message and FAKE_KEY not in message
    assert not (tmp_path / "k" / "raw" / ".complete").exists()
    assert FAKE_KEY not in "".join(capfd.readouterr())


def test_wrong_key_is_a_401(fake_kaggle, kaggle_home, tmp_path):
    install_kaggle_json(_kaggle_json(key="not-the-right-key"))
    with pytest.raises(CatdogError, match=r"\(401\).*kaggle.com/settings"):
        download_kaggle(tmp_path / "k", report=print)


def test_no_credentials_explains_how_to_make_a_token(kaggle_home, tmp_path):
    with pytest.raises(CatdogError, match=r"no Kaggle credentials.*https://www.kaggle.com/settings"):
        download_kaggle(tmp_path / "k", report=print)


def test_auto_without_credentials_or_catdog_data_picks_oxford(kaggle_home, monkeypatch):
    from catdog_lib.prepare import choose_source

    lines = []
    assert choose_source("auto", lines.append) == "oxford-pets"
    install_kaggle_json(_kaggle_json())
    assert choose_source("auto", lines.append) == "kaggle"
    monkeypatch.setenv("CATDOG_DATA", "/somewhere")
    assert choose_source("auto", lines.append) == "folder"


def test_kaggle_unreachable_says_what_to_do(kaggle_home, port_7777, tmp_path):
    install_kaggle_json(_kaggle_json())
    with pytest.raises(CatdogError, match="could not reach Kaggle.*CATDOG_DATA"):
        download_kaggle(tmp_path / "k", report=print)


@pytest.mark.parametrize("content", [b"", b"not json", b"[1, 2]", b'{"username": "x"}',
                                     json.dumps({"username": "x", "key": ""}).encode()])
def test_install_kaggle_json_refuses_what_is_not_one(kaggle_home, content):
    with pytest.raises(CatdogError, match="not a kaggle.json") as info:
        install_kaggle_json(content)
    assert "\n" not in str(info.value)
    assert not (kaggle_home / ".kaggle" / "kaggle.json").exists()


def test_install_kaggle_json_from_a_path_replaces_a_readable_one(kaggle_home, tmp_path, capfd):
    target = kaggle_home / ".kaggle" / "kaggle.json"
    target.parent.mkdir()
    target.write_text('{"username": "old", "key": "old"}')
    os.chmod(target, 0o644)
    upload = tmp_path / "kaggle.json"
    upload.write_bytes(_kaggle_json())
    assert install_kaggle_json(upload) == target
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert json.loads(target.read_text()) == {"username": FAKE_USER, "key": FAKE_KEY}
    assert [p.name for p in target.parent.iterdir()] == ["kaggle.json"]  # no temp file left
    assert FAKE_KEY not in "".join(capfd.readouterr())


def test_an_uploaded_competition_zip_is_a_folder_source(competition_zip, tmp_path, monkeypatch):
    """Offline, a learner can upload Kaggle's zip by hand and point CATDOG_DATA at it."""
    zipped = tmp_path / "dogs-vs-cats.zip"
    zipped.write_bytes(competition_zip)
    monkeypatch.setenv("CATDOG_DATA", str(zipped))
    lines = []
    prepared = prepare(dest=tmp_path / "out", report=lines.append)
    assert prepared.source == "folder"
    assert sum(prepared.counts["train"].values()) + sum(prepared.counts["val"].values()) == 20
    assert [p.name for p, _ in prepared.skipped] == ["dog.999.jpg"]  # not our own marker file
    prepare(dest=tmp_path / "out", report=lines.append)
    assert any("already unpacked" in line for line in lines)


def test_a_broken_kaggle_json_is_named(kaggle_home, tmp_path):
    config = kaggle_home / ".kaggle" / "kaggle.json"
    config.parent.mkdir()
    config.write_text('{"username": "x"')
    with pytest.raises(CatdogError, match="kaggle.json holds no username and key: replace it"):
        download_kaggle(tmp_path / "k", report=print)


@pytest.fixture
def kaggle_1_7(tmp_path, monkeypatch):
    """An installed kaggle 1.7 as Python 3.10's pip resolves it: its metadata first on the path."""
    site = tmp_path / "site"
    info = site / "kaggle-1.7.4.5.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kaggle\nVersion: 1.7.4.5\n")
    monkeypatch.syspath_prepend(str(site))
    from importlib import metadata

    assert metadata.version("kaggle") == "1.7.4.5"  # what the kit reads
    return "1.7.4"


@pytest.mark.parametrize("token", ["env", "file"])
def test_an_access_token_with_an_old_client_says_what_to_do(kaggle_home, kaggle_1_7, tmp_path, monkeypatch, token):
    if token == "env":
        monkeypatch.setenv("KAGGLE_API_TOKEN", "KGAT_0123456789abcdef")
        where = "the KAGGLE_API_TOKEN environment variable"
    else:
        (kaggle_home / ".kaggle").mkdir()
        (kaggle_home / ".kaggle" / "access_token").write_text("KGAT_0123456789abcdef\n")
        where = str(kaggle_home / ".kaggle" / "access_token")
    with pytest.raises(CatdogError) as error:
        download_kaggle(tmp_path / "k", report=print)
    message = str(error.value)
    assert f"access token ({where})" in message and f"kaggle client {kaggle_1_7} cannot use" in message
    assert 'pip install -U "kaggle>=1.8"' in message and "legacy API key" in message and "kaggle.json" in message
    assert "KGAT_0123456789abcdef" not in message


def test_an_old_client_with_a_kaggle_json_goes_on(kaggle_home, kaggle_1_7, port_7777, tmp_path, monkeypatch):
    monkeypatch.setenv("KAGGLE_API_TOKEN", "KGAT_0123456789abcdef")
    install_kaggle_json(_kaggle_json())  # what kaggle 1.7 reads: no complaint about the token
    with pytest.raises(CatdogError, match="could not reach Kaggle"):
        download_kaggle(tmp_path / "k", report=print)


def test_the_client_version_is_read_from_its_metadata(kaggle_1_7):
    from catdog_lib.prepare.sources import TOKEN_CLIENT, kaggle_client_version

    assert kaggle_client_version() == (1, 7, 4) < TOKEN_CLIENT


def test_auto_with_a_token_but_no_network_falls_back_to_the_sample(kaggle_home, port_7777, tmp_path, monkeypatch):
    from catdog_lib.sample import sample_summary

    install_kaggle_json(_kaggle_json())
    monkeypatch.setenv("CATDOG_DATA_ROOT", str(tmp_path / "data"))
    lines = []
    prepared = prepare(source="auto", report=lines.append)
    assert prepared.source == "sample" and prepared.data_dir == tmp_path / "data" / "sample"
    assert f"Could not reach Kaggle (no network?). {sample_summary()}" in lines


# --- Access tokens (Kaggle's "Create New Token"): what kaggle >= 1.8 sends is "Authorization: Bearer KGAT_..." ---

INTROSPECT = "/api/v1/security.OAuthService/IntrospectToken"


@pytest.mark.parametrize("where", ["env", "file", "upload", "pasted"])
def test_an_access_token_downloads_through_the_real_client(fake_kaggle, kaggle_home, tmp_path, monkeypatch, capfd,
                                                           caplog, where):
    from catdog_lib.prepare.sources import install_kaggle_credentials

    from .conftest import FAKE_TOKEN

    caplog.set_level(logging.DEBUG)
    token_file = kaggle_home / ".kaggle" / "access_token"
    if where == "env":
        monkeypatch.setenv("KAGGLE_API_TOKEN", FAKE_TOKEN)
    elif where == "file":
        token_file.parent.mkdir()
        token_file.write_text(FAKE_TOKEN + "\n")
    else:  # lesson 01's prompt: a file holding the token (bytes), or the token pasted (text)
        given = (FAKE_TOKEN + "\r\n").encode() if where == "upload" else f"  {FAKE_TOKEN} "
        assert install_kaggle_credentials(given) == token_file
        assert token_file.read_text() == FAKE_TOKEN + "\n"
        assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(token_file.parent).st_mode) == 0o700
    assert FAKE_TOKEN not in (find_kaggle_credentials() or "")

    photos = download_kaggle(tmp_path / "k", report=print)
    assert len(list(photos.glob("*.jpg"))) == 21

    # The client asked whose token it is, then downloaded, each time with the token as a Bearer, never a key.
    calls = [(r[1], r[2].get("Authorization")) for r in fake_kaggle.requests if r[0] == "POST"]
    assert calls == [(INTROSPECT, f"Bearer {FAKE_TOKEN}"), (RPC, f"Bearer {FAKE_TOKEN}")]
    assert not (kaggle_home / ".kaggle" / "kaggle.json").exists()
    out, err = capfd.readouterr()
    assert FAKE_TOKEN not in out + err + "\n".join(r.getMessage() for r in caplog.records)


def test_a_wrong_access_token_is_a_401_that_says_what_to_do(fake_kaggle, kaggle_home, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("KAGGLE_API_TOKEN", "KGAT_00000000000000000000000000000000")
    with pytest.raises(CatdogError) as info:
        download_kaggle(tmp_path / "k", report=print)
    message = str(info.value)
    assert "(401)" in message and "Create New Token" in message and "Create Legacy API Key" in message
    assert "KGAT_0000" not in message + "".join(capfd.readouterr())
    assert not any(r[1] == RPC for r in fake_kaggle.requests)  # refused at the introspection


def test_the_key_and_the_token_both_work_and_a_key_still_sends_basic(fake_kaggle, kaggle_home, tmp_path):
    install_kaggle_json(_kaggle_json())
    download_kaggle(tmp_path / "k", report=print)
    auth = [r[2].get("Authorization", "") for r in fake_kaggle.requests if r[1] == RPC]
    assert len(auth) == 1 and auth[0].startswith("Basic ")
    assert not any(r[1] == INTROSPECT for r in fake_kaggle.requests)


@pytest.mark.parametrize("content", [b"", b"KGAT_ short", b"\xff\xd8\xff\xe0 a photo, not a token",
                                     b"one\ntwo", b'{"username": "x"}'])
def test_install_kaggle_credentials_refuses_what_is_neither_kind(kaggle_home, content):
    from catdog_lib.prepare.sources import install_kaggle_credentials

    with pytest.raises(CatdogError, match="not a kaggle.json|neither a kaggle.json nor a Kaggle access token") as info:
        install_kaggle_credentials(content)
    assert "\n" not in str(info.value) and "Create New Token" in str(info.value)
    assert not (kaggle_home / ".kaggle").exists() or not any((kaggle_home / ".kaggle").iterdir())


def test_an_uploaded_kaggle_json_still_goes_where_it_did(kaggle_home):
    from catdog_lib.prepare.sources import install_kaggle_credentials

    assert install_kaggle_credentials(_kaggle_json()) == kaggle_home / ".kaggle" / "kaggle.json"
    assert not (kaggle_home / ".kaggle" / "access_token").exists()


@pytest.mark.parametrize("missing", ["/content/kaggle.json", "my_kaggle_token.txt", "~/Downloads/kaggle.json"])
def test_a_missing_file_is_not_taken_for_a_pasted_token(kaggle_home, missing):
    from catdog_lib.prepare.sources import install_kaggle_credentials

    with pytest.raises(CatdogError, match="there is no file at"):
        install_kaggle_credentials(missing)
    assert not (kaggle_home / ".kaggle" / "access_token").exists()
