"""The lessons already in learners' hands keep working: every catdog_lib name they import, every call they make.

``shipped_lessons.json`` holds what the lessons and solutions of a released
commit import from catdog_lib and how they call it (positional count and
keyword names), collected from their code cells. Each name must still
import from the same module, and each call must still bind to the
function's signature. The lessons as they are now are checked the same way.

To add what another release uses (the lessons changed and went out), run
this file with its commit: the record keeps what the earlier ones used too.

    python tests/packaging/test_shipped_lessons.py COMMIT
"""
import ast
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORD = Path(__file__).with_name("shipped_lessons.json")
FOLDERS = ("lessons", "solutions")


def code_cells(notebook_json):
    """The source of each code cell of a notebook."""
    for cell in json.loads(notebook_json)["cells"]:
        if cell["cell_type"] == "code":
            yield "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def uses_of(notebook_json, where):
    """``(imports, calls)`` of catdog_lib in one notebook; ``%load_ext M`` calls ``M.load_ipython_extension(ip)``."""
    imports, calls, bound, trees = [], [], {}, []
    for number, source in enumerate(code_cells(notebook_json), start=1):
        for words in (line.split() for line in source.splitlines()):
            if words[:1] == ["%load_ext"] and words[1].split(".")[0] == "catdog_lib":
                calls.append({"module": words[1], "name": "load_ipython_extension", "positional": 1,
                              "keywords": [], "where": f"{where} cell {number}"})
        if not source.lstrip().startswith("%%"):  # a cell magic's body is not Python (%%piece: the learner's)
            lines = source.splitlines()
            # a magic or shell line becomes `pass` at its indent: an `if` around `!nvidia-smi` stays Python
            trees.append((number, ast.parse("\n".join(l[:len(l) - len(l.lstrip())] + "pass"
                                                      if l.lstrip().startswith(("%", "!")) else l for l in lines))))
    for number, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "catdog_lib":
                for alias in node.names:
                    imports.append({"module": node.module, "name": alias.name})
                    bound[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "catdog_lib":
                        imports.append({"module": alias.name, "name": None})
    for number, tree in trees:  # calls anywhere in the notebook of the names imported anywhere in it
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in bound:
                if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                    continue  # *args or **kwargs: nothing fixed to check
                module, name = bound[node.func.id]
                calls.append({"module": module, "name": name, "positional": len(node.args),
                              "keywords": sorted(k.arg for k in node.keywords), "where": f"{where} cell {number}"})
    return imports, calls


def collect(notebooks):
    """Every use in ``notebooks`` (``{path: text}``), without repeats (the first place each is seen)."""
    imports, calls, seen = [], [], set()
    for path, text in notebooks.items():
        more_imports, more_calls = uses_of(text, path)
        for entry in more_imports + more_calls:
            key = json.dumps({k: v for k, v in entry.items() if k != "where"}, sort_keys=True)
            if key not in seen:
                seen.add(key)
                (calls if "positional" in entry else imports).append(entry)
    return {"imports": imports, "calls": calls}


def resolve(module, name):
    value = importlib.import_module(module)
    return value if name is None else getattr(value, name)


def problems(uses):
    found = []
    for entry in uses["imports"]:
        try:
            resolve(entry["module"], entry["name"])
        except (ImportError, AttributeError) as e:
            what = f"from {entry['module']} import {entry['name']}" if entry["name"] else f"import {entry['module']}"
            found.append(f"{what}: {type(e).__name__}: {e}")
    for entry in uses["calls"]:
        try:
            function = resolve(entry["module"], entry["name"])
            inspect.signature(function).bind(*[None] * entry["positional"], **dict.fromkeys(entry["keywords"]))
        except (ImportError, AttributeError, TypeError, ValueError) as e:
            args = ", ".join(["..."] * entry["positional"] + [f"{k}=..." for k in entry["keywords"]])
            found.append(f"{entry['where']} calls {entry['module']}.{entry['name']}({args}): {type(e).__name__}: {e}")
    return found


def test_the_record_is_there_and_covers_the_lessons():
    record = json.loads(RECORD.read_text())
    modules = {entry["module"] for entry in record["imports"]}
    assert {"catdog_lib", "catdog_lib.settings", "catdog_lib.fit", "catdog_lib.fast"} <= modules
    assert any(c["name"] == "fit_fast" and "on_epoch" in c["keywords"] for c in record["calls"])


def test_what_shipped_lessons_use_still_imports_and_binds():
    found = problems(json.loads(RECORD.read_text()))
    assert not found, "a shipped lesson would break:\n" + "\n".join(found)


def test_what_the_lessons_use_now_imports_and_binds():
    notebooks = {f"{folder}/{path.name}": path.read_text()
                 for folder in FOLDERS for path in sorted((ROOT / folder).glob("*.ipynb"))}
    found = problems(collect(notebooks))
    assert not found, "a lesson would break:\n" + "\n".join(found)


def test_a_missing_name_or_keyword_is_found():
    """The check can fail: a name that is gone and a keyword a function does not take are both reported."""
    uses = {"imports": [{"module": "catdog_lib.fit", "name": "no_such_name"}],
            "calls": [{"module": "catdog_lib.fast", "name": "fit_fast", "positional": 1, "keywords": ["epochz"],
                       "where": "lessons/x.ipynb cell 1"}]}
    found = problems(uses)
    assert len(found) == 2 and "no_such_name" in found[0] and "epochz" in found[1]


if __name__ == "__main__":
    commit = sys.argv[1]

    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout

    paths = sorted(p for p in git("ls-tree", "--name-only", commit, *[f"{f}/" for f in FOLDERS]).split()
                   if p.endswith(".ipynb"))
    old = json.loads(RECORD.read_text()) if RECORD.exists() else {"commits": [], "imports": [], "calls": []}
    new = collect({path: git("show", f"{commit}:{path}") for path in paths})
    merged = {"imports": [], "calls": []}
    keys = set()
    for part in ("imports", "calls"):
        for entry in old[part] + new[part]:
            key = json.dumps({k: v for k, v in entry.items() if k != "where"}, sort_keys=True)
            if key not in keys:
                keys.add(key)
                merged[part].append(entry)
    commits = old["commits"] + [commit] * (commit not in old["commits"])
    lines = ",\n".join  # one entry a line: a small file whose diff reads well
    RECORD.write_text(f'{{"commits": {json.dumps(commits)},\n'
                      f' "imports": [\n{lines(json.dumps(e) for e in merged["imports"])}\n ],\n'
                      f' "calls": [\n{lines(json.dumps(e) for e in merged["calls"])}\n ]\n}}\n')
    print(f"{RECORD}: {len(merged['imports'])} imports, {len(merged['calls'])} calls from {', '.join(commits)}")
