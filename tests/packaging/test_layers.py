"""Imports point one way: base <- library <- notebook <- course <- cli, with no cycle.

Every module of catdog_lib is parsed (not imported) and every import in it,
at the top or inside a function, becomes an edge of the graph. A module may
import only from its own layer or the layers below; the library imports
nothing from Jupyter; nothing imports the old import paths kept for shipped
lessons; and no chain of imports leads back to where it started.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "catdog_lib"

LAYERS = ("base", "library", "notebook", "course", "cli")
# Top-level modules by layer; a folder's modules take the folder's layer.
TOP_LEVEL = {
    "base": {"errors", "paths", "atomic", "i18n"},
    "library": {"hardware", "data", "transforms", "model", "training", "prediction", "plots", "gradcam"},
    "cli": {"cli", "__main__", "__init__"},  # the package root: the pieces' names and %load_ext's hook
}
FOLDERS = {"prepare": "library", "sample": "library", "train": "library", "notebook": "notebook", "course": "course"}
# The old import paths: thin re-exports that shipped lessons import. Nothing in catdog_lib may import them.
OLD_PATHS = {"settings", "fit", "fast", "widgets", "bundle", "sources", "demo"}
JUPYTER = {"IPython", "ipywidgets", "ipykernel", "jupyter_client", "jupyter_core", "nbformat", "nbclient",
           "nbconvert", "nbgrader", "google", "matplotlib_inline"}
# Imports allowed to point up for a while, as (importer, imported), while a move is under way: none now.
# Delete each line when its import is gone: the test says when.
PENDING = set()


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def layer_of(module):
    parts = module.split(".")[1:]
    if not parts:
        return "cli"
    if parts[0] in FOLDERS:
        return FOLDERS[parts[0]]
    if parts[0] in OLD_PATHS:
        return "old path"
    for layer, names in TOP_LEVEL.items():
        if parts[0] in names:
            return layer
    return None


def imports_of(module):
    """``(target, line)`` for each import in ``module``: catdog_lib modules by full name, others by top name."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:  # `from . import sources` imports the module catdog_lib.prepare.sources
                submodule = f"{source}.{alias.name}"
                yield (submodule if submodule in MODULES else source), node.lineno


def internal_edges():
    """``{(importer, imported): line}`` between catdog_lib modules (the implicit import of parent packages left out)."""
    edges = {}
    for module in MODULES:
        for target, line in imports_of(module):
            if target.split(".")[0] == "catdog_lib" and target != module:
                assert target in MODULES, f"{module} (line {line}) imports {target}, which does not exist"
                edges.setdefault((module, target), line)
    return edges


EDGES = internal_edges()


def test_every_module_has_a_layer():
    unplaced = [m for m in MODULES if layer_of(m) is None]
    assert not unplaced, (f"{unplaced}: put each new top-level module in a layer (TOP_LEVEL in {__file__}), "
                          "or in one of the folders")


def test_imports_point_down():
    upward = []
    for (importer, imported), line in sorted(EDGES.items()):
        here, there = layer_of(importer), layer_of(imported)
        if "old path" in (here, there) or (importer, imported) in PENDING:
            continue
        if LAYERS.index(there) > LAYERS.index(here):
            upward.append(f"{importer} ({here}) imports {imported} ({there}) at line {line}")
    assert not upward, ("imports must point down (" + " <- ".join(LAYERS) + "):\n" + "\n".join(upward))


def test_pending_exceptions_are_still_needed():
    gone = sorted(edge for edge in PENDING if edge not in EDGES)
    assert not gone, f"these imports are gone: delete them from PENDING in {__file__}: {gone}"


def test_nothing_imports_the_old_paths():
    users = [f"{importer} imports {imported} (line {line}): import from the module it re-exports"
             for (importer, imported), line in sorted(EDGES.items())
             if layer_of(imported) == "old path" and layer_of(importer) != "old path"]
    assert not users, "the old import paths are for shipped lessons only:\n" + "\n".join(users)


def test_old_paths_only_re_export():
    """An old import path holds imports and ``__all__``, nothing of its own that could drift."""
    for name in sorted(OLD_PATHS):
        module = f"catdog_lib.{name}"
        assert module in MODULES, f"{module} is gone: shipped lessons import it"
        body = ast.parse(MODULES[module].read_text()).body
        for node in body:
            docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            all_list = isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__all__"]
            assert docstring or all_list or isinstance(node, ast.ImportFrom), \
                f"{module} line {node.lineno} defines something: it should only re-export"


@pytest.mark.parametrize("layer", ["base", "library"])
def test_the_library_imports_no_jupyter(layer):
    found = [f"{module} imports {target} (line {line})" for module in MODULES if layer_of(module) == layer
             for target, line in imports_of(module) if target.split(".")[0] in JUPYTER]
    assert not found, f"the {layer} layer must run headless, in a plain script:\n" + "\n".join(found)


def test_no_import_cycle():
    graph = {}
    for importer, imported in EDGES:
        if (importer, imported) not in PENDING:
            graph.setdefault(importer, set()).add(imported)
    cycles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles (function-level imports count too):\n" + "\n".join(cycles)


def test_the_graph_sees_imports_at_every_level():
    """The parser finds imports inside functions and resolves relative ones (else the tests above prove nothing)."""
    assert ("catdog_lib.cli", "catdog_lib.train.run") in EDGES  # inside cmd_train
    assert ("catdog_lib.prepare.pipeline", "catdog_lib.prepare.sources") in EDGES  # `from . import sources`
    assert ("catdog_lib", "catdog_lib.course.magics") in EDGES  # inside load_ipython_extension
