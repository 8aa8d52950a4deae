"""The README's layout table matches the code: what it names exists, and every folder and module is in it."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "catdog_lib"
DESCRIBED_MODULE_BY_MODULE = ("prepare", "train", "notebook")  # their rows name each module


def layout_rows():
    """``{path named in the first column: the row's second column}`` of the table under "How the kit is built"."""
    section = (ROOT / "README.md").read_text().split("## How the kit is built", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or set(cells[0]) <= {"-"} or cells[0] == "where":
            continue
        names = re.findall(r"`([^`]+)`", cells[0])
        folder = Path(names[0]).parent if names and not names[0].endswith("/") else None
        for name in names:  # `catdog_lib/hardware.py`, `data.py`: the later ones in the first one's folder
            path = (folder / name) if folder is not None and "/" not in name else Path(name)
            rows[path.as_posix().rstrip("/") + ("/" if name.endswith("/") else "")] = cells[1]
    return rows


def test_what_the_table_names_exists():
    rows = layout_rows()
    assert len(rows) > 10, f"no layout table found under 'How the kit is built': {rows}"
    missing = [name for name in rows if not (ROOT / name).exists()]
    assert not missing, f"the README's layout table names what is not there: {missing}"


def test_every_folder_and_module_of_the_library_is_in_the_table():
    rows = layout_rows()
    folders = sorted(f"catdog_lib/{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    modules = sorted(f"catdog_lib/{p.name}" for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
    absent = [name for name in folders + modules if name not in rows]
    assert not absent, f"add these to the README's layout table: {absent}"
    for folder in DESCRIBED_MODULE_BY_MODULE:
        unnamed = [p.stem for p in sorted((PACKAGE / folder).glob("*.py"))
                   if p.stem != "__init__" and f"`{p.stem}`" not in rows[f"catdog_lib/{folder}/"]]
        assert not unnamed, f"the README's row for catdog_lib/{folder}/ does not name {unnamed}"
