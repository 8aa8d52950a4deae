"""Small image folders for the fast path's tests."""
import pytest

from fast_helpers import write_color_folder


@pytest.fixture(scope="session")
def color_folder(tmp_path_factory):
    return write_color_folder(tmp_path_factory.mktemp("color_folder"))
