"""Rendering and writing the HTML pages.

One jinja2 environment for every page: templates ship as package data,
autoescaping is on for every template, and every value printed is first made
``safe.plain_text`` (no control characters, escapes or bidirectional
overrides), so a student's text shows exactly as written and can never become
markup. Nothing is marked safe by hand.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from autograder.outputs.files import write_atomic
from autograder.outputs.safe import plain_text


def _finalize(value: object) -> object:
    """Applied to every ``{{ ... }}`` before escaping: text is made plain."""
    return plain_text(value) if isinstance(value, str) else value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("autograder.outputs.html", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined, finalize=_finalize,
                              trim_blocks=True, lstrip_blocks=True)


def render(template: str, **context) -> str:
    """The page ``template`` (a file in ``templates/``) filled with ``context``."""
    return environment().get_template(template).render(**context)


def write_page(path: Path, page: str) -> None:
    """Write a page atomically (never half-written, even if the grader is killed)."""
    write_atomic(Path(path), page)
