"""Reference solution of logistic_regression: the functions of the master notebook
logistic_regression-master.ipynb with their solution regions, defined in this module
(each function is written once, in the master)."""

from pathlib import Path

from autograder.notebook.master import define_reference

CONTRACT = define_reference(Path(__file__).with_name("logistic_regression-master.ipynb"), globals())
