"""Hidden tests of computation_graph: compared with the reference on seeded
random inputs of several sizes, and every analytic derivative checked against
central differences of the student's own function (or of the mean BCE),
never shown to students."""

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.kinds import DerivativeAgrees, Matches, Pure, Vectorized
from autograder.engine.protocol import Code
from autograder.spec import Case, Program, Seeded

SIZES = [(1, 1), (5, 2), (23, 4), (64, 7)]  # (M samples, N features)

# a, b, c are numbers: the finite differences vary them as 0-d arrays, which go back to plain floats
J_OF = Program("forward(float(a), float(b), float(c))[2]")
MEAN_BCE = Program("np.mean(-(y * np.log(logistic(X @ w + b)) + (1 - y) * np.log(1 - logistic(X @ w + b))))")
GRAPH, PROBLEM = ("a", "b", "c"), ("X", "y", "w", "b")  # the names of what scalars() and logistic_problem() return


def _mean_bce(X, y, w, b):
    y_hat = 1 / (1 + np.exp(-(X @ w + b)))
    return np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def scalars(rng):
    """a, b, c as Python floats, away from 0 so that relative errors mean something."""
    return tuple(float(v) for v in rng.choice([-1, 1], 3) * rng.uniform(0.3, 4.0, 3))


def smooth_function(rng):
    """A smooth f and its exact derivative, with seeded coefficients; x where f''' is not tiny."""
    k, p, q = (round(float(v), 3) for v in rng.uniform(0.5, 2.0, 3))
    families = [
        (f"{p} * np.sin({k} * x) + {q} * x**3", f"{p * k} * np.cos({k} * x) + {3 * q} * x**2"),
        (f"np.exp({k} * x) - {p} * x**2", f"{k} * np.exp({k} * x) - {2 * p} * x"),
        (f"{p} * np.log(1 + x**2) + {q} * np.cos(x)", f"{2 * p} * x / (1 + x**2) - {q} * np.sin(x)"),
        (f"{p} / (1 + np.exp(-{k} * x))", f"{p * k} * np.exp(-{k} * x) / (1 + np.exp(-{k} * x))**2"),
    ]
    f, df = families[int(rng.integers(len(families)))]
    x = round(float(rng.uniform(0.2, 1.5)), 3)
    return Code(f"lambda x: {f}"), Code(f"lambda x: {df}"), x


def _without_derivative(f, df, x, h):
    return f, x, h


def step_sizes(rng, count):
    """Step sizes where truncation, not rounding, dominates the error."""
    return np.sort(10.0 ** rng.uniform(-3, -0.5, count))[::-1]


def logistic_problem(rng, m, n):
    X = rng.normal(size=(m, n))
    y = (rng.random(m) < 0.5).astype(float)
    w = rng.normal(scale=0.5, size=n)
    return X, y, w, float(rng.normal(scale=0.5))


def early_stopping_problem(rng, m, n, lr, stop_at):
    """A problem whose losses decrease, with eps halfway between losses[stop_at - 1]
    and losses[stop_at], so that gradient descent stops after stop_at + 1 evaluations
    and a rounding difference cannot move the stop."""
    X, y, w, b = logistic_problem(rng, m, n)
    losses, w_k, b_k = [], w.copy(), b
    for _ in range(stop_at + 1):
        losses.append(_mean_bce(X, y, w_k, b_k))
        y_hat = 1 / (1 + np.exp(-(X @ w_k + b_k)))
        w_k, b_k = w_k - lr * (y_hat - y) @ X / m, b_k - lr * np.mean(y_hat - y)
    eps = (losses[stop_at - 1] + losses[stop_at]) / 2
    return X, y, w, b, lr, float(eps), stop_at + 10


def cases():
    out = []
    for i in range(3):
        make = lambda r: scalars(r)  # noqa: E731
        out += [
            ("forward", Case(f"forward at seeded a, b, c (#{i + 1})", Seeded(make), Matches("forward"),
                             hidden=True)),
            ("backward", Case(f"backward at seeded a, b, c (#{i + 1})", Seeded(make), Matches("backward"),
                              hidden=True)),
        ]
        out += [("backward", Case(f"dJ/d{name} agrees with central differences of forward (#{i + 1})",
                                  Seeded(make, names=GRAPH),
                                  DerivativeAgrees("backward", J_OF, wrt=index, pick=lambda r, k=index: r[k],
                                                   label=f"dJ/d{name} = backward(a, b, c)[{index}]"),
                                  hidden=True))
                for index, name in enumerate("abc")]

    for i in range(4):
        one_step = lambda r: _without_derivative(*smooth_function(r), float(step_sizes(r, 1)[0]))  # noqa: E731
        with_sizes = lambda r, count=3 + 4 * i: (*smooth_function(r), step_sizes(r, count))  # noqa: E731
        out += [
            ("forward_difference", Case(f"forward_difference of a seeded smooth f (#{i + 1})", Seeded(one_step),
                                        Matches("forward_difference", rtol=1e-6), hidden=True)),
            ("central_difference", Case(f"central_difference of a seeded smooth f (#{i + 1})", Seeded(one_step),
                                        Matches("central_difference", rtol=1e-6), hidden=True)),
            ("difference_errors", Case(f"difference_errors with {3 + 4 * i} step sizes (#{i + 1})",
                                       Seeded(with_sizes), Matches("difference_errors", rtol=1e-5, atol=1e-10),
                                       hidden=True)),
        ]

    for i, (m, n) in enumerate(SIZES):
        make = lambda r, m=m, n=n: logistic_problem(r, m, n)  # noqa: E731
        for name in ("logistic_gradients_loop", "logistic_gradients_vectorized"):
            out.append((name, Case(f"{name}, M={m}, N={n}", Seeded(make), Matches(name, rtol=1e-7), hidden=True)))
    for name in ("logistic_gradients_loop", "logistic_gradients_vectorized"):
        for m, n in ((9, 3), (30, 5)):
            make = lambda r, m=m, n=n: logistic_problem(r, m, n)  # noqa: E731
            out += [
                (name, Case(f"dw agrees with central differences of the mean BCE, M={m}, N={n}",
                            Seeded(make, names=PROBLEM),
                            DerivativeAgrees(name, MEAN_BCE, wrt=2, pick=lambda r: r[0], label="dw"), hidden=True)),
                (name, Case(f"db agrees with central differences of the mean BCE, M={m}, N={n}",
                            Seeded(make, names=PROBLEM),
                            DerivativeAgrees(name, MEAN_BCE, wrt=3, pick=lambda r: r[1], label="db"), hidden=True)),
            ]

    # The form is read from the notebook's cell, which the self-check inside a notebook cannot do, so this
    # case is hidden (the notebook states the rule). Right values are required too: a stub has no loop either.
    out.append(("logistic_gradients_vectorized",
                Case("no Python loop: no for, while, comprehension, map or np.vectorize",
                     Seeded(lambda r: logistic_problem(r, 12, 3)),
                     AllOf(Matches("logistic_gradients_vectorized", rtol=1e-7),
                           Vectorized("logistic_gradients_vectorized")),
                     points=2.0, hidden=True)))

    runs = [(1, (6, 2), 0.1), (2, (6, 2), 0.3), (7, (20, 3), 0.5), (40, (50, 4), 0.2)]  # (max_iters, size, lr)
    for i, (max_iters, (m, n), lr) in enumerate(runs):
        make = lambda r, m=m, n=n, lr=lr, k=max_iters: (*logistic_problem(r, m, n), lr, 0.0, k)  # noqa: E731
        out.append(("gradient_descent", Case(f"gradient_descent, eps = 0, max_iters={max_iters}, M={m}, N={n}",
                                             Seeded(make), Matches("gradient_descent", rtol=1e-6),
                                             hidden=True)))
    for i, (stop_at, (m, n)) in enumerate([(1, (8, 2)), (6, (30, 3))]):
        make = lambda r, m=m, n=n, k=stop_at: early_stopping_problem(r, m, n, 0.5, k)  # noqa: E731
        out.append(("gradient_descent", Case(f"gradient_descent stops once the loss is <= eps, M={m}, N={n}",
                                             Seeded(make), Matches("gradient_descent", rtol=1e-6),
                                             hidden=True)))
    out.append(("gradient_descent", Case("gradient_descent leaves its inputs unchanged",
                                         Seeded(lambda r: (*logistic_problem(r, 10, 3), 0.2, 0.0, 4)),
                                         AllOf(Matches("gradient_descent", rtol=1e-6), Pure("gradient_descent")),
                                         hidden=True)))
    return out


HIDDEN = cases()
