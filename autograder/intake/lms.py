"""Who submitted a file, and when, as the LMS's download says it.

- Canvas names every file ``lastfirst_[LATE_]userid_submissionid_original[-N].ext``:
  the user id, the late flag and, where a student uploaded the same name
  again, a resubmission number ``-N``.
- Gradescope's export has a ``submission_<id>/`` folder per submission and a
  ``submission_metadata.yml`` beside them, keyed by folder, with the
  submitters (``:name:``, ``:sid:``, ``:email:``) and ``:created_at:``.
- Otherwise ``<student>/<file>.ipynb``: the folder is the student; a file
  directly in the folder given is its own student (its name without suffix).

A student is the LMS's id where there is one, so two downloads of one
course (a late batch, say) add attempts to the same students; a name taken
from a folder or file only means that name within the folder it was found in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from autograder.intake.late import LatePolicyError, parse_time

GRADESCOPE_METADATA = "submission_metadata.yml"
_CANVAS = re.compile(r"^(?P<name>[^_]+?)_(?:(?P<late>LATE)_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<original>.+)$")
_RESUBMISSION = re.compile(r"^(?P<stem>.*?)-(?P<number>\d+)$")
_OS_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "icon\r"})


@dataclass(frozen=True)
class CanvasName:
    name: str  # "lastfirst", as Canvas writes it
    user: str  # the Canvas user id
    submission: int
    late: bool
    original: str  # the file name the student uploaded, resubmission number removed
    resubmission: int  # 0 for the first upload of that name


def canvas_name(filename: str) -> CanvasName | None:
    """The parts of a Canvas download's file name, or None if it is not one."""
    match = _CANVAS.match(filename)
    if not match:
        return None
    original = PurePosixPath(match["original"])
    stem, number = original.stem, 0
    again = _RESUBMISSION.match(stem)
    if again and again["stem"]:
        stem, number = again["stem"], int(again["number"])
    return CanvasName(match["name"], match["user"], int(match["submission"]), match["late"] is not None,
                      stem + original.suffix, number)


def skip_reason(relative: PurePosixPath, accept_py: bool = False) -> str:
    """Why a file found in a submission folder is not a submission, or "".
    Operating-system litter, Jupyter's checkpoints and anything in a hidden
    or ``__MACOSX`` folder are skipped, as are files that are not notebooks
    (``.py`` files too, unless ``accept_py``)."""
    folders, name = relative.parts[:-1], relative.name
    if any(part.startswith(".") or part == "__MACOSX" for part in folders):
        return "in a hidden folder (checkpoints, system files)"
    if name.lower() in _OS_FILES or name.startswith("._"):
        return "operating system metadata"
    if name == GRADESCOPE_METADATA:
        return "Gradescope's metadata (read for submitters and times)"
    suffix = ".ipynb" if name.lower().endswith(".ipynb") else relative.suffix.lower()  # ".ipynb" alone too
    if suffix == ".ipynb" or (accept_py and suffix == ".py"):
        return ""
    if suffix == ".py":
        return "a Python file, not a notebook (grade --accept-py to grade it)"
    return f"not a notebook ({suffix or 'no suffix'})"


@dataclass(frozen=True)
class GradescopeSubmission:
    submitters: tuple[tuple[str, str, str], ...]  # (name, sid, email) of each submitter
    created_at: datetime | None


def read_gradescope_metadata(text: str, use_yaml: bool = True) -> dict[str, GradescopeSubmission]:
    """``submission_<id>`` -> who submitted it and when, from
    ``submission_metadata.yml``. Read with PyYAML's safe loader when it is
    installed (and ``use_yaml``), else with ``_minimal_yaml``, which reads
    just these fields. Fields that are missing or malformed are left empty."""
    data = None
    if use_yaml:
        try:
            import yaml
        except ImportError:
            yaml = None
        if yaml is not None:
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                data = None
    if not isinstance(data, dict):
        data = _minimal_yaml(text)
    found = {}
    for folder, entry in data.items():
        if not isinstance(entry, dict):
            continue
        people = entry.get(":submitters") or []
        submitters = tuple((_text(p.get(":name")), _text(p.get(":sid")), _text(p.get(":email")))
                           for p in people if isinstance(p, dict))
        try:
            created = parse_time(entry[":created_at"]) if entry.get(":created_at") else None
        except LatePolicyError:
            created = None
        found[str(folder)] = GradescopeSubmission(submitters, created)
    return found


def _text(value) -> str:
    return "" if value is None else str(value)


def _minimal_yaml(text: str) -> dict:
    """The part of Gradescope's YAML we need, without a YAML library: top-level
    keys, their ``:created_at:`` and their ``:submitters:`` list of mappings.
    Every other key (scores, results, history) is passed over."""
    data: dict = {}
    entry = person = None
    in_submitters = False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if indent == 0:
            key = _scalar(body[:-1]) if body.endswith(":") else None
            entry = data.setdefault(key, {}) if key else None
            in_submitters, person = False, None
            continue
        if entry is None:
            continue
        if indent <= 2 and not body.startswith("- "):
            key, _, value = body.partition(": ") if ": " in body else (body.rstrip(":"), "", "")
            in_submitters, person = key == ":submitters", None
            if key == ":created_at" and value:
                entry[key] = _scalar(value)
            if in_submitters:
                entry[":submitters"] = []
            continue
        if not in_submitters:
            continue
        if body.startswith("- ") and indent <= 4:
            person = {}
            entry[":submitters"].append(person)
            body = body[2:].strip()
        if person is not None and ": " in body:
            key, _, value = body.partition(": ")
            if key in (":name", ":sid", ":email"):
                person[key] = _scalar(value)
    return data


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value
