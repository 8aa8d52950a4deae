"""The pytest plugin that judges a learner's pieces: ``pytest checks``.

``checks/conftest.py`` registers it. Each check asks for one piece by name
(``def test_val_is_stratified(split_items): ...``) and gets the function
under judgment: the learner's, loaded from ``<workspace>/<name>.py`` in a
fresh prelude, or the reference with ``--reference``. The plugin then:

- skips a piece with no file as *not started*, fails a stub as *not written yet*;
- shows a failing check as one sentence and a hint, never a wall of
  traceback; when the learner's own code raised, a short traceback of the
  piece file's lines only;
- stops a check that runs too long (``--catdog-timeout``, default 20 s; the
  rest of that piece's checks then fail at once; a piece that swallows the
  stop and runs on ends the run, whose JSON then names it under ``"stopped"``,
  so that ``judge`` judges the other pieces in a new run), turns ``sys.exit`` and
  ``os._exit`` into failures, fails a check that prints more than 1 MB;
- guards the global state around every check (``guard.py``): what a piece
  changed is put back, so the other pieces are judged as if it were not
  there, and it fails only for what would break the learner's notebook
  (gradient tracking left off, another default dtype, another working
  folder, a library's name or class patched). What the contract forbids
  besides (``split_items`` reseeding ``random``) fails the one check about it;
- gives every failure a hint of its own: the check's, or one for the kind of
  error the learner's code raised (a shape, a dtype, a device, a missing
  import...), never the piece's first hint in place of one;
- ends with a summary per lesson, and with ``--catdog-json PATH`` writes::

    {"reference": false, "workspace": "/path/to/my_pieces",
     "pieces": {"split_items": {
        "lesson": "02", "title": "...",
        "status": "passed" | "failed" | "not_started",
        "passed": 5, "total": 7,            # checks run for this piece
        "points": 0, "max_points": 2,        # points earned: all or nothing
        "partial_points": 1.43,              # max_points times the weight of the checks passed
                                             # over the weight of all (a check's weight: its
                                             # weight(n) marker, else 1): nbgrader's partial credit
        "message": "first failing check's sentence" | null,
        "hint": "the hint written for that failure" | null,
        "traceback": "short traceback of the learner's code" | null,
        "failures": [{"check": "test_...", "message": "...", "hint": "...",
                      "traceback": null}, ...]}}}

  Only pieces that had a check selected appear (``-k NAME`` gives one).

Checks use ``expect(condition, message, hint=...)`` or raise ``CheckFailed``
(``expect.py``; importable from here too, as ``checks/`` does).
"""
import json
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

from ..train.weights import weights_file_name
from .error_hints import error_hint, short_error
# What checks/*.py import from here: the check's verdict and the ways to fail with one.
from .expect import CheckFailed, expect, expect_raises, expect_signature  # noqa: F401
from .guard import PieceExit, StateGuard
from .loading import STUB_MESSAGE as _STUB_MESSAGE
from .loading import PieceError, is_stub, load_piece, piece_path, reference
from .registry import HINTS, LESSONS, PIECE_NAMES, PIECES, get_piece

DEFAULT_TIMEOUT = 20
HARD_STOP = 2  # seconds a piece may go on swallowing the stop before the whole run is ended
STOPPED_EXIT = 12  # the exit status of a run ended that way (judge() then judges the other pieces)
_real_exit = os._exit  # the guard replaces os._exit while a check runs
OUTPUT_LIMIT = 1_000_000  # characters a check may print
SHOWN_OUTPUT = 2_000  # characters of a failing check's output shown


class CheckTimeout(BaseException):
    """Raised in the learner's code when a check runs out of time (a BaseException,
    so that ``except Exception`` in a learner's loop does not swallow it)."""


# -- options and collection ----------------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("catdog", "judging the course pieces")
    group.addoption("--workspace", default=None,
                    help="folder holding the learner's pieces (default: $CATDOG_WORKSPACE or my_pieces/)")
    group.addoption("--reference", action="store_true", default=False,
                    help="judge the reference implementations instead of the learner's files")
    group.addoption("--catdog-json", default=None, metavar="PATH", help="write the verdicts as JSON to PATH")
    group.addoption("--catdog-timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                    help=f"time limit of each check (default {DEFAULT_TIMEOUT})")


_pieces_key = pytest.StashKey()
_piece_of_item = pytest.StashKey()
_weight_of_item = pytest.StashKey()


class _PieceState:
    """What the run knows about one piece: the function under judgment, or why there is none."""

    def __init__(self, name):
        self.name = name
        self.loaded = False
        self.function = None
        self.filename = None  # the file whose frames are the learner's
        self.skip_reason = None
        self.failure = None  # a CheckFailed every check of this piece repeats
        self.results = {}  # nodeid -> {"outcome", "message", "hint", "traceback", "check"}


def pytest_configure(config):
    config.addinivalue_line("markers", "piece(name): the piece a check judges (set from its fixture)")
    config.addinivalue_line("markers", "weight(n): how much a check counts towards its piece's partial credit "
                                       "(default 1)")
    # pytest-timeout's marker, named here too so that a check's own limit is no unknown mark without it (Colab).
    config.addinivalue_line("markers", "timeout(seconds): the time limit of one check")
    config.stash[_pieces_key] = {name: _PieceState(name) for name in PIECE_NAMES}
    _offline_torch_home(config)
    # The checks' tensors are tiny: one thread is faster, and on a busy machine far faster.
    import torch

    config._catdog_old_threads = torch.get_num_threads()
    torch.set_num_threads(1)


def pytest_unconfigure(config):
    threads = getattr(config, "_catdog_old_threads", None)
    if threads:
        import torch

        torch.set_num_threads(threads)
    home = getattr(config, "_catdog_torch_home", None)
    if home is not None:
        import shutil

        shutil.rmtree(home, ignore_errors=True)
    old = getattr(config, "_catdog_old_torch_home", False)
    if old is not False:
        if old is None:
            os.environ.pop("TORCH_HOME", None)
        else:
            os.environ["TORCH_HOME"] = old


def _offline_torch_home(config):
    """Point torch's cache at a temporary folder holding a stand-in for the ImageNet
    ResNet18 file, so ``weights="DEFAULT"`` loads without the network. Every
    weight of the stand-in is ``FAKE_WEIGHT``, so a check can tell it was loaded."""
    import tempfile

    import torch

    home = Path(tempfile.mkdtemp(prefix="catdog_torch_home_"))
    checkpoints = home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    from torchvision import models

    with torch.device("meta"):
        shapes = models.resnet18().state_dict()
    # Expanded one-element tensors: the file stays a few kilobytes.
    fake = {key: torch.tensor(FAKE_WEIGHT if value.is_floating_point() else 0, dtype=value.dtype).expand(value.shape)
            for key, value in shapes.items()}
    torch.save(fake, checkpoints / weights_file_name())
    config._catdog_old_torch_home = os.environ.get("TORCH_HOME")
    config._catdog_torch_home = home
    os.environ["TORCH_HOME"] = str(home)


FAKE_WEIGHT = 0.0123


def pytest_collection_modifyitems(config, items):
    timeout = config.getoption("catdog_timeout")
    own_timeout = config.getoption("timeout", None) is not None
    for item in items:
        names = [name for name in getattr(item, "fixturenames", ()) if name in PIECE_NAMES]
        if len(names) != 1:
            continue
        item.stash[_piece_of_item] = names[0]
        weight = item.get_closest_marker("weight")
        item.stash[_weight_of_item] = float(weight.args[0]) if weight and weight.args else 1.0
        item.add_marker(pytest.mark.piece(names[0]))
        item.extra_keyword_matches.add(names[0])
        if not own_timeout and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(timeout))


def _piece_of(item):
    return item.stash.get(_piece_of_item, None)


def _state(config, name):
    return config.stash[_pieces_key][name]


# -- the fixtures: one per piece ------------------------------------------------

def _judged_function(request, name):
    config = request.config
    state = _state(config, name)
    if not state.loaded:
        _load(config, state)
    if state.skip_reason:
        pytest.skip(state.skip_reason)
    if state.failure:
        raise state.failure
    return state.function


def _load(config, state):
    state.loaded = True
    name = state.name
    if config.getoption("reference"):
        import inspect

        state.function = reference(name)
        state.filename = inspect.getsourcefile(state.function)
        return
    workspace = config.getoption("workspace")
    path = piece_path(name, Path(workspace).expanduser() if workspace else None)
    state.filename = str(path)
    if not path.is_file():
        lesson = get_piece(name).lesson
        state.skip_reason = f"{name}: not started (no {path.name} yet: write it in lesson {lesson} and run its cell)"
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        state.failure = CheckFailed(f"cannot read {path}: {error}")
        return
    if is_stub(text, name):
        # The piece's first hint is the one about how to start: the right one here.
        state.failure = CheckFailed(_STUB_MESSAGE.format(name=name), HINTS[name][0])
        return
    guard = StateGuard(state.filename)
    with guard:
        try:
            state.function = load_piece(name, path)
        except PieceError as error:
            cause = error.__cause__
            state.failure = CheckFailed(str(error), error.hint,
                                        _learner_traceback(cause, state.filename) if cause else None)
        except SystemExit:
            state.failure = CheckFailed(_EXIT_MESSAGE.format(name=name, what="sys.exit()"), _EXIT_HINT)
        except PieceExit:
            state.failure = CheckFailed(_EXIT_MESSAGE.format(name=name, what="os._exit()"), _EXIT_HINT)
        except CheckTimeout:
            state.failure = CheckFailed(
                f"running {path.name} took longer than the time limit: does code outside the function loop forever?",
                "Code outside the def runs when the cell runs: move loops and experiments into another cell.")
    if guard.violations and not state.failure:
        state.failure = guard.verdict(f"running {path.name}")


_EXIT_MESSAGE = ("{name} called {what}, which would end the whole program: "
                 "return a value or raise an exception instead")
_EXIT_HINT = ("Replace sys.exit(), exit(), quit() or os._exit() with return (or raise ValueError(...) for input "
              "you refuse): they would end the notebook's kernel, not only your function.")
_TIMEOUT_HINT = ("Look for a loop that never ends: a while loop whose condition never changes, or a loop over a "
                 "list that grows as you append to it.")


def _make_fixture(name):
    @pytest.fixture(name=name)
    def piece_fixture(request):
        return _judged_function(request, name)

    piece_fixture.__doc__ = f"The {name} under judgment (the learner's, or the reference with --reference)."
    return piece_fixture


for _name in PIECE_NAMES:
    globals()[f"_fixture_{_name}"] = _make_fixture(_name)
del _name


# Only the call phase runs the learner's code: the setup phase loads the piece once, under a guard of
# its own (_load), and otherwise runs the checks' own fixtures.
@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _guarded(item))


def _guarded(item):
    name = _piece_of(item)
    if name is None:
        return (yield)
    state = _state(item.config, name)
    if state.loaded and state.failure is not None:
        return (yield)
    guard = StateGuard(state.filename)
    try:
        with guard:
            result = yield
    except SystemExit:
        raise CheckFailed(_EXIT_MESSAGE.format(name=name, what="sys.exit()"), _EXIT_HINT) from None
    except PieceExit:
        raise CheckFailed(_EXIT_MESSAGE.format(name=name, what="os._exit()"), _EXIT_HINT) from None
    except Exception as error:
        # Changed global state explains whatever else went wrong: say that first.
        if guard.violations:
            raise guard.verdict(name) from error
        raise
    if guard.violations:
        raise guard.verdict(name)
    return result


# -- time limits (through pytest-timeout's hooks, without its stack dumps) -------

@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_set_timer(item, settings):
    name = _piece_of(item)
    if name is None or threading.current_thread() is not threading.main_thread():
        return None  # pytest-timeout's own timer
    state = _state(item.config, name)
    fired = []

    def handler(signum, frame):
        # The first alarm stops whatever runs; later ones (every half second)
        # only while the piece's code runs, in case it swallowed the first.
        if fired and not _in_file(frame, state.filename):
            return
        fired.append(time.monotonic())
        if fired[-1] - fired[0] >= HARD_STOP:
            _stop_the_run(item, name, settings.timeout)  # it swallows every stop: nothing else can end it
        raise CheckTimeout(settings.timeout)

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout, 0.5)
    return True


_stopped_key = pytest.StashKey()


def _stop_the_run(item, name, timeout):
    """End the whole run from inside a piece that will not stop: record its failure, write the
    verdicts so far (naming it under ``"stopped"``), say so, and leave with ``STOPPED_EXIT``."""
    config = item.config
    state = _state(config, name)
    message = (f"{name} ran for more than {timeout:g} s and would not stop when told to: an 'except:' "
               f"(or 'except BaseException:') inside a loop catches the stop; catch only the errors you "
               f"expect, such as 'except ValueError:'")
    state.results[item.nodeid] = _result(item, "failed", message, _SWALLOWED_HINT, None)
    config.stash[_stopped_key] = name
    path = config.getoption("catdog_json")
    if path:
        Path(path).write_text(json.dumps(_summary(config), indent=2) + "\n", encoding="utf-8")
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.suspend_global_capture(in_=True)
    sys.stderr.write(f"\n{message}\nThe checks stopped there: judge the other pieces with "
                     f"pytest checks -k 'not {name}'\n")
    sys.stderr.flush()
    sys.stdout.flush()
    _real_exit(STOPPED_EXIT)


_SWALLOWED_HINT = ("Catch only the errors you expect (except ValueError:, except OSError:), never a bare except: "
                   "or except BaseException: inside a loop.")


def _in_file(frame, filename):
    while frame is not None:
        if frame.f_code.co_filename == filename:
            return True
        frame = frame.f_back
    return False


# -- verdicts --------------------------------------------------------------------

def _learner_traceback(error, filename, limit=6):
    """The frames of ``error``'s traceback that lie in the piece's file, and the error line."""
    if error is None:
        return None
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    if not frames:
        return None
    lines = ["Traceback (your code, most recent call last):\n"]
    lines += traceback.format_list(frames[-limit:])
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


def _verdict(item, name, excinfo):
    """(message, hint, traceback) for a failed phase of a check: each with a hint written for it."""
    state = _state(item.config, name)
    error = excinfo.value
    if isinstance(error, CheckFailed):
        learner_tb = error.learner_traceback
        if learner_tb is None and error.__cause__ is not None:
            learner_tb = _learner_traceback(error.__cause__, state.filename)
        return error.message, error.hint, learner_tb
    if isinstance(error, CheckTimeout):
        limit = error.args[0] if error.args else "the"
        message = (f"{name} ran for more than {limit:g} s and was stopped: is there a loop that never ends?"
                   if isinstance(limit, (int, float)) else f"{name} ran out of time")
        state.failure = CheckFailed(f"not judged further: an earlier check of {name} ran out of time",
                                    "Mend the loop that ran too long first, then run the checks again.")
        return message, _TIMEOUT_HINT, _learner_traceback(error, state.filename)
    if isinstance(error, PieceExit):
        return _EXIT_MESSAGE.format(name=name, what="os._exit()"), _EXIT_HINT, None
    if isinstance(error, SystemExit):
        return _EXIT_MESSAGE.format(name=name, what="sys.exit()"), _EXIT_HINT, None
    learner_tb = _learner_traceback(error, state.filename)
    if isinstance(error, NotImplementedError) and learner_tb:
        return _STUB_MESSAGE.format(name=name), HINTS[name][0], learner_tb
    if learner_tb:
        return f"{name} raised {type(error).__name__}: {short_error(error)}", error_hint(error), learner_tb
    if isinstance(error, pytest.fail.Exception) and "Timeout" in str(error):
        return f"{name} ran out of time and was stopped: is there a loop that never ends?", _TIMEOUT_HINT, None
    return (f"the check could not use what {name} gave ({type(error).__name__}: {short_error(error)}): "
            f"check what it returns against the lesson",
            "Compare what your function returns with the lesson's description: its type, its keys, its length.",
            None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    name = _piece_of(item)
    if name is None:
        return report
    state = _state(item.config, name)

    printed = sum(len(content) for title, content in report.sections if title.startswith("Captured"))
    if printed > OUTPUT_LIMIT and report.passed and call.when == "call":
        report.outcome = "failed"
        message = (f"{name} printed {printed / 1e6:.1f} million characters: "
                   f"print a short line now and then, never inside a loop over every image")
        hint = "Print one line per epoch at most; a print for every image or batch floods the notebook."
        report.longrepr = _render(name, message, hint, None)
        _record(item, state, report, message, hint, None)
    report.sections = [(title, _shorten(content)) for title, content in report.sections]

    if call.excinfo is not None and report.failed and not hasattr(report, "_catdog_done"):
        message, hint, learner_tb = _verdict(item, name, call.excinfo)
        report.longrepr = _render(name, message, hint, learner_tb)
        _record(item, state, report, message, hint, learner_tb)
    elif report.skipped:
        _record(item, state, report, None, None, None)
    elif report.passed and call.when == "call":
        _record(item, state, report, None, None, None)
    return report


def _shorten(content):
    if len(content) <= SHOWN_OUTPUT:
        return content
    return content[:SHOWN_OUTPUT // 2] + f"\n[... {len(content) - SHOWN_OUTPUT:,} characters left out ...]\n" + \
        content[-SHOWN_OUTPUT // 2:]


def _render(name, message, hint, learner_tb):
    lines = [message if message.startswith(name) else f"{name}: {message}"]
    if hint:
        lines.append(f"Hint: {hint}")
    if learner_tb:
        lines += ["", learner_tb]
    return "\n".join(lines)


def _record(item, state, report, message, hint, learner_tb):
    report._catdog_done = True
    previous = state.results.get(report.nodeid)
    if previous and previous["outcome"] == "failed":
        return  # a check that failed in setup or call stays failed
    outcome = "skipped" if report.skipped else report.outcome
    state.results[report.nodeid] = _result(item, outcome, message, hint, learner_tb)


def _result(item, outcome, message, hint, learner_tb):
    """One check's entry in the summary: its outcome, words and weight."""
    return {"check": item.name, "outcome": outcome, "message": message, "hint": hint, "traceback": learner_tb,
            "weight": item.stash.get(_weight_of_item, 1.0)}


# -- the summary -------------------------------------------------------------------

def _summary(config):
    pieces = {}
    for piece in PIECES:
        state = _state(config, piece.name)
        results = list(state.results.values())
        if not results:
            continue
        failures = [r for r in results if r["outcome"] == "failed"]
        passed = sum(r["outcome"] == "passed" for r in results)
        if failures:
            status = "failed"
        elif passed:
            status = "passed"
        else:
            status = "not_started"
        first = failures[0] if failures else None
        weight = sum(r["weight"] for r in results)
        weight_passed = sum(r["weight"] for r in results if r["outcome"] == "passed")
        pieces[piece.name] = {
            "lesson": piece.lesson, "title": piece.title, "status": status,
            "passed": passed, "total": len(results),
            "points": piece.points if status == "passed" else 0, "max_points": piece.points,
            "partial_points": round(piece.points * weight_passed / weight, 2) if weight else 0,
            "message": first["message"] if first else None,
            "hint": first["hint"] if first else None,
            "traceback": first["traceback"] if first else None,
            "failures": [{key: r[key] for key in ("check", "message", "hint", "traceback")} for r in failures],
        }
    workspace = config.getoption("workspace")
    if not config.getoption("reference"):
        from ..paths import workspace as default_workspace

        workspace = str(Path(workspace).expanduser() if workspace else default_workspace())
    summary = {"reference": bool(config.getoption("reference")), "workspace": workspace, "pieces": pieces}
    if config.stash.get(_stopped_key, None):
        summary["stopped"] = config.stash[_stopped_key]
    return summary


_STATUS_WORDS = {"passed": "passing", "failed": "FAILING", "not_started": "not started"}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    path = session.config.getoption("catdog_json")
    if path:
        summary = _summary(session.config)
        Path(path).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter, config):
    summary = _summary(config)
    pieces = summary["pieces"]
    if not pieces:
        return
    writer = terminalreporter
    writer.section("catdog: your pieces" if not summary["reference"] else "catdog: the reference pieces")
    earned = total = 0
    for lesson, title in LESSONS.items():
        rows = [(name, verdict) for name, verdict in pieces.items() if verdict["lesson"] == lesson]
        if not rows:
            continue
        writer.write_line(f"Lesson {lesson}: {title}")
        for name, verdict in rows:
            earned += verdict["points"]
            total += verdict["max_points"]
            status = _STATUS_WORDS[verdict["status"]]
            line = (f"  {name:<20} {status:<12} {verdict['passed']}/{verdict['total']} checks   "
                    f"{verdict['points']}/{verdict['max_points']} points")
            markup = {"passed": {"green": True}, "failed": {"red": True}}.get(verdict["status"], {})
            writer.write_line(line, **markup)
            if verdict["message"]:
                writer.write_line(f"      {verdict['message']}")
    writer.write_line(f"Points: {earned} of {total}", bold=True)
