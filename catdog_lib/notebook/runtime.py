"""The runtime a lesson runs in, and what must outlive it: every lesson's setup cell calls ``start_lesson``.

In JupyterLab the kit is a folder on your disk and everything stays in it:
``start_lesson`` only says where your pieces are saved.

In Colab each notebook gets a runtime of its own: a fresh machine with a new
``/content`` and a new home folder, gone when the notebook closes. So, once
per runtime, ``start_lesson``:

1. installs the kit the setup cell cloned (``pip install -e``: the fresh
   processes that judge your pieces import it from there) and moves into it;
2. mounts Google Drive (``google.colab.drive.mount``, which asks you once
   per runtime), unless you refuse or set ``CATDOG_DRIVE=0``, and keeps in
   ``MyDrive/catdog/`` what the next lesson needs: your pieces and the hints
   you have seen (``my_pieces/``), your Kaggle token (``kaggle.json``, or
   an access token in ``access_token``), the downloaded archives, Kaggle's
   or Oxford's (``downloads/``: 800 MB not downloaded again; each runtime
   unpacks them onto its own disk, as 25,000 small files are slow to write
   to Drive), and checkpoints and models (``runs/``);
3. finds your Kaggle token: on Drive, or in your Colab secrets
   (``KAGGLE_API_TOKEN``, or ``KAGGLE_USERNAME`` and ``KAGGLE_KEY``, read in
   every lesson);
4. says in one line what is kept, or what will be lost and what to do.

A Chinese lesson's setup cell says ``start_lesson(KIT, lang="zh")``: from then
on the checks, hints and plots of this kernel, and of the processes it starts,
speak Chinese. The plots need a font that draws Chinese; Colab has none, so
there ``start_lesson`` installs one (once per runtime), and the plots keep
English labels if it cannot.
"""
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import CatdogError, first_line
from ..i18n import N_, language, set_language, tr
from ..paths import kit_root, workspace
from .widgets import in_colab

DRIVE_FOLDER = "catdog"  # MyDrive/catdog/
KEPT = N_("your pieces, the hints you have seen, your Kaggle token, the downloaded photos, checkpoints and models")


@dataclass
class Runtime:
    """Where this lesson runs: ``colab`` or not, and ``drive`` (``MyDrive/catdog``) when Google Drive is mounted."""

    colab: bool
    drive: "Path | None" = None
    why_no_drive: str = ""


current = Runtime(colab=False)  # this kernel's, once start_lesson has run


def start_lesson(kit=None, lang=None, report=print):
    """Set up this runtime for a lesson (see the module's docstring); returns a ``Runtime``.

    ``lang``: the lesson's language (``"zh"`` in the Chinese edition); ``None``
    keeps ``CATDOG_LANG``, else English.
    """
    global current
    if lang:
        set_language(lang)
    from .kaggle_kernel import in_kaggle_kernel, start_kaggle_lesson  # Kaggle Notebooks: kaggle_kernel.py
    if in_kaggle_kernel():
        start_kaggle_lesson(Path(kit) if kit else kit_root(), install_kit, report)
        current = Runtime(colab=False)
        if language() != "en":
            chinese_plots(colab=False, report=report)
        return current
    if not in_colab():
        report(tr("Your pieces are saved in {folder}.", folder=workspace()))
        current = Runtime(colab=False)
        if language() != "en":
            chinese_plots(colab=False, report=report)
        return current
    kit = Path(kit) if kit else kit_root()
    install_kit(kit)
    os.chdir(kit)
    drive, why = mount_drive(kit.parent / "drive")
    if drive is not None:
        keep_on_drive(drive)
    token = find_kaggle_token(drive)
    if drive is not None:
        report(tr("Google Drive is mounted: {kept} are kept in MyDrive/{folder}/ for the next lessons.",
                  kept=tr(KEPT), folder=DRIVE_FOLDER) + (f" {token}" if token else ""))
    else:
        how = (tr("run this cell again and allow Google Drive (unset CATDOG_DRIVE).") if "CATDOG_DRIVE" in why
               else tr("run this cell again and allow Google Drive."))
        report(tr("No Google Drive ({why}): {kept} stay on this runtime and are lost when it ends. To keep them, {how}",
                  why=why, kept=tr(KEPT), how=how) + (f" {token}" if token else ""))
    current = Runtime(colab=True, drive=drive, why_no_drive=why)
    if language() != "en":
        chinese_plots(colab=True, report=report)
    return current


CJK_FONT_PACKAGE = "fonts-wqy-microhei"  # 4.5 MB, in Debian and in Ubuntu (Colab's system)


def chinese_plots(colab, report=print):
    """Make the plots draw Chinese: a CJK font for matplotlib, installed in Colab, which has none.

    Elsewhere a font is there or not (``catdog_lib.plots.cjk_font``); without
    one, the plots keep English labels rather than draw boxes, and one line says so.
    """
    from ..plots import cjk_font, use_cjk_font

    cjk_font.cache_clear()  # run again after installing a font: look again
    if cjk_font() is None and colab:
        report(tr("Installing a Chinese font for the plots (once per runtime, a few seconds)..."))
        apt_install(CJK_FONT_PACKAGE)
        cjk_font.cache_clear()
    if cjk_font() is None:
        report(tr("No font here draws Chinese, so the plots keep English labels. For Chinese ones, install a "
                  "Chinese font (on Debian or Ubuntu: sudo apt-get install {package}) and run this cell again.",
                  package=CJK_FONT_PACKAGE))
        return None
    return use_cjk_font()


def apt_install(package):
    """``apt-get install package``, with ``apt-get update`` first if that fails (stale lists); whether it worked."""
    def ok(command):
        try:
            return subprocess.run(command, capture_output=True, timeout=300).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    install = ["apt-get", "-qq", "install", "-y", package]
    return ok(install) or (ok(["apt-get", "-qq", "update"]) and ok(install))


def install_kit(kit):
    """``pip install -e kit``, once per runtime: the fresh processes that judge the pieces must import this kit."""
    import tempfile

    probe = subprocess.run([sys.executable, "-c", "import catdog_lib; print(catdog_lib.__file__)"],
                           capture_output=True, text=True, cwd=tempfile.gettempdir())
    found = probe.stdout.strip()
    if probe.returncode == 0 and found and Path(found).resolve().is_relative_to(Path(kit).resolve()):
        return
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", str(kit)])
    if done.returncode:
        raise CatdogError(tr("pip could not install the kit from {kit} (see above): run this cell again, or "
                             "Runtime > Disconnect and delete runtime, then run it again", kit=kit))


def mount_drive(mountpoint):
    """``(MyDrive/catdog, "")`` once Google Drive is mounted at ``mountpoint``; ``(None, why)`` when it is not."""
    if os.environ.get("CATDOG_DRIVE", "1").strip().lower() in ("0", "no", "false", "off"):
        return None, "CATDOG_DRIVE=0"
    try:
        from google.colab import drive

        drive.mount(str(mountpoint))
    except Exception as e:  # refused, timed out, no Drive here
        return None, tr("it was not mounted: {why}", why=first_line(e))
    folder = Path(mountpoint) / "MyDrive" / DRIVE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder, ""


def keep_on_drive(folder):
    """Point the workspace, the runs and the downloads at ``folder`` (unless a ``CATDOG_*`` variable says otherwise)."""
    for name, sub in (("CATDOG_WORKSPACE", "my_pieces"), ("CATDOG_RUNS", "runs"), ("CATDOG_DOWNLOADS", "downloads")):
        os.environ.setdefault(name, str(folder / sub))


KAGGLE_FILES = ("access_token", "kaggle.json")  # on Drive: Kaggle's two kinds of credentials, under their own names


def find_kaggle_token(drive=None):
    """Make the Kaggle token of an earlier runtime usable here; one line on where it came from, or ``""``.

    A token already here wins (and is saved to Drive when Drive has none);
    else the one saved on Drive (an access token, or a ``kaggle.json``); else
    the Colab secrets ``KAGGLE_API_TOKEN``, or ``KAGGLE_USERNAME`` and
    ``KAGGLE_KEY``, when you added them and let this notebook read them.
    The line adds, when the only credentials are an access token, that the
    installed kaggle client is too old for it.
    """
    from ..prepare.sources import find_kaggle_credentials, install_kaggle_credentials, token_client_problem

    def with_problem(line):
        problem = token_client_problem()
        return f"{line} {problem[0].upper()}{problem[1:]}." if problem else line

    if find_kaggle_credentials():
        remember_kaggle_token(drive)
        return with_problem("").strip()
    saved = [drive / name for name in KAGGLE_FILES if drive is not None and (drive / name).is_file()]
    for path in saved:
        try:
            install_kaggle_credentials(path)
            return with_problem(tr("Your Kaggle token came from Drive."))
        except CatdogError as e:
            if path == saved[-1]:
                return tr("The Kaggle token on Drive is not usable ({why}).", why=e)
    if read_colab_secrets():
        return with_problem(tr("Your Kaggle token came from your Colab secrets."))
    return ""


def read_colab_secrets():
    """Put the Colab secret ``KAGGLE_API_TOKEN``, or ``KAGGLE_USERNAME`` and ``KAGGLE_KEY``, in the environment;
    whether they were there."""
    try:
        from google.colab import userdata
    except ImportError:
        return False

    def secret(name):
        try:
            return (userdata.get(name) or "").strip()
        except Exception:  # not added, or this notebook may not read it
            return ""

    token = secret("KAGGLE_API_TOKEN")
    if token:
        os.environ["KAGGLE_API_TOKEN"] = token
        return True
    values = {name: secret(name) for name in ("KAGGLE_USERNAME", "KAGGLE_KEY")}
    if not all(values.values()):
        return False
    os.environ.update(values)
    return True


def remember_kaggle_token(drive, replace=False):
    """Save this runtime's Kaggle credentials to Drive (when mounted): its ``access_token`` and ``kaggle.json``.

    A file Drive already has is kept unless ``replace`` (a token just uploaded).
    Returns the last path written, or ``None``.
    """
    from ..atomic import atomic_write
    from ..prepare.sources import access_token_path, kaggle_config_dir

    if drive is None:
        return None
    written = None
    for local in (access_token_path(), kaggle_config_dir() / "kaggle.json"):
        kept = drive / local.name
        if local.is_file() and (replace or not kept.is_file()):
            written = atomic_write(kept, local.read_text(encoding="utf-8"), permissions=0o600)
    return written


def get_kaggle_token(settings, report=print):
    """Lesson 01: say where the photos will come from; in Colab without a token, ask for one.

    Either kind Kaggle gives: a ``kaggle.json`` (Create Legacy API Key), or an
    access token (Create New Token), uploaded as a file or, when no file is
    uploaded, pasted into a hidden box. It is installed where the kaggle
    client reads it and, with Google Drive, saved there for the next lessons.
    """
    from ..prepare.pipeline import SOURCE_VARIABLE
    from ..prepare.sources import find_kaggle_credentials, token_client_problem

    credentials = find_kaggle_credentials()
    source = os.environ.get(SOURCE_VARIABLE, "").strip().lower()
    if settings.data:
        report(tr("Using the photos in {folder} (CATDOG_DATA): no download needed.", folder=settings.data))
    elif source == "sample":
        report(tr("Using the kit's small sample (CATDOG_SOURCE=sample): 96 photos, no download, too few to learn well."))
    elif source not in ("", "auto"):
        report(tr("The photos come from the source {source} (CATDOG_SOURCE).", source=source))
    elif credentials:
        report(tr("Kaggle token found in {path}.", path=credentials))
    elif in_colab():
        report(tr("Upload your kaggle.json, or a file holding your access token (KGAT_...); or cancel, then paste "
                  "the token, or leave that box empty to use the Oxford-IIIT Pet photos instead:"))
        from google.colab import files

        # colabtools writes each upload into the working folder (the kit's clone): land it in a folder of its
        # own, removed at once, so no copy of the credential is left beside the kit (it is installed below).
        here = os.getcwd()
        with tempfile.TemporaryDirectory() as landing:
            os.chdir(landing)
            try:
                uploads = list(files.upload().items())
            finally:
                os.chdir(here)
        if not uploads:
            pasted = paste_kaggle_token()
            uploads = [("", pasted)] if pasted else []
        for name, data in uploads[-1:]:  # several files: the last one
            install_uploaded_token(data, report)
    else:
        report(tr("No Kaggle token: the lessons will use the Oxford-IIIT Pet photos, or the kit's small sample "
                  "when offline. See the steps above to use Kaggle's."))
        return
    problem = token_client_problem()
    if problem:
        report(problem[0].upper() + problem[1:] + ".")


def paste_kaggle_token():
    """Ask for an access token in a hidden box (``getpass``: nothing shows, nothing is kept in the notebook);
    the text, or ``""`` when none was given or nobody can answer (a notebook run headless)."""
    import getpass

    try:
        return getpass.getpass(tr("Paste your Kaggle access token (KGAT_...) and press Enter, or press Enter alone "
                                  "to use the Oxford-IIIT Pet photos: ")).strip()
    except Exception:  # no one to ask: a kernel without stdin (Run All headless, nbclient)
        return ""


def install_uploaded_token(data, report=print):
    """Install an uploaded or pasted token (either kind) and save it to Drive; one line each on where it went."""
    from ..prepare.sources import install_kaggle_credentials

    try:
        path = install_kaggle_credentials(data)
    except CatdogError as e:
        report(tr("Not saved: {why}", why=e))
        return None
    report(tr("Saved your token to {path}.", path=path))
    saved = remember_kaggle_token(current.drive, replace=True)
    if saved:
        report(tr("And to {path}, for the next lessons (only you can read your Drive unless you share it).",
                  path=saved))
    return path
