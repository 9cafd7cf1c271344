"""Write an assignment's student files from its master notebook
(``solutions/<name>/<name>-master.ipynb``, see ``notebook.master``):

- ``assignments/<name>/<name>.ipynb``: every cell of the master, each solution
  region replaced by its stub, cells numbered and the metadata the grader reads;
- ``assignments/<name>/contract.json``: the contract read from the master's
  code (function name -> argument names in call order), which the grader and
  the students' self-checks read without the solutions.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from autograder.notebook.authoring import assignment_notebook
from autograder.notebook.master import contract, master_path, read_master, stub_template, stubbed_source

CONTRACT_FILE = "contract.json"


def student_notebook(master: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The student notebook of assignment ``name`` made from its master. Raises MasterError."""
    template = stub_template(master)
    cells = []
    for index, cell in enumerate(master.cells):
        cell = nbformat.from_dict(cell)
        if cell.cell_type == "code":
            cell.source = stubbed_source(cell.source, template, f"cell {index + 1}")
        cells.append(cell)
    return assignment_notebook(name, cells)


def contract_text(master: nbformat.NotebookNode) -> str:
    """The contract of the master as the JSON text of ``contract.json``."""
    lines = [f"  {json.dumps(name)}: {json.dumps(list(args))}" for name, args in contract(master).items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"  # one function a line: diffs show what changed


def read_contract(folder: Path) -> dict[str, tuple[str, ...]]:
    """The contract written next to a student notebook, in call order. Raises
    OSError if it is missing, ValueError if it is not a contract."""
    data = json.loads((Path(folder) / CONTRACT_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(a, list) and all(isinstance(x, str) for x in a)
                                             for a in data.values()):
        raise ValueError(f"{CONTRACT_FILE} must map function names to lists of argument names")
    return {name: tuple(args) for name, args in data.items()}


def assign(name: str, root: Path) -> list[Path]:
    """Write the student notebook and contract of assignment ``name`` in the
    course at ``root`` from its master; return the paths written. Raises
    MasterError if the master is missing or its solution regions are malformed."""
    master = read_master(master_path(name, root))
    folder = Path(root) / "assignments" / name
    folder.mkdir(parents=True, exist_ok=True)
    notebook_file, contract_file = folder / f"{name}.ipynb", folder / CONTRACT_FILE
    nbformat.write(student_notebook(master, name), notebook_file)
    contract_file.write_text(contract_text(master), encoding="utf-8")
    return [notebook_file, contract_file]
