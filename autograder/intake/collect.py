"""From what an instructor names on the command line (notebooks, folders,
zip archives, LMS downloads) to the list of submissions to grade, each with
its student, time and place among that student's attempts, and the list of
files that are not submissions, each with the reason it was skipped.

Nothing here trusts a name: archive members are unpacked to numbered files
(``archive.extract``), and names only decide who and when.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from autograder.intake.archive import ArchiveError, Member, extract
from autograder.intake.lms import GRADESCOPE_METADATA, canvas_name, read_gradescope_metadata, skip_reason
from autograder.outputs.safe import source_id


@dataclass(frozen=True)
class Found:
    """One submitted file. ``path`` is what the grader reads (for an archive
    member, its unpacked copy); ``problem`` says why it cannot be graded at all
    (a refused archive member), and then ``path`` is None."""

    path: Path | None
    relative: PurePosixPath  # under the folder or archive named; labels are made from it
    source: str  # the file's absolute path, or "<archive path>!<member>"
    student: str  # the LMS's id, else the student's folder or the file's name
    key: str  # the student's identity: "canvas:<id>", "gradescope:<sids>", or "<where>/<name>"
    student_name: str = ""
    submitted_at: datetime | None = None
    late_flag: bool = False
    order: tuple = ()  # sorts one student's submissions, oldest first
    problem: str = ""
    attempt: int = 1
    counted: bool = True


@dataclass
class Intake:
    found: list[Found]
    skipped: list[tuple[str, str]]  # (source, reason) of every file that is not a submission


@dataclass(frozen=True)
class _File:
    relative: PurePosixPath
    path: Path | None
    source: str
    modified: float
    problem: str = ""


def collect(items: list[Path], scratch: Path, *, accept_py: bool = False, use_yaml: bool = True) -> Intake:
    """Every submission under ``items`` (files, folders searched recursively,
    zip archives, zips inside folders), in the order named and then by path.
    Archive members and converted ``.py`` files are written under ``scratch``,
    which must live as long as grading does."""
    found: list[Found] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in items:
        item = Path(item)
        files = _files(item, scratch, skipped, accept_py)
        files = [f for f in files if f.source not in seen]
        seen.update(f.source for f in files)
        where = source_id(item if item.is_dir() or item.suffix.lower() == ".zip" else item.parent)
        found += _describe(files, where, skipped, accept_py, use_yaml, scratch)
    return Intake(_choose_latest(found), skipped)


def plain(paths: list[Path], roots: list[Path | None] | None = None) -> list[Found]:
    """Found entries for notebook paths named directly (no LMS layout, no
    skipping): each file is its own student within its root (by default the
    folder it is in)."""
    roots = list(roots) if roots is not None else [None] * len(paths)
    found = []
    for path, root in zip(paths, roots):
        path = Path(path)
        root = Path(root) if root is not None else path.parent
        try:
            relative = PurePosixPath(*Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts)
        except ValueError:
            relative = PurePosixPath(path.name)
        file = _File(relative, path, source_id(path), _mtime(path))
        found.append(_plain(file, source_id(root)))
    return _choose_latest(found)


def _files(item: Path, scratch: Path, skipped: list, accept_py: bool) -> list[_File]:
    if item.is_dir():
        files = []
        for folder, dirs, names in os.walk(item):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                relative = PurePosixPath(*path.relative_to(item).parts)
                if path.suffix.lower() == ".zip" and not skip_reason(relative.with_suffix(".ipynb")):
                    files += _archive(path, relative.with_suffix(""), scratch, skipped, accept_py)
                else:
                    files.append(_File(relative, path, source_id(path), _mtime(path)))
        return files
    if item.suffix.lower() == ".zip":
        return _archive(item, PurePosixPath(), scratch, skipped, accept_py)
    return [_File(PurePosixPath(item.name), item, source_id(item), _mtime(item))]


def _archive(path: Path, prefix: PurePosixPath, scratch: Path, skipped: list, accept_py: bool) -> list[_File]:
    archive = source_id(path)

    def wanted(name: PurePosixPath) -> bool:
        return not skip_reason(name, accept_py) or name.name == GRADESCOPE_METADATA

    folder = scratch / f"archive-{len(list(scratch.glob('archive-*'))) + 1}" if scratch.exists() else scratch / "archive-1"
    try:
        members = extract(path, folder, wanted)
    except ArchiveError as error:
        name = PurePosixPath(f"{prefix}.zip") if prefix.parts else PurePosixPath(path.name)
        return [_File(name, None, archive, _mtime(path), str(error))]
    return [_member_file(archive, prefix, member) for member in members]


def _member_file(archive: str, prefix: PurePosixPath, member: Member) -> _File:
    modified = member.modified.timestamp() if member.modified else 0.0
    return _File(prefix / member.name, member.path, f"{archive}!{member.name}", modified, member.problem)


def _describe(files: list[_File], where: str, skipped: list, accept_py: bool, use_yaml: bool,
              scratch: Path) -> list[Found]:
    metadata = {}
    for file in files:
        if file.relative.name == GRADESCOPE_METADATA and file.path is not None:
            try:
                text = Path(file.path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            metadata[file.relative.parent] = read_gradescope_metadata(text, use_yaml)
    found = []
    for file in files:
        reason = skip_reason(file.relative, accept_py)
        if reason and not (file.problem and file.relative.suffix.lower() in (".zip", ".ipynb")):
            skipped.append((file.source, reason))
            continue
        if file.relative.suffix.lower() == ".py" and file.path is not None:
            file = replace(file, path=_py_notebook(file.path, scratch))
        found.append(_gradescope(file, metadata) or _canvas(file) or _plain(file, where))
    return found


def _gradescope(file: _File, metadata: dict) -> Found | None:
    for folder, submissions in metadata.items():
        try:
            inside = file.relative.relative_to(folder)
        except ValueError:
            continue
        if len(inside.parts) < 2 or not inside.parts[0].startswith("submission_"):
            continue
        entry = submissions.get(inside.parts[0])
        if entry is None or not entry.submitters:
            return Found(file.path, file.relative, file.source, inside.parts[0], f"gradescope:{inside.parts[0]}",
                         problem=file.problem, order=(float("-inf"), 0, 0, file.modified, file.source))
        sids = "+".join(sid or name for name, sid, _ in entry.submitters)
        names = ", ".join(name for name, _, _ in entry.submitters if name)
        when = entry.created_at
        return Found(file.path, file.relative, file.source, sids, f"gradescope:{sids}", names, when,
                     problem=file.problem,
                     order=(when.timestamp() if when else float("-inf"), 0, 0, file.modified, file.source))
    return None


def _canvas(file: _File) -> Found | None:
    first = PurePosixPath(file.relative.parts[0])
    parsed = canvas_name(first.name if len(file.relative.parts) == 1 else first.name + ".zip")
    if parsed is None:
        return None
    return Found(file.path, file.relative, file.source, parsed.user, f"canvas:{parsed.user}", parsed.name,
                 late_flag=parsed.late, problem=file.problem,
                 order=(float("-inf"), parsed.resubmission, parsed.submission, file.modified, file.source))


def _plain(file: _File, where: str) -> Found:
    parts = file.relative.parts
    student = parts[0] if len(parts) > 1 else PurePosixPath(parts[-1]).stem if parts else "submission"
    return Found(file.path, file.relative, file.source, student, f"{where}/{student}", problem=file.problem,
                 order=(float("-inf"), 0, 0, file.modified, file.source))


def _choose_latest(found: list[Found]) -> list[Found]:
    """Number each student's submissions, oldest first, and mark the latest as
    the one that counts: by the LMS's submission time, then the resubmission
    number, the LMS's submission id, the file's time, and its name."""
    by_student: dict[str, list[int]] = defaultdict(list)
    for position, entry in enumerate(found):
        by_student[entry.key].append(position)
    chosen = list(found)
    for positions in by_student.values():
        ranked = sorted(positions, key=lambda p: found[p].order)
        for attempt, position in enumerate(ranked, start=1):
            chosen[position] = replace(found[position], attempt=attempt, counted=attempt == len(ranked))
    return chosen


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _py_notebook(path: Path, scratch: Path) -> Path:
    """A ``.py`` submission as a notebook: one code cell per ``# %%`` block."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    cells, current = [], []
    for line in text.splitlines():
        if line.startswith("# %%") and current:
            cells.append("\n".join(current))
            current = []
        current.append(line)
    cells.append("\n".join(current))
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / f"python-{len(list(scratch.glob('python-*'))) + 1:06d}.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(cell) for cell in cells if cell.strip()]), target)
    return target
