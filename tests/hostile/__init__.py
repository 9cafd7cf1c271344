"""Hostile submissions: notebooks written to break, fool or escape the grader."""
