"""Find cells that reach into the grader's own code.

Student code runs in its own process, so it can rewrite the grader's code
there. Values are still judged in the grader, but a few facts are reported
by that process (whether arguments changed, which warnings fired): those are
not trusted from a notebook that imports any part of the grader other than
the self-check helper.
"""

from __future__ import annotations

import re

from autograder.notebook.read import CodeCell

GRADER_INTERNALS = re.compile(r"\bautograder(?:\s*\.\s*|\s+import\s+)(?!selfcheck\b)")


def cells_touching_the_grader(cells: list[CodeCell]) -> list[int]:
    return [cell.index for cell in cells if GRADER_INTERNALS.search(cell.source)]
