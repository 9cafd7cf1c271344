"""The notebook-writing helpers: cells lose their indentation in code, the
notebook names its kernel and assignment and numbers its cells."""

import nbformat

from autograder.notebook.authoring import assignment_notebook, check, code, md


def test_cells_drop_the_script_indentation_and_surrounding_blank_lines():
    assert md("""
    # Title

    Text.
    """).source == "# Title\n\nText."
    assert code("x = 1\nif x:\n    y = 2\n").source == "x = 1\nif x:\n    y = 2"
    assert check("sigmoid").source == 'check("sigmoid")'


def test_notebook_has_numbered_ids_and_the_assignment_metadata():
    cells = [md("# A"), code("import numpy as np")]
    notebook = assignment_notebook("example", cells)
    assert [cell.id for cell in notebook.cells] == ["cell-00", "cell-01"]
    assert notebook.metadata == {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "autograder": {"assignment": "example"},
    }
    nbformat.validate(notebook)
