"""From what an instructor downloads to who submitted what, and what counts."""

import os
import zipfile
from datetime import datetime, timezone

from autograder.intake.collect import collect
from autograder.outputs.safe import source_id

NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def write(path, data=NOTEBOOK, mtime=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def canvas_zip(path, names):
    with zipfile.ZipFile(path, "w") as opened:
        for name in names:
            opened.writestr(name, NOTEBOOK)
    return path


def summary(intake):
    return {entry.source.split("!")[-1] if "!" in entry.source else os.path.basename(entry.source):
            (entry.student, entry.attempt, entry.counted, entry.late_flag) for entry in intake.found}


def test_a_canvas_download_with_resubmissions_a_late_batch_and_litter(tmp_path):
    first = canvas_zip(tmp_path / "submissions.zip", [
        "lovelaceada_5001_77001_lr.ipynb", "lovelaceada_5001_77001_lr-1.ipynb", "chenbo_LATE_5002_77002_lr.ipynb",
        ".DS_Store", "__MACOSX/._lovelaceada_5001_77001_lr.ipynb", "lovelaceada_5001_77001_helper.py",
        "turingal_5003_77003_Notebook.ipynb"])
    second = canvas_zip(tmp_path / "late-batch.zip", ["chenbo_LATE_5002_78000_lr.ipynb"])
    intake = collect([first, second], tmp_path / "scratch")
    assert summary(intake) == {
        "lovelaceada_5001_77001_lr.ipynb": ("5001", 1, False, False),
        "lovelaceada_5001_77001_lr-1.ipynb": ("5001", 2, True, False),
        "chenbo_LATE_5002_77002_lr.ipynb": ("5002", 1, False, True),
        "turingal_5003_77003_Notebook.ipynb": ("5003", 1, True, False),
        "chenbo_LATE_5002_78000_lr.ipynb": ("5002", 2, True, True),
    }
    assert {entry.student_name for entry in intake.found} == {"lovelaceada", "chenbo", "turingal"}
    assert all(entry.source.startswith(source_id(tmp_path)) and entry.path.read_bytes() == NOTEBOOK
               for entry in intake.found)
    skipped = {source.split("!")[-1]: reason for source, reason in intake.skipped}
    assert set(skipped) == {".DS_Store", "__MACOSX/._lovelaceada_5001_77001_lr.ipynb",
                            "lovelaceada_5001_77001_helper.py"}
    assert "Python file" in skipped["lovelaceada_5001_77001_helper.py"]
    with_py = collect([first], tmp_path / "scratch2", accept_py=True)
    assert any(entry.source.endswith("helper.py") for entry in with_py.found)


def test_a_gradescope_export_names_submitters_and_times(tmp_path):
    export = tmp_path / "assignment_77_export"
    write(export / "submission_1001" / "lr.ipynb")
    write(export / "submission_1002" / "work" / "lr.ipynb")
    write(export / "submission_1003" / "lr.ipynb")  # no metadata for it: its folder names it
    write(export / "submission_1001" / ".ipynb_checkpoints" / "lr-checkpoint.ipynb")
    (export / "submission_metadata.yml").write_text(
        "submission_1001:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '5001'\n"
        "  :created_at: 2026-12-01 10:00:00.000000000 +00:00\n"
        "submission_1002:\n  :submitters:\n  - :name: Bo Chen\n    :sid: '5002'\n  - :name: Pat Lee\n"
        "    :sid: '5003'\n  :created_at: 2026-12-02 10:00:00 +00:00\n")
    intake = collect([tmp_path], tmp_path / "scratch")
    students = {entry.source.split("assignment_77_export/")[1]: (entry.student, entry.student_name,
                                                                 entry.submitted_at) for entry in intake.found}
    assert students == {
        "submission_1001/lr.ipynb": ("5001", "Ada Lovelace", datetime(2026, 12, 1, 10, tzinfo=timezone.utc)),
        "submission_1002/work/lr.ipynb": ("5002+5003", "Bo Chen, Pat Lee",
                                          datetime(2026, 12, 2, 10, tzinfo=timezone.utc)),
        "submission_1003/lr.ipynb": ("submission_1003", "", None),
    }
    assert sorted(reason for _, reason in intake.skipped) == ["Gradescope's metadata (read for submitters and times)",
                                                               "in a hidden folder (checkpoints, system files)"]


def test_plain_folders_one_student_each_and_same_names_in_two_folders_stay_apart(tmp_path):
    write(tmp_path / "A" / "alice" / "lr.ipynb", mtime=1_000)
    write(tmp_path / "A" / "alice" / "lr_final.ipynb", mtime=2_000)
    write(tmp_path / "A" / "dana.ipynb")
    write(tmp_path / "B" / "dana.ipynb")
    write(tmp_path / "B" / "notes.txt", b"hello")
    intake = collect([tmp_path / "A", tmp_path / "B"], tmp_path / "scratch")
    found = {entry.source: entry for entry in intake.found}
    alice_old, alice_new = found[source_id(tmp_path / "A/alice/lr.ipynb")], found[source_id(tmp_path / "A/alice/lr_final.ipynb")]
    assert (alice_old.student, alice_old.attempt, alice_old.counted) == ("alice", 1, False)
    assert (alice_new.student, alice_new.attempt, alice_new.counted) == ("alice", 2, True)
    danas = [found[source_id(tmp_path / folder / "dana.ipynb")] for folder in ("A", "B")]
    assert [(d.student, d.counted) for d in danas] == [("dana", True), ("dana", True)]
    assert danas[0].key != danas[1].key
    assert intake.skipped == [(source_id(tmp_path / "B" / "notes.txt"), "not a notebook (.txt)")]


def test_a_bad_archive_is_a_row_not_a_crash_and_nothing_is_found_in_litter(tmp_path):
    (tmp_path / "broken_5009_1_hw.zip").write_bytes(b"PK\x03\x04 truncated")
    write(tmp_path / "litter" / ".DS_Store", b"x")
    intake = collect([tmp_path / "broken_5009_1_hw.zip", tmp_path / "litter"], tmp_path / "scratch")
    [entry] = intake.found
    assert entry.path is None and "not a readable zip" in entry.problem and entry.student == "5009"
    assert [reason for _, reason in intake.skipped] == ["operating system metadata"]
    assert collect([tmp_path / "litter"], tmp_path / "scratch").found == []
