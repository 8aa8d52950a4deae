"""``make demo`` / ``catdog demo``: run the whole course headless, and keep what it shows.

Runs every solution notebook in order, in a fresh kernel of this Python,
and writes each executed notebook and an HTML copy of it into
``demo_runs/YYYY-MM-DD_HHMMSS/`` (git ignores it), then says where. An
instructor opens the HTML files to see what learners will see, plots
included, without a GPU or a browser session.

Settings come from ``CATDOG_*`` variables as in any lesson; on a machine
without a GPU, the demo sets small ones (``SMALL_ON_CPU``) for those not
set, so it finishes in minutes. The photos are the kit's embedded sample
(``CATDOG_SOURCE=sample``: 96 photos, no network needed) unless
``CATDOG_DATA`` or ``CATDOG_SOURCE`` says otherwise:
``CATDOG_DATA=../shared/data/dogs-vs-cats-200px make demo`` uses photos on
disk, ``catdog demo --source auto`` what a lesson would find (Kaggle, Oxford).

The model starts from ImageNet's weights, as the course teaches: fetched
once, before the notebooks run, with torch.hub's download and its progress
bar (``start_weights``), from ``$CATDOG_WEIGHTS_URL`` when set. Offline, or
with ``--weights none``, one line says that it starts from random weights,
and why the sample then stays near chance.
"""
import datetime
import os
import time
from pathlib import Path

from ..errors import CatdogError, first_line
from ..i18n import N_, tr
from ..paths import kit_root
from ..prepare.pipeline import SOURCE_VARIABLE
from ..train.weights import weights_file_name

SMALL_ON_CPU = {"CATDOG_SUBSET": "400", "CATDOG_SIZE": "64", "CATDOG_EPOCHS": "2", "CATDOG_BATCH_SIZE": "32"}


def demo_environment(run_dir, base=None, on_cpu=None, source=None, weights=None):
    """The environment the notebooks run in: ``base`` plus the demo's own workspace, its photos and small CPU settings.

    The photos: ``source`` when given (``--source``), else ``CATDOG_DATA`` or
    ``CATDOG_SOURCE`` when set, else the kit's sample, so that a fresh clone
    runs the demo offline and downloads nothing.
    """
    env = dict(os.environ if base is None else base)
    if weights is not None:  # --weights
        env["CATDOG_WEIGHTS"] = weights
    if source:
        env[SOURCE_VARIABLE] = source
        if source != "folder":
            env.pop("CATDOG_DATA", None)  # a lesson takes CATDOG_DATA before any source
    elif not env.get("CATDOG_DATA") and not env.get(SOURCE_VARIABLE):
        env[SOURCE_VARIABLE] = "sample"
    for name in ("CATDOG_DATA", "CATDOG_DATA_ROOT", "CATDOG_WORKSPACE", "CATDOG_RUNS", "CATDOG_CACHE", "TORCH_HOME"):
        if env.get(name):  # the kernels run in another folder: relative paths would point elsewhere there
            env[name] = str(Path(env[name]).expanduser().resolve())
    env.setdefault("CATDOG_WORKSPACE", str(Path(run_dir) / "my_pieces"))  # never the instructor's own pieces
    env.setdefault("CATDOG_RUNS", str(Path(run_dir) / "runs"))
    env.setdefault("CATDOG_DRIVE", "0")
    env.setdefault("CATDOG_STRICT_CHECKS", "1")  # a solution whose check fails is a failed demo, not a red verdict
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if on_cpu is None:
        import torch

        on_cpu = not torch.cuda.is_available()
    if on_cpu:
        for name, value in SMALL_ON_CPU.items():
            env.setdefault(name, value)
    return env


def _torch_home(env):
    """torch's cache folder as the kernels of ``env`` will see it (``torch.hub``'s rule)."""
    return Path(env.get("TORCH_HOME") or os.path.join(env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                                                      "torch")).expanduser().resolve()


def start_weights(env, report=print):
    """Fetch ImageNet's weights into the kernels' torch cache, or fall back to random ones; one line on which.

    Sets ``CATDOG_WEIGHTS=none`` in ``env`` when the weights cannot be had
    (offline), and ``TORCH_HOME`` to the cache they were put in.
    """
    from ..train.weights import ensure_pretrained_weights, parse_weights, weights_url

    home = _torch_home(env)
    if parse_weights(env.get("CATDOG_WEIGHTS", "DEFAULT")) is None:
        report(tr("The model starts from random weights (CATDOG_WEIGHTS=none, or --weights none): {why}",
                  why=tr(NEAR_CHANCE)))
        return None
    folder = home / "hub" / "checkpoints"
    cached = (folder / weights_file_name()).is_file()
    if not cached:
        report(tr("Downloading ImageNet's ResNet18 weights with torchvision's download (45 MB, once) from {url}",
                  url=weights_url()))
    try:
        path = ensure_pretrained_weights(folder=folder, progress=True)
    except CatdogError as e:
        env["CATDOG_WEIGHTS"] = "none"
        report(tr("No ImageNet weights ({why}), so the model starts from random weights: {near}",
                  why=first_line(e, limit=None), near=tr(NEAR_CHANCE)))
        return None
    env["TORCH_HOME"] = str(home)  # the kernels load the very file
    report(tr("Fine-tuning from ImageNet's weights ({path}), as the course teaches.", path=path))
    return path


NEAR_CHANCE = N_("on the demo's few photos and short training it stays near chance (about 50 %), because a network "
                 "that has never seen a photo must first learn to see; ImageNet's weights are what fine-tuning adapts")


def run_notebook(path, out_dir, env=None, timeout=1800, html=True):
    """Execute notebook ``path`` top to bottom in a fresh kernel, shut down at the end (its warm judge
    with it); save the notebook (and an HTML copy) in ``out_dir``.

    Returns ``(seconds, error)``: ``error`` is ``None`` or one line saying
    which cell failed and how. The executed notebook is saved either way, so
    the failure can be read in it.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path, out_dir = Path(path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=_kernel_manager(), timeout=timeout, resources={"metadata": {"path": str(out_dir)}})
    started = time.perf_counter()
    error = None
    try:
        # cleanup_kc: shut the kernel down at the end. nbclient does that only for a kernel manager it made
        # itself, and left alive the kernel and its warm judge (about 0.9 GB each) stay up until we exit.
        client.execute(env=dict(os.environ if env is None else env), cleanup_kc=True)
    except CellExecutionError as e:
        error = f"{e.ename or 'error'}: {first_line(e.evalue or '', limit=None)}".strip()
    except Exception as e:  # a dead kernel, a timeout: say it in one line, keep going with the next notebook
        error = f"{type(e).__name__}: {first_line(str(e), limit=None)}"
    seconds = time.perf_counter() - started
    nbformat.write(nb, out_dir / path.name)
    if html:
        write_html(nb, out_dir / (path.stem + ".html"))
    return seconds, error


def _kernel_manager():
    """A python3 kernel whose messages are encrypted where jupyter_client and the kernel can (8.10 on):
    ipykernel otherwise warns once per notebook that it runs over TCP without encryption."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    if km.has_trait("transport_encryption"):
        km.transport_encryption = "auto"
    return km


def write_html(nb, path):
    """An HTML copy of an executed notebook (plots embedded), for a browser."""
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        raise CatdogError("nbconvert is missing, so no HTML copies can be made: pip install nbconvert "
                          "(or install the kit with its dev extra, as make demo does)") from None

    body, _ = HTMLExporter().from_notebook_node(nb)
    Path(path).write_text(body, encoding="utf-8")
    return Path(path)


def course_notebooks(solutions_dir):
    """The numbered notebooks of ``solutions_dir`` (``01_...ipynb``...), in course order.

    Unlike ``build.solution_notebooks`` (every notebook, for building lessons),
    only what the course runs, and none is no error here.
    """
    return sorted(Path(solutions_dir).glob("[0-9][0-9]_*.ipynb"))


def run_course(notebooks, out_dir, env=None, report=print, timeout=1800):
    """Run ``notebooks`` in order into ``out_dir``; return ``{name: (seconds, error)}``."""
    results = {}
    for path in notebooks:
        report(f"running {path.name} ...")
        seconds, error = run_notebook(path, out_dir, env=env, timeout=timeout)
        results[path.name] = (seconds, error)
        report(f"  {'failed' if error else 'done'} in {seconds:.0f} s" + (f": {error}" if error else ""))
    return results


def run_demo(out_dir=None, solutions_dir=None, report=print, source=None, weights=None):
    """Run every solution notebook headless; save each executed and as HTML in ``out_dir``.

    ``out_dir`` defaults to ``demo_runs/YYYY-MM-DD_HHMMSS/`` in the kit, ``solutions_dir``
    to its ``solutions/``; ``source`` chooses the photos (``demo_environment``).
    Raises ``CatdogError`` naming the notebooks that failed.
    """
    folder = Path(solutions_dir) if solutions_dir else kit_root() / "solutions"
    notebooks = course_notebooks(folder)
    if not notebooks:
        raise CatdogError(f"there are no solution notebooks in {folder}: nothing to run")
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    out_dir = Path(out_dir) if out_dir else kit_root() / "demo_runs" / stamp
    env = demo_environment(out_dir, source=source, weights=weights)
    start_weights(env, report)
    small = [f"{k}={env[k]}" for k in (*SMALL_ON_CPU, "CATDOG_WEIGHTS", "CATDOG_LR", "CATDOG_DATA", SOURCE_VARIABLE)
             if k in env]
    report(f"Running {len(notebooks)} notebook(s) headless into {out_dir}")
    if small:
        report("with " + " ".join(small))
    if env.get(SOURCE_VARIABLE) == "sample" and not env.get("CATDOG_DATA"):
        report(tr("On the kit's small sample of 96 photos, offline (CATDOG_DATA=DIR or --source auto for "
                  "the full data)."))
    results = run_course(notebooks, out_dir, env=env, report=report)
    failed = [name for name, (_, error) in results.items() if error]
    report(f"\nThe executed notebooks and an HTML copy of each are in {out_dir}")
    for name, (seconds, error) in results.items():
        report(f"  {Path(name).stem + '.html':36} {seconds:6.0f} s  {'FAILED: ' + error if error else 'ok'}")
    if failed:
        raise CatdogError(f"{len(failed)} notebook(s) failed ({', '.join(failed)}): open their HTML copy in {out_dir} "
                          "to see the failing cell")
