"""Export an assignment as a Gradescope autograder zip that grades with our own engine.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh``
once when it builds the image, then ``run_autograder`` for every submission,
and shows ``/autograder/results/results.json``. The zip holds:

- ``setup.sh``: installs bubblewrap and Python with apt, makes a virtual
  environment in ``/autograder/venv`` and installs this package into it from
  ``package/`` (a copy of its source);
- ``run_autograder``: grades the submission with ``autograder.export.gradescope_run``;
- ``course/``: the assignment's public tests, hidden tests and reference.
  The reference stays out of the students' sandbox: only the interpreter's
  folders and this package are visible there.

Both scripts take their root from ``AUTOGRADER_ROOT`` (default
``/autograder``) and ``run_autograder`` its interpreter from
``AUTOGRADER_PYTHON``, so the same zip runs against a fake tree in a test.
"""

from __future__ import annotations

import os
import shlex
import tempfile
import zipfile
from pathlib import Path

from autograder.export.course_copy import copy_assignment, copy_package
from autograder.spec import Assignment

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap: the sandbox for student code (without it the grader falls back to process isolation)
apt-get install -y -qq bubblewrap python3 python3-venv python3-pip >/dev/null
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "autograder needs Python 3.11 or newer: choose Gradescope's Ubuntu 24.04 base image" >&2
    exit 1
fi
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install -q "$ROOT/source/package"
"$ROOT/venv/bin/python" -c 'import autograder.export.gradescope_run'
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes $ROOT/results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
# -I: the folder the grader runs in (/ on Gradescope, whose /autograder would shadow the package) is not on sys.path
exec "$PYTHON" -I -m autograder.export.gradescope_run {assignment} "$ROOT"
"""


def export_gradescope(assignment: Assignment, root: Path, out_file: Path) -> Path:
    """Write the autograder zip of ``assignment`` (from the course at
    ``root``) to ``out_file`` and return its path. ValueError if the
    reference solution is not available (the zip could not grade)."""
    if assignment.reference is None:
        raise ValueError(f"{assignment.name}: a Gradescope autograder needs the reference solution "
                         f"(solutions/{assignment.name})")
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        copy_assignment(root, assignment.name, work / "course", reference=True)
        copy_package(work / "package")
        handle, temporary = tempfile.mkstemp(dir=out_file.parent, prefix=f".{out_file.name}.", suffix=".tmp")
        os.close(handle)
        try:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
                _add_script(archive, "setup.sh", SETUP)
                _add_script(archive, "run_autograder", RUN.format(assignment=shlex.quote(assignment.name)))
                for path in sorted(work.rglob("*")):
                    if path.is_file():
                        archive.write(path, path.relative_to(work).as_posix())
            os.replace(temporary, out_file)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return out_file


def _add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16  # executable once unpacked
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)
