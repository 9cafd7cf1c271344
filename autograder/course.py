"""Where a course lives and how an assignment is loaded from it.

A course is a folder with ``assignments/<name>/`` (student notebook and
``public_tests.py``) and, for instructors, ``solutions/<name>/`` (``reference.py``,
``hidden_tests.py``, ``mistakes.py``). The solutions are loaded here, in the
grader's own process, and never reach student code. A student's released
bundle is a folder with the notebook and ``public_tests.py`` alone
(``load_public``).

An optional ``grading.toml`` at the course's root sets, per assignment, the
late policy and the points of each question::

    [assignments.logistic_regression]
    due = "2026-12-01T23:59:00+01:00"
    late_policy = "10%/day, max 50%"    # or "none", "zero", "5%/hour"
    grace = "15m"
    cutoff = "2026-12-05T23:59:00+01:00"

    [assignments.logistic_regression.points]   # a question's total; its cases keep their proportions
    compute_gradient = 10
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import os
import sys
import tomllib
from pathlib import Path
from types import ModuleType

from autograder.notebook.assign import read_contract
from autograder.intake.late import LatePolicy
from autograder.spec import Assignment, merge_questions

CONFIG_FILE = "grading.toml"
LATE_SETTINGS = ("due", "late_policy", "grace", "cutoff")


class CourseError(Exception):
    pass


def course_root(start: Path | None = None) -> Path:
    """$AUTOGRADER_COURSE, else the nearest folder upwards whose ``assignments/``
    holds an assignment, else the folder this package was installed from."""
    if os.environ.get("AUTOGRADER_COURSE"):
        return Path(os.environ["AUTOGRADER_COURSE"]).resolve()
    here = (start or Path.cwd()).resolve()
    installed = Path(__file__).resolve().parent.parent
    for folder in [here, *here.parents, installed]:
        if any((folder / "assignments").glob("*/public_tests.py")):
            return folder
    raise CourseError("no course found: run inside a folder with assignments/ or set AUTOGRADER_COURSE")


def assignment_names(root: Path | None = None) -> list[str]:
    root = root or course_root()
    return sorted(p.name for p in (root / "assignments").iterdir() if (p / "public_tests.py").exists())


def notebook_path(name: str, root: Path | None = None) -> Path:
    return (root or course_root()) / "assignments" / name / f"{name}.ipynb"


def load_module(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise CourseError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load_assignment(name: str, root: Path | None = None, *, with_solutions: bool = True) -> Assignment:
    """The assignment ``name`` of the course at ``root``, with its reference
    and hidden tests when ``with_solutions`` (CourseError if ``solutions/<name>/``
    is missing or incomplete: grading without them would be silently wrong),
    and the question points of ``grading.toml``."""
    root = root or course_root()
    folder = root / "assignments" / name
    if not (folder / "public_tests.py").exists():
        known = ", ".join(assignment_names(root)) or "none"
        raise CourseError(f"unknown assignment {name!r} (known: {known})")
    public = load_module(folder / "public_tests.py", f"_course_public_{name}")
    hidden, reference, mistakes = [], None, []
    if with_solutions:
        reference, hidden, mistakes = _solutions(root / "solutions" / name, name, contract_of(public, name))
    assignment = _assignment(name, public, hidden, reference, mistakes)
    return with_points(assignment, assignment_settings(name, root).get("points", {}))


def load_public(folder: Path, name: str) -> Assignment:
    """An assignment from a folder that holds its ``public_tests.py`` (a
    student's bundle, or ``assignments/<name>/``): public tests only."""
    path = Path(folder) / "public_tests.py"
    if not path.is_file():
        raise CourseError(f"no public_tests.py in {folder}")
    return _assignment(name, load_module(path, f"_course_public_{name}"), [], None, [])


def _solutions(solution: Path, name: str, contract: dict) -> tuple[dict, list, list]:
    needed = [solution / "reference.py", solution / "hidden_tests.py"]
    missing = [path.name for path in needed if not path.is_file()]
    advice = ("Grading without them would score every submission on the public tests alone: "
              "add them, or grade with --public-only to do exactly that, said in every output.")
    if missing:
        what = f"{solution} is missing" if not solution.is_dir() else f"{', '.join(missing)} missing in {solution}"
        raise CourseError(f"the solutions of {name} are not here ({what}). {advice}")
    reference_module = load_module(solution / "reference.py", f"_course_reference_{name}")
    absent = [fn for fn in contract if not callable(getattr(reference_module, fn, None))]
    if absent:
        raise CourseError(f"the solutions of {name} are incomplete: reference.py does not define "
                          f"{', '.join(absent)}. {advice}")
    hidden_module = load_module(solution / "hidden_tests.py", f"_course_hidden_{name}")
    if not hasattr(hidden_module, "HIDDEN"):
        raise CourseError(f"the solutions of {name} are incomplete: hidden_tests.py defines no HIDDEN. {advice}")
    reference = {fn: getattr(reference_module, fn) for fn in contract}
    changed = [fn for fn, args in contract.items() if tuple(inspect.signature(reference[fn]).parameters) != args]
    if changed:
        raise CourseError(f"the contract of {name} and its reference disagree on {', '.join(changed)}: "
                          f"run `autograder assign {name}` after editing the master notebook")
    mistakes = []
    if (solution / "mistakes.py").exists():
        mistakes = load_module(solution / "mistakes.py", f"_course_mistakes_{name}").MISTAKES.bound(reference)
    return reference, hidden_module.HIDDEN, mistakes


def _assignment(name: str, public: ModuleType, hidden: list, reference: dict | None, mistakes: list) -> Assignment:
    try:
        questions = merge_questions(public.PUBLIC, hidden, order=list(contract_of(public, name)))
    except ValueError as error:
        raise CourseError(f"the tests of {name} cannot be loaded: {error}") from None
    return Assignment(
        name=name,
        contract=contract_of(public, name),
        layout=public.LAYOUT,
        questions=questions,
        reference=reference,
        mistakes=mistakes,
        limits=dict(getattr(public, "LIMITS", {})),
        returns=dict(getattr(public, "RETURNS", {})),
        free_values=tuple(getattr(public, "FREE_VALUES", ())),
    )


def contract_of(public: ModuleType, name: str) -> dict[str, tuple[str, ...]]:
    """The contract (function -> argument names, in call order): ``CONTRACT``
    of ``public_tests.py`` if it has one, else the ``contract.json`` beside it
    that ``autograder assign`` reads from the master notebook. CourseError if neither."""
    if hasattr(public, "CONTRACT"):
        return dict(public.CONTRACT)
    folder = Path(public.__file__).parent
    try:
        return read_contract(folder)
    except (OSError, ValueError) as error:
        raise CourseError(f"no contract for {name} in {folder} ({error}): "
                          f"`autograder assign {name}` writes it from the master notebook") from None


def assignment_settings(name: str, root: Path | None = None) -> dict:
    """``[assignments.<name>]`` of the course's ``grading.toml`` ({} without
    one): ``due``, ``late_policy``, ``grace``, ``cutoff`` (strings) and
    ``points`` (question -> points). Raises CourseError for a file that is not
    TOML or a setting that does not exist."""
    path = (root or course_root()) / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CourseError(f"{path} is not valid TOML: {error}") from None
    settings = (config.get("assignments") or {}).get(name) or {}
    unknown = sorted(set(settings) - {*LATE_SETTINGS, "points"})
    if unknown:
        raise CourseError(f"{path}: unknown setting(s) for {name}: {', '.join(unknown)} "
                          f"(known: {', '.join((*LATE_SETTINGS, 'points'))})")
    return dict(settings)


def with_points(assignment: Assignment, points: dict) -> Assignment:
    """``assignment`` with each question in ``points`` worth that many points
    in all, its cases scaled in proportion. Raises CourseError for an unknown
    question or a weight that is not a positive number."""
    if not points:
        return assignment
    questions = {q.name: q for q in assignment.questions}
    for question, weight in points.items():
        if question not in questions:
            raise CourseError(f"points for {question!r}, which is not a question of {assignment.name} "
                              f"(questions: {', '.join(questions)})")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise CourseError(f"points for {question!r} must be a positive number, not {weight!r}")
    scaled = []
    for question in assignment.questions:
        if question.name in points and question.points > 0:
            factor = points[question.name] / question.points
            shares = [round(case.points * factor, 6) for case in question.cases]
            shares[-1] = round(points[question.name] - sum(shares[:-1]), 6)  # the parts add up to the whole
            question = dataclasses.replace(question, cases=tuple(
                dataclasses.replace(case, points=share) for case, share in zip(question.cases, shares)))
        scaled.append(question)
    return dataclasses.replace(assignment, questions=scaled)


def late_policy(name: str, root: Path | None = None, **given: str | None) -> LatePolicy:
    """The late policy of an assignment: ``due``, ``late_policy``, ``grace``
    and ``cutoff`` as ``given`` (the command line), else as ``grading.toml``
    says. Raises CourseError or ``late.LatePolicyError``."""
    settings = assignment_settings(name, root)
    chosen = {key: given.get(key) or settings.get(key) for key in LATE_SETTINGS}
    return LatePolicy.parse(chosen["due"], chosen["late_policy"], chosen["grace"], chosen["cutoff"])
