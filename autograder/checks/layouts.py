"""Rearrangements of a numerical derivative into the layout an assignment uses.

``numerical_derivative`` returns shape ``f(x).shape + x.shape``. These helpers
build the ``layout`` callable of a ``DerivativeAgrees`` check.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def numerator_layout(output_ndim: int) -> Callable[[np.ndarray], np.ndarray]:
    """The Jacobian in numerator layout: one row per entry of f(x), one column
    per entry of x (entries counted in C order). ``output_ndim`` is f(x).ndim,
    0 for a scalar function, whose derivative then becomes a row (1, x.size).

    Example: Pred of shape (N, 1) differentiated by W of shape (l, 1) gives a
    numerical derivative of shape (N, 1, l, 1), rearranged into (N, l).
    """

    def rearrange(derivative: np.ndarray) -> np.ndarray:
        derivative = np.asarray(derivative)
        rows = int(np.prod(derivative.shape[:output_ndim], dtype=int))
        columns = int(np.prod(derivative.shape[output_ndim:], dtype=int))
        return derivative.reshape(rows, columns)

    return rearrange
