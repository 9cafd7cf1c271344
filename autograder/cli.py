"""Command line: each command parses its arguments and calls a plain function.

Whatever a submission controls (labels, messages, notes) is printed through
``autograder.outputs.safe``: as rich ``Text`` in tables, escaped in markup.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from autograder.course import CourseError, assignment_names, course_root, load_assignment
from autograder.demo import write_samples
from autograder.engine.kernel import KernelEngine
from autograder.engine.session import Engine, Limits
from autograder.export.gradescope import export_gradescope
from autograder.export.otter import OtterExportError, export_otter
from autograder.notebook.read import assignment_of
from autograder.outputs.feedback import print_case_results, question_table
from autograder.outputs.exports import FORMATS, ExportError, counted_results, export_text
from autograder.outputs.files import write_atomic
from autograder.outputs.html.feedback import rebuild_feedback_pages, write_feedback_pages
from autograder.outputs.html.report import ReportError, records_from_source, write_report
from autograder.outputs.safe import markup_text, rich_text, terminal_text
from autograder.scoring.batch import BatchError, grade_batch
from autograder.scoring.results import SubmissionResult
from autograder.scoring.submission import grade_notebook
from autograder.scoring.validate import validate_assignment

console = Console()
DEMO_LIMITS = Limits(cell_timeout=2.0, call_timeout=2.0)  # the demo's hanging sample need not wait 10 s


@click.group()
@click.version_option(package_name="autograder")
def main() -> None:
    """Grade deep-learning math notebooks with numerical gradient checks."""


@main.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-q", "--question", help="Check one question (a contract function name).")
@click.option("-a", "--assignment", help="Assignment name (default: from the notebook's metadata or file name).")
@click.option("--kernel", is_flag=True, help="Run the notebook in a Jupyter kernel instead of the sandbox.")
def check(notebook: Path, question: str | None, assignment: str | None, kernel: bool) -> None:
    """Run the public tests on a notebook, as a student would."""
    name = assignment or assignment_of(notebook) or notebook.stem
    spec = _load(name, with_solutions=False)
    if question and question not in [q.name for q in spec.questions]:
        raise click.UsageError(f"no question {question!r}; questions: {', '.join(q.name for q in spec.questions)}")
    with (KernelEngine() if kernel else Engine()) as engine:
        result = grade_notebook(spec, notebook, engine, include_hidden=False, only=question)
    _print_notes(result)
    print_case_results(result.cases, console)


@main.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for scores.csv and one results.json per submission.")
@click.option("-j", "--jobs", default=2, show_default=True, help="Submissions graded in parallel.")
@click.option("--isolation", type=click.Choice(["auto", "bwrap", "process"]), default="auto", show_default=True)
@click.option("--kernel", is_flag=True, help="Run each notebook in a Jupyter kernel (slower, no sandbox).")
@click.option("--resume", is_flag=True, help="Keep results an interrupted run already wrote for unchanged files.")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file that keeps every attempt (a regrade adds, never overwrites).")
def grade(assignment: str, submissions: tuple[Path, ...], out_dir: Path, jobs: int, isolation: str,
          kernel: bool, resume: bool, gradebook: Path | None) -> None:
    """Grade submissions (notebooks, or folders of them) with all tests."""
    spec = _load(assignment)
    paths, roots = _expand(submissions)
    started = time.time()
    results = _grade_with_progress(spec, paths, out_dir, jobs, isolation, kernel=kernel, resume=resume,
                                   gradebook=gradebook, roots=roots)
    questions = [q.name for q in spec.questions]
    console.print(_question_summary(results, questions))
    console.print(_summary_table(results, questions))
    problems = write_feedback_pages(results, spec, out_dir, since=started)
    console.print(f"Wrote {markup_text(out_dir / 'scores.csv')} and {len(results)} results.json files "
                  "with their feedback.html pages.")
    if problems:
        raise click.ClickException(terminal_text("; ".join(problems)))


@main.command()
@click.argument("gradebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("assignment")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: the latest counted attempt of every student.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="csv (scores.csv's columns), json, canvas (gradebook import) or gradescope.")
@click.option("--canvas-id", default="", help="Canvas's id of the assignment, for the canvas format's column.")
def export(gradebook: Path, assignment: str, out_file: Path, fmt: str, canvas_id: str) -> None:
    """Export the score of every student from a gradebook, late penalties applied."""
    spec = _load(assignment, with_solutions=False)
    try:
        results = counted_results(gradebook, assignment)
    except ExportError as error:
        raise click.ClickException(terminal_text(error)) from None
    write_atomic(out_file, export_text(results, assignment, [q.name for q in spec.questions], fmt, canvas_id))
    console.print(f"Wrote {len(results)} rows to {markup_text(out_file)}.")


@main.command()
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def feedback(out_dir: Path) -> None:
    """(Re)build the feedback.html page of every results.json in a grading output folder."""
    try:
        pages = rebuild_feedback_pages(out_dir, _assignment_or_none)
    except ValueError as error:
        raise click.ClickException(terminal_text(error)) from None
    if not pages:
        raise click.ClickException(terminal_text(f"no results.json found in {out_dir}: nothing to build"))
    console.print(f"Wrote {len(pages)} feedback pages in {markup_text(out_dir)}.")


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write.")
@click.option("-a", "--assignment", help="The assignment, if SOURCE holds several.")
def report(source: Path, out_file: Path, assignment: str | None) -> None:
    """Write the class report (one HTML page) from a gradebook or a grading output folder."""
    try:
        name, records = records_from_source(source, assignment, _assignment_or_none)
    except ReportError as error:
        raise click.ClickException(terminal_text(error)) from None
    write_report(name, records, out_file)
    console.print(f"Wrote the report of {len(records)} submissions to {markup_text(out_file)}.")


@main.command()
@click.argument("assignments", nargs=-1)
def validate(assignments: tuple[str, ...]) -> None:
    """Prove assignments gradable (all of them if none is named)."""
    root = _root()
    names = list(assignments) or assignment_names(root)
    failed = 0
    with Engine() as engine:
        for name in names:
            verdicts = validate_assignment(_load(name), engine, root)
            table = Table(title=rich_text(f"validate {name}"))
            for column in ("", "check", "detail"):
                table.add_column(column)
            for verdict in verdicts:
                table.add_row("[green]ok[/green]" if verdict.ok else "[red]FAIL[/red]", rich_text(verdict.what),
                              rich_text(verdict.detail))
                failed += not verdict.ok
            console.print(table)
    if failed:
        console.print(f"[red]{failed} validation check(s) failed.[/red]")
        sys.exit(1)
    console.print(f"[green]All {len(names)} assignment(s) validated.[/green]")


@main.command("export-otter")
@click.argument("assignment")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the otter-assign master notebook and the files it names.")
def export_otter_command(assignment: str, out_dir: Path) -> None:
    """Write an otter-grader master notebook whose tests run our checks."""
    try:
        master = export_otter(_load(assignment), _root(), out_dir)
    except OtterExportError as error:
        raise click.ClickException(terminal_text(error)) from None
    console.print(f"Wrote {markup_text(master)}. Next: cd {markup_text(out_dir)} && otter assign "
                  f"{markup_text(master.name)} dist")


@main.command("export-gradescope")
@click.argument("assignment")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The autograder zip to write (setup.sh, run_autograder, the course, this package).")
def export_gradescope_command(assignment: str, out_file: Path) -> None:
    """Write a Gradescope autograder zip that grades with this package's own sandbox."""
    try:
        path = export_gradescope(_load(assignment), _root(), out_file)
    except ValueError as error:
        raise click.ClickException(terminal_text(error)) from None
    console.print(f"Wrote {markup_text(path)}: upload it as a Gradescope programming assignment's autograder.")


@main.command()
@click.option("-a", "--assignment", default="logistic_regression", show_default=True)
@click.option("--out", "out_dir", default=Path("demo-output"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path))
def demo(assignment: str, out_dir: Path) -> None:
    """Make sample submissions (correct, partly wrong, broken, ...) and grade them."""
    spec = _load(assignment)
    paths = write_samples(spec, _root(), out_dir / "submissions")
    console.print(f"Sample submissions in {markup_text(out_dir / 'submissions')}:")
    results = _grade_with_progress(spec, paths, out_dir / "results", jobs=2, isolation="auto",
                                   limits=DEMO_LIMITS)
    questions = [q.name for q in spec.questions]
    console.print(_question_summary(results, questions))
    console.print(_summary_table(results, questions))
    wrong = next((r for r in results if r.submission == "partly-wrong"), None)
    if wrong is not None:
        console.print(question_table(wrong, questions))
    console.print(f"Scores: {markup_text(out_dir / 'results' / 'scores.csv')}")


def _root() -> Path:
    try:
        return course_root()
    except CourseError as error:
        raise click.ClickException(terminal_text(error)) from None


def _load(name: str, with_solutions: bool = True):
    try:
        return load_assignment(name, _root(), with_solutions=with_solutions)
    except CourseError as error:
        raise click.ClickException(terminal_text(error)) from None


def _assignment_or_none(name: str):
    """The assignment of that name in the course, for per-case points; None if there is none."""
    try:
        return load_assignment(name, course_root())
    except (CourseError, OSError, ImportError, SyntaxError, AttributeError):
        return None


def _expand(items: tuple[Path, ...]) -> tuple[list[Path], list[Path]]:
    """The files to grade, and for each its submissions root: the folder named
    on the command line, or for a file named itself, the folder it is in. A
    file named twice is graded once."""
    paths: list[Path] = []
    roots: list[Path] = []
    seen: set[str] = set()
    for item in items:
        found = sorted(p for p in item.iterdir() if p.is_file()) if item.is_dir() else [item]
        for path in found:
            if os.path.abspath(path) not in seen:
                seen.add(os.path.abspath(path))
                paths.append(path)
                roots.append(item if item.is_dir() else path.parent)
    return paths, roots


def _grade_with_progress(spec, paths: list[Path], out_dir: Path, jobs: int, isolation: str,
                         limits: Limits | None = None, kernel: bool = False, resume: bool = False,
                         gradebook: Path | None = None, roots: list[Path] | None = None) -> list[SubmissionResult]:
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("grade", total=len(paths))
        try:
            results = grade_batch(spec, paths, out_dir, jobs=jobs, isolation=isolation, limits=limits,
                                  kernel=kernel, resume=resume, gradebook=gradebook, roots=roots,
                                  on_result=lambda result: progress.advance(task))
        except BatchError as error:
            raise click.ClickException(terminal_text(error)) from None
    notes = {note for result in results for note in result.notes if note.startswith("WARNING")}
    for note in sorted(notes):
        console.print(f"[bold yellow]{markup_text(note)}[/bold yellow]")
    return results


def _summary_table(results: list[SubmissionResult], questions: list[str]) -> Table:
    table = Table(title="submissions")
    table.add_column("submission")
    table.add_column("total", justify="right")
    table.add_column("note")
    for result in results:
        note = result.error or next((n for n in result.notes if not n.startswith("WARNING")), "")
        table.add_row(rich_text(result.submission), f"{result.total:g}/{result.possible:g}", rich_text(note, 70))
    return table


def _question_summary(results: list[SubmissionResult], questions: list[str]) -> Table:
    """Per question: how the class did."""
    table = Table(title="questions")
    for column, justify in (("question", "left"), ("points", "right"), ("mean", "right"),
                            ("full marks", "right"), ("zero", "right")):
        table.add_column(column, justify=justify)
    for question in questions:
        scores = [r.question_scores(questions)[question] for r in results]
        possible = max((p for _, p in scores), default=0.0)
        earned = [e for e, _ in scores]
        mean = sum(earned) / len(earned) if earned else 0.0
        table.add_row(question, f"{possible:g}", f"{mean:.2f}", str(sum(e >= possible > 0 for e in earned)),
                      str(sum(e == 0 for e in earned)))
    return table


def _print_notes(result: SubmissionResult) -> None:
    if result.error:
        console.print(f"[red]{markup_text(result.error)}[/red]", emoji=False)
    for note in result.notes:
        console.print(f"[yellow]{markup_text(note)}[/yellow]", highlight=False, emoji=False)


if __name__ == "__main__":
    main()
