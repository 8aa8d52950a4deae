"""The ImageNet weights: loaded from torch's cache, and a clear message when they cannot be had."""
import http.server
import socket
import threading
import time

import pytest
import torch
from torchvision import models

from catdog_lib.errors import CatdogError
from catdog_lib.model import build_model, build_model_or_explain
from catdog_lib.train.weights import ensure_pretrained_weights, pretrained_weights_path


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    return tmp_path / "torch_home"


def write_weights_file(path):
    """A ResNet18 state dict of known values, where torchvision's ImageNet weights would be."""
    torch.manual_seed(7)
    weights = models.resnet18(weights=None).state_dict()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(weights, path)
    return weights


def test_the_cache_route_loads_the_file_in_torch_home(torch_home):
    path = pretrained_weights_path()
    assert path == torch_home / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    weights = write_weights_file(path)
    for model in (build_model_or_explain(num_classes=2), build_model(num_classes=2)):
        state = model.state_dict()
        for name, tensor in weights.items():
            if not name.startswith("fc."):
                assert torch.equal(state[name], tensor), name
        assert state["fc.weight"].shape == (2, 512)


def test_none_gives_random_weights_without_touching_the_cache(torch_home):
    model = build_model_or_explain(num_classes=3, weights="none")
    assert model.fc.out_features == 3
    assert not torch_home.exists()


@pytest.mark.parametrize("content", [b"<html><body>Please log in to the proxy</body></html>", "truncated"])
def test_a_damaged_file_in_the_cache_gives_the_message(torch_home, content):
    path = pretrained_weights_path()
    if content == "truncated":
        write_weights_file(path)
        content = path.read_bytes()[: path.stat().st_size // 3]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with pytest.raises(CatdogError) as caught:
        build_model_or_explain()
    message = str(caught.value)
    assert "damaged" in message and str(path.parent) in message and "resnet18-f37072fd.pth" in message
    assert "weights=None" in message and "--weights none" in message


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket closes


@pytest.fixture
def fresh_url_opener():
    """urllib reads the proxy variables once, when it builds its global opener: build a new one
    now, and again after the test, so that our dead proxy does not outlive it."""
    import urllib.request

    urllib.request.install_opener(None)
    yield
    urllib.request.install_opener(None)


def test_offline_gives_the_message_quickly(torch_home, monkeypatch, fresh_url_opener):
    """No internet: the download goes through a proxy on a closed local port and fails."""
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    began = time.monotonic()
    with pytest.raises(CatdogError) as caught:
        build_model_or_explain()
    assert time.monotonic() - began < 20
    message = str(caught.value)
    assert message.startswith("could not download the ImageNet weights")
    assert f"put resnet18-f37072fd.pth (from https://download.pytorch.org/models/resnet18-f37072fd.pth) " \
           f"into {torch_home / 'hub' / 'checkpoints'}/" in message
    assert "--weights none" in message
    assert not pretrained_weights_path().exists()


class ProxyPage(http.server.BaseHTTPRequestHandler):
    """What a captive portal does: an HTML page, status 200, for any address."""

    def do_GET(self):
        body = b"<html><body>Sign in to the hotel Wi-Fi</body></html>" * 20
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_page_instead_of_the_file_is_refused_and_not_kept(torch_home):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ProxyPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/models/resnet18-f37072fd.pth"
        with pytest.raises(CatdogError, match="could not download.*invalid hash.*put resnet18-f37072fd.pth"):
            ensure_pretrained_weights("DEFAULT", url=url, progress=False)
    finally:
        server.shutdown()
        server.server_close()
    assert not pretrained_weights_path().exists()  # no page left behind to be loaded later


def test_unknown_weights_name(torch_home):
    with pytest.raises(CatdogError, match="unknown weights 'IMAGENET9K'"):
        build_model_or_explain(weights="IMAGENET9K")
