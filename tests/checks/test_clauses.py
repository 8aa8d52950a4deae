"""The clause table (clauses.py) covers the whole contract and names only what exists.

A sentence of pieces.md with no row, a row whose check does not exist, a
wrong version no row claims, a good version no row names: each fails here,
by name. (That every wrong version fails its row's check with its message,
and only that check but for the row's ``also``, is judged with the other
judging runs in test_checks.py.)
"""
import ast
import inspect
import os
import re
from pathlib import Path

import pytest

from catdog_lib.course.pieces import PIECE_NAMES, reference

import clauses

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHECKS = ROOT / "checks"


def contract_path():
    """pieces.md: $CATDOG_CONTRACT, else shared/design/pieces.md beside the kit's folder."""
    return Path(os.environ.get("CATDOG_CONTRACT") or ROOT.parent / "shared" / "design" / "pieces.md")


def _normal(text):
    return " ".join(text.split())


def contract_sentences(text):
    """{piece: [signature, sentence, ...]} from the "The pieces" part of pieces.md."""
    body = text.split("## The pieces", 1)[1]
    found = {}
    for item in re.split(r"\n(?=\d+\. `)", body)[1:]:
        item = re.split(r"\n#+ ", item)[0]
        signature, _, prose = item.partition("\n")
        name = re.match(r"\d+\. `(\w+)", signature).group(1)
        spans = []
        masked = re.sub(r"`[^`]*`", lambda m: spans.append(m.group(0)) or f"\x00{len(spans) - 1}\x00", _normal(prose))
        sentences = re.split(r"(?<=[.])\s+(?=[A-Z\x00(])", masked) if masked else []
        sentences = [re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], s) for s in sentences]
        found[name] = [_normal(signature.split(" ", 1)[1])] + sentences
    return found


def checks_by_piece():
    """{piece: {check name}}: the test functions of checks/ and the piece fixture each takes."""
    found = {name: set() for name in PIECE_NAMES}
    for path in CHECKS.glob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                for arg in node.args.args:
                    if arg.arg in found:
                        found[arg.arg].add(node.name)
    return found


@pytest.fixture(scope="module")
def contract():
    path = contract_path()
    if not path.is_file():
        pytest.skip(f"the contract is not at {path} (set CATDOG_CONTRACT to its path)")
    return contract_sentences(path.read_text(encoding="utf-8"))


def test_every_sentence_of_the_contract_has_its_rows(contract):
    assert list(contract) == list(PIECE_NAMES) == list(clauses.CONTRACT)
    for piece, sentences in contract.items():
        table = [_normal(sentence) for sentence, _ in clauses.CONTRACT[piece]]
        holes = [s for s in sentences if s not in table]
        stale = [s for s in table if s not in sentences]
        assert not holes, f"{piece}: sentences of pieces.md with no row in clauses.py (a hole): {holes}"
        assert not stale, f"{piece}: rows of clauses.py for sentences pieces.md no longer has: {stale}"
        assert table == sentences, f"{piece}: the sentences are in another order than in pieces.md"


def test_each_row_quotes_its_sentence():
    for piece, sentence, clause in clauses.rows():
        assert clause.quote in sentence, f"{piece}: {clause.quote!r} is not in the sentence {sentence!r}"


def test_every_sentence_has_a_row():
    for piece, sentences in clauses.CONTRACT.items():
        for sentence, rows in sentences:
            assert rows, f"{piece}: no clause for {sentence!r}"


def test_each_row_names_a_check_of_its_piece():
    checks = checks_by_piece()
    for piece, _, clause in clauses.rows():
        assert clause.check in checks[piece], f"{piece}: no check {clause.check} takes the {piece} fixture"
        for name, also in clause.wrong.items():
            if also != clauses.ALL:
                unknown = set(also) - checks[piece]
                assert not unknown, f"{piece}/{name}: 'also' names checks {piece} does not have: {unknown}"
                assert clause.check not in also, f"{piece}/{name}: 'also' repeats the row's own check"


def test_every_check_enforces_a_row():
    checks = checks_by_piece()
    for piece in PIECE_NAMES:
        named = {clause.check for name, _, clause in clauses.rows() if name == piece}
        assert checks[piece] - named == set(), f"{piece}: checks no row of clauses.py names: {checks[piece] - named}"


def test_every_row_can_fail_or_is_a_freedom_that_passes():
    for piece, sentence, clause in clauses.rows():
        assert clause.wrong or clause.good, f"{piece}: {clause.quote!r} has neither a wrong nor a good version"


def test_the_versions_on_disk_and_in_the_table_agree():
    for piece in PIECE_NAMES:
        wrong_rows = [name for p, _, clause in clauses.rows() if p == piece for name in clause.wrong]
        good_rows = {name for p, _, clause in clauses.rows() if p == piece for name in clause.good}
        wrong_files = {path.name for path in (HERE / "wrong" / piece).glob("*.py")}
        good_files = {path.name for path in (HERE / "good" / piece).glob("*.py")}
        doubled = {name for name in wrong_rows if wrong_rows.count(name) > 1}
        assert not doubled, f"{piece}: wrong versions claimed by more than one row: {doubled}"
        assert wrong_files - set(wrong_rows) == set(), f"{piece}: wrong versions no row claims: {wrong_files - set(wrong_rows)}"
        assert set(wrong_rows) - wrong_files == set(), f"{piece}: rows name missing wrong versions: {set(wrong_rows) - wrong_files}"
        assert good_files - good_rows == set(), f"{piece}: good versions no row names: {good_files - good_rows}"
        assert good_rows - good_files == set(), f"{piece}: rows name missing good versions: {good_rows - good_files}"


def test_the_references_keep_the_contracts_signatures(contract):
    for piece, sentences in contract.items():
        line = sentences[0].strip("`")
        signature = line.split(" -> ")[0]
        assert f"{piece}{inspect.signature(reference(piece))}" == signature.replace('"', "'"), piece


def test_the_markdown_rendering_is_current():
    assert (HERE / "CLAUSES.md").read_text(encoding="utf-8") == clauses.markdown() + "\n", \
        "run: python tests/checks/clauses.py > tests/checks/CLAUSES.md"
