"""The Kaggle key stays secret: never printed, logged, written or quoted, even with the client's verbose mode on.

tests/data/test_kaggle.py runs the route in this process (install_kaggle_json,
prepare, 401/403) and checks the captured output. Here: ``catdog prepare`` as
a learner runs it, in its own process, with the kaggle client's debug
logging switched on (``VERBOSE=1``), for a download that works, a wrong key
and an unreachable Kaggle; every byte printed and every file the run wrote
is searched for the key, in plain text and in the base64 of the HTTP
``Authorization`` header. And a kaggle.json the kit writes is private even
under a permissive umask.
"""
import base64
import importlib.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def _data_fixtures():
    """tests/data/conftest.py's local Kaggle server and port lock (loaded by path: no fixture magic)."""
    spec = importlib.util.spec_from_file_location("catdog_reliability_kaggle_fixtures", TESTS / "data" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


kaggle_fixtures = _data_fixtures()
FAKE_USER, FAKE_KEY, PORT = kaggle_fixtures.FAKE_USER, kaggle_fixtures.FAKE_KEY, kaggle_fixtures.KAGGLE_PORT
SECRETS = (FAKE_KEY, base64.b64encode(f"{FAKE_USER}:{FAKE_KEY}".encode()).decode(),
           base64.b64encode(FAKE_KEY.encode()).decode()[:24])
RPC = "/api/v1/competitions.CompetitionApiService/DownloadDataFiles"


@pytest.fixture
def fake_kaggle(photos_dir):
    """Kaggle on http://localhost:7777 that accepts only FAKE_USER:FAKE_KEY and serves a tiny competition zip."""
    from helpers import photo_items

    make_zip = kaggle_fixtures.make_zip
    train = {f"train/{path.name}": path.read_bytes() for path, _ in photo_items(photos_dir, 6)}
    competition = make_zip({"sampleSubmission.csv": b"id,label\n", "train.zip": make_zip(train)})
    expected = "Basic " + SECRETS[1]
    with kaggle_fixtures._port_lock(PORT), kaggle_fixtures._Server(PORT) as server:
        def download(handler, body):
            if handler.headers.get("Authorization") != expected:
                # A careless server might echo what it got: the kit must not repeat it.
                return 401, {"Content-Type": "application/json"}, json.dumps(
                    {"code": 401, "message": f"Unauthenticated: {handler.headers.get('Authorization')}"}).encode()
            return 302, {"Location": f"http://localhost:{PORT}/files/dogs-vs-cats.zip"}, b""

        server.routes[("POST", RPC)] = download
        server.routes[("GET", "/files/dogs-vs-cats.zip")] = lambda h, b: (
            200, {"Content-Type": "application/zip"}, competition)
        yield server


def learner_env(home, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAGGLE_", "CATDOG_"))}
    env.update(HOME=str(home), KAGGLE_CONFIG_DIR=str(home / ".kaggle"), KAGGLE_API_ENVIRONMENT="TEST",
               VERBOSE="1", VERBOSE_OUTPUT="1", PYTHONWARNINGS="default", OMP_NUM_THREADS="1")
    env.pop("XDG_CONFIG_HOME", None)
    env.update(extra)
    return env


def catdog_prepare(home, dest, **env):
    return subprocess.run([sys.executable, "-m", "catdog_lib", "prepare", "--source", "kaggle", "--dest", str(dest)],
                          capture_output=True, text=True, timeout=300, env=learner_env(home, **env), cwd=home)


def assert_no_secret(text, where):
    for secret in SECRETS:
        assert secret not in text, f"the Kaggle key shows in {where}"


def assert_no_secret_in_files(folder, allowed=()):
    for path in folder.rglob("*"):
        if path.is_file() and path not in allowed and path.suffix != ".jpg":
            assert_no_secret(path.read_bytes().decode("latin-1"), path)


def test_catdog_prepare_never_shows_the_key(fake_kaggle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    dest = tmp_path / "data"

    # Credentials from the environment, the client's debug logging on: the download works.
    ok = catdog_prepare(home, dest, KAGGLE_USERNAME=FAKE_USER, KAGGLE_KEY=FAKE_KEY)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "train:" in ok.stdout and any(r[1] == RPC for r in fake_kaggle.requests)
    assert_no_secret(ok.stdout + ok.stderr, "the output of a download that worked")

    # A wrong key, from a kaggle.json: one line, no key (neither the right one nor the wrong one).
    wrong_key = "fedcba9876543210fedcba9876543210"
    (home / ".kaggle").mkdir(exist_ok=True)
    (home / ".kaggle" / "kaggle.json").write_text(json.dumps({"username": FAKE_USER, "key": wrong_key}))
    os.chmod(home / ".kaggle" / "kaggle.json", 0o600)
    refused = catdog_prepare(home, tmp_path / "data2")
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert lines[-1].startswith("catdog prepare: Kaggle refused the credentials (401)"), refused.stderr[-2000:]
    assert "Traceback" not in refused.stderr
    assert wrong_key not in refused.stdout + refused.stderr
    assert base64.b64encode(f"{FAKE_USER}:{wrong_key}".encode()).decode() not in refused.stdout + refused.stderr

    # Kaggle unreachable (a port nobody listens on is what KAGGLE_API_ENVIRONMENT points at): no key either.
    gone = catdog_prepare(home, tmp_path / "data3", KAGGLE_USERNAME=FAKE_USER, KAGGLE_KEY=FAKE_KEY,
                          KAGGLE_API_ENVIRONMENT="LOCALHOST")
    assert gone.returncode == 1 and "Traceback" not in gone.stderr
    assert_no_secret(gone.stdout + gone.stderr, "the output when Kaggle cannot be reached")

    # Nothing the runs wrote holds the key: manifests, index caches, markers, logs anywhere under HOME.
    assert_no_secret_in_files(tmp_path)


def test_a_kaggle_json_the_kit_writes_is_private_under_any_umask(tmp_path, monkeypatch, capfd):
    from catdog_lib.prepare.sources import install_kaggle_json

    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "cfg" / ".kaggle"))
    old = os.umask(0)  # everything world-readable unless the kit says otherwise
    try:
        path = install_kaggle_json(json.dumps({"username": FAKE_USER, "key": FAKE_KEY}).encode())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["key"] == FAKE_KEY
    assert [p.name for p in path.parent.iterdir()] == ["kaggle.json"]
    assert_no_secret("".join(capfd.readouterr()), "what install_kaggle_json printed")


def test_a_broken_kaggle_json_is_refused_without_quoting_it(tmp_path, monkeypatch):
    """A JSON error message quotes the text around the mistake: the key must not ride along."""
    from catdog_lib.errors import CatdogError
    from catdog_lib.prepare.sources import install_kaggle_json

    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / ".kaggle"))
    broken = ('{"username": "%s", "key": "%s",,}' % (FAKE_USER, FAKE_KEY)).encode()
    with pytest.raises(CatdogError) as info:
        install_kaggle_json(broken)
    assert_no_secret(str(info.value) + repr(info.value.__context__) + repr(info.value.__cause__), "the error")
    assert not (tmp_path / ".kaggle" / "kaggle.json").exists()
