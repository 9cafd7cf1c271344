"""Zip archives as LMSs deliver them, opened without trusting them.

A member's name is never used as a path on this machine: each member is
written to a fresh numbered file in a scratch folder, and its name is kept
only to understand the layout (Canvas names, Gradescope folders) and to show
the instructor. Names that leave the archive (``..``, absolute, drive
letters), links, encrypted members, members whose size or compression ratio
betrays a zip bomb, and archives with too many members or too many bytes in
all are refused with a reason, never half extracted. A zip inside a zip (a
student who zipped their notebook) is opened the same way, one level deep.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

MAX_MEMBERS = 10_000  # files in one archive, nested archives included
MAX_MEMBER_BYTES = 101 * 2**20  # a notebook may be up to 100 MB (notebook.read.MAX_NOTEBOOK_BYTES)
MAX_TOTAL_BYTES = 4 * 2**30  # all members of one archive together, once extracted
MAX_RATIO = 200  # uncompressed / compressed: notebooks compress about 5-20 times; bombs 1000 times and more
RATIO_FLOOR = 2**20  # smaller members are never bombs, whatever their ratio
MAX_DEPTH = 2  # an archive inside an archive, and no deeper
_CHUNK = 2**20


class ArchiveError(Exception):
    """The archive as a whole cannot be opened; the message says why, in one line."""


@dataclass
class Member:
    name: PurePosixPath  # its path inside the archive (nested archives: outer/inner parts joined)
    path: Path | None  # where its bytes were written; None if it was refused
    problem: str = ""  # why it was refused
    modified: datetime | None = None  # the time stored in the archive


@dataclass
class _Budget:
    members: int = 0
    total: int = 0
    counter: list[int] = field(default_factory=lambda: [0])


def member_name(raw: str) -> PurePosixPath | None:
    """A member's name as relative path parts, or None for a name that would
    leave the archive (absolute, a drive, ``..``)."""
    text = raw.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts)


def extract(archive: Path, scratch: Path, wanted=lambda name: True) -> list[Member]:
    """Every file member of ``archive``, written under ``scratch`` if
    ``wanted(name)`` (others are listed with no path and no problem, so the
    caller can say why it skipped them). Raises ArchiveError when the archive
    itself cannot be read or is too large in all."""
    scratch.mkdir(parents=True, exist_ok=True)
    return _extract(Path(archive), PurePosixPath(), scratch, wanted, _Budget(), depth=1)


def _extract(archive: Path, prefix: PurePosixPath, scratch: Path, wanted, budget: _Budget, depth: int) -> list[Member]:
    try:
        with zipfile.ZipFile(archive) as opened:
            infos = opened.infolist()
            budget.members += len(infos)
            if budget.members > MAX_MEMBERS:
                raise ArchiveError(f"refused: more than {MAX_MEMBERS} files in the archive")
            declared = sum(info.file_size for info in infos)
            if budget.total + declared > MAX_TOTAL_BYTES:
                raise ArchiveError(f"refused: it would unpack to {declared / 2**30:.1f} GB, more than the "
                                   f"{MAX_TOTAL_BYTES // 2**30} GB allowed")
            members = []
            for info in infos:
                if info.is_dir():
                    continue
                members += _member(opened, info, prefix, scratch, wanted, budget, depth)
            return members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ArchiveError(f"not a readable zip archive: {type(error).__name__}: {error}") from None


def _member(opened: zipfile.ZipFile, info: zipfile.ZipInfo, prefix: PurePosixPath, scratch: Path, wanted,
            budget: _Budget, depth: int) -> list[Member]:
    relative = member_name(info.filename)
    parts = [part for part in info.filename.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    shown = prefix / (relative or PurePosixPath(*(parts or ["unnamed"])))
    try:
        modified = datetime(*info.date_time)
    except ValueError:
        modified = None
    member = Member(shown, None, modified=modified)
    if not wanted(shown) and not shown.suffix.lower() == ".zip":
        return [member]
    problem = _refusal(info, relative)
    if not problem and shown.suffix.lower() == ".zip" and depth >= MAX_DEPTH:
        problem = "refused: an archive inside an archive inside an archive"
    if problem:
        member.problem = problem
        return [member]
    budget.counter[0] += 1
    target = scratch / f"{budget.counter[0]:06d}{shown.suffix.lower()[:16] if shown.suffix.isascii() else ''}"
    written = 0
    try:
        with opened.open(info) as source, open(target, "wb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                budget.total += len(chunk)
                if written > info.file_size or written > MAX_MEMBER_BYTES or budget.total > MAX_TOTAL_BYTES:
                    raise ArchiveError("refused: it unpacks to more bytes than the archive declares or allows "
                                       "(a zip bomb)")
                sink.write(chunk)
    except (ArchiveError, zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as error:
        target.unlink(missing_ok=True)
        member.problem = str(error) if isinstance(error, ArchiveError) else f"refused: cannot be unpacked: {error}"
        return [member]
    if shown.suffix.lower() != ".zip":
        member.path = target
        return [member]
    try:
        return _extract(target, shown.with_suffix(""), scratch, wanted, budget, depth + 1)
    except ArchiveError as error:
        member.problem = str(error)
        return [member]
    finally:
        target.unlink(missing_ok=True)


def _refusal(info: zipfile.ZipInfo, relative: PurePosixPath | None) -> str:
    if relative is None:
        return "refused: its path leaves the archive (absolute, a drive or ..)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "refused: a symbolic link"
    if info.flag_bits & 0x1:
        return "refused: encrypted"
    if info.file_size > MAX_MEMBER_BYTES:
        return f"refused: {info.file_size / 2**20:.0f} MB unpacked, more than the {MAX_MEMBER_BYTES // 2**20} MB allowed"
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
        return (f"refused: a zip bomb ({info.file_size / 2**20:.0f} MB packed into "
                f"{info.compress_size / 2**10:.0f} KB)")
    return ""
