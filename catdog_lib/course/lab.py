"""The kit's Jupyter Server extension: the Course panel's state, and one warm judge for the whole server.

``pip install`` enables it (``etc/jupyter/jupyter_server_config.d/catdog_lib.json``
in the wheel); JupyterLab's side, the ``catdog-course`` labextension
(``labextension/``), is in the wheel too. When the server loads it:

- it starts the server's judge service (``judge_service.py``, ``served.py``) and names its socket to
  the kernels started from then on (``CATDOG_JUDGE_SOCKET``), so ``%check`` and
  the Check buttons of every notebook share one warm process;
- it serves ``GET /catdog/course?lang=en|zh``: the Course panel's state
  (``panel.course_state``) for the workspace the server's kernels use.

The Check and Hint buttons need no handler of their own: they run ``%%piece``,
``%check`` and ``%hint`` in the notebook's kernel, so they judge exactly as
the magics do (the kernel's workspace, under nbgrader the run's own).
"""
import json
import os
import tempfile
from pathlib import Path

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ..paths import workspace
from .panel import course_state
from .judge_service import JudgeService

SOCKET_PATH_MAX = 100  # a Unix socket's path has room for about 107 bytes


class CourseHandler(APIHandler):
    """``GET /catdog/course?lang=zh&path=NOTEBOOK``: the panel's lessons, pieces, last verdicts and words, as JSON.

    The workspace is the one the notebook's kernel was last judged in (its ``CATDOG_WORKSPACE``, or under
    nbgrader its run's own), else the server's default: the panel shows what that notebook is judged on.
    """

    @web.authenticated
    def get(self):
        lang = self.get_argument("lang", "en")
        root = self.settings["catdog_root"]
        notebook = self.get_argument("path", "")
        service = self.settings.get("catdog_judge_service")
        judged_in = service.workspaces.get(os.path.realpath(os.path.join(root, notebook))) if service and notebook \
            else None
        state = course_state(judged_in or workspace(), lang=lang, root=root)
        self.finish(json.dumps(state, ensure_ascii=False))


def socket_path(runtime_dir):
    """Where the judge listens: the server's runtime folder, or a private temporary one when that path is too long."""
    path = Path(runtime_dir) / f"catdog-judge-{os.getpid()}.sock"
    if len(str(path)) > SOCKET_PATH_MAX:
        path = Path(tempfile.mkdtemp(prefix="catdog-")) / "judge.sock"
    return path


def _load_jupyter_server_extension(server_app):
    """Start the judge service and add the handler (the server calls this once, at start)."""
    web_app = server_app.web_app
    web_app.settings["catdog_root"] = server_app.root_dir
    route = url_path_join(web_app.settings["base_url"], "catdog", "course")
    web_app.add_handlers(".*$", [(route, CourseHandler)])
    try:
        Path(server_app.runtime_dir).mkdir(parents=True, exist_ok=True)
        service = JudgeService(socket_path(server_app.runtime_dir)).start()
        web_app.settings["catdog_judge_service"] = service
    except OSError as error:  # no Unix sockets here: each kernel keeps its own warm judge
        server_app.log.warning("catdog: the shared judge did not start (%s); each kernel judges on its own", error)
        return
    server_app.log.info("catdog: the course panel's handler at %s; one warm judge for every kernel (%s)",
                        route, service.path)


def _jupyter_server_extension_points():
    return [{"module": "catdog_lib.course.lab"}]
