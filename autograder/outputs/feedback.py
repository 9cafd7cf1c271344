"""What a student or instructor reads in the terminal or notebook."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder.scoring.results import CaseResult, SubmissionResult


def print_case_results(results: list[CaseResult], console: Console | None = None) -> None:
    """One block of text (one output in a notebook): PASS/FAIL per case, and
    under each failure what to fix."""
    console = console or Console()
    if not results:
        console.print("No tests ran.")
        return
    lines = []
    for case in results:
        mark = "[green]PASS[/green]" if case.passed else "[red]FAIL[/red]"
        lines.append(f"{mark} {escape(case.question)}: {escape(case.name)}")
        if case.message:  # a passed case may carry feedback that cost nothing
            lines += [f"     {escape(line)}" for line in case.message.splitlines()]
    passed = sum(case.passed for case in results)
    lines.append(f"{passed} of {len(results)} checks passed.")
    console.print("\n".join(lines), highlight=False)


def question_table(result: SubmissionResult, questions: list[str]) -> Table:
    table = Table(title=f"{result.submission}: {result.total:g} / {result.possible:g}")
    table.add_column("question")
    table.add_column("points", justify="right")
    table.add_column("first problem")
    for name, (earned, possible) in result.question_scores(questions).items():
        problem = next((c.message.splitlines()[0] for c in result.cases
                        if c.question == name and not c.passed and c.message), "")
        table.add_row(name, f"{earned:g} / {possible:g}", problem[:100])
    return table
