"""Command line: each command parses its arguments and calls a plain function.

Whatever a submission controls (labels, messages, notes) is printed through
``autograder.outputs.safe``: as rich ``Text`` in tables, escaped in markup.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from autograder.outputs.exports import FORMATS, ExportError, counted_results, export_text
from autograder.outputs.safe import markup_text, one_line, rich_text, terminal_text
from autograder.release import INSTALL

console = Console()
DEMO_LIMITS = {"cell_timeout": 2.0, "call_timeout": 2.0}  # the demo's hanging sample need not wait 10 s


@click.group()
@click.version_option(package_name="autograder")
def main() -> None:
    """Grade deep-learning math notebooks with numerical gradient checks."""


@main.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-q", "--question", help="Check one question (a contract function name).")
@click.option("-a", "--assignment", help="Assignment name (default: from the notebook's metadata or file name).")
@click.option("--kernel", is_flag=True, help="Run the notebook in a Jupyter kernel instead of the sandbox.")
@click.option("--run-all-cells", is_flag=True, help="Run every cell, also those nothing graded depends on.")
def check(notebook: Path, question: str | None, assignment: str | None, kernel: bool, run_all_cells: bool) -> None:
    """Run the public tests on a notebook, as a student would; exit 1 if a check fails."""
    if kernel:
        from autograder.engine.kernel import KernelEngine
        engine: Any = KernelEngine()
    else:
        from autograder.engine.session import Engine
        engine = Engine(warm_up=False)  # one notebook: nothing to share across submissions
        engine.start()  # the sandbox starts while this process reads the notebook and its tests
    with engine:
        from autograder.outputs.feedback import print_case_results
        from autograder.scoring.submission import grade_notebook

        spec = _public_spec(notebook, assignment)
        if question and question not in [q.name for q in spec.questions]:
            raise click.UsageError(f"no question {question!r}; questions: "
                                   f"{', '.join(q.name for q in spec.questions)}")
        engine.run_all_cells = run_all_cells
        result = grade_notebook(spec, notebook, engine, include_hidden=False, only=question)
    _print_notes(result)
    print_case_results(result.cases, console)
    if result.error or not all(case.passed for case in result.cases):
        sys.exit(1)


@main.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for scores.csv and one results.json per submission.")
@click.option("-j", "--jobs", default=2, show_default=True, type=click.IntRange(min=1),
              help="Submissions graded in parallel.")
@click.option("--isolation", type=click.Choice(["auto", "bwrap", "process"]), default="auto", show_default=True)
@click.option("--kernel", is_flag=True, help="Run each notebook in a Jupyter kernel (slower, no sandbox).")
@click.option("--resume", is_flag=True, help="Keep results an interrupted run already wrote for unchanged files.")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file that keeps every attempt (a regrade adds, never overwrites).")
@click.option("--public-only", is_flag=True, help="Grade with the public tests alone (no solutions needed); "
                                                  "every output says so.")
@click.option("--accept-py", is_flag=True, help="Grade .py files too (cells split at '# %%').")
@click.option("--due", help="Due date, e.g. 2026-12-01T23:59 (local time) or 2026-12-01T23:59+01:00.")
@click.option("--late-policy", help='"none", "zero", or e.g. "10%/day, max 50%" or "5%/hour" (of the points earned).')
@click.option("--grace", help="Grace period after the due date, e.g. 15m, 2h.")
@click.option("--cutoff", help="After this date and time a submission earns nothing.")
@click.option("--run-all-cells", is_flag=True, help="Run every cell, also those nothing graded depends on.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: sandboxes on this machine; dask: each submission a task on a Dask cluster.")
@click.option("--scheduler", help="The Dask scheduler's address (tcp://host:8786), with --executor dask.")
def grade(assignment: str, submissions: tuple[Path, ...], out_dir: Path, jobs: int, isolation: str,
          kernel: bool, resume: bool, gradebook: Path | None, public_only: bool, accept_py: bool,
          due: str | None, late_policy: str | None, grace: str | None, cutoff: str | None, run_all_cells: bool,
          executor: str, scheduler: str | None) -> None:
    """Grade submissions: notebooks, folders of them, zip archives, Canvas or
    Gradescope downloads. One row per student (the latest submission counts)."""
    from autograder.intake.collect import collect
    from autograder.outputs.files import PUBLIC_ONLY_NOTE

    spec = _load(assignment, with_solutions=not public_only)
    policy = _late_policy(assignment, due=due, late_policy=late_policy, grace=grace, cutoff=cutoff)
    if public_only:
        console.print(f"[bold yellow]{markup_text(PUBLIC_ONLY_NOTE)}.[/bold yellow]")
    with tempfile.TemporaryDirectory(prefix="autograder-intake-") as scratch:
        intake = collect(list(submissions), Path(scratch), accept_py=accept_py)
        _print_skipped(intake.skipped)
        if not intake.found:
            raise click.ClickException(f"nothing to grade in {terminal_text(', '.join(map(str, submissions)))}: "
                                       f"no notebook found ({len(intake.skipped)} other files skipped).")
        with _executor(executor, scheduler) as cluster:
            everything = _grade_with_progress(spec, intake.found, out_dir, cluster.slots() if cluster else jobs,
                                              isolation, kernel=kernel, resume=resume, gradebook=gradebook,
                                              skipped=intake.skipped, policy=policy, include_hidden=not public_only,
                                              executor=cluster, run_all_cells=run_all_cells)
    results = [result for result in everything if result.counted]
    questions = [q.name for q in spec.questions]
    console.print(_question_summary(results, questions))
    console.print(_summary_table(results, questions))
    if len(results) < len(everything):
        console.print(f"{len(everything) - len(results)} earlier submission(s) graded and kept (in the gradebook "
                      "and their folders) but not counted: each student's latest counts.")
    if public_only:
        console.print(f"[bold yellow]{markup_text(PUBLIC_ONLY_NOTE)}.[/bold yellow]")
    console.print(f"Wrote {markup_text(out_dir / 'scores.csv')} and {len(everything)} results.json files "
                  "with their feedback.html pages.")


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
    from autograder.outputs.files import write_atomic

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
    from autograder.outputs.html.feedback import rebuild_feedback_pages

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
    from autograder.outputs.html.report import ReportError, records_from_source, write_report

    try:
        name, records = records_from_source(source, assignment, _assignment_or_none)
    except ReportError as error:
        raise click.ClickException(terminal_text(error)) from None
    write_report(name, records, out_file)
    console.print(f"Wrote the report of {len(records)} submissions to {markup_text(out_file)}.")


@main.command()
@click.argument("assignment")
def assign(assignment: str) -> None:
    """Write the student notebook and contract.json of an assignment from its master notebook."""
    from autograder.notebook.assign import assign as assign_files
    from autograder.notebook.master import MasterError

    try:
        paths = assign_files(assignment, _root())
    except MasterError as error:
        raise click.ClickException(terminal_text(error)) from None
    console.print(f"Wrote {', '.join(markup_text(path) for path in paths)}.")


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("-j", "--jobs", default=2, show_default=True, type=click.IntRange(min=1),
              help="Notebooks graded in parallel, each in its own sandbox.")
def validate(assignments: tuple[str, ...], jobs: int) -> None:
    """Prove assignments gradable (all of them if none is named)."""
    from autograder.course import assignment_names
    from autograder.engine.interface import EngineError
    from autograder.scoring.validate import validate_assignments
    from rich.table import Table

    root = _root()
    names = list(assignments) or assignment_names(root)
    loaded = [_load(name) for name in names]
    try:
        with console.status(f"Grading every known mistake of {len(names)} assignment(s), {jobs} at a time..."):
            every = validate_assignments(loaded, root, jobs=jobs)
    except EngineError as error:
        raise click.ClickException(terminal_text(f"the sandbox could not grade: {error}")) from None
    failed = 0
    for name, verdicts in zip(names, every):
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
    from autograder.export.otter import OtterExportError, export_otter

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
    from autograder.export.gradescope import export_gradescope

    try:
        path = export_gradescope(_load(assignment), _root(), out_file)
    except ValueError as error:
        raise click.ClickException(terminal_text(error)) from None
    console.print(f"Wrote {markup_text(path)}: upload it as a Gradescope programming assignment's autograder.")


@main.command("release")
@click.argument("assignment")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the student bundle: the notebook, public_tests.py and a README.")
@click.option("--install", default=INSTALL, show_default=True,
              help="The command the bundle's README gives students to install the checker.")
def release_command(assignment: str, out_dir: Path, install: str) -> None:
    """Write the student bundle of an assignment (nothing from solutions/)."""
    from autograder.course import CourseError
    from autograder.release import ReleaseError, release

    try:
        files = release(assignment, out_dir, _root(), install)
    except (ReleaseError, CourseError) as error:
        raise click.ClickException(terminal_text(error)) from None
    console.print(f"Wrote {', '.join(markup_text(path.name) for path in files)} to {markup_text(out_dir)}.")


@main.command()
@click.option("-a", "--assignment", default="logistic_regression", show_default=True)
@click.option("--out", "out_dir", default=Path("demo-output"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path))
def demo(assignment: str, out_dir: Path) -> None:
    """Make sample submissions (correct, partly wrong, broken, ...) and grade them."""
    from autograder.demo import write_samples
    from autograder.engine.session import Limits
    from autograder.intake.collect import plain
    from autograder.outputs.feedback import question_table

    spec = _load(assignment)
    paths = write_samples(spec, _root(), out_dir / "submissions")
    console.print(f"Sample submissions in {markup_text(out_dir / 'submissions')}:")
    results = _grade_with_progress(spec, plain(paths), out_dir / "results", jobs=2, isolation="auto",
                                   limits=Limits(**DEMO_LIMITS))
    questions = [q.name for q in spec.questions]
    console.print(_question_summary(results, questions))
    console.print(_summary_table(results, questions))
    wrong = next((r for r in results if r.submission == "partly-wrong"), None)
    if wrong is not None:
        console.print(question_table(wrong, questions))
    console.print(f"Scores: {markup_text(out_dir / 'results' / 'scores.csv')}; a feedback page per sample: "
                  f"{markup_text(out_dir / 'results' / '<sample>' / 'feedback.html')}")


def _root() -> Path:
    from autograder.course import CourseError, course_root

    try:
        return course_root()
    except CourseError as error:
        raise click.ClickException(terminal_text(error)) from None


def _load(name: str, with_solutions: bool = True):
    from autograder.course import CourseError, load_assignment

    try:
        return load_assignment(name, _root(), with_solutions=with_solutions)
    except CourseError as error:
        raise click.ClickException(terminal_text(error)) from None


def _assignment_or_none(name: str):
    """The assignment of that name in the course, for per-case points; None if there is none."""
    from autograder.course import CourseError, course_root, load_assignment

    try:
        return load_assignment(name, course_root())
    except (CourseError, OSError, ImportError, SyntaxError, AttributeError):
        return None


def _public_spec(notebook: Path, assignment: str | None):
    """The public tests for ``check``: those next to the notebook (a student's
    bundle), else the course's. A notebook whose assignment cannot be told
    (renamed, no metadata) gets advice to name it with -a."""
    from autograder.course import CourseError, course_root, load_assignment, load_public
    from autograder.notebook.read import assignment_of

    name = assignment or assignment_of(notebook) or notebook.stem
    try:
        if (notebook.parent / "public_tests.py").is_file():
            return load_public(notebook.parent, name)
        return load_assignment(name, course_root(), with_solutions=False)
    except CourseError as error:
        hint = "" if assignment else (f"\nCannot tell which assignment {notebook.name} is for: name it with "
                                      "-a ASSIGNMENT.")
        raise click.ClickException(terminal_text(f"{error}{hint}")) from None


def _late_policy(name: str, **given: str | None) -> LatePolicy:
    from autograder.course import CourseError, late_policy
    from autograder.intake.late import LatePolicyError

    try:
        return late_policy(name, _root(), **given)
    except (CourseError, LatePolicyError) as error:
        raise click.ClickException(terminal_text(error)) from None


def _executor(kind: str, scheduler: str | None):
    """A context giving the Dask executor for ``--executor dask`` (None for the local pool)."""
    import contextlib

    if kind == "local":
        if scheduler:
            raise click.UsageError("--scheduler needs --executor dask")
        return contextlib.nullcontext()
    if not scheduler:
        raise click.UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://scheduler:8786)")
    from autograder.scoring.distributed import DaskExecutor, DistributedError

    try:
        return DaskExecutor(scheduler, _root())
    except DistributedError as error:
        raise click.ClickException(terminal_text(error)) from None


def _print_skipped(skipped: list[tuple[str, str]]) -> None:
    from rich.table import Table

    if not skipped:
        return
    table = Table(title=f"skipped: {len(skipped)} file(s) that are not submissions")
    table.add_column("file")
    table.add_column("why")
    for source, reason in skipped:
        table.add_row(rich_text(source), rich_text(reason))
    console.print(table)


def _grade_with_progress(spec, found: list[Found], out_dir: Path, jobs: int, isolation: str,
                         limits: Limits | None = None, kernel: bool = False, resume: bool = False,
                         gradebook: Path | None = None, skipped: list[tuple[str, str]] = (),
                         policy: LatePolicy | None = None, include_hidden: bool = True, executor=None,
                         run_all_cells: bool = False) -> list[SubmissionResult]:
    from autograder.scoring.batch import BatchError, grade_batch
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("grade", total=len(found))
        try:
            results = grade_batch(spec, out_dir=out_dir, jobs=jobs, isolation=isolation, limits=limits,
                                  kernel=kernel, resume=resume, gradebook=gradebook, found=found, skipped=skipped,
                                  policy=policy, include_hidden=include_hidden, executor=executor,
                                  run_all_cells=run_all_cells, on_result=lambda result: progress.advance(task))
        except BatchError as error:
            raise click.ClickException(terminal_text(error)) from None
    notes = {note for result in results for note in result.notes if note.startswith("WARNING")}
    for note in sorted(notes):
        console.print(f"[bold yellow]{markup_text(note)}[/bold yellow]")
    return results


def _summary_table(results: list[SubmissionResult], questions: list[str]) -> Table:
    """One row per counted submission: who, the score that counts, the late
    deduction and why, and the first note, wrapped (never cut)."""
    from rich.table import Table

    table = Table(title="submissions")
    table.add_column("submission")
    table.add_column("student")
    table.add_column("total", justify="right")
    table.add_column("late", justify="right")
    table.add_column("note", ratio=1)
    for result in results:
        note = result.error or next((n for n in result.notes if not n.startswith("WARNING")), "")
        if result.late_reason:
            note = f"late: {result.late_reason}" + (f"; {note}" if note else "")
        late = f"-{result.penalty_points:g}" if result.penalty_points else ""
        who = " ".join(filter(None, (result.student, f"({result.student_name})" if result.student_name else "")))
        table.add_row(rich_text(result.submission), rich_text(one_line(who).replace("\ufffd", "?")),  # undecodable bytes
                      f"{result.score:g}/{result.possible:g}", late, rich_text(note))
    return table


def _question_summary(results: list[SubmissionResult], questions: list[str]) -> Table:
    """Per question: how the class did."""
    from rich.table import Table

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
