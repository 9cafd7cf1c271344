"""Reference solution of mlp_backprop: the functions of the master notebook
mlp_backprop-master.ipynb with their solution regions, defined in this module
(each function is written once, in the master)."""

from pathlib import Path

from autograder.notebook.master import define_reference

CONTRACT = define_reference(Path(__file__).with_name("mlp_backprop-master.ipynb"), globals())
