"""The bad-input corpus: every awkward file a learner's folder or upload may hold, made from the real photos.

``corpus`` (session scope) is a folder of ``KINDS`` files plus a dozen good
photos per label, and ``{kind: Path}``. Each kind is one row of the report's
table of kinds x stages; ``tests/reliability/test_bad_inputs.py`` runs the
whole folder through every stage and checks the outcome each kind must get.
"""
import pytest

from .badfiles import GOOD_PER_LABEL, KINDS, kind_bytes


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, photos_dir):
    """``(folder, {kind: path})``: the bad inputs beside 12 good cats and 12 good dogs."""
    folder = tmp_path_factory.mktemp("bad_inputs") / "photos"
    data = kind_bytes(photos_dir)
    paths = {}
    for kind, name in KINDS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data[kind])
        paths[kind] = path
    from helpers import photo_items

    for path, _ in photo_items(photos_dir, GOOD_PER_LABEL):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder, paths


@pytest.fixture(scope="session")
def corpus_bytes(photos_dir):
    """``{kind: bytes}``: the same files, for the upload box."""
    return kind_bytes(photos_dir)


