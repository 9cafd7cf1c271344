"""The result model: one per submission, from which every output is made."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
    submission: str
    assignment: str
    cases: list[CaseResult] = field(default_factory=list)
    error: str | None = None  # why the submission could not be graded at all
    notes: list[str] = field(default_factory=list)  # cell errors, limits hit, sandbox warnings
    seconds: float = 0.0

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

    def to_dict(self) -> dict:
        return asdict(self) | {"total": self.total, "possible": self.possible}
