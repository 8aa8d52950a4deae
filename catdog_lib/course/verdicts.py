"""The words of a verdict: one piece's (``verdict_text``, ``verdict_html``), and every piece's (``progress_table``).

They read the verdicts the checks write (``judge.judge`` returns them) and
give plain text and HTML strings; nothing here imports IPython, so whoever
shows them (the magics, lesson 05, a test) picks the face it can show.
"""
import html
import unicodedata

from ..i18n import N_, tr
from .registry import LESSONS, PIECES, get_piece

GREEN, RED, GRAY = "#1a7f37", "#cf222e", "#6e7781"


def _headline(name, result):
    """``(colour, mark, words after the name)`` of a verdict's first line."""
    status = result.get("status")
    if status == "not_started":
        return (RED, "&#10008;", tr("not written yet")) if result.get("stub") else (GRAY, "", tr("not started"))
    count = tr("{passed} of {total} checks pass", passed=result.get("passed", 0), total=result.get("total", 0))
    return (GREEN, "&#10004;", count) if status == "passed" else (RED, "&#10008;", count)


def _details(name, result):
    """``[(label, words)]`` under the first line: why a passing piece matters, or what failed and a hint."""
    status = result.get("status")
    if status == "passed":
        return [(tr("Why it matters"), get_piece(name).why)]
    if status == "not_started" and not result.get("stub"):
        return []
    found = [(None, result.get("message") or tr("a check failed"))]
    return found + ([(tr("Hint"), result["hint"])] if result.get("hint") else [])


def verdict_text(name, result):
    """One piece's verdict as plain lines: the count, then why it matters or the first failing check's
    sentence and hint (and the learner's short traceback)."""
    if result.get("status") == "not_started" and not result.get("stub"):
        return tr("{name}: not started. Write it in its %%piece cell and run that cell, then %check {name}.", name=name)
    lines = [f"{name}: {_headline(name, result)[2]}"]
    lines += ["  " + (tr("{label}: {words}", label=label, words=words) if label else words)
              for label, words in _details(name, result)]
    if result.get("traceback"):
        lines += ["", result["traceback"].rstrip()]
    return "\n".join(lines)


def verdict_html(name, result):
    """One piece's verdict as a small coloured block for a notebook."""
    e = html.escape
    if result.get("status") == "not_started" and not result.get("stub"):
        words = tr("{name}: not started. Write it in its {piece} cell, run that cell, then {check}.",
                   name=f"<b>{e(name)}</b>", piece="<code>%%piece</code>", check=f"<code>%check {e(name)}</code>")
        return f'<div style="color:{GRAY}">{words}</div>'
    colour, mark, words = _headline(name, result)
    parts = [f'<div style="color:{colour}">{mark} <b>{e(name)}</b>: {e(words)}</div>']
    parts += [f"<div><i>{e(tr('{label}:', label=label))}</i> {e(text)}</div>" if label else f"<div>{e(text)}</div>"
              for label, text in _details(name, result)]
    if result.get("traceback"):
        parts.append(f'<pre style="font-size:90%">{e(result["traceback"].rstrip())}</pre>')
    return "\n".join(parts)


# ----- the table of all pieces -------------------------------------------------------------

STATUS_WORDS = {"passed": N_("passing"), "failed": N_("failing"), "not_started": N_("not started")}


def _width(text):
    """The columns ``text`` takes in a terminal: two for each wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Table:
    """Rows with a plain-text and an HTML face: a notebook shows the HTML, ``print`` the text."""

    def __init__(self, title, header, rows, footer=None, row_styles=None):
        self.title, self.header, self.rows, self.footer = title, header, rows, footer
        self.row_styles = row_styles or [""] * len(rows)  # CSS for each row in HTML

    def __str__(self):
        cells = [self.header] + [[str(c) for c in row] for row in self.rows]
        widths = [max(_width(row[i]) for row in cells) for i in range(len(self.header))]
        lines = [self.title]
        for row in cells:
            lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip())
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        e = html.escape
        head = "".join(f"<th style='text-align:left'>{e(h)}</th>" for h in self.header)
        def cell(c):
            text = str(c)
            indent = "padding-left:1.5em;" if text.startswith("  ") else ""  # a piece under its lesson
            return f"<td style='text-align:left;{indent}'>{e(text.strip())}</td>"

        body = "".join(f"<tr style='{style}'>" + "".join(cell(c) for c in row) + "</tr>"
                       for row, style in zip(self.rows, self.row_styles))
        foot = f"<p>{e(self.footer)}</p>" if self.footer else ""
        return f"<p><b>{e(self.title)}</b></p><table><tr>{head}</tr>{body}</table>{foot}"


def earned(name, result):
    """Points earned by a piece: all of its points when it passes, none otherwise (as nbgrader grades a test cell)."""
    return get_piece(name).points if result.get("status") == "passed" else 0


def progress_table(results):
    """Every piece, lesson by lesson: its status and points, with totals per lesson."""
    colours = {"passed": GREEN, "failed": RED, "not_started": GRAY}
    rows, styles, total_earned, total_points = [], [], 0, 0
    for lesson in sorted({piece.lesson for piece in PIECES}):
        pieces = [piece for piece in PIECES if piece.lesson == lesson]
        got = sum(earned(p.name, results.get(p.name, {})) for p in pieces)
        worth = sum(p.points for p in pieces)
        passing = sum(results.get(p.name, {}).get("status") == "passed" for p in pieces)
        styles.append("font-weight:bold")
        rows.append([tr("Lesson {lesson}", lesson=lesson), tr(LESSONS[lesson]) if lesson in LESSONS else "",
                     tr("{passing} of {count} passing", passing=passing, count=len(pieces)), f"{got} / {worth}"])
        for p in pieces:
            result = results.get(p.name, {"status": "not_started"})
            status = tr(STATUS_WORDS[result.get("status")]) if result.get("status") in STATUS_WORDS \
                else str(result.get("status"))
            if result.get("status") in ("passed", "failed"):
                status = tr("{status} ({passed}/{total} checks)", status=status, passed=result.get("passed", 0),
                            total=result.get("total", 0))
            rows.append([f"  {p.name}", tr(p.title), status, f"{earned(p.name, result)} / {p.points}"])
            styles.append(f"color:{colours.get(result.get('status'), GRAY)}")
        total_earned += got
        total_points += worth
    return Table(tr("Your progress"), [tr("piece"), tr("what"), tr("status"), tr("points")], rows,
                 footer=tr("Total: {earned} of {points} points", earned=total_earned, points=total_points),
                 row_styles=styles)
