"""What a student or instructor reads in the terminal or notebook.

Student-controlled text (case messages, labels) goes through
``autograder.outputs.safe`` and into rich ``Text``, which is never parsed as
markup or emoji codes."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder.outputs.safe import one_line, plain_text, rich_text, terminal_text
from autograder.scoring.results import CaseResult, SubmissionResult


def print_case_results(results: list[CaseResult], console: Console | None = None) -> None:
    """One block of text (one output in a notebook): PASS/FAIL per case, and
    under each failure what to fix."""
    console = console or Console()
    if not results:
        console.print("No tests ran.")
        return
    text = Text()
    for case in results:
        text.append("PASS" if case.passed else "FAIL", "green" if case.passed else "red")
        text.append(f" {one_line(case.question)}: {one_line(case.name)}\n")
        if case.message:  # a passed case may carry feedback that cost nothing
            for line in plain_text(case.message).splitlines():
                text.append(f"     {terminal_text(line)}\n")
    passed = sum(case.passed for case in results)
    text.append(f"{passed} of {len(results)} checks passed.")
    console.print(text, highlight=False)


def question_table(result: SubmissionResult, questions: list[str]) -> Table:
    """Per question: the points earned and the first line of its first failed
    case's message, in full: wrapped at word boundaries to the terminal's
    width (a word wider than the column is folded), never cut."""
    table = Table(title=rich_text(f"{one_line(result.submission)}: {result.total:g} / {result.possible:g}"))
    table.add_column("question")
    table.add_column("points", justify="right")
    table.add_column("first problem", ratio=1, overflow="fold")
    for name, (earned, possible) in result.question_scores(questions).items():
        problem = next((c.message.splitlines()[0] for c in result.cases
                        if c.question == name and not c.passed and c.message), "")
        table.add_row(rich_text(name), f"{earned:g} / {possible:g}", rich_text(problem))
    return table
