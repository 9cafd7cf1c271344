"""Which questions a mistake in one function may cost.

CURRICULUM's rule: a question is scored on its own function, which runs as
the student wrote it, with whatever it calls inside. So a mistake in a
function may cost its own question, the questions whose functions call it
(directly or through other functions), and the questions whose tests must take
it from the same submission (a Program's ``together``), and no others.

The call graph is read from the reference, because a known mistake is one
function of the reference-filled notebook replaced.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

from autograder.mistake_library import Mistake
from autograder.notebook.syntax import parse
from autograder.spec import Assignment, Program


def calls_between(assignment: Assignment) -> dict[str, set[str]]:
    """For every contract function, the contract functions its reference
    source names (calls, or passes along to be called)."""
    if assignment.reference is None:
        raise ValueError(f"{assignment.name}: the reference solution is not available")
    graph = {}
    for name, function in assignment.reference.items():
        tree = parse(textwrap.dedent(inspect.getsource(function)))
        named = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        graph[name] = (named & set(assignment.contract)) - {name}
    return graph


def questions_that_may_lose(assignment: Assignment, mistake: Mistake) -> set[str]:
    """The mistaken function's question, every question whose function reaches
    it through calls, every question that grades it together with its own,
    and whatever the mistake declares besides."""
    graph = calls_between(assignment)
    reach = {mistake.function}
    while True:
        callers = {caller for caller, callees in graph.items() if callees & reach} - reach
        if not callers:
            break
        reach |= callers
    for question in assignment.questions:
        for case in question.cases:
            if reach & set(_together(case.check)):
                reach.add(question.name)
    return reach | {mistake.targets} | set(mistake.may_also_cost)


def _together(check) -> tuple[str, ...]:
    """The functions a check's Programs take from the same submission."""
    found: list[str] = []
    for value in vars(check).values() if hasattr(check, "__dict__") else ():
        if isinstance(value, Program):
            found += value.together
        elif isinstance(value, (tuple, list)):
            for item in value:
                found += _together(item)
        elif hasattr(value, "run"):
            found += _together(value)
    return tuple(found)
