"""Write a file whole or not at all.

We write a temporary file in the same folder, flush it to the disk, then
rename it over the old one (``os.replace`` is atomic on POSIX and Windows).
A crash or a kill at any moment leaves the old file or the new one, never
half of one, and a reader running at the same time never sees half a file.
Checkpoints, bundles, split manifests, download markers, ``kaggle.json`` and
``history.json`` are written this way.
"""
import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_open(path, mode="wb", *, permissions=0o644, encoding=None, newline=None):
    """``open(path, mode)`` for writing, except that ``path`` changes only when the block ends without error.

    ``mode`` is ``"wb"`` or ``"w"`` (with ``encoding`` and ``newline`` as for
    ``open``). The new file gets ``permissions`` (``0o600``: only you may read
    it). The parent folder is made when missing. A killed writer leaves a
    hidden ``.NAME.*.tmp`` beside ``path``; the ``remove_stale_temporaries``
    call cleans those up where only one writer at a time writes the file.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes a new file: mode must be 'w' or 'wb', not {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them visible
        os.chmod(tmp, permissions)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def atomic_write(path, data, permissions=0o644):
    """Write ``data`` (``bytes``, or ``str`` as UTF-8) to ``path`` atomically; return the path."""
    text = isinstance(data, str)
    with atomic_open(path, "w" if text else "wb", permissions=permissions,
                     encoding="utf-8" if text else None, newline="\n" if text else None) as f:
        f.write(data)
    return Path(path)


def remove_stale_temporaries(path):
    """Delete the temporary files a killed :func:`atomic_open` of ``path`` left behind.

    Only where one writer at a time writes ``path`` (a training run and its
    checkpoint): another writer's temporary file would look stale too.
    """
    path = Path(path)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)


def _fsync_folder(folder):
    """Make the rename itself survive a power cut (POSIX only; Windows cannot open folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
