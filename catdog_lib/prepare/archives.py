"""Unpack a zip or tar archive safely: nothing outside the target, no links, all or nothing.

An archive from the internet (or from a learner's upload) is not to be
trusted: an entry named ``../../.bashrc`` or ``/etc/passwd`` would land
outside the folder we meant, and a link entry could point anywhere. We read
the whole list of entries first and refuse the archive if any of them is
unsafe. We extract into a hidden temporary folder beside the target and
rename it into place only when every byte is out, so a run cut off halfway
leaves no half-filled folder that a later run could mistake for a finished
one: the next run starts the extraction again.
"""
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..errors import CatdogError
from ..i18n import tr

CHUNK = 1 << 20  # copy 1 MiB at a time: big archives never sit in memory


def _broken(archive):
    return CatdogError(
        tr("{name} is not a complete zip or tar archive (a cut-off download, a corrupt file, or a web page saved "
           "under that name): delete {archive} and download it again",
           name=Path(archive).name, archive=archive)
    )


def _check_name(archive, name):
    """The entry's path inside the target, or a CatdogError if it would land outside."""
    clean = name.replace("\\", "/")  # archives made on Windows may use backslashes
    parts = PurePosixPath(clean).parts
    if clean.startswith("/") or re.match(r"^[A-Za-z]:", clean) or ".." in parts:
        raise CatdogError(
            tr("refusing to unpack {name}: its entry {entry!r} would land outside the target folder; get the "
               "archive from a source you trust", name=Path(archive).name, entry=name)
        )
    return PurePosixPath(*[p for p in parts if p not in ("", ".")])


def _refuse_link(archive, name):
    return CatdogError(
        tr("refusing to unpack {name}: its entry {entry!r} is a link, which could point anywhere; get the "
           "archive from a source you trust", name=Path(archive).name, entry=name)
    )


def _unwritable(archive, rel, error):
    import errno

    name = str(rel) if len(str(rel)) <= 80 else str(rel)[:77] + "..."
    if error.errno == errno.ENOSPC:
        return CatdogError(tr("the disk is full while unpacking {name}: make room, or unpack it somewhere else",
                              name=Path(archive).name))
    why = {errno.ENAMETOOLONG: "its name is too long for this disk",
           errno.EEXIST: "a file and a folder in the archive have that name",
           errno.EISDIR: "a file and a folder in the archive have that name",
           errno.ENOTDIR: "a file and a folder in the archive have that name"}.get(error.errno, error.strerror)
    return CatdogError(tr("cannot unpack {name}: its entry {entry!r} cannot be written ({why}); get the archive "
                          "from a source you trust, or unpack it by hand",
                          name=Path(archive).name, entry=name, why=why))


def _zip_entries(archive, zf):
    """``(relative path, is_dir, opener, size)`` for each entry, after checking them all."""
    entries = []
    for info in zf.infolist():
        rel = _check_name(archive, info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _refuse_link(archive, info.filename)
        entries.append((rel, info.is_dir(), (lambda info=info: zf.open(info)), info.file_size))
    return entries


def _tar_entries(archive, tf):
    entries = []
    for member in tf.getmembers():
        rel = _check_name(archive, member.name)
        if member.issym() or member.islnk():
            raise _refuse_link(archive, member.name)
        if not (member.isfile() or member.isdir()):
            raise CatdogError(
                tr("refusing to unpack {name}: its entry {entry!r} is a device or pipe, not a file; get the "
                   "archive from a source you trust",
                   name=Path(archive).name, entry=member.name)
            )
        entries.append((rel, member.isdir(), (lambda m=member: tf.extractfile(m)), member.size))
    return entries


def _open(archive):
    """Open ``archive`` as a zip or a tar (any compression), or raise a CatdogError."""
    try:
        if zipfile.is_zipfile(archive):
            return zipfile.ZipFile(archive), _zip_entries
        if tarfile.is_tarfile(archive):
            return tarfile.open(archive), _tar_entries
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise _broken(archive) from e
    raise _broken(archive)


def safe_extract(archive, dest, members=None):
    """Unpack ``archive`` (zip or tar) so that ``dest`` holds exactly its files.

    ``members``: only these entry names (e.g. ``["train.zip"]``), or all.
    Refuses the whole archive if an entry would land outside ``dest`` (``../``,
    an absolute path) or is a link. A corrupt or truncated archive gives one
    CatdogError saying to download it again. An old ``dest`` is replaced only
    once the new one is complete. Returns ``dest`` as a Path.
    """
    from tqdm.auto import tqdm

    archive, dest = Path(archive), Path(dest)
    if not archive.is_file():
        raise CatdogError(tr("there is no archive at {archive}: download it first", archive=archive))
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.partial-*"):  # left by a run that was cut off
        shutil.rmtree(stale, ignore_errors=True)

    handle, list_entries = _open(archive)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        with handle:
            entries = list_entries(archive, handle)
            if members is not None:
                wanted = {str(_check_name(archive, m)) for m in members}
                entries = [e for e in entries if str(e[0]) in wanted]
                missing = wanted - {str(e[0]) for e in entries}
                if missing:
                    raise CatdogError(tr("{name} does not hold {missing}: is it the right archive?",
                                         name=archive.name, missing=', '.join(sorted(missing))))
            total = sum(size for _, is_dir, _, size in entries if not is_dir)
            free = shutil.disk_usage(tmp).free
            if total > free:
                raise CatdogError(tr("unpacking {name} needs {total:.1f} GB but only {free:.1f} GB are free in "
                                     "{parent}: make room, or unpack it somewhere else",
                                     name=archive.name, total=total / 1e9, free=free / 1e9, parent=dest.parent))
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"Unpacking {archive.name}",
                      leave=False) as bar:
                for rel, is_dir, opener, _ in entries:
                    target = tmp.joinpath(*rel.parts) if rel.parts else tmp
                    try:
                        if is_dir:
                            target.mkdir(parents=True, exist_ok=True)
                            continue
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with opener() as src, open(target, "wb") as out:
                            while chunk := src.read(CHUNK):
                                out.write(chunk)
                                bar.update(len(chunk))
                    except OSError as e:  # a name clash, a name too long, a full disk: say which entry
                        raise _unwritable(archive, rel, e) from None
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _broken(archive) from e
    except BaseException:  # also KeyboardInterrupt: never leave a half-filled folder
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    # Swap in the new folder only now that it is complete.
    if dest.exists() or dest.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-old-", dir=dest.parent))
        os.replace(dest, old / "x")
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, dest)
    return dest
