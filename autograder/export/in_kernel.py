"""Our test cases, run inside a notebook's own kernel: otter-grader's model.

``export-otter`` writes one otter test case per case of an assignment; each
calls ``check_case`` with the notebook's global namespace. The case runs the
same check (``autograder.checks``) through the same ``run_case`` as
``autograder grade``, so messages, tolerances and gradient checks are ours;
only the student's side differs: the functions are called in this process
(``InProcessCaller``), not in a sandbox.

The course travels next to the notebook, in ``course/`` (``COURSE_FOLDER``):
``assignments/<name>/public_tests.py`` for everyone, and for the grader only
``solutions/<name>/hidden_tests.py`` and the frozen reference's answers
(``autograder.export.frozen``). Without the frozen answers (a student running
``grader.check``) only public cases exist, and they check the student's
functions against each other, as ``check()`` does.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

from autograder.checks.kinds import CaseContext
from autograder.course import load_assignment, load_module
from autograder.engine.calls import Caller
from autograder.engine.inprocess import InProcessCaller
from autograder.engine.session import Limits
from autograder.export.frozen import FrozenReference, load
from autograder.outputs.safe import plain_text
from autograder.scoring.grade import run_case
from autograder.spec import Assignment, Case, merge_questions

COURSE_FOLDER = "course"
FROZEN_NAME = "reference_calls.npz"


def hidden_tests_path(course: Path, name: str) -> Path:
    return Path(course) / "solutions" / name / "hidden_tests.py"


def frozen_path(course: Path, name: str) -> Path:
    return Path(course) / "solutions" / name / FROZEN_NAME


@functools.lru_cache(maxsize=8)
def exported_assignment(course: Path, name: str) -> tuple[Assignment, FrozenReference | None]:
    """The assignment as ``course`` holds it: public cases, plus the hidden
    ones and the frozen reference where the grader's files are present.
    Cases are numbered as in ``load_assignment``: public first, then hidden."""
    spec = load_assignment(name, course, with_solutions=False)
    hidden_file = hidden_tests_path(course, name)
    if not hidden_file.exists():
        return spec, None
    hidden = load_module(hidden_file, f"_exported_hidden_{name}").HIDDEN
    public = [(q.name, case) for q in spec.questions for case in q.cases]
    spec.questions = merge_questions(public, hidden, order=list(spec.contract))
    return spec, load(frozen_path(course, name))


def case_context(assignment: Assignment, question: str, case: Case, student: Caller,
                 reference: Caller | None, source_of=lambda name: None) -> CaseContext:
    """The context ``grade_cases`` builds for one case, with any reference caller."""
    return CaseContext(student=student, reference=reference, inputs=case.inputs.make,
                       contract=assignment.contract, layout=assignment.layout, reveal=not case.hidden,
                       source_of=source_of, question=question, returns=assignment.returns)


def check_case(env: dict, assignment: str, question: str, index: int, name: str) -> None:
    """Run case ``index`` of ``question`` on the functions in ``env`` (a
    notebook's globals). Returns when it passes; raises AssertionError with
    the case's message when it fails. LookupError if the course files next to
    the notebook do not hold this case (an export of another version)."""
    spec, frozen = exported_assignment(Path.cwd() / COURSE_FOLDER, assignment)
    cases = spec.question(question).cases
    if index >= len(cases) or cases[index].name != name:
        raise LookupError(f"the course files in {COURSE_FOLDER}/ do not hold the case {name!r} of {question}: "
                          "export the assignment again")
    case = cases[index]
    limits = Limits.from_dict(spec.limits)
    # Grading (frozen answers present) stops a function that hangs, as the sandbox does; a student's
    # own check leaves their functions alone.
    student = InProcessCaller(env, call_timeout=limits.call_timeout, stop_stuck=frozen is not None)
    context = case_context(spec, question, case, student, frozen, source_of=lambda f: _source(env.get(f)))
    outcome = run_case(case.check, context)
    if not outcome.passed:
        raise AssertionError(plain_text(f"{case.name}\n{outcome.message}"))


def _source(function) -> str | None:
    try:
        return inspect.getsource(function)
    except (TypeError, OSError):
        return None
