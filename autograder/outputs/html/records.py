"""What the pages show about a submission, read from wherever it was kept.

A feedback page or the class report may be made right after grading (from a
``SubmissionResult``), later from the ``results.json`` files of an output
folder, or from a gradebook. Each source keeps a little less than the one
before (results.json keeps no per-case points, a gradebook no notes), so all
of them are read into one ``SubmissionRecord`` that says what is known and
leaves the rest empty. Fields that newer graders add (student, source, late
penalty, ...) are read where present and shown as they are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.outputs.safe import is_safe_label
from autograder.scoring.results import SubmissionResult
from autograder.spec import Assignment

_CASE_LINE = re.compile(r"\[(passed|FAILED)\] (.*?)( \(hidden test\))?$")
_LIMIT = re.compile(r"\blimit\b", re.IGNORECASE)


@dataclass
class CaseRecord:
    question: str
    name: str
    passed: bool
    message: str
    hidden: bool
    points: float | None = None  # None: the source did not keep it
    max_points: float | None = None
    derivative: dict | None = None  # public derivative checks only (CaseResult.derivative)


@dataclass
class SubmissionRecord:
    submission: str  # the safe label: the output folder's name
    assignment: str
    total: float  # points the tests earned
    possible: float
    questions: dict[str, tuple[float, float]]  # question -> (earned, possible)
    cases: list[CaseRecord] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float | None = None  # None: not recorded
    about: dict = field(default_factory=dict)  # the ABOUT fields the source kept

    @property
    def limits_hit(self) -> list[str]:
        """The notes that name a limit the submission ran into (time, memory, output, ...)."""
        return [note for note in self.notes if _LIMIT.search(note)]

    @property
    def student(self) -> str:
        """Who the submission is from: the LMS's name and id where known, else the label."""
        name, identity = str(self.about.get("student_name") or ""), str(self.about.get("student") or "")
        if name and identity and name != identity:
            return f"{name} ({identity})"
        return name or identity or self.submission

    @property
    def late_penalty(self) -> float:
        """The fraction (0 to 1) of the earned points taken off for lateness."""
        try:
            return min(max(float(self.about.get("late_penalty") or 0.0), 0.0), 1.0)
        except (TypeError, ValueError):
            return 0.0

    @property
    def score(self) -> float:
        """What counts: the points earned less the late penalty."""
        return round(self.total - round(self.total * self.late_penalty, 6), 6)


# Fields about a submission that graders since the LMS intake keep (SubmissionResult and
# results.json's extra_data); each is read only where present.
ABOUT = ("student", "student_name", "source", "submitted_at", "attempt", "counted", "late_penalty",
         "late_reason", "public_only")


def from_result(result: SubmissionResult, questions: list[str]) -> SubmissionRecord:
    """Everything a fresh result knows, including derivative entries of public cases."""
    cases = [CaseRecord(c.question, c.name, c.passed, c.message, c.hidden, c.points, c.max_points,
                        None if c.hidden else getattr(c, "derivative", None)) for c in result.cases]
    about = {key: getattr(result, key) for key in ABOUT if hasattr(result, key)}
    return SubmissionRecord(result.submission, result.assignment, result.total, result.possible,
                            result.question_scores(questions), cases, result.error, list(result.notes),
                            result.seconds or None, about)


def from_results_json(data: dict, assignment: Assignment | None = None) -> SubmissionRecord:
    """A record from Gradescope's results.json as ``outputs.files`` writes it.
    Per-case points come from ``assignment`` (cases score all or nothing);
    without it, or for a case it does not know, they stay unknown.
    Raises KeyError, TypeError or ValueError if ``data`` is not such a file."""
    extra = data.get("extra_data") or {}
    points = {(q.name, c.name): c.points for q in assignment.questions for c in q.cases} if assignment else {}
    questions, cases = {}, []
    for test in data["tests"]:
        question = str(test["name"])
        questions[question] = (float(test["score"]), float(test["max_score"]))
        cases += _cases_of(question, str(test.get("output", "")), points)
    # The top-level output is: a line for public-only grading, a line for a late penalty, the error, the notes.
    notes = str(data.get("output", "")).splitlines()[bool(extra.get("public_only")) + bool(extra.get("late_reason")):]
    error = extra.get("error")
    if error and notes[:1] == [str(error).splitlines()[0]]:
        notes = notes[len(str(error).splitlines()):]
    seconds = data.get("execution_time")
    total = sum(earned for earned, _ in questions.values())
    return SubmissionRecord(str(extra.get("submission", "")), str(extra.get("assignment", "")),
                            round(total, 6), float(data["max_score"]), questions, cases,
                            None if error is None else str(error), notes,
                            float(seconds) if isinstance(seconds, (int, float)) and seconds > 0 else None,
                            {key: extra[key] for key in ABOUT if key in extra})


def _cases_of(question: str, output: str, points: dict) -> list[CaseRecord]:
    """The cases of one test's ``output``: a ``[passed]``/``[FAILED]`` line per
    case, then its message indented by four spaces."""
    cases: list[CaseRecord] = []
    for line in output.splitlines():
        if line.startswith("    ") and cases:
            cases[-1].message += ("\n" if cases[-1].message else "") + line[4:]
        elif match := _CASE_LINE.match(line):
            passed, name = match[1] == "passed", match[2]
            most = points.get((question, name))
            cases.append(CaseRecord(question, name, passed, "", bool(match[3]),
                                    None if most is None else (most if passed else 0.0), most))
    return cases


def read_output_folder(out_dir: Path, assignment_for=lambda name: None) -> list[tuple[Path, SubmissionRecord]]:
    """``(folder, record)`` for every ``<label>/results.json`` in ``out_dir``,
    by label. ``assignment_for(name)`` gives the Assignment of a name (or
    None), for per-case points. A results.json that cannot be read raises
    ValueError naming it: a report must not silently leave a submission out."""
    found, assignments = [], {}
    for path in sorted(Path(out_dir).glob("*/results.json")):
        if not is_safe_label(path.parent.name):
            continue  # not a folder the grader made
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            name = str((data.get("extra_data") or {}).get("assignment", ""))
            if name not in assignments:
                assignments[name] = assignment_for(name) if name else None
            record = from_results_json(data, assignments[name])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"{path}: not a results.json the grader wrote ({type(error).__name__}: {error})") \
                from None
        record.submission = record.submission or path.parent.name
        found.append((path.parent, record))
    return found
