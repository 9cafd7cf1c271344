"""Small matplotlib pictures, embedded in pages as PNG data URIs.

Figures are made with ``matplotlib.figure.Figure`` and the Agg canvas, never
pyplot: no global state, no window, safe in any thread of the grader.
"""

from __future__ import annotations

import base64
import io
import warnings
from typing import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder.checks.gradient import relative_error
from autograder.outputs.safe import one_line

AGREE, DISAGREE, NEUTRAL = "#2b6cb0", "#c53030", "#718096"


def png_uri(figure: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (no metadata, so no URL inside)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _text(value: object, limit: int) -> str:
    """A label matplotlib prints literally: one line, ``$`` not read as mathtext."""
    return one_line(value, limit).replace("$", r"\$")


def derivative_picture(derivative: dict) -> str | None:
    """Analytic against numerical entries of a derivative check, one dot per
    entry, red where their relative error is above the check's tolerance; the
    diagonal is where they agree. ``derivative`` holds ``analytic`` and
    ``numerical`` (nested lists of one shape) and ``tol`` (``CaseResult.derivative``).
    None if there is nothing to draw."""
    try:
        analytic = np.asarray(derivative["analytic"], dtype=float).ravel()
        numerical = np.asarray(derivative["numerical"], dtype=float).ravel()
        tol = float(derivative.get("tol", 1e-5))
    except (KeyError, TypeError, ValueError):
        return None
    if analytic.size == 0 or analytic.shape != numerical.shape:
        return None
    finite = np.isfinite(analytic) & np.isfinite(numerical)
    bad = relative_error(analytic, numerical) > tol
    try:
        with warnings.catch_warnings():  # a student's values must not print matplotlib's warnings on the terminal
            warnings.simplefilter("ignore")
            return _scatter(analytic, numerical, finite, bad)
    except Exception:  # values chosen to break the drawing cost the picture, never the page
        return None


# Beyond this magnitude an axis is drawn as sign(x)·log10(1 + |x|): matplotlib cannot lay out 1e308.
LINEAR_LIMIT = 1e12


def _scatter(analytic: np.ndarray, numerical: np.ndarray, finite: np.ndarray, bad: np.ndarray) -> str:
    scale = ""
    if finite.any() and max(np.abs(analytic[finite]).max(), np.abs(numerical[finite]).max()) > LINEAR_LIMIT:
        analytic, numerical = (np.sign(v) * np.log10(1.0 + np.abs(v)) for v in (analytic, numerical))
        scale = " [sign·log10(1+|x|)]"
    figure = Figure(figsize=(3.6, 3.2))
    axes = figure.add_subplot()
    for mask, colour, label in ((finite & ~bad, AGREE, "agrees"), (finite & bad, DISAGREE, "disagrees")):
        if mask.any():
            axes.scatter(numerical[mask], analytic[mask], s=18, color=colour, label=f"{label} ({int(mask.sum())})",
                         zorder=3)
    if finite.any():
        low = float(min(analytic[finite].min(), numerical[finite].min()))
        high = float(max(analytic[finite].max(), numerical[finite].max()))
        pad = (high - low) * 0.08 or max(abs(high), 1.0) * 0.1
        axes.plot([low - pad, high + pad], [low - pad, high + pad], color=NEUTRAL, lw=1, zorder=1)
        axes.legend(fontsize=7, loc="upper left")
    if (~finite).any():
        axes.set_title(f"{int((~finite).sum())} entries are nan or inf", fontsize=8, color=DISAGREE)
    axes.set_xlabel("numerical (central differences)" + scale, fontsize=8)
    axes.set_ylabel("yours (analytic)" + scale, fontsize=8)
    axes.tick_params(labelsize=7)
    figure.subplots_adjust(left=0.2, right=0.96, bottom=0.16, top=0.9)  # fixed: tight_layout would draw twice
    return png_uri(figure)


def score_histogram(scores: Sequence[float], possible: float) -> str:
    """How many submissions earned each score, in bins of 5% of ``possible`` points."""
    figure = Figure(figsize=(6.4, 2.8))
    axes = figure.add_subplot()
    top = possible if possible > 0 else max([*scores, 1.0])
    axes.hist(np.clip(np.asarray(scores, dtype=float), 0, top), bins=np.linspace(0, top, 21), color=AGREE,
              edgecolor="white")
    axes.set_xlabel(f"score (of {top:g} points)", fontsize=8)
    axes.set_ylabel("submissions", fontsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    return png_uri(figure)


def pass_rate_bars(labels: Sequence[str], rates: Sequence[float], what: str = "passed") -> str:
    """One horizontal bar per label: the fraction (0..1) that ``what``, below one half in red."""
    height = 0.9 + 0.22 * len(labels)
    figure = Figure(figsize=(6.4, height))
    axes = figure.add_subplot()
    positions = np.arange(len(labels))[::-1]
    colours = [DISAGREE if rate < 0.5 else AGREE for rate in rates]
    axes.barh(positions, [100 * rate for rate in rates], color=colours)
    axes.set_yticks(positions, [_text(label, 48) for label in labels], fontsize=7)
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"{what} (%)", fontsize=8)
    axes.tick_params(axis="x", labelsize=7)
    figure.tight_layout()
    return png_uri(figure)
