"""Hidden tests of logistic_regression: compared with the reference on
seeded random inputs of several sizes, never shown to students."""

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.kinds import DerivativeAgrees, Matches, Pure, Stable
from autograder.spec import Case, Program, Seeded

SIZES = [(5, 2), (17, 4), (64, 7)]  # (N, d)
DESIGN = ("X", "y", "theta")  # the names of what design() returns


def design(rng, n, d):
    """X with a leading column of ones, labels 0/1, theta, predictions in (0, 1)."""
    X = np.hstack([np.ones((n, 1)), rng.normal(size=(n, d))])
    y = (rng.random(n) < 0.5).astype(float)
    theta = rng.normal(scale=0.5, size=d + 1)
    return X, y, theta


def cases():
    out = []
    for i, (n, d) in enumerate(SIZES):
        out += [
            ("sigmoid", Case(f"sigmoid on a ({n}, {d}) array", Seeded(lambda r, n=n, d=d: (r.normal(scale=4, size=(n, d)),)),
                             Matches("sigmoid"), hidden=True)),
            ("predict", Case(f"predict, N={n}, d={d}", Seeded(lambda r, n=n, d=d: design(r, n, d)[::2]),
                             Matches("predict"), hidden=True)),
            ("bce_loss", Case(f"bce_loss, N={n}", Seeded(lambda r, n=n: (r.uniform(0.01, 0.99, n), (r.random(n) < .5) * 1.0)),
                              Matches("bce_loss"), hidden=True)),
            ("compute_gradient", Case(f"compute_gradient, N={n}, d={d}",
                                      Seeded(lambda r, n=n, d=d: _grad_inputs(r, n, d)),
                                      Matches("compute_gradient"), hidden=True)),
            ("update", Case(f"update, d={d}", Seeded(lambda r, d=d: (r.normal(size=d + 1), r.normal(size=d + 1), 0.05)),
                            Matches("update"), hidden=True)),
            ("sgd_step", Case(f"sgd_step, d={d}", Seeded(lambda r, n=n, d=d: _sgd_inputs(r, n, d)),
                              Matches("sgd_step"), hidden=True)),
            ("mse_sigmoid_gradient", Case(f"mse_sigmoid_gradient, N={n}, d={d}",
                                          Seeded(lambda r, n=n, d=d: design(r, n, d)),
                                          Matches("mse_sigmoid_gradient"), hidden=True)),
            ("bce_second_derivative", Case(f"bce_second_derivative, N={n}, d={d}",
                                           Seeded(lambda r, n=n, d=d: design(r, n, d)[::2]),
                                           Matches("bce_second_derivative"), hidden=True)),
            ("tanh_gradient", Case(f"tanh_gradient, N={n}, d={d}", Seeded(lambda r, n=n, d=d: design(r, n, d)),
                                   Matches("tanh_gradient"), hidden=True)),
        ]
    loss = Program("bce_loss(predict(X, theta), y)")
    gradient = Program("compute_gradient(X, predict(X, theta), y)")
    tanh_model_bce = Program("np.mean(-y * np.log((np.tanh(X @ theta) + 1) / 2) "
                             "- (1 - y) * np.log(1 - (np.tanh(X @ theta) + 1) / 2))")
    out += [
        ("compute_gradient", Case("the gradient agrees with the loss (N=17, d=4)",
                                  Seeded(lambda r: design(r, 17, 4), names=DESIGN),
                                  DerivativeAgrees(gradient, loss, wrt=2), hidden=True)),
        ("tanh_gradient", Case("agrees with central differences of the tanh model's BCE",
                               Seeded(lambda r: design(r, 9, 3), names=DESIGN),
                               DerivativeAgrees("tanh_gradient", tanh_model_bce, wrt=2), hidden=True)),
        ("sigmoid", Case("sigmoid of large magnitudes stays finite and keeps its digits",
                         Seeded(lambda r: (_extreme_logits(r),)), Stable("sigmoid"), hidden=True)),
        # purity is what a constant answer also has: these cases earn their point only with the right values
        ("update", Case("update leaves its inputs unchanged", Seeded(lambda r: (r.normal(size=6), r.normal(size=6), 0.3)),
                        AllOf(Matches("update"), Pure("update")), hidden=True)),
        ("sgd_step", Case("sgd_step leaves its inputs unchanged", Seeded(lambda r: _sgd_inputs(r, 8, 3)),
                          AllOf(Matches("sgd_step"), Pure("sgd_step")), hidden=True)),
    ]
    for i, (n, d, lr, epochs, bs) in enumerate([(10, 2, 0.1, 5, 1), (11, 3, 0.05, 4, 3), (12, 2, 0.2, 6, 12), (9, 4, 0.1, 3, 4)]):
        out.append(("train", Case(f"train N={n}, batch_size={bs}, epochs={epochs}",
                                  Seeded(lambda r, n=n, d=d, lr=lr, e=epochs, b=bs: (*design(r, n, d), lr, e, b)),
                                  Matches("train", rtol=1e-6), hidden=True, points=1.0)))
    return out


def _extreme_logits(rng):
    """Where textbook formulas break but sigmoid is still a number: exp(-z)
    overflows below z = -709.78 while sigmoid(z) is a subnormal down to about
    -745; exp(z) overflows above 709.78; float32 (or 1 - a tiny difference)
    keeps no digits of sigmoid(-30) and rounds sigmoid(30) to 1."""
    parts = [rng.uniform(710, 720, 10), rng.uniform(25, 35, 10), rng.uniform(200, 5000, 10)]
    return rng.permutation(np.concatenate([-p for p in parts] + parts))


def _grad_inputs(rng, n, d):
    X, y, theta = design(rng, n, d)
    return X, 1 / (1 + np.exp(-X @ theta)), y


def _sgd_inputs(rng, n, d):
    X, y, theta = design(rng, n, d)
    return X[0], float(y[0]), theta, 0.1


HIDDEN = cases()
