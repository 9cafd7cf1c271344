"""Hostile file names and messages against the grader's outputs, through the
command line: nothing is written outside --out, no output is clobbered, every
file gets its own row and its own result (also on --resume), the terminal
shows student text as written and inert, and the CSV opens safely."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell
from rich.console import Console

import autograder.cli as cli
from autograder.course import notebook_path
from autograder.notebook.build import filled_notebook
from autograder.outputs.safe import is_safe_label, source_id

from .conftest import ROOT
from .corpus import ASSIGNMENT

BROKEN = "{not a notebook"
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def wide_console(monkeypatch):
    """The CLI's console, 300 columns wide, so a table cell is not wrapped mid-word."""
    monkeypatch.setattr(cli, "console", Console(width=300))


@pytest.fixture
def filled(assignment):
    return filled_notebook(assignment, notebook_path(ASSIGNMENT, ROOT))


def put(folder: Path, name: str | bytes, content) -> Path:
    """A submission file named exactly ``name`` (bytes for a name that is not UTF-8)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        nbformat.write(content, path)
    return path


def grade(*arguments) -> tuple[int, str]:
    outcome = CliRunner().invoke(cli.main, ["grade", ASSIGNMENT, *map(str, arguments)])
    if outcome.exception and not isinstance(outcome.exception, SystemExit):
        raise outcome.exception
    return outcome.exit_code, outcome.output


def by_source(out: Path) -> dict[str, dict]:
    """For every row of scores.csv: its file (from its results.json), row and results.json."""
    rows = list(csv.DictReader((out / "scores.csv").open(newline="", encoding="utf-8")))
    found = {}
    for row in rows:
        assert is_safe_label(row["submission"]), row["submission"]
        data = json.loads((out / row["submission"] / "results.json").read_text(encoding="utf-8"))
        assert data["extra_data"]["submission"] == row["submission"]
        assert data["score"] == float(row["total"])
        assert data["extra_data"]["source"] not in found, "two rows for one file"
        found[data["extra_data"]["source"]] = {"row": row, "json": data}
    assert len(found) == len(rows)
    return found


def written(out: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in out.rglob("results.json")}


def test_a_file_named_dots_writes_nothing_outside_out(tmp_path, filled):
    subs, out = tmp_path / "subs", tmp_path / "deep" / "grades"
    files = [put(subs, name, BROKEN) for name in ("...ipynb", "..ipynb", ".ipynb", "....ipynb")]
    files.append(put(subs, "alice.ipynb", filled))
    code, output = grade(subs, "--out", out)
    assert code == 0, output
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents) == sorted(files)
    rows = by_source(out)
    assert sorted(rows) == sorted(source_id(p) for p in files)
    assert {s: r["row"]["total"] for s, r in rows.items()} == {source_id(p): "50" if p.name == "alice.ipynb" else "0"
                                                               for p in files}
    assert all(p.parent.parent == out for p in out.rglob("results.json"))


def test_files_named_like_outputs_cannot_clobber_them(tmp_path, filled):
    subs, out = tmp_path / "subs", tmp_path / "grades"
    names = ["alice", "scores.csv", "SCORES.CSV", "results.json", "gradebook.sqlite", "book.db", "zed"]
    files = [put(subs, f"{name}.ipynb", filled if name in ("alice", "zed") else BROKEN) for name in names]
    book = out / "book.db"
    code, output = grade(subs, "--out", out, "--gradebook", book)
    assert code == 0, output
    assert (out / "scores.csv").is_file() and book.is_file()
    rows = by_source(out)
    assert sorted(rows) == sorted(source_id(p) for p in files)
    for path in files:
        assert rows[source_id(path)]["row"]["total"] == ("50" if path.stem in ("alice", "zed") else "0")
    labels = [r["row"]["submission"] for r in rows.values()]
    assert {"alice", "zed"} <= set(labels) and not set(label.lower() for label in labels) & {
        "scores.csv", "results.json", "gradebook.sqlite", "book.db"}
    with sqlite3.connect(book) as connection:
        assert sorted(r[0] for r in connection.execute("SELECT submission FROM attempts")) == sorted(labels)
    before = written(out)
    code, output = grade(subs, "--out", out, "--gradebook", book, "--resume")
    assert code == 0, output
    assert written(out) == before  # every result kept, nothing regraded or rewritten
    assert {s: r["row"]["total"] for s, r in by_source(out).items()} == {s: r["row"]["total"] for s, r in rows.items()}


def test_same_names_in_different_folders_each_keep_their_own_score_on_resume(tmp_path, filled):
    """bob-2.ipynb beside two bob.ipynb: three rows, three labels, and on
    --resume each file gets its own earlier result: the attacker's 0 stays 0."""
    first, second, out = tmp_path / "A", tmp_path / "B", tmp_path / "grades"
    bob_a = put(first, "bob.ipynb", filled)
    bob_b = put(second, "bob.ipynb", filled)
    attacker = put(second, "bob-2.ipynb", BROKEN)
    expected = {source_id(bob_a): "50", source_id(bob_b): "50", source_id(attacker): "0"}
    code, output = grade(first, second, "--out", out)
    assert code == 0, output
    rows = by_source(out)
    assert {s: r["row"]["total"] for s, r in rows.items()} == expected
    labels = {s: r["row"]["submission"] for s, r in rows.items()}
    assert labels[source_id(attacker)] == "bob-2" and len(set(labels.values())) == 3
    before = written(out)
    for order in ((first, second), (second, first)):  # the labels do not depend on the order either
        code, output = grade(*order, "--out", out, "--resume")
        assert code == 0, output
        again = by_source(out)
        assert {s: r["row"]["total"] for s, r in again.items()} == expected
        assert {s: r["row"]["submission"] for s, r in again.items()} == labels
        assert written(out) == before
    # the attacker changes its file: it is graded again, as itself, and nobody else's result moves
    attacker.write_text(BROKEN + " ")
    code, output = grade(first, second, "--out", out, "--resume")
    assert code == 0, output
    assert {s: r["row"]["total"] for s, r in by_source(out).items()} == expected
    assert [p for p, t in written(out).items() if before[p] != t] == [str(out / "bob-2" / "results.json")]


def test_hostile_file_names_get_safe_unique_labels_and_inert_cells(tmp_path, wide_console):
    subs, out = tmp_path / "subs", tmp_path / "grades"
    names = ["Bob.ipynb", "bob.ipynb", "=1+2.ipynb", "-3.ipynb", "@x.ipynb", "+SUM(A1).ipynb", "\t=1.ipynb",
             "x\x1b[2Jy.ipynb", "a\nb.ipynb", "\u202eevil.ipynb", "[red]x[b]y.ipynb", "a" * 240 + ".ipynb",
             b"\xff\xfe.ipynb", "con.ipynb", "a~0123456789.ipynb", "a_0123456789.ipynb", "jos\u00e9.ipynb",
             "jose.ipynb"]
    files = [put(subs, name, BROKEN) for name in names]
    code, output = grade(subs, "--out", out, "--gradebook", tmp_path / "book.sqlite")
    assert code == 0, output
    rows = by_source(out)
    assert sorted(rows) == sorted(source_id(p) for p in files)
    labels = [r["row"]["submission"] for r in rows.values()]
    assert len({label.lower() for label in labels}) == len(files)
    assert not [label for label in labels if label.startswith(FORMULA)]
    for line in csv.reader((out / "scores.csv").open(newline="", encoding="utf-8")):
        assert not [cell for cell in line if cell.startswith(FORMULA)], line
    assert "\x1b[2J" not in output and "\u202e" not in output and "\ufffd" not in output
    assert sorted(p.name for p in out.iterdir()) == sorted(labels + ["scores.csv"])
    with sqlite3.connect(tmp_path / "book.sqlite") as connection:
        assert connection.execute("SELECT COUNT(*) FROM attempts").fetchone() == (len(files),)


def test_a_message_with_markup_and_escapes_is_printed_as_written(tmp_path, filled, wide_console):
    message = "[/] [bold]x[/bold] :warning: \x1b[2J\x1b]0;pwned\x07\u202e end\\"
    defining = next(cell for cell in filled.cells if cell.cell_type == "code" and "def sigmoid(" in cell.source)
    defining.source += f"\n\nraise ValueError({message!r})\n"  # in a cell grading needs: it runs
    path = put(tmp_path / "subs", "mallory.ipynb", filled)
    code, output = grade(path, "--out", tmp_path / "grades")
    assert code == 0, output
    assert "ValueError" in output and "[/]" in output  # the note, cut to 70 characters in the table
    assert "\x1b[2J" not in output and "pwned" not in output and "\u202e" not in output
    assert "mallory" in output and "50/50" in output
    outcome = CliRunner().invoke(cli.main, ["check", str(path), "-a", ASSIGNMENT, "-q", "sigmoid"])
    assert outcome.exit_code == 0, outcome.output
    assert "[/] [bold]x[/bold] :warning:  end\\\n" in outcome.output
    assert "\x1b[2J" not in outcome.output and "\u202e" not in outcome.output and "\u26a0" not in outcome.output
    data = json.loads((tmp_path / "grades" / "mallory" / "results.json").read_text())
    assert "[/] [bold]x[/bold] :warning:  end\\" in data["output"] and "\x1b" not in data["output"]


def test_an_output_that_cannot_be_written_fails_loudly_and_keeps_every_row(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "grades"
    for name in ("alice", "zed", "notes.txt", "book.db-journal"):
        put(subs, f"{name}.ipynb", BROKEN)
    (out / "alice" / "results.json").mkdir(parents=True)  # something in the way of alice's results.json
    (out / "notes.txt").write_text("the instructor's own file")  # a file in --out is never replaced
    code, output = grade(subs, "--out", out, "--gradebook", out / "book.db")
    assert code != 0
    assert "Error: alice: " in output and "zed" not in output.split("Error: ")[-1]
    rows = list(csv.DictReader((out / "scores.csv").open(newline="", encoding="utf-8")))
    assert [r["submission"].split("~")[0] for r in rows] == ["alice", "book.db-journal", "notes.txt", "zed"]
    assert (out / "zed" / "results.json").is_file() and (out / "notes.txt").read_text() == "the instructor's own file"
    with sqlite3.connect(out / "book.db") as connection:
        assert connection.execute("SELECT COUNT(*) FROM attempts").fetchone() == (4,)  # alice's too
