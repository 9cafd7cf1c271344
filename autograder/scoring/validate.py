"""Prove an assignment is gradable: the reference-filled notebook earns full
marks, the untouched notebook earns zero without breaking the grader, every
known mistake loses points on the question it targets and on no question
the rule "each question is scored on its own function" protects from it, and
every test case is shown to fail on at least one known mistake (a check
nothing fails proves nothing). A mistake written as an edit must find the text
it replaces in the reference function exactly once, so it cannot drift from it."""

from __future__ import annotations

import dataclasses
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from autograder.course import notebook_path
from autograder.engine.calls import CallResult, ReferenceCaller
from autograder.engine.inprocess import InProcessCaller
from autograder.engine.interface import EngineError
from autograder.engine.sandbox import choose_isolation
from autograder.engine.session import Engine, Limits
from autograder.notebook.build import filled_notebook, mistaken_notebook, reference_sources
from autograder.scoring.batch import in_engines
from autograder.scoring.grade import grade_cases
from autograder.scoring.isolation import questions_that_may_lose
from autograder.scoring.results import SubmissionResult
from autograder.scoring.submission import grade_notebook
from autograder.spec import Assignment
from autograder.tree import tree_map

MIN_MISTAKES = 8


@dataclass
class Verdict:
    what: str
    ok: bool
    detail: str


# Validation holds each call to this many seconds (or to the assignment's limit, if shorter), and each cell
# to VALIDATE_CELL_LIMIT: a mistake that hangs is found out the same way as under the assignment's 10 or 20 s,
# in a fifth of the time. The slowest honest call of the five assignments takes about 20 ms in the sandbox
# (jacobians' 100-epoch lecture script), a hundredth of it.
VALIDATE_CALL_LIMIT = 2.0
VALIDATE_CELL_LIMIT = 5.0


def validate_assignment(assignment: Assignment, root: Path, *, jobs: int = 2) -> list[Verdict]:
    """``validate_assignments`` of one assignment."""
    return validate_assignments([assignment], root, jobs=jobs)[0]


def validate_assignments(assignments: list[Assignment], root: Path, *, jobs: int = 2) -> list[list[Verdict]]:
    """The verdicts of the module's docstring for each assignment, in order.
    Every notebook of every assignment (its reference-filled, untouched and
    mistaken notebooks) is graded in the sandbox, ``jobs`` at a time, each
    worker in its own engine, under ``validation_limits``."""
    with tempfile.TemporaryDirectory(prefix="validate-") as folder:
        plans = []
        for number, assignment in enumerate(assignments):
            student = notebook_path(assignment.name, root)
            drifts = [mistake.drift() for mistake in assignment.mistakes]
            notebooks = {"reference": filled_notebook(assignment, student),
                         "untouched": nbformat.read(student, as_version=4)}
            notebooks |= {f"mistake-{k}": mistaken_notebook(assignment, student, mistake)
                          for k, (mistake, drift) in enumerate(zip(assignment.mistakes, drifts), start=1) if not drift}
            place = Path(folder) / f"{number}-{assignment.name}"
            place.mkdir()
            paths = {stem: place / f"{stem}.ipynb" for stem in notebooks}
            for stem, notebook in notebooks.items():
                nbformat.write(notebook, paths[stem])
            plans.append((assignment, drifts, paths))
        everything = [(assignment, path) for assignment, _, paths in plans for path in paths.values()]
        graded = iter(grade_in_engines(everything, jobs=jobs))
        return [_verdicts(assignment, drifts, {stem: next(graded) for stem in paths})
                for assignment, drifts, paths in plans]


def validation_limits(assignment: Assignment) -> Limits:
    """The assignment's limits, with calls and cells held to VALIDATE_CALL_LIMIT and VALIDATE_CELL_LIMIT."""
    limits = Limits.from_dict(assignment.limits)
    return dataclasses.replace(limits, call_timeout=min(limits.call_timeout, VALIDATE_CALL_LIMIT),
                               cell_timeout=min(limits.cell_timeout, VALIDATE_CELL_LIMIT))


def grade_in_engines(notebooks: list[tuple[Assignment, Path]], *, jobs: int = 2) -> list[SubmissionResult]:
    """Each (assignment, notebook) graded in the sandbox under
    ``validation_limits``, ``jobs`` at a time, each worker in its own engine;
    results in the order given. EngineError if a sandbox cannot start."""
    isolation = choose_isolation("auto")
    results: dict[int, SubmissionResult] = {}

    def grade(engine: Engine, item: tuple[int, tuple[Assignment, Path]]) -> None:
        position, (assignment, path) = item
        results[position] = grade_notebook(assignment, path, engine, limits=validation_limits(assignment))

    lost = in_engines(list(enumerate(notebooks)), jobs, lambda slot: Engine(slot, isolation), grade)
    if len(results) < len(notebooks):
        raise EngineError("; ".join(f"validation worker {why}" for why in lost) or "some notebooks were not graded")
    return [results[position] for position in range(len(notebooks))]


def _verdicts(assignment: Assignment, drifts: list[str | None], results: dict[str, SubmissionResult]) -> list[Verdict]:
    filled = results["reference"]
    failing = [f"{c.question}: {c.name}: {c.message.splitlines()[0] if c.message else ''}"
               for c in filled.cases if not c.passed]
    verdicts = [Verdict("reference-filled notebook scores 100%", filled.total == filled.possible > 0,
                        f"{filled.total:g}/{filled.possible:g}" + ("; " + "; ".join(failing[:3]) if failing else ""))]
    untouched = results["untouched"]
    verdicts.append(Verdict("untouched student notebook scores 0", untouched.total == 0 and untouched.error is None,
                            f"{untouched.total:g}/{untouched.possible:g}" + (f"; {untouched.error}" if untouched.error else "")))
    verdicts.append(Verdict(f"mistake library has at least {MIN_MISTAKES} mistakes",
                            len(assignment.mistakes) >= MIN_MISTAKES, f"{len(assignment.mistakes)} mistakes"))
    caught: set[tuple[str, str]] = set()
    for number, (mistake, drift) in enumerate(zip(assignment.mistakes, drifts), start=1):
        if drift:
            verdicts.append(Verdict(f"mistake '{mistake.name}' is an edit of the reference", False, drift))
            continue
        result = results[f"mistake-{number}"]
        caught |= {(c.question, c.name) for c in result.cases if not c.passed}
        verdicts.append(mistake_verdict(assignment, mistake, result))
    free = points_for_nothing(assignment)
    verdicts.append(Verdict("a zero or constant answer of the right shape earns nothing", not free,
                            f"{len(free)} cases pay for it: " + "; ".join(free[:6]) if free else "none does"))
    never = [f"{q.name}: {case.name}" for q in assignment.questions for case in q.cases
             if (q.name, case.name) not in caught]
    verdicts.append(Verdict("every test case fails on at least one known mistake", not never,
                            f"{len(never)} never fail: " + "; ".join(never[:6]) if never else "all do"))
    return verdicts


# A call limit for validating in process: 20 times the slowest honest case (jacobians' lecture script,
# 0.24 s), so that a busy machine does not make an honest call look like a hang.
IN_PROCESS_CALL_LIMIT = 5.0


def validate_in_process(assignment: Assignment, call_timeout: float = IN_PROCESS_CALL_LIMIT) -> list[Verdict]:
    """What ``validate_assignment`` proves of the reference and the mistakes,
    with the functions called in this process instead of a sandboxed notebook
    (for tests where the sandbox is not what is tested): the reference earns
    full marks, its stubs nothing, every mistake costs only where allowed, a
    constant answer earns nothing and every case fails on some mistake. A
    function that hangs is stopped after ``call_timeout`` seconds."""
    sources = reference_sources(assignment)
    reference = grade_sources(assignment, sources, call_timeout)
    failing = [f"{c.question}: {c.name}" for c in reference.cases if not c.passed]
    verdicts = [Verdict("the reference earns full marks", not failing and reference.total > 0,
                        f"{len(failing)} cases fail: " + "; ".join(failing[:3]) if failing else "all pass")]
    stubs = {name: f"def {name}({', '.join(args)}):\n    raise NotImplementedError\n"
             for name, args in assignment.contract.items()}
    nothing = grade_sources(assignment, stubs, call_timeout)
    verdicts.append(Verdict("stubs earn nothing", nothing.total == 0, f"{nothing.total:g}/{nothing.possible:g}"))
    caught: set[tuple[str, str]] = set()
    for mistake in assignment.mistakes:
        if drift := mistake.drift():
            verdicts.append(Verdict(f"mistake '{mistake.name}' is an edit of the reference", False, drift))
            continue
        result = grade_sources(assignment, {**sources, mistake.function: mistake.source}, call_timeout)
        caught |= {(c.question, c.name) for c in result.cases if not c.passed}
        verdicts.append(mistake_verdict(assignment, mistake, result))
    free = points_for_nothing(assignment)
    verdicts.append(Verdict("a zero or constant answer of the right shape earns nothing", not free,
                            "; ".join(free[:6]) or "none does"))
    never = [f"{q.name}: {case.name}" for q in assignment.questions for case in q.cases
             if (q.name, case.name) not in caught]
    verdicts.append(Verdict("every test case fails on at least one known mistake", not never,
                            "; ".join(never[:6]) or "all do"))
    return verdicts


def grade_sources(assignment: Assignment, sources: dict[str, str],
                  call_timeout: float = IN_PROCESS_CALL_LIMIT) -> SubmissionResult:
    """Grade the functions defined by ``sources`` (name -> source, run in one
    namespace after ``import numpy as np``, as cells of a notebook) in this
    process. A source that does not compile defines nothing, as its cell would."""
    namespace: dict = {}
    exec("import numpy as np", namespace)
    for source in sources.values():
        try:
            code = compile(source, "<cell>", "exec")
        except SyntaxError:
            continue
        exec(code, namespace)
    caller = InProcessCaller(namespace, call_timeout=call_timeout, stop_stuck=True)
    cases = grade_cases(assignment, caller, source_of=sources.get)
    return SubmissionResult(submission="in-process", assignment=assignment.name, cases=cases)


def mistake_verdict(assignment: Assignment, mistake, result) -> Verdict:
    """The mistake costs points on its own question and on no question that
    neither calls the mistaken function nor grades it together with its own."""
    scores = result.question_scores([q.name for q in assignment.questions])
    earned, possible = scores.get(mistake.targets, (0.0, 0.0))
    allowed = questions_that_may_lose(assignment, mistake)
    lost_on = [name for name, (got, out_of) in scores.items() if got < out_of]
    unfair = [name for name in lost_on if name not in allowed]
    first = next((c for c in result.cases if c.question == mistake.targets and not c.passed), None)
    detail = ", ".join(f"{name} {scores[name][0]:g}/{scores[name][1]:g}" for name in lost_on) or "nothing lost"
    if unfair:
        case = next(c for c in result.cases if c.question == unfair[0] and not c.passed)
        detail = f"also costs {', '.join(unfair)} ({case.name}: {case.message.splitlines()[0][:100]}); " + detail
    elif first and first.message:
        detail += f"; {first.message.splitlines()[0][:120]}"
    return Verdict(f"mistake '{mistake.name}' loses points on {mistake.targets} and only where allowed",
                   earned < possible and not unfair, detail)


class ConstantAnswers:
    """Answers every call with the reference's result made constant (every
    number ``fill``, every flag ``bool(fill)``), keeping its structure, shapes
    and dtypes: what a stub that only knows the shapes returns."""

    def __init__(self, reference: ReferenceCaller, fill: float):
        self.reference, self.fill = reference, fill

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        result = self.reference.call(name, args, keep_args=keep_args)
        return CallResult(value=_constant_like(result.value, self.fill), args_after=result.args_after)


def _constant_like(value, fill: float):
    """``value`` (a tree, ``autograder.tree``) with every number, array entry and bool set to ``fill``."""
    return tree_map(lambda leaf: _constant_leaf(leaf, fill), value)


def _constant_leaf(value, fill: float):
    if isinstance(value, (bool, np.bool_)):
        return bool(fill)
    if isinstance(value, np.ndarray):
        return np.full(value.shape, fill, dtype=value.dtype if value.dtype.kind == "f" else float)
    if isinstance(value, (int, float, np.number)):
        return float(fill)
    return value


def points_for_nothing(assignment: Assignment) -> list[str]:
    """The cases that give points to a constant answer of the right shape
    (zeros, or ones), except for functions whose values the contract leaves
    free (``FREE_VALUES``). Graded in process: the sandbox is not under test."""
    reference = ReferenceCaller(assignment.reference)
    paying = []
    for fill in (0.0, 1.0):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = grade_cases(assignment, ConstantAnswers(reference, fill))
        paying += [f"{r.question}: {r.name} (all {fill:g})" for r in results
                   if r.points > 0 and r.question not in assignment.free_values]
    return paying
