"""Auto-grading for deep-learning math notebooks."""

__version__ = "0.1.0"
