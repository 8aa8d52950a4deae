"""Fixtures for the data-source tests: small archives of real photos, local HTTP servers.

Nothing here reaches the internet: Kaggle and the Oxford server are played
by ``http.server`` on 127.0.0.1.
"""
import base64
import contextlib
import fcntl
import io
import json
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import photo_path

KAGGLE_PORT = 7777  # kagglesdk's KAGGLE_API_ENVIRONMENT=TEST endpoint: http://localhost:7777
FAKE_USER = "learner"
FAKE_KEY = "0123456789abcdef0123456789abcdef"  # must never show up in any output
FAKE_TOKEN = "KGAT_fedcba9876543210fedcba9876543210"  # an access token (Create New Token): never shown either


def photo_bytes(photos_dir, label, position):
    """The bytes of the ``position``-th real ``label`` photo (``helpers.photo_path``)."""
    return photo_path(Path(photos_dir), label, position).read_bytes()


def make_zip(entries):
    """Bytes of a zip holding ``{name: bytes}``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def make_tar_gz(entries):
    """Bytes of a ``.tar.gz`` holding ``{name: bytes}`` (folders made on the way)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="session")
def competition_zip(photos_dir):
    """Kaggle's dogs-vs-cats zip in miniature: train.zip (10 cats, 10 dogs, 1 broken) and test1.zip."""
    train = {f"train/{label}.{i}.jpg": photo_bytes(photos_dir, label, i)
             for label in ("cat", "dog") for i in range(10)}
    train["train/dog.999.jpg"] = photo_bytes(photos_dir, "dog", 10)[:3000]  # cut off
    test1 = {f"test1/{i}.jpg": photo_bytes(photos_dir, "cat", 10 + i) for i in range(1, 3)}
    return make_zip({"sampleSubmission.csv": b"id,label\n1,0\n", "test1.zip": make_zip(test1),
                     "train.zip": make_zip(train)})


class _Server:
    """A tiny HTTP server on 127.0.0.1 whose answers a test sets with ``routes``."""

    def __init__(self, port=0):
        self.routes = {}  # (method, path) -> callable(handler, body) -> (status, headers, body)
        self.requests = []  # (method, path, headers, body)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append((method, self.path, dict(self.headers), body))
                route = server.routes.get((method, self.path.split("?")[0]))
                status, headers, payload = route(self, body) if route else (404, {}, b"not here")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(payload)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def do_HEAD(self):
                self._answer("HEAD")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_server():
    """A local HTTP server on a free port (for the Oxford pets archives)."""
    with _Server() as server:
        yield server


@contextlib.contextmanager
def _port_lock(port, timeout=90):
    """Tests in other checkouts may want port 7777 too: take turns."""
    with open(f"/tmp/catdog-test-port-{port}.lock", "w") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.skip(f"port {port} stayed busy (another test run holds it)")
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def kaggle_home(tmp_path, monkeypatch):
    """A clean HOME and Kaggle config folder, pointed at the TEST endpoint, with no credentials."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(home / ".kaggle"))
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "TEST")
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "CATDOG_DATA", "XDG_CONFIG_HOME",
                 "VERBOSE", "VERBOSE_OUTPUT", "KAGGLE_KERNEL_RUN_TYPE"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def port_7777():
    """Hold port 7777 for this test, with no server on it (Kaggle unreachable)."""
    with _port_lock(KAGGLE_PORT):
        yield


@pytest.fixture
def fake_kaggle(competition_zip, port_7777):
    """Kaggle's API on http://localhost:7777, as the kaggle client calls it.

    ``competition_download_files`` posts to the ``DownloadDataFiles`` RPC; the
    answer redirects to the file, which the client then GETs. Set
    ``server.mode`` to ``"401"`` or ``"403"`` to answer as Kaggle does for a
    wrong token or for rules not accepted yet.

    Both kinds of credentials, as kagglesdk sends them: a legacy key as HTTP
    Basic (``username:key``), an access token as ``Authorization: Bearer
    KGAT_...`` (``KaggleHttpClient.BearerAuth``). With a token, kaggle >= 1.8
    first asks the ``IntrospectToken`` RPC whose user it is; Kaggle answers
    401 for a token it does not know.
    """
    with _Server(KAGGLE_PORT) as server:
        server.mode = "ok"
        accepted = ("Basic " + base64.b64encode(f"{FAKE_USER}:{FAKE_KEY}".encode()).decode(), f"Bearer {FAKE_TOKEN}")

        def unauthenticated():
            return 401, {"Content-Type": "application/json"}, json.dumps(
                {"code": 401, "message": "Unauthenticated"}).encode()

        def introspect_token(handler, body):
            request = json.loads(body or b"{}")
            if handler.headers.get("Authorization") != f"Bearer {FAKE_TOKEN}" or request.get("token") != FAKE_TOKEN:
                return unauthenticated()
            return 200, {"Content-Type": "application/json"}, json.dumps(
                {"active": True, "username": FAKE_USER, "scope": "resources.admin:*"}).encode()

        def download_data_files(handler, body):
            request = json.loads(body or b"{}")
            if handler.headers.get("Authorization") not in accepted or server.mode == "401":
                return 401, {"Content-Type": "application/json"}, json.dumps(
                    {"code": 401, "message": "Unauthenticated"}).encode()
            if server.mode == "403":
                return 403, {"Content-Type": "application/json"}, json.dumps(
                    {"code": 403, "message": "You must accept this competition's rules"}).encode()
            if request.get("competitionName") != "dogs-vs-cats":
                return 404, {"Content-Type": "application/json"}, b'{"code": 404, "message": "Not found"}'
            return 302, {"Location": f"http://localhost:{KAGGLE_PORT}/files/dogs-vs-cats.zip"}, b""

        server.routes[("POST", "/api/v1/competitions.CompetitionApiService/DownloadDataFiles")] = download_data_files
        server.routes[("POST", "/api/v1/security.OAuthService/IntrospectToken")] = introspect_token
        server.routes[("GET", "/files/dogs-vs-cats.zip")] = lambda h, b: (200, {
            "Content-Type": "application/zip", "Last-Modified": "Mon, 02 Jan 2017 10:00:00 GMT"}, competition_zip)
        yield server
