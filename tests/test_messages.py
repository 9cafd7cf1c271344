"""The table of failure messages: every template fills with its fields,
each is used by the grader, and the kinds a student's process reports all
have their words."""

import string
from pathlib import Path

import pytest

from autograder import messages
from autograder.engine.replies import REPORTED_KINDS, brief_error
from autograder.engine.student_code import error_kind
from autograder.messages import LOST_REASONS, TEMPLATES, say

PACKAGE = Path(messages.__file__).parent


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_template_fills_with_its_fields(kind):
    values = {name: 1.5 for name in fields(TEMPLATES[kind])}
    text = say(kind, **values)
    assert "{" not in text and text.strip() == text


def test_an_unknown_kind_or_a_missing_field_is_a_grader_error():
    with pytest.raises(KeyError):
        say("no such kind", name="f")
    with pytest.raises(KeyError):
        say("ended")  # no name


def test_every_template_and_lost_reason_is_used_by_the_grader():
    sources = "\n".join(path.read_text() for path in PACKAGE.rglob("*.py") if path.name != "messages.py")
    unused = [kind for kind in [*TEMPLATES, *LOST_REASONS] if f'"{kind}"' not in sources]
    assert not unused


def test_every_kind_a_process_reports_has_its_own_words():
    assert REPORTED_KINDS <= set(TEMPLATES)
    errors = [NotImplementedError(), MemoryError(), RecursionError(), BlockingIOError(11, "x"), OSError(27, "x")]
    assert {error_kind(error) for error in errors} <= REPORTED_KINDS
    assert brief_error("f", {"kind": "memory"}) == "f ran out of memory (memory limit)."


def test_a_reported_kind_never_brings_its_own_text():
    unnamed = brief_error("f", {"kind": "exception:MadeUp 42"})
    assert unnamed.startswith("f raised an exception (") and "MadeUp" not in unnamed and "42" not in unnamed
    assert brief_error("f", {"kind": ["memory"]}) == unnamed


def test_a_hidden_test_does_not_name_the_exception_type_the_code_chose():
    """A student's code picks its exception's type, and could pick it from a hidden input."""
    for exception in ("ValueError", "ArithmeticError", "SystemError", "IndexError"):
        message = brief_error("f", {"kind": f"exception:{exception}", "error": "secret 42"})
        assert exception not in message and "secret" not in message
