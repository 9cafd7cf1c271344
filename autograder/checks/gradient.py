"""Numerical derivatives by central differences, and how to compare them.

The derivative of ``f`` at ``x`` has shape ``f(x).shape + x.shape``: a scalar
function gives a gradient shaped like ``x``, a vector function a Jacobian in
numerator layout (rows are outputs).
"""

from __future__ import annotations

import hashlib
from typing import Callable

import numpy as np

from autograder.checks.compare import mismatch_report

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
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i of x,
    shaped f(x).shape + x.shape; ``eps`` in the units of x."""
    x = np.asarray(x, dtype=float)
    return from_perturbed([f(point) for point in perturbed(x, eps)], x.shape, eps)


def relative_error(analytic: np.ndarray, numeric: np.ndarray, tiny: float = TINY) -> np.ndarray:
    """|a - n| / max(|a|, |n|, tiny), entry by entry (arrays of one shape);
    nan where either is nan or both infinite, counted as inf (never agreeing)."""
    analytic = np.asarray(analytic, dtype=float)
    numeric = np.asarray(numeric, dtype=float)
    with np.errstate(invalid="ignore"):
        error = np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), tiny)
    return np.where(np.isnan(error), np.inf, error)


def disagreement_report(analytic: np.ndarray, numeric: np.ndarray, tol: float, *,
                        what: str, against: str, reveal: bool, limit: int = 5) -> str | None:
    """None when every entry of ``analytic`` agrees with ``numeric`` (one
    shape) within the relative error ``tol``; otherwise which entries do not,
    worst first (``compare.mismatch_report``)."""
    error = relative_error(analytic, numeric)
    bad = error > tol
    if not bad.any():
        return None
    at = f"{int(bad.sum())} of {bad.size} entries" if reveal else ("every entry" if bad.all() else "some entries")
    headline = (f"{what} disagrees with central differences of {against} at {at} "
                f"(relative error |a-n|/max(|a|,|n|) above {tol:g})" + (":" if reveal else "."))
    return mismatch_report(headline, np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float), bad, error,
                           reveal=reveal, labels=("yours", "numerical"), rank_by_relative=True, limit=limit)


# Above this many entries of x, a gradient that agrees is shown to agree along
# random directions (2 * PROBES evaluations) instead of entry by entry (2 * x.size):
# at 16 entries that is 4 evaluations instead of 32, and below it the full check
# is one small batch of calls anyway. A gradient the directions do not clear is
# checked entry by entry, which alone decides that it is wrong and says where.
FAST_ENTRIES = 16
PROBES = 2
# Each direction weighs entry j by r_j / max(|g_j|, TINY) (r random normal), so
# the projection sums the entries' own relative errors, as the full check
# judges them; it must stay within this fraction of the per-entry tolerance
# times sum |r_j|. Honest gradients differ there by rounding (~1e-10 relative).
# With 35 entries, one entry wrong by a relative 1e-3 escaped both directions in
# none of 20,000 random trials, by 1e-4 in 4 of 10,000, and just above the
# tolerance (2e-5) in about 1 of 100 (tests/checks/test_gradient.py).
SCREEN = 1e-2


def directional_agreement(analytic: np.ndarray, x: np.ndarray, evaluate: Callable[[list], list], *,
                          layout: Callable[[np.ndarray], np.ndarray] | None = None, eps: float = 1e-6,
                          tol: float = 1e-5) -> bool:
    """Whether ``analytic``, the gradient of a scalar function f at x (shaped
    as ``layout`` arranges x.shape), agrees with central differences of f
    along PROBES random directions u: g . u against (f(x + eps u) - f(x - eps u)) / (2 eps).

    ``evaluate(points)`` returns f at each point. True means the gradient
    agrees; False only that the directions do not show it (a wrong gradient,
    f not a float64 scalar, values not finite, a layout that is not a
    rearrangement, a kink crossed): the caller then checks entry by entry. The
    directions come from a hash of x and the analytic values, so a grade is
    reproducible and a function that is given x alone cannot know them.
    """
    gradient = to_native(np.asarray(analytic, dtype=float), layout, x.shape)
    if gradient is None or not np.all(np.isfinite(gradient)):
        return False
    seed = hashlib.sha256(np.ascontiguousarray(x, dtype=float).tobytes() + gradient.tobytes()).digest()
    rng = np.random.default_rng(int.from_bytes(seed[:8], "little"))
    magnitude = np.maximum(np.abs(gradient), TINY)
    directions = []
    for _ in range(PROBES):
        u = rng.standard_normal(x.shape) / magnitude
        directions.append(u / np.max(np.abs(u)))  # steps of at most eps per entry
    values = [np.asarray(v) for v in evaluate([x + sign * eps * u for u in directions for sign in (1, -1)])]
    if any(v.shape != () or v.dtype != np.float64 or not np.isfinite(v) for v in values):
        return False
    for k, u in enumerate(directions):
        numeric = (float(values[2 * k]) - float(values[2 * k + 1])) / (2 * eps)
        claimed = float(np.sum(gradient * u))
        if not abs(claimed - numeric) <= SCREEN * tol * float(np.sum(np.abs(u) * magnitude)):
            return False
    return True


def to_native(analytic: np.ndarray, layout: Callable[[np.ndarray], np.ndarray] | None,
              shape: tuple) -> np.ndarray | None:
    """``analytic`` moved back to shape f(x).shape + x.shape, when ``layout`` only
    rearranges entries (a transpose, a reshape); None otherwise (it drops or
    repeats entries, as np.diag does, or the shapes do not fit)."""
    if layout is None:
        return analytic if analytic.shape == tuple(shape) else None
    size = int(np.prod(shape, dtype=int))
    try:
        placed = np.asarray(layout(np.arange(size, dtype=float).reshape(shape)))
    except Exception:
        return None
    order = placed.ravel()
    if placed.shape != analytic.shape or order.size != size or not np.array_equal(np.sort(order), np.arange(size)):
        return None
    native = np.empty(size)
    native[order.astype(np.int64)] = analytic.ravel()
    return native.reshape(shape)
