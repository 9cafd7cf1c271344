"""The result model: one per submission, from which every output is made."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CaseResult:
    question: str
    name: str
    points: float
    max_points: float
    message: str
    hidden: bool
    derivative: dict | None = None  # a public derivative check's entries (checks.kinds.Outcome), for pictures

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points


@dataclass
class SubmissionResult:
    """One graded file. Every output (scores.csv, results.json, the gradebook,
    feedback pages, exports) is made from these fields:

    - ``submission``: the label, unique in a run, safe as a folder name (``out/<label>/``);
    - ``student``: who submitted it: the LMS user id (Canvas), the SID (Gradescope),
      else the student's folder or the file's name; ``student_name``: the name the LMS gives, or "";
    - ``source``: the submitted file: its absolute path, or ``<archive path>!<member>`` for a
      file inside a zip archive;
    - ``submitted_at``: when the LMS says it was submitted (ISO 8601 with offset), or "";
    - ``attempt``: this file's place among the student's submissions in the run, 1 = oldest;
      ``counted``: whether it is the one that counts (the student's latest); the others are
      kept in the gradebook and in ``out/<label>/``, but have no row in scores.csv;
    - ``late_penalty``: the fraction (0 to 1) of the points earned that is taken off for
      lateness, and ``late_reason`` why (on time, within grace, n days late, after the cutoff);
    - ``public_only``: graded with the public tests alone (``grade --public-only``);
    - ``total`` (points the tests earned), ``penalty_points``, ``score`` (what counts:
      ``total - penalty_points``) and ``possible``.
    """

    submission: str
    assignment: str
    cases: list[CaseResult] = field(default_factory=list)
    error: str | None = None  # why the submission could not be graded at all
    notes: list[str] = field(default_factory=list)  # cell errors, limits hit, sandbox warnings
    seconds: float = 0.0
    student: str = ""
    student_name: str = ""
    source: str = ""
    submitted_at: str = ""
    attempt: int = 1
    counted: bool = True
    late_penalty: float = 0.0
    late_reason: str = ""
    public_only: bool = False

    def question_scores(self, questions: list[str]) -> dict[str, tuple[float, float]]:
        scores = {name: (0.0, 0.0) for name in questions}
        for case in self.cases:
            earned, possible = scores.get(case.question, (0.0, 0.0))
            scores[case.question] = (earned + case.points, possible + case.max_points)
        return scores

    @property
    def total(self) -> float:
        return round(sum(case.points for case in self.cases), 6)

    @property
    def possible(self) -> float:
        return round(sum(case.max_points for case in self.cases), 6)

    @property
    def penalty_points(self) -> float:
        return round(self.total * self.late_penalty, 6)

    @property
    def score(self) -> float:
        return round(self.total - self.penalty_points, 6)
