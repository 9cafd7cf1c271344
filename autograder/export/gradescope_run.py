"""Grade one Gradescope submission with our own engine: ``run_autograder``'s work.

``python -m autograder.export.gradescope_run ASSIGNMENT ROOT`` grades the one
notebook under ``ROOT/submission`` with the course in ``ROOT/source/course``
and writes ``ROOT/results/results.json`` in Gradescope's format. A submission
that cannot be graded (no notebook, several, not JSON) still gets a
results.json, with zero points and the reason.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from autograder.course import load_assignment
from autograder.engine.session import Engine
from autograder.outputs.files import file_digest, gradescope_results, write_atomic
from autograder.outputs.safe import json_text
from autograder.scoring.results import SubmissionResult
from autograder.scoring.submission import grade_notebook, zero_result


def grade_submission(assignment: str, root: Path) -> tuple[dict, bool]:
    """The results.json of the submission under ``root/submission``, and
    whether there was a notebook to grade at all."""
    root = Path(root)
    spec = load_assignment(assignment, root / "source" / "course")
    questions = [q.name for q in spec.questions]
    notebooks = sorted(p for p in (root / "submission").rglob("*.ipynb")
                       if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    if len(notebooks) != 1:
        found = "no .ipynb file" if not notebooks else f"{len(notebooks)} .ipynb files"
        reason = f"found {found} in the submission: submit exactly one notebook ({assignment}.ipynb)"
        result = zero_result(spec, SubmissionResult(submission="submission", assignment=assignment), reason)
        return gradescope_results(result, questions), bool(notebooks)
    with Engine() as engine:
        result = grade_notebook(spec, notebooks[0], engine)
    source = json_text(notebooks[0].relative_to(root / "submission"))
    return gradescope_results(result, questions, file_digest(notebooks[0]), source), True


def main(argv: list[str]) -> int:
    """Write results.json; exit status 1 when there was nothing to grade (its
    results.json says so), 2 on wrong arguments."""
    if len(argv) != 2:
        print("usage: python -m autograder.export.gradescope_run ASSIGNMENT ROOT", file=sys.stderr)
        return 2
    assignment, root = argv[0], Path(argv[1])
    results, graded = grade_submission(assignment, root)
    results["stdout_visibility"] = "hidden"  # the grader's own log: not for students
    write_atomic(root / "results" / "results.json", json.dumps(results, indent=2) + "\n")
    print(f"{assignment}: {results['score']:g}/{results['max_score']:g}")
    return 0 if graded else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
