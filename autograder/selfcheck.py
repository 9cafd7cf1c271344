"""Public self-checks, run by students inside their notebook:

    from autograder.selfcheck import Checker
    check = Checker("logistic_regression")
    check("sigmoid")      # one question
    check()               # every public test

Runs the assignment's public tests against the functions the notebook has
defined so far and prints what to fix. Under the grader it does nothing.

The public tests are the ``public_tests.py`` next to the notebook (the
kernel's working directory), as in a released bundle, where the package is
installed and there is no course folder; else those of the course found by
``course.course_root``.
"""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

from autograder.course import CourseError, course_root, load_assignment, load_public
from autograder.engine.inprocess import InProcessCaller
from autograder.outputs.feedback import print_case_results
from autograder.scoring.grade import grade_cases

GRADER_ENV = "AUTOGRADER_CHILD"


def _source(function) -> str | None:
    """IPython keeps every cell's source, so a notebook function's source is known."""
    try:
        return inspect.getsource(function)
    except (TypeError, OSError):
        return None


class Checker:
    def __init__(self, assignment: str):
        self.assignment_name = assignment

    def __call__(self, question: str | None = None):
        if os.environ.get(GRADER_ENV):
            return None
        try:
            assignment = self._public_tests()
        except CourseError as error:
            print(f"Self-check unavailable: {error}")
            return None
        namespace = sys._getframe(1).f_globals
        results = grade_cases(assignment, InProcessCaller(namespace, call_timeout=30), include_hidden=False,
                              only=question, source_of=lambda name: _source(namespace.get(name)))
        print_case_results(results)
        return None

    def _public_tests(self):
        here = Path.cwd()
        if (here / "public_tests.py").is_file():
            return load_public(here, self.assignment_name)
        try:
            return load_assignment(self.assignment_name, course_root(here), with_solutions=False)
        except CourseError as error:
            raise CourseError(f"no public_tests.py next to this notebook (in {here}), and {error}") from None
