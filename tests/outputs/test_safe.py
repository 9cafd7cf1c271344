"""The sanitising helpers: each makes student text safe for one place it lands."""

import csv
import io
import json
import random
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from autograder.outputs.safe import (OUTPUT_NAMES, csv_cell, file_label, html_text, is_safe_label, markup_text,
                                     one_line, plain_text, rich_text, source_id, submission_folder, terminal_text,
                                     unique_labels)

HOSTILE = "x\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m\u202eevil\u200b\x00\x07\x08\x9b1m\udcff\r\nnext\u2028line"


def render(markup: str = "", *texts) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    console.print(markup, *texts, highlight=False, emoji=False)
    return buffer.getvalue()


def test_plain_text_keeps_printable_text_newlines_and_tabs_only():
    assert plain_text(HOSTILE) == "xredevil\ufffd\nnext\nline"
    assert plain_text("a\tb\nc  [/] é 日本 ✓") == "a\tb\nc  [/] é 日本 ✓"
    assert plain_text(plain_text(HOSTILE)) == plain_text(HOSTILE)
    assert plain_text("\x1b\x1b[31m[31m") == "[31m"  # removing one escape never leaves another behind
    assert one_line("a\nb\tc\r\nd") == "a b c d"
    assert one_line("x" * 50, 10) == "x" * 9 + "\u2026"
    assert terminal_text("a\tb") == "a    b"


@pytest.mark.parametrize("text", ["[/]", "[/yellow]", "[bold red]shout[/bold red]", "[link=file:///etc]x[/link]",
                                  "end\\", "end\\\\", "end\\\\\\", "\\[red]x", "\\\\[red]x\\", "a [1, 2] [@x] [#fff]",
                                  ":warning: :x:"])
def test_markup_text_shows_as_written_and_never_touches_the_styles_around_it(text):
    assert render(f"[yellow]{markup_text(text)}[/yellow]|") == f"{text}|\n"
    assert render(f"[yellow]{markup_text(text)}[/yellow][red]|[/red]") == f"{text}|\n"


def test_terminal_helpers_strip_escapes_and_controls():
    out = render(f"[red]{markup_text(HOSTILE)}[/red]")
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out and "\x9b" not in out
    assert "xredevil" in out
    table = Table()
    table.add_column("a")
    table.add_row(rich_text("[/] :x: " + HOSTILE, 40))
    out = render("", table)
    assert "[/] :x: xredevil" in out and "\x1b" not in out and "\u274c" not in out


@pytest.mark.parametrize("cell, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'=1"), ("\r=1", "'=1"), ("  =1", "'=1"), ("\uff1d1+1", "'\uff1d1+1"),
    ('=HYPERLINK("http://evil","x")', "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("a;=cmd|' /C calc'!A0", "a;'=cmd|' /C calc'!A0"), ("a; -1", "a;' -1"),
    ("alice", "alice"), ("expected 1, -2", "expected 1, -2"), ("a=b", "a=b"), ("", ""),
    ("line\n=1+1", "line =1+1"), ("\n=1+1", "'=1+1"),
])
def test_csv_cells_never_start_a_formula(cell, expected):
    assert csv_cell(cell) == expected
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["x", csv_cell(cell)])
    assert next(csv.reader(io.StringIO(buffer.getvalue())))[1] == expected


def test_csv_cells_in_a_semicolon_spreadsheet_start_no_formula():
    for cell in ["x; =1+1", "x;+1", "x;@A1;-2", "=1;=2"]:
        for piece in csv_cell(cell).split(";"):
            assert piece.lstrip()[:1] not in ("=", "+", "-", "@"), (cell, piece)


def test_json_and_html_text():
    payload = json.dumps({"output": plain_text(HOSTILE)})
    assert json.loads(payload)["output"] == "xredevil\ufffd\nnext\nline"
    payload.encode("utf-8")  # no lone surrogate left to fail
    assert html_text('<script>alert("x")</script> & \'') == \
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;"


@pytest.mark.parametrize("name, label", [
    ("alice.ipynb", "alice"), ("bob-2.ipynb", "bob-2"), ("Alice.Smith_3.ipynb", "Alice.Smith_3"),
    ("...ipynb", "__"), ("..ipynb", "_"), (".ipynb", "_ipynb"), (".hidden.ipynb", "_hidden"),
    ("-rf.ipynb", "_rf"), ("=1+2.ipynb", "_1_2"), ("@SUM(A1).ipynb", "_SUM_A1_"), ("+1.ipynb", "_1"),
    ("josé.ipynb", "jose"), ("\u0430lice.ipynb", "_lice"), ("日本.ipynb", "_"), ("con.ipynb", "_con"),
    ("LPT1.x.ipynb", "_LPT1.x"), ("trail..ipynb", "trail_"), ("a b\tc\nd.ipynb", "a_b_c_d"),
    ("x\x1b[31m.ipynb", "x"), ("\udcff\udcfe.ipynb", "_"), ("a~1.ipynb", "a_1"), ("", "submission"),
    ("sub/dir/x.ipynb", "sub__dir__x"), ("../../etc/passwd", "etc__passwd"),
])
def test_file_labels_are_safe_folder_names(name, label):
    assert file_label(name) == label
    assert is_safe_label(label) or label.lower() in OUTPUT_NAMES


def test_file_labels_are_bounded_and_refuse_what_could_escape(tmp_path):
    assert len(file_label("a" * 300 + ".ipynb")) == 80 and is_safe_label(file_label("a" * 300))
    for bad in ["..", ".", "", "a/b", "/etc", "a\\b", "scores.csv", "SCORES.CSV", "results.json", "-x", ".x", "x.",
                "a~b", "nul", "a\x00", 5, "a" * 200]:
        assert not is_safe_label(bad), bad
        with pytest.raises(ValueError):
            submission_folder(tmp_path, bad)
    assert submission_folder(tmp_path, "bob~0123456789") == tmp_path / "bob~0123456789"


def test_unique_labels_separate_clashes_stably_and_keep_the_rest():
    entries = [("bob", "/a/bob.ipynb"), ("bob", "/b/bob.ipynb"), ("bob-2", "/b/bob-2.ipynb"),
               ("Bob", "/c/Bob.ipynb"), ("alice", "/a/alice.ipynb"), ("scores.csv", "/a/scores.csv.ipynb"),
               ("book.db", "/a/book.db.ipynb")]
    labels = unique_labels(entries, reserved=("book.db",))
    assert labels[2] == "bob-2" and labels[4] == "alice"
    assert all(label.startswith(base + "~") for label, (base, _) in zip(labels, entries) if base not in ("bob-2", "alice"))
    assert len({label.lower() for label in labels}) == len(labels)
    assert all(is_safe_label(label) for label in labels)
    for _ in range(5):  # the same files get the same labels in any order
        order = list(range(len(entries)))
        random.shuffle(order)
        again = unique_labels([entries[i] for i in order], reserved=("book.db",))
        assert {entries[i][1]: label for i, label in zip(order, again)} == \
            {path: label for (_, path), label in zip(entries, labels)}
    # a student cannot name a file after another's suffixed label: "~" never survives file_label
    squatter = file_label(labels[0] + ".ipynb")
    assert squatter != labels[0] and "~" not in squatter
    first, second = unique_labels([("x", "/x.ipynb"), ("x", "/x.ipynb")])  # the same file listed twice
    assert first == unique_labels([("x", "/x.ipynb"), ("x", "/y.ipynb")])[0] and second == first + "-2"


def test_source_id_is_the_absolute_path_as_json_safe_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert source_id("a/../b.ipynb") == str(tmp_path / "b.ipynb")
    assert source_id(Path("x\udcff.ipynb")) == str(tmp_path / "x\ufffd.ipynb")
