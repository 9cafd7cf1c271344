"""Hidden tests of jacobians: compared with the reference on seeded random
inputs of several sizes (never square, so a transposed Jacobian always shows
in its shape), plus central-difference checks on fresh data."""

from pathlib import Path

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.kinds import Matches, Pure
from autograder.course import load_module
from autograder.spec import Case, Seeded

# The public tests hold the chain builders and the derivative checks; the
# hidden ones run the same checks on data the students have not seen.
public = load_module(Path(__file__).resolve().parents[2] / "assignments" / "jacobians" / "public_tests.py",
                     "_jacobians_public_helpers")

SIZES = [(7, 3), (20, 5), (64, 2)]  # (N, l)


def linear_problem(rng, n, l, integer_targets=False):
    """X (n, l), Y (n, 1) from a noisy linear model, W (l, 1), b (1, 1)."""
    X = rng.normal(size=(n, l))
    Y = X @ rng.uniform(-1, 1, (l, 1)) + rng.uniform(-1, 1) + 0.1 * rng.normal(size=(n, 1))
    if integer_targets:
        Y = np.round(3 * Y).astype(int)
    return X, Y, rng.uniform(-1, 1, (l, 1)), rng.uniform(-1, 1, (1, 1))


def logistic_problem(rng, n, l, integer_labels=True):
    """X (n, l), 0/1 labels Y (n, 1) (int unless told), W (l, 1), b (1, 1)."""
    X = rng.normal(size=(n, l))
    Y = (X @ rng.uniform(-1, 1, (l, 1)) + 0.5 * rng.normal(size=(n, 1)) > 0).astype(int)
    if not integer_labels:
        Y = Y.astype(float)
    return X, Y, rng.uniform(-1, 1, (l, 1)), rng.uniform(-1, 1, (1, 1))


def zero_start(problem):
    """The same X and Y, starting from W = 0 and b = 0."""
    X, Y, W, _ = problem
    return X, Y, np.zeros_like(W), np.zeros((1, 1))


def cases():
    out = []
    for i, (n, l) in enumerate(SIZES):
        epochs = 4 + 6 * i
        out += [
            ("linreg_jacobians", Case(f"linreg_jacobians, N={n}, l={l}",
                                      Seeded(lambda r, n=n, l=l: linear_problem(r, n, l)),
                                      Matches("linreg_jacobians"), hidden=True)),
            ("linreg_backprop", Case(f"linreg_backprop, N={n}, l={l}",
                                     Seeded(lambda r, n=n, l=l: (public.linreg_jac_like(r, n, l),)),
                                     Matches("linreg_backprop"), hidden=True)),
            ("linreg_train", Case(f"linreg_train, N={n}, l={l}, {epochs} epochs",
                                  Seeded(lambda r, n=n, l=l, e=epochs: (*linear_problem(r, n, l), 0.05, e)),
                                  Matches("linreg_train"), hidden=True)),
            ("logreg_jacobians", Case(f"logreg_jacobians, N={n}, l={l}, integer labels",
                                      Seeded(lambda r, n=n, l=l: logistic_problem(r, n, l)),
                                      Matches("logreg_jacobians"), hidden=True)),
            ("logreg_backprop", Case(f"logreg_backprop, N={n}, l={l}",
                                     Seeded(lambda r, n=n, l=l: (public.logreg_jac_like(r, n, l),)),
                                     Matches("logreg_backprop"), hidden=True)),
            ("logreg_train", Case(f"logreg_train, N={n}, l={l}, {epochs} epochs, integer labels",
                                  Seeded(lambda r, n=n, l=l, e=epochs: (*logistic_problem(r, n, l), 0.1, e)),
                                  Matches("logreg_train"), hidden=True)),
        ]
    # purity is what a constant answer also has: the purity cases earn their point only with the right values
    out += [
        ("linreg_jacobians", Case("linreg_jacobians with integer targets Y",
                                  Seeded(lambda r: linear_problem(r, 12, 3, integer_targets=True)),
                                  Matches("linreg_jacobians"), hidden=True)),
        ("linreg_jacobians", Case("linreg_jacobians leaves its inputs unchanged and returns new arrays",
                                  Seeded(lambda r: linear_problem(r, 10, 4)),
                                  AllOf(Matches("linreg_jacobians"), Pure("linreg_jacobians")),
                                  hidden=True)),
        ("linreg_train", Case("linreg_train with integer targets Y",
                              Seeded(lambda r: (*linear_problem(r, 15, 2, integer_targets=True), 0.02, 6)),
                              Matches("linreg_train"), hidden=True)),
        ("linreg_train", Case("linreg_train leaves its inputs unchanged",
                              Seeded(lambda r: (*linear_problem(r, 9, 3), 0.1, 3)),
                              AllOf(Matches("linreg_train"), Pure("linreg_train")),
                              hidden=True)),
        ("logreg_jacobians", Case("logreg_jacobians leaves its inputs unchanged and returns new arrays",
                                  Seeded(lambda r: logistic_problem(r, 10, 4)),
                                  AllOf(Matches("logreg_jacobians"), Pure("logreg_jacobians")),
                                  hidden=True)),
        ("logreg_train", Case("logreg_train with float labels",
                              Seeded(lambda r: (*logistic_problem(r, 30, 4, integer_labels=False), 0.2, 5)),
                              Matches("logreg_train"), hidden=True)),
        ("logreg_train", Case("logreg_train from W = 0, b = 0 (every first Pred is exactly 0.5)",
                              Seeded(lambda r: (*zero_start(logistic_problem(r, 25, 3)), 0.1, 4)),
                              Matches("logreg_train"), hidden=True)),
        ("logreg_train", Case("logreg_train leaves its inputs unchanged",
                              Seeded(lambda r: (*logistic_problem(r, 9, 3), 0.1, 3)),
                              AllOf(Matches("logreg_train"), Pure("logreg_train")),
                              hidden=True)),
    ]
    out += public.linreg_derivative_cases(
        Seeded(lambda r: public.linear_chain(*linear_problem(r, 9, 4)), names=public.LIN_CHAIN), hidden=True,
        where="random data (N=9, l=4)")
    out += public.logreg_derivative_cases(
        Seeded(lambda r: public.logistic_chain(*logistic_problem(r, 11, 3)), names=public.LOG_CHAIN), hidden=True,
        where="random data (N=11, l=3)")
    return out


HIDDEN = cases()
