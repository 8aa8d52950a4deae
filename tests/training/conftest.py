"""Tiny synthetic data for the training tests: they run in seconds on a shared CPU."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for tiny_run, the script the kill test runs


@pytest.fixture
def tiny_loaders():
    from tiny_run import synthetic_loaders

    return synthetic_loaders()


@pytest.fixture(autouse=True)
def _one_thread():
    """One torch thread: tiny tensors gain nothing from more, and the CPU is shared."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
