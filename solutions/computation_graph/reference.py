"""Reference solution of computation_graph: the functions of the master notebook
computation_graph-master.ipynb with their solution regions, defined in this module
(each function is written once, in the master)."""

from pathlib import Path

from autograder.notebook.master import define_reference

CONTRACT = define_reference(Path(__file__).with_name("computation_graph-master.ipynb"), globals())
