"""Making student-controlled text safe for each place it lands.

A submission controls its file name, its notebook's metadata, the messages of
its exceptions and what it prints. Any of it can reach an output, and each
output has its own hazards:

- the file system: ``..``, ``/``, names of the grader's own outputs, names too
  long for a folder, names that differ only in case;
- the terminal: rich markup (``[/]`` crashes rich, ``[red]`` restyles),
  ANSI escapes and control characters that move the cursor, rewrite earlier
  lines or retitle the window, bidirectional overrides that reorder text;
- a spreadsheet opening scores.csv: a cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return is a formula (CSV injection);
- JSON and SQLite: lone surrogates (undecodable file name bytes) cannot be
  encoded as UTF-8, and control characters confuse whoever reads the file;
- HTML (for a later report): tags and attributes.

Each helper here makes text safe for one of these places; every output goes
through one of them. Text is sanitised where it is written, never where it is
made, so a message is safe whichever path brought it.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import unicodedata
from collections import Counter
from pathlib import Path, PurePath
from typing import Iterable

from rich.text import Text

# Files the grader itself writes into --out: no submission's folder may take these names.
OUTPUT_NAMES = frozenset({"scores.csv", "results.json", "gradebook.sqlite", "gradebook.sqlite-journal",
                          "gradebook.sqlite-wal", "gradebook.sqlite-shm"})
MAX_LABEL = 80  # characters of a label before its de-duplicating suffix; far below any file-name limit

_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor movement, erasing
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window title, hyperlinks, clipboard
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape, and a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the 8-bit CSI
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85]")
_FORMULA = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"  # and their full-width forms
_NEUTRALISE = re.compile(r"(^|;)(?=\s*[" + re.escape(_FORMULA) + "])")
_MARKUP_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")  # what rich reads as a tag: rich.markup.RE_TAGS
_LABEL_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_SAFE_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?(?:~[0-9a-f]{10}(?:-[0-9]+)?)?")
_WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$",
                              *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))})


def plain_text(value: object) -> str:
    """Text with nothing but printable characters, newlines and tabs: lone
    surrogates become U+FFFD, line breaks of every kind become ``\\n``, and
    ANSI escapes, other control characters and invisible format characters
    (bidirectional overrides, zero-width characters) are removed. The base of
    every other helper; fit as it is for JSON and SQLite."""
    text = _SURROGATE.sub("\ufffd", str(value))
    text = _LINE_BREAKS.sub("\n", _ANSI.sub("", text))
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs"))


def one_line(value: object, limit: int | None = None) -> str:
    """``plain_text`` on one line (newlines and tabs become spaces), cut to
    ``limit`` characters with an ellipsis if longer."""
    text = " ".join(plain_text(value).replace("\t", " ").split("\n")).strip()
    if limit is not None and len(text) > limit:
        text = text[:max(0, limit - 1)] + "\u2026"
    return text


def terminal_text(value: object) -> str:
    """Text for a terminal written without rich markup (click's messages)."""
    return plain_text(value).replace("\t", "    ")


def markup_text(value: object) -> str:
    """Text to put inside a rich markup string just before a tag, e.g.
    ``f"[red]{markup_text(x)}[/red]"``: ``terminal_text`` with every tag-like
    ``[...]`` escaped and its trailing backslashes doubled, so it shows exactly
    as written and can neither open nor close a style, nor escape the tag that
    follows it (``rich.markup.escape`` lets ``x\\\\\\`` escape it). Where no tag
    follows, trailing backslashes show doubled: prefer ``rich_text`` or a
    ``rich.text.Text`` of ``terminal_text`` there."""
    text = _MARKUP_TAG.sub(lambda match: f"{match[1]}{match[1]}\\{match[2]}", terminal_text(value))
    return text + "\\" * (len(text) - len(text.rstrip("\\")))


def rich_text(value: object, limit: int | None = None) -> Text:
    """A rich ``Text`` for a table cell or title: never parsed as markup or
    emoji codes; one line, cut to ``limit`` characters."""
    return Text(one_line(value, limit))


def csv_cell(value: object) -> str:
    """A CSV text cell that a spreadsheet shows as text: on one line, and with
    a ``'`` before a leading ``=``, ``+``, ``-``, ``@``, tab or carriage
    return, also where a ``;`` starts a new cell for a spreadsheet whose list
    separator is ``;``. Use it for text cells only, never for numbers."""
    return _NEUTRALISE.sub(r"\1'", one_line(value))


def json_text(value: object) -> str:
    """Text for a JSON string (and SQLite): ``plain_text``. ``json.dumps`` does the quoting."""
    return plain_text(value)


def html_text(value: object) -> str:
    """Text for HTML content or a quoted attribute: ``plain_text`` with ``& < > " '`` escaped."""
    return html.escape(plain_text(value), quote=True)


def file_label(relative: PurePath | str) -> str:
    """A folder name made from a submission's path relative to the
    submissions root (its suffix dropped): ASCII letters, digits, ``.``,
    ``_`` and ``-`` only (accents dropped, anything else becomes ``_``),
    folders joined by ``__``, never starting with ``.`` or ``-``, never ending
    with ``.``, never a Windows device name, at most ``MAX_LABEL`` characters.
    Never contains ``~``, which ``unique_labels`` keeps for its suffixes.
    Different files may get the same label here: ``unique_labels`` separates them."""
    parts = list(PurePath(relative).parts)
    if parts:
        parts[-1] = PurePath(parts[-1]).stem
    pieces = []
    for number, part in enumerate(parts):
        if part in (".", "..") and number < len(parts) - 1:
            continue  # a folder that is no name
        ascii_text = "".join(c for c in unicodedata.normalize("NFKD", plain_text(part)) if not unicodedata.combining(c))
        pieces.append(_LABEL_CHARS.sub("_", ascii_text))
    label = "__".join(piece for piece in pieces if piece)
    if label.split(".")[0].lower() in _WINDOWS_DEVICES:
        label = "_" + label
    label = label[:MAX_LABEL]
    if label[:1] in (".", "-"):
        label = "_" + label[1:]
    if label.endswith("."):
        label = label[:-1] + "_"
    return label or "submission"


def source_id(path: Path | str) -> str:
    """The identity of a submitted file for labels and resuming: its absolute
    path (symbolic links not followed), as JSON-safe text."""
    return json_text(os.path.abspath(os.fspath(path)))


def unique_labels(entries: Iterable[tuple[str, Path | str]], reserved: Iterable[str] = ()) -> list[str]:
    """One label per ``(file_label, path)`` entry, unique even ignoring case.
    A label that no other entry shares and that is not ``reserved`` (nor one
    of the grader's ``OUTPUT_NAMES``) is kept as it is; every other gets
    ``~`` and ten hex digits of a hash of its file's absolute path. So labels
    depend only on the files, not on their order or on files added elsewhere,
    and a student cannot pick a name that takes another's label: no label
    from ``file_label`` contains ``~``. (The same file listed twice gets
    ``-2``, ``-3`` after its suffix, in order.)"""
    entries = [(base, os.fsencode(os.path.abspath(os.fspath(path)))) for base, path in entries]
    taken = {name.lower() for name in (*OUTPUT_NAMES, *reserved)}
    count = Counter(base.lower() for base, _ in entries)
    labels, used = [], set()
    for base, identity in entries:
        label = base
        if count[base.lower()] > 1 or base.lower() in taken:
            label = f"{base}~{hashlib.sha256(identity).hexdigest()[:10]}"
        candidate, number = label, 1
        while candidate.lower() in used:  # only a suffixed label can repeat: the same path listed again
            number += 1
            candidate = f"{label}-{number}"
        used.add(candidate.lower())
        labels.append(candidate)
    return labels


def is_safe_label(label: str) -> bool:
    """Whether ``label`` can name a folder in --out: one made by
    ``file_label``/``unique_labels``, not one of the grader's own files."""
    return (isinstance(label, str) and len(label) <= MAX_LABEL + 30 and bool(_SAFE_LABEL.fullmatch(label))
            and label.lower() not in OUTPUT_NAMES and label.split(".")[0].lower() not in _WINDOWS_DEVICES)


def submission_folder(out_dir: Path, label: str) -> Path:
    """``out_dir / label``, refusing any label that is not safe (a path, ``..``,
    an output file's name), so nothing is ever written outside ``out_dir``."""
    if not is_safe_label(label):
        raise ValueError(f"not a safe submission label: {label!r}")
    return Path(out_dir) / label
