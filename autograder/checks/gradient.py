"""Numerical derivatives by central differences, and how to compare them.

The derivative of ``f`` at ``x`` has shape ``f(x).shape + x.shape``: a scalar
function gives a gradient shaped like ``x``, a vector function a Jacobian in
numerator layout (rows are outputs).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

TINY = 1e-7  # floor of the denominator, so entries that are both ~0 agree


def perturbed(x: np.ndarray, eps: float) -> list[np.ndarray]:
    """x + eps e_i, then x - eps e_i, for every entry i of x in order."""
    points = []
    for index in np.ndindex(x.shape):
        for step in (eps, -eps):
            point = x.copy()
            point[index] += step
            points.append(point)
    return points


def from_perturbed(values: list, shape: tuple, eps: float) -> np.ndarray:
    """Central differences from f at the points ``perturbed`` made, shaped
    f(x).shape + x.shape."""
    values = [np.asarray(v, dtype=float) for v in values]
    columns = [(plus - minus) / (2 * eps) for plus, minus in zip(values[0::2], values[1::2])]
    out_shape = columns[0].shape if columns else ()
    stacked = np.stack(columns, axis=-1) if columns else np.zeros(out_shape + (0,))
    return stacked.reshape(out_shape + tuple(shape))


def numerical_derivative(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                         eps: float = 1e-6) -> np.ndarray:
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i of x."""
    x = np.asarray(x, dtype=float)
    return from_perturbed([f(point) for point in perturbed(x, eps)], x.shape, eps)


def relative_error(analytic: np.ndarray, numeric: np.ndarray, tiny: float = TINY) -> np.ndarray:
    """|a - n| / max(|a|, |n|, tiny), entry by entry."""
    analytic = np.asarray(analytic, dtype=float)
    numeric = np.asarray(numeric, dtype=float)
    with np.errstate(invalid="ignore"):
        error = np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), tiny)
    return np.where(np.isnan(error), np.inf, error)


def disagreement_report(analytic: np.ndarray, numeric: np.ndarray, tol: float, *,
                        what: str, against: str, reveal: bool, limit: int = 5) -> str | None:
    """None when every entry agrees within ``tol``; otherwise which entries do not."""
    error = relative_error(analytic, numeric)
    bad = error > tol
    if not bad.any():
        return None
    order = np.argsort(-np.where(bad, error, -1).ravel(), kind="stable")[: min(limit, int(bad.sum()))]
    lines = [f"{what} disagrees with central differences of {against} at {int(bad.sum())} of "
             f"{bad.size} entries (relative error |a-n|/max(|a|,|n|) above {tol:g}):"]
    for flat in order:
        index = np.unravel_index(flat, error.shape)
        where = "[" + ", ".join(str(int(i)) for i in index) + "]"
        if reveal:
            lines.append(f"  at {where}: yours {analytic[index]:.6g}, numerical {numeric[index]:.6g} "
                         f"(relative error {error[index]:.2g})")
        else:  # hidden inputs: no number computed from them is shown
            lines.append(f"  at {where}")
    if bad.sum() > limit:
        lines.append(f"  ... and {int(bad.sum()) - limit} more")
    return "\n".join(lines)
