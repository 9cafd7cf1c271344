"""export-otter without otter: the master notebook's format, the frozen
reference, and the test cases run in process as otter would run them."""

from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pytest

from autograder.engine.protocol import Code
from autograder.export import frozen
from autograder.export.in_kernel import check_case
from autograder.export.otter import export_otter, marked_solution
from autograder.notebook.build import reference_sources

ASSIGNMENT = "logistic_regression"


@pytest.fixture(scope="module")
def exported(logistic, root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("otter-export")
    return export_otter(logistic, root, folder)


def namespace(sources: dict[str, str]) -> dict:
    env = {"np": np}
    for source in sources.values():
        exec(compile(source, "<cell>", "exec"), env)
    return env


def test_frozen_answers_round_trip_without_pickle(tmp_path):
    calls = {"f": ((np.arange(6.0).reshape(2, 3), 0.5, (1, [2.0])), {"a": np.ones(2), "b": (3.0, -1)})}
    recording = frozen.RecordingReference({"f": lambda *args: calls["f"][1]})
    recording.call("f", calls["f"][0])
    frozen.save(recording.answers, tmp_path / "answers.npz")
    replay = frozen.load(tmp_path / "answers.npz")
    answer = replay.call("f", calls["f"][0])
    assert answer.ok and answer.value["b"] == (3.0, -1) and np.array_equal(answer.value["a"], np.ones(2))
    other = replay.call("f", (np.arange(6.0).reshape(2, 3) + 1e-15, 0.5, (1, [2.0])))
    assert not other.ok and "frozen reference has no answer" in other.error and replay.missed == 1
    assert frozen.call_key("g", (Code("lambda x: x"),)) == frozen.call_key("g", (Code("lambda x: x"),))
    np.savez(tmp_path / "other.npz", index=np.frombuffer(b'{"format": "x"}', dtype=np.uint8))
    with pytest.raises(ValueError):
        frozen.load(tmp_path / "other.npz")


def test_master_has_otter_config_one_question_per_function_and_every_case(exported, logistic):
    master = nbformat.read(exported, as_version=4)
    config_cell = master.cells[0]
    assert config_cell.cell_type == "raw" and config_cell.source.startswith("# ASSIGNMENT CONFIG\n")
    config = json.loads(config_cell.source.split("\n", 1)[1])
    assert config["name"] == ASSIGNMENT and config["tests"] == {"files": True, "ok_format": False}
    assert all(path.startswith("course/assignments/") for path in config["files"])
    assert {"course/solutions/logistic_regression/hidden_tests.py",
            "course/solutions/logistic_regression/reference_calls.npz"} <= set(config["autograder_files"])
    raw = [cell.source for cell in master.cells if cell.cell_type == "raw"]
    assert [s.split("name: ")[1] for s in raw if s.startswith("# BEGIN QUESTION")] == list(logistic.contract)
    tests = [cell.source for cell in master.cells if cell.source.startswith('""" # BEGIN TEST CONFIG')]
    cases = [case for q in logistic.questions for case in q.cases]
    assert len(tests) == len(cases)
    for source, case in zip(tests, cases):
        assert f"points: {float(case.points)!r}\nhidden: {json.dumps(case.hidden)}\n" in source
        assert json.dumps(case.name) in source and "check_case(env, " in source
    code = "\n".join(cell.source for cell in master.cells if cell.cell_type == "code")
    assert "Checker" not in code and 'check("' not in code


def test_the_reference_never_ships_only_its_answers(exported):
    shipped = sorted(p.relative_to(exported.parent / "course").as_posix()
                     for p in (exported.parent / "course").rglob("*") if p.is_file())
    assert [p for p in shipped if p.startswith("solutions/")] == [
        "solutions/logistic_regression/hidden_tests.py", "solutions/logistic_regression/reference_calls.npz"]


def test_marked_solution_gives_students_the_stub_back():
    stub = 'def f(x):\n    """Twice x."""\n    raise NotImplementedError("write f")\n'
    reference = "def f(x):\n    # doubling\n    return 2 * x\n"
    marked = marked_solution(stub, reference)
    assert marked.splitlines() == ["def f(x):", '    """Twice x."""', "    # BEGIN SOLUTION NO PROMPT",
                                   "    # doubling", "    return 2 * x", "    # END SOLUTION",
                                   '    """ # BEGIN PROMPT', '    raise NotImplementedError("write f")',
                                   '    """ # END PROMPT']
    env = {}
    exec(marked, env)
    assert env["f"](3) == 6


def test_cases_pass_on_the_reference_and_fail_on_a_mistake_with_our_message(exported, logistic, monkeypatch):
    monkeypatch.chdir(exported.parent)
    sources = reference_sources(logistic)
    env = namespace(sources)
    for question in logistic.questions:
        for index, case in enumerate(question.cases):
            check_case(env, ASSIGNMENT, question.name, index, case.name)
    mistake = next(m for m in logistic.mistakes if m.function == "compute_gradient")
    wrong = namespace({**sources, "compute_gradient": mistake.source})
    failed = []
    for index, case in enumerate(logistic.question("compute_gradient").cases):
        try:
            check_case(wrong, ASSIGNMENT, "compute_gradient", index, case.name)
        except AssertionError as error:
            failed.append((case, str(error)))
    assert failed
    public = [(case, message) for case, message in failed if not case.hidden]
    hidden = [(case, message) for case, message in failed if case.hidden]
    assert public and hidden
    assert all(message.startswith(case.name) for case, message in failed)
    assert any("wrong entr" in message and "expected" in message for _, message in public)
    value = re.compile(r"(got|expected|yours|numerical) -?[0-9]")
    assert any(value.search(message) for _, message in public)
    assert not any(value.search(message) for _, message in hidden)  # hidden values stay hidden
    with pytest.raises(LookupError):
        check_case(env, ASSIGNMENT, "compute_gradient", 0, "a case of another export")
