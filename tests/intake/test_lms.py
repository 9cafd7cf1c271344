"""Canvas file names, Gradescope's metadata, and what is not a submission."""

from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath

import pytest

from autograder.intake.lms import canvas_name, read_gradescope_metadata, skip_reason

# As Gradescope writes it (Ruby's YAML): symbols as keys, times with nanoseconds, nested results and history.
METADATA = """\
---
submission_1001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '5001'
    :email: ada@example.edu
  :created_at: 2026-12-01 22:10:05.123456789 -08:00
  :score: 40.0
  :results:
    :tests:
    - :name: sigmoid
      :score: 2.0
  :history:
  - :id: 991
    :created_at: 2026-11-30 10:00:00.000000000 -08:00
    :submitters:
    - :name: Somebody Else
submission_1002:
  :submitters:
  - :name: "Bo \\"B\\" Chen"
    :sid: '5002'
    :email: bo@example.edu
  - :name: O'Neil, Pat
    :sid: 5003
    :email: pat@example.edu
  :created_at: 2026-12-02 09:00:00 +0100
"""


def test_canvas_names_give_user_late_flag_and_resubmission():
    plain = canvas_name("lovelaceada_5001_77001_logistic_regression.ipynb")
    assert (plain.name, plain.user, plain.submission, plain.late, plain.original, plain.resubmission) == (
        "lovelaceada", "5001", 77001, False, "logistic_regression.ipynb", 0)
    late = canvas_name("chenbo_LATE_5002_77002_my_lr_work-3.ipynb")
    assert (late.user, late.late, late.original, late.resubmission) == ("5002", True, "my_lr_work.ipynb", 3)
    assert canvas_name("alice.ipynb") is None and canvas_name("alice_bob.ipynb") is None
    assert canvas_name("x_12_ab_y.ipynb") is None


def test_what_is_not_a_submission_is_skipped_with_a_reason():
    assert skip_reason(PurePosixPath("alice/lr.ipynb")) == ""
    assert skip_reason(PurePosixPath("lr.py")).startswith("a Python file")
    assert skip_reason(PurePosixPath("lr.py"), accept_py=True) == ""
    for path, word in [(".DS_Store", "metadata"), ("__MACOSX/._lr.ipynb", "hidden folder"),
                       ("alice/.ipynb_checkpoints/lr-checkpoint.ipynb", "hidden folder"),
                       ("._lr.ipynb", "metadata"), ("submission_metadata.yml", "Gradescope"),
                       ("notes.pdf", ".pdf"), ("README", "no suffix"), ("Thumbs.db", "metadata")]:
        assert word in skip_reason(PurePosixPath(path)), path


@pytest.mark.parametrize("use_yaml", [True, False], ids=["pyyaml", "minimal-reader"])
def test_gradescope_metadata_gives_submitters_and_times(use_yaml):
    found = read_gradescope_metadata(METADATA, use_yaml=use_yaml)
    assert set(found) == {"submission_1001", "submission_1002"}
    ada = found["submission_1001"]
    assert ada.submitters == (("Ada Lovelace", "5001", "ada@example.edu"),)
    assert ada.created_at == datetime(2026, 12, 2, 6, 10, 5, 123456, tzinfo=timezone.utc)
    pair = found["submission_1002"]
    assert pair.submitters == (('Bo "B" Chen', "5002", "bo@example.edu"), ("O'Neil, Pat", "5003", "pat@example.edu"))
    assert pair.created_at.utcoffset() == timedelta(hours=1) and pair.created_at.hour == 9


def test_gradescope_metadata_that_is_not_yaml_gives_what_it_can():
    assert read_gradescope_metadata("\x00\x01 not: [yaml") == {}
    assert read_gradescope_metadata("submission_1:\n  :created_at: yesterday\n")["submission_1"].created_at is None
