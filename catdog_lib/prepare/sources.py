"""Where the photos come from: Kaggle's competition, Oxford's pet photos, a local folder, or the kit's sample.

Each source ends as photos on disk that ``prepare`` can index, split and
arrange:

- Kaggle's ``dogs-vs-cats`` competition (25,000 photos named ``cat.N.jpg``
  and ``dog.N.jpg``). Needs a free Kaggle account, an API token, and the
  competition's rules accepted once on the website.
- The Oxford-IIIT Pet data set (about 7,400 photos of 37 breeds, 12 of them
  cats), through torchvision. No account needed: the fallback.
- A folder (or a zip) you already have.
- The kit's embedded sample (``catdog_lib.sample``: 96 of Kaggle's photos),
  on disk wherever the kit is: what ``auto`` falls back to when no source
  can be reached (``SourceUnreachable``), and what ``make demo`` uses.

Downloads are skipped when a finished copy is on disk: a marker file, written
last, says it is complete.
"""
import contextlib
import io
import itertools
import json
import os
import re
import shutil
from pathlib import Path

from ..atomic import atomic_write
from ..errors import CatdogError
from ..i18n import N_, tr
from ..paths import download_dir
from .archives import safe_extract

KAGGLE_COMPETITION = "dogs-vs-cats"
KAGGLE_RULES_URL = "https://www.kaggle.com/c/dogs-vs-cats/rules"
KAGGLE_TOKEN_HELP = N_(
    "on https://www.kaggle.com/settings (API), Create New Token gives an access token (KGAT_...): put it in "
    "~/.kaggle/access_token or set KAGGLE_API_TOKEN; or Create Legacy API Key downloads a kaggle.json: put it "
    "in ~/.kaggle/ (or set KAGGLE_USERNAME and KAGGLE_KEY)"
)
OFFLINE_HELP = N_("check the internet connection, or put the photos in a folder (or a zip) yourself "
                "and use it: CATDOG_DATA=DIR, or catdog prepare --source folder --from DIR")
COMPLETE = ".complete"  # the marker, written last, of a finished download


class SourceUnreachable(CatdogError):
    """The server of a source could not be reached (no network): ``prepare("auto")`` falls back to the sample."""


def _is_complete(folder):
    return (Path(folder) / COMPLETE).is_file()


def _mark_complete(folder, **info):
    atomic_write(Path(folder) / COMPLETE, json.dumps(info, indent=1))


# --- Kaggle -------------------------------------------------------------------------------------

def kaggle_config_dir():
    """The folder the kaggle package reads ``kaggle.json`` from.

    ``$KAGGLE_CONFIG_DIR`` when set, else ``~/.kaggle``; on Linux, when
    ``~/.kaggle`` does not exist, ``$XDG_CONFIG_HOME/kaggle`` (the same rule
    as the kaggle package).
    """
    env = os.environ.get("KAGGLE_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    home = Path.home() / ".kaggle"
    if os.name == "posix" and not home.exists():
        xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        if (Path(xdg) / "kaggle" / "kaggle.json").is_file():
            return Path(xdg) / "kaggle"
    return home


def find_kaggle_credentials():
    """Say where Kaggle credentials would come from, or ``None`` when there are none.

    Never returns (or prints) the key itself.
    """
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return tr("the KAGGLE_USERNAME and KAGGLE_KEY environment variables")
    if os.environ.get("KAGGLE_API_TOKEN"):
        return tr("the KAGGLE_API_TOKEN environment variable")
    return _legacy_key_file() or _access_token_file()


def _legacy_key_file():
    """``kaggle.json`` with a username and a key (what every kaggle client reads), as a string, or ``None``."""
    config = kaggle_config_dir() / "kaggle.json"
    if config.is_file():
        try:
            values = json.loads(config.read_text())
        except (OSError, ValueError):
            values = None
        if isinstance(values, dict) and values.get("username") and values.get("key"):
            return str(config)
    return None


def access_token_path():
    """Where kaggle >= 1.8 reads an access token from: ``~/.kaggle/access_token`` (whatever ``KAGGLE_CONFIG_DIR`` says)."""
    return Path.home() / ".kaggle" / "access_token"


def _access_token_file():
    """The file of a Kaggle access token (what only kaggle >= 1.8 reads), as a string, or ``None``."""
    for token in (access_token_path(), access_token_path().with_name("access_token.txt")):
        if token.is_file() and token.read_text().strip():
            return str(token)
    return None


def kaggle_client_version():
    """The installed kaggle client's version as a tuple of numbers (``(1, 7, 4)``), or ``None`` when it is missing.

    Read from the installed package's metadata, without importing it
    (``import kaggle`` authenticates at once).
    """
    from importlib import metadata

    try:
        text = metadata.version("kaggle")
    except metadata.PackageNotFoundError:
        return None
    numbers = []
    for part in text.split(".")[:3]:
        digits = "".join(itertools.takewhile(str.isdigit, part))
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers) or None


TOKEN_CLIENT = (1, 8)  # the first kaggle client that reads access tokens (KAGGLE_API_TOKEN, access_token)


def _old_client_cannot_use(where):
    """A CatdogError when the only credentials are an access token and the kaggle client predates tokens."""
    version = kaggle_client_version()
    if version is None or version >= TOKEN_CLIENT:
        return None
    if (os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY")) or _legacy_key_file():
        return None  # an old client reads these
    return CatdogError(tr(
        "your Kaggle credentials are an access token ({where}), which the installed kaggle client "
        "{version} cannot use: tokens need kaggle 1.8 or newer (on Python 3.11 or newer: "
        "pip install -U \"kaggle>=1.8\"); on Python 3.10, make a legacy API key instead "
        "(https://www.kaggle.com/settings, API, Create Legacy API Key) and put its kaggle.json in ~/.kaggle/",
        where=where, version=".".join(map(str, version))))


def install_kaggle_json(data_or_path):
    """Save a learner's ``kaggle.json`` where the kaggle package finds it.

    ``data_or_path`` is the file's bytes (from an upload box) or its path. We
    check it holds a username and a key, and write it with mode 600 (only you
    may read it) in one step, so no half-written or world-readable copy ever
    exists. Returns the path written. The key is never printed.
    """
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        data = bytes(data_or_path)
    else:
        path = Path(data_or_path).expanduser()
        if not path.is_file():
            raise CatdogError(tr("there is no file at {path}: give the path of your kaggle.json, or its bytes",
                                 path=path))
        data = path.read_bytes()
    try:
        values = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        values = None  # the error's text could quote the file: leave it out
    if not (isinstance(values, dict) and isinstance(values.get("username"), str) and values["username"].strip()
            and isinstance(values.get("key"), str) and values["key"].strip()):
        raise CatdogError(tr('that is not a kaggle.json: expected JSON like {{"username": "...", "key": "..."}}; '
                             "{how}",
                             how=tr(KAGGLE_TOKEN_HELP)))
    folder = kaggle_config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    target = folder / "kaggle.json"
    clean = {"username": values["username"].strip(), "key": values["key"].strip()}
    atomic_write(target, json.dumps(clean), permissions=0o600)
    return target


ACCESS_TOKEN = re.compile(r"[A-Za-z0-9_~+=-][A-Za-z0-9_.~+=-]{15,1023}")  # one word: KGAT_ and hex today


def install_kaggle_credentials(data_or_path):
    """Save Kaggle credentials of either kind where the kaggle client reads them; returns the path written.

    Kaggle's settings page gives two kinds: **Create New Token** shows an
    access token (``KGAT_...``), which goes to ``~/.kaggle/access_token``;
    **Create Legacy API Key** downloads a ``kaggle.json`` (a username and a
    key), which goes where ``install_kaggle_json`` puts it. ``data_or_path``
    is a file's bytes (an upload), its path, or the token as text (pasted).
    Written with mode 600, in one step; never printed.
    """
    if isinstance(data_or_path, str) and ACCESS_TOKEN.fullmatch(data_or_path.strip()) \
            and not data_or_path.strip().lower().endswith((".json", ".txt")) \
            and not Path(data_or_path.strip()).expanduser().is_file():
        data = data_or_path.strip().encode()  # a pasted token
    elif isinstance(data_or_path, (bytes, bytearray, memoryview)):
        data = bytes(data_or_path)
    else:
        path = Path(data_or_path).expanduser()
        if not path.is_file():
            raise CatdogError(tr("there is no file at {path}: give the path of your kaggle.json or access token, "
                                 "or its bytes", path=path))
        data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        text = ""
    if text.startswith("{"):
        return install_kaggle_json(data)
    if not ACCESS_TOKEN.fullmatch(text):  # the error never quotes the file: it may hold a secret
        raise CatdogError(tr("that is neither a kaggle.json nor a Kaggle access token (one word, KGAT_...): {how}",
                             how=tr(KAGGLE_TOKEN_HELP)))
    target = access_token_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(target.parent, 0o700)
    atomic_write(target, text + "\n", permissions=0o600)
    return target


def token_client_problem():
    """One line when the only Kaggle credentials here are an access token the installed client cannot use, else ``""``."""
    where = find_kaggle_credentials()
    problem = _old_client_cannot_use(where) if where else None
    return str(problem) if problem else ""


def _kaggle_api():
    """An authenticated ``KaggleApi``, or a CatdogError saying how to get credentials.

    ``import kaggle`` tries to authenticate at import time and prints help
    (or exits) when it cannot, so we look for credentials first, import it
    here only, and hush what it prints.
    """
    where = find_kaggle_credentials()
    if where is None:
        config = kaggle_config_dir() / "kaggle.json"
        if config.is_file():
            raise CatdogError(tr("{config} holds no username and key: replace it; {how}",
                                 config=config, how=tr(KAGGLE_TOKEN_HELP)))
        raise CatdogError(tr("no Kaggle credentials found: {how}",
                             how=tr(KAGGLE_TOKEN_HELP)))
    too_old = _old_client_cannot_use(where)
    if too_old:
        raise too_old
    quiet = io.StringIO()
    try:
        with contextlib.redirect_stdout(quiet):
            from kaggle.api.kaggle_api_extended import KaggleApi
    except ImportError as e:
        raise CatdogError(tr("the kaggle package is missing: pip install kaggle")) from e
    except (Exception, SystemExit):  # kaggle < 1.7 raises at import when it finds no credentials
        raise CatdogError(tr("the kaggle package cannot use the credentials in {where}: {how}",
                             where=where, how=tr(KAGGLE_TOKEN_HELP))) from None

    api = KaggleApi()
    # Read the credentials from where they are now (the class fixed its paths at import time).
    api.config_dir = str(kaggle_config_dir())
    api.config = os.path.join(api.config_dir, "kaggle.json")
    # Verbose mode would print request headers, and with them the credentials.
    api.args = [a for a in getattr(api, "args", []) if a not in ("--verbose", "-v")]
    _follow_kaggle_api_environment(api)
    try:
        with contextlib.redirect_stdout(quiet):
            api.authenticate()
    except SystemExit:
        raise CatdogError(tr("the Kaggle credentials in {where} are not usable: {how}",
                             where=where, how=tr(KAGGLE_TOKEN_HELP))) from None
    except Exception as e:
        raise _kaggle_failure(e, tr("logging in to Kaggle")) from None
    return api


def _follow_kaggle_api_environment(api):
    """Point the client where ``$KAGGLE_API_ENVIRONMENT`` says, as kagglesdk defines it.

    The kaggle package (2.2.5) passes its own endpoint to kagglesdk and only
    knows ``LOCALHOST``; kagglesdk's ``TEST`` (``http://localhost:7777``) and
    the others are ignored. Our tests serve a fake Kaggle there.
    """
    env_name = os.environ.get("KAGGLE_API_ENVIRONMENT")
    if env_name in (None, "", "PROD", "LOCALHOST"):
        return
    try:
        from kagglesdk import KaggleClient
        from kagglesdk.kaggle_env import get_env
    except ImportError:  # kaggle < 1.7 has no kagglesdk
        return

    env = get_env()

    def build_kaggle_client():
        return KaggleClient(env=env, verbose=False,
                            username=api.config_values.get(api.CONFIG_NAME_USER),
                            password=api.config_values.get(api.CONFIG_NAME_KEY),
                            api_token=api.config_values.get(api.CONFIG_NAME_TOKEN),
                            response_processor=api.get_response_processor())

    api.build_kaggle_client = build_kaggle_client


def _kaggle_failure(error, doing):
    """Turn what the kaggle client raised into a CatdogError that says what to do."""
    import requests

    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(error, "status", None)  # kaggle < 1.7: .status
    if status == 401:
        return CatdogError(tr("Kaggle refused the credentials (401) while {doing}: the token is wrong or was "
                              "replaced by a newer one; {how}",
                              doing=doing, how=tr(KAGGLE_TOKEN_HELP)))
    if status == 403:
        return CatdogError(tr("Kaggle said 403 (forbidden) while {doing}: accept the competition's rules at "
                              "{rules_url} (logged in, 'I Understand and Accept'), then run this again",
                              doing=doing, rules_url=KAGGLE_RULES_URL))
    if status == 404:
        return CatdogError(tr("Kaggle has no competition {competition!r} (404) while {doing}: check the "
                              "kaggle package is up to date (pip install -U kaggle)",
                              competition=KAGGLE_COMPETITION, doing=doing))
    if status == 429:
        return CatdogError(tr("Kaggle asked us to slow down (429) while {doing}: wait a few minutes and run this "
                              "again", doing=doing))
    if status is not None:
        return CatdogError(tr("Kaggle answered {status} while {doing}: try again later, or {how}",
                              status=status, doing=doing, how=tr(OFFLINE_HELP)))
    if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return SourceUnreachable(tr("could not reach Kaggle while {doing}: {how}",
                                    doing=doing, how=tr(OFFLINE_HELP)))
    return CatdogError(tr("the Kaggle download failed while {doing} ({name}): run this again to resume, or "
                          "{how}",
                          doing=doing, name=type(error).__name__, how=tr(OFFLINE_HELP)))


def download_kaggle(dest, report=print):
    """Download and unpack Kaggle's ``dogs-vs-cats`` training photos into ``dest/raw/train``.

    The competition's zip holds ``train.zip`` (25,000 labelled photos) and
    ``test1.zip`` (unlabelled, not used here). We download it with the
    official ``kaggle`` client (which resumes a cut-off download), unpack
    ``train.zip`` from it safely, and leave a marker so that the next call
    returns at once. Returns the folder of photos.
    """
    dest = Path(dest)
    raw = dest / "raw"
    if _is_complete(raw) and (raw / "train").is_dir():
        report(tr("Kaggle photos already in {raw}", raw=raw / 'train'))
        return raw / "train"

    downloads = download_dir(dest / "download")  # $CATDOG_DOWNLOADS: Google Drive in Colab, kept across runtimes
    zipped = downloads / f"{KAGGLE_COMPETITION}.zip"
    if _finished_download(zipped):  # only the unpacking was cut off: no need to ask Kaggle again
        return _unpack_kaggle_zip(zipped, raw, report)

    api = _kaggle_api()
    downloads.mkdir(parents=True, exist_ok=True)
    report(tr("Downloading Kaggle's {competition} (about 800 MB) into {downloads}",
              competition=KAGGLE_COMPETITION, downloads=downloads))
    try:
        api.competition_download_files(KAGGLE_COMPETITION, path=str(downloads), quiet=False)
    except Exception as e:
        raise _kaggle_failure(e, tr("downloading {competition}", competition=KAGGLE_COMPETITION)) from None
    if not zipped.is_file():
        raise CatdogError(tr("the Kaggle download left no {name} in {downloads}: run this again",
                             name=zipped.name, downloads=downloads))
    return _unpack_kaggle_zip(zipped, raw, report)


def _finished_download(zipped):
    """Is ``zipped`` a whole zip? The kaggle client leaves a ``.kaggle-partial`` marker beside a
    cut-off download, and a cut-off zip lacks the directory at its end."""
    import zipfile

    partial = Path(f"{zipped}.kaggle-partial")
    return zipped.is_file() and not partial.exists() and zipfile.is_zipfile(zipped)


def _unpack_kaggle_zip(zipped, raw, report):
    """Unpack the competition zip into ``raw/train``, then mark it complete."""
    _unpack_photos_zip(zipped, raw, report)
    if not (raw / "train").is_dir():
        raise CatdogError(tr("{name} holds no train/ folder: is it the dogs-vs-cats competition zip?",
                             name=zipped.name))
    _mark_complete(raw, source="kaggle", archive=zipped.name)
    return raw / "train"


def _unpack_photos_zip(archive, raw, report):
    """Unpack ``archive`` into ``raw``; from Kaggle's competition zip, only the ``train.zip`` inside it."""
    import zipfile

    names = []
    with contextlib.suppress(zipfile.BadZipFile, OSError):
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                names = zf.namelist()
    report(tr("Unpacking {name}", name=Path(archive).name))
    if "train.zip" in names:  # the competition zip: train.zip (labelled) and test1.zip (not)
        inner = raw.parent / "unpacked"
        safe_extract(archive, inner, members=["train.zip"])
        safe_extract(inner / "train.zip", raw)
        shutil.rmtree(inner, ignore_errors=True)
    else:
        safe_extract(archive, raw)


# --- Oxford-IIIT Pet ----------------------------------------------------------------------------

def download_oxford_pets(dest, report=print):
    """Get the Oxford-IIIT Pet photos with torchvision; return ``(path, "cat" or "dog")`` pairs.

    torchvision's ``OxfordIIITPet`` names the two archives, ``images.tar.gz``
    and ``annotations.tar.gz``, with their md5 sums (``_RESOURCES``); its
    ``download_url`` fetches them (checking the sums) into the downloads
    folder, ``$CATDOG_DOWNLOADS/oxford-iiit-pet`` (Google Drive in Colab, so
    the next lessons' runtimes find them there and download nothing), and
    ``extract_archive`` unpacks them into ``dest/raw/oxford-iiit-pet`` on this
    machine's disk. Without ``$CATDOG_DOWNLOADS`` the archives are removed once
    unpacked (800 MB less on disk). The annotation lists ``trainval.txt`` and
    ``test.txt`` give each photo's species, the ``binary-category`` target:
    1 for a cat, 2 for a dog. We take both lists: our own split comes later.
    A marker written last says the unpacking finished; without it, a
    half-unpacked folder is removed and unpacked again.
    """
    raw = Path(dest) / "raw"
    base = raw / "oxford-iiit-pet"
    if _is_complete(raw):
        report(tr("Oxford-IIIT Pet photos already in {base}", base=base))
    else:
        for folder in ("images", "annotations"):  # a cut-off unpack
            shutil.rmtree(base / folder, ignore_errors=True)
        kept = bool(os.environ.get("CATDOG_DOWNLOADS"))
        archives = _oxford_archives(download_dir(Path(dest) / "download") / "oxford-iiit-pet", report)
        from torchvision.datasets.utils import extract_archive

        for archive in archives:
            report(tr("Unpacking {name}", name=archive.name))
            extract_archive(str(archive), str(base))
            if not kept:
                archive.unlink()
                archive.with_name(archive.name + COMPLETE).unlink(missing_ok=True)
        _mark_complete(raw, source="oxford-pets")

    species = {"1": "cat", "2": "dog"}
    items = []
    for split in ("trainval", "test"):
        listing = base / "annotations" / f"{split}.txt"
        if not listing.is_file():
            raise CatdogError(tr("{listing} is missing: delete {raw} and run this again to download afresh",
                                 listing=listing, raw=raw))
        for line in listing.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and not line.startswith("#") and fields[2] in species:
                items.append((base / "images" / f"{fields[0]}.jpg", species[fields[2]]))
    return items


def _oxford_archives(downloads, report):
    """Oxford's two archives in ``downloads``: downloaded (md5 checked) unless a finished copy is there.

    A finished download gets a marker beside it (``images.tar.gz.complete``,
    holding its md5 and size), so a later runtime trusts the 800 MB on Drive
    without reading them through to check the sum again.
    """
    from torchvision.datasets import OxfordIIITPet
    from torchvision.datasets.utils import download_url

    archives = []
    for url, md5 in OxfordIIITPet._RESOURCES:
        archive = Path(downloads) / os.path.basename(url)
        marker = archive.with_name(archive.name + COMPLETE)
        stamp = None
        with contextlib.suppress(OSError, ValueError):
            stamp = json.loads(marker.read_text())
        if archive.is_file() and stamp == {"md5": md5, "size": archive.stat().st_size}:
            report(tr("{name} already downloaded in {downloads}", name=archive.name, downloads=downloads))
        else:
            report(tr("Downloading {name} of the Oxford-IIIT Pet photos (about 800 MB in all) into {downloads}",
                      name=archive.name, downloads=downloads))
            try:
                download_url(url, str(downloads), md5=md5)
            except Exception as e:
                raise _oxford_failure(e) from None
            atomic_write(marker, json.dumps({"md5": md5, "size": archive.stat().st_size}))
        archives.append(archive)
    return archives


def _oxford_failure(error):
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return CatdogError(tr("the Oxford-IIIT Pet server answered {code}: try again later, or {how}",
                              code=error.code, how=tr(OFFLINE_HELP)))
    if isinstance(error, (urllib.error.URLError, ConnectionError, TimeoutError)):
        return SourceUnreachable(tr("could not reach the Oxford-IIIT Pet server: {how}",
                                    how=tr(OFFLINE_HELP)))
    if "corrupted" in str(error) or "not found" in str(error).lower():
        return CatdogError(tr("the Oxford-IIIT Pet download is incomplete or corrupt (md5 mismatch): run this "
                              "again to download it afresh, or {how}",
                              how=tr(OFFLINE_HELP)))
    return CatdogError(tr("getting the Oxford-IIIT Pet photos failed ({name}: {error}): run this again, or "
                          "{how}",
                          name=type(error).__name__, error=error, how=tr(OFFLINE_HELP)))


# --- A local folder or zip ----------------------------------------------------------------------

def unpack_upload(archive, dest, report=print):
    """Unpack a zip of photos someone gave us (e.g. Kaggle's zip, uploaded by hand) into ``dest/raw``.

    Kaggle's competition zip, its ``train.zip``, or any zip of photos. Done
    once: a marker remembers which archive (by name, size and time) was
    unpacked. Returns the folder to index.
    """
    archive, raw = Path(archive), Path(dest) / "raw"
    st = archive.stat()
    stamp = {"source": "upload", "archive": str(archive.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    marker = raw / COMPLETE
    if marker.is_file():
        with contextlib.suppress(OSError, ValueError):
            if json.loads(marker.read_text()) == stamp:
                report(tr("{name} already unpacked in {raw}", name=archive.name, raw=raw))
                return raw
    _unpack_photos_zip(archive, raw, report)
    _mark_complete(raw, **stamp)
    return raw
