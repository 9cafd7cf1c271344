"""Hidden tests of mlp_backprop: compared with the reference on seeded random
inputs of several sizes and activations, never shown to students; plus
gradient checks of mlp_backward against the student's own loss.

The Programs and shape helpers are the public tests' own, so that a hidden
case fails for the same reason a public one would.
"""

from pathlib import Path

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.kinds import Matches, Pure, Satisfies
from autograder.course import load_module
from autograder.spec import Case, Seeded

public = load_module(Path(__file__).resolve().parents[2] / "assignments" / "mlp_backprop" / "public_tests.py",
                     "_course_public_mlp_backprop")

ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")
PAIR = ("values", "contrast")  # the inputs of public.CONVERGED_PAIR

# (N, sizes, activations, loss): every activation in a hidden layer and at the output,
# the two matching output/loss pairs and mse behind sigmoid, tanh and relu outputs.
NETWORKS = [
    (4, [3, 5, 2], ["tanh", "identity"], "mse"),
    (10, [5, 7, 4, 3], ["relu", "relu", "sigmoid"], "bce"),
    (7, [4, 6, 2], ["sigmoid", "tanh"], "mse"),
    (25, [6, 8, 8, 8, 2], ["tanh", "relu", "sigmoid", "sigmoid"], "mse"),
    (12, [3, 9, 4], ["identity", "relu"], "mse"),
    (1, [5, 7, 4, 3], ["sigmoid", "sigmoid", "sigmoid"], "bce"),
    (16, [2, 4, 1], ["relu", "sigmoid"], "bce"),
]


def network(rng, n, sizes, activations, loss):
    """(X, Y, params, activations, loss) with every Z of order one."""
    params = {}
    for i in range(1, len(sizes)):
        params[f"W{i}"] = rng.normal(0.0, 1.5 / np.sqrt(sizes[i - 1]), size=(sizes[i], sizes[i - 1]))
        params[f"b{i}"] = rng.normal(0.0, 0.3, size=sizes[i])
    X = rng.normal(size=(n, sizes[0]))
    Y = (rng.random((n, sizes[-1])) < 0.5).astype(float) if loss == "bce" else rng.normal(size=(n, sizes[-1]))
    return X, Y, params, list(activations), loss


def with_kinks(rng, shape):
    """Normal entries of scale 3 with about one in five set to exactly 0."""
    Z = rng.normal(scale=3.0, size=shape)
    Z[rng.random(shape) < 0.2] = 0.0
    return Z


def gradient_checks():
    out = []
    for n, sizes, acts, loss in NETWORKS:
        layers = len(sizes) - 1
        for key in ("W1", f"b{layers}"):  # the first and the last layer; Matches covers the rest
            out.append(("mlp_backward", public.gradient_check(
                key, lambda rng, n=n, s=sizes, a=acts, l=loss: network(rng, n, s, a, l),
                f"N={n}, sizes {sizes}, {'/'.join(acts)}, {loss}", hidden=True)))
    return out


def value_checks():
    out = []
    for i, (n, d_in, d_out) in enumerate([(1, 3, 2), (6, 5, 7), (40, 10, 3)]):
        out.append(("linear_forward", Case(f"linear_forward, X ({n}, {d_in}), W ({d_out}, {d_in})", Seeded(
            lambda r, n=n, a=d_in, b=d_out: (r.normal(size=(n, a)), r.normal(size=(b, a)), r.normal(size=b))),
            Matches("linear_forward"), hidden=True)))
    for i, name in enumerate(ACTIVATIONS):
        for j, shape in enumerate([(9,), (6, 4)]):
            inputs = Seeded(lambda r, name=name, shape=shape: (name, with_kinks(r, shape)))
            out.append(("activation", Case(f"activation({name!r}, Z), Z of shape {shape}", inputs,
                                           Matches("activation"), hidden=True)))
            if name == "identity":
                continue  # identity' is 1 everywhere, which a constant answer matches: it is checked with sigmoid'
            if name == "sigmoid":  # identity' and sigmoid' at the sigmoid case's Z, worth both cases' points
                out.append(("activation_derivative", Case(
                    f"activation_derivative('identity', Z) and activation_derivative('sigmoid', Z), Z of shape "
                    f"{shape} with some entries exactly 0",
                    Seeded(lambda r, shape=shape: (with_kinks(r, shape),), names=("Z",)),
                    Matches(public.derivatives_of("identity", "sigmoid")), points=2.0, hidden=True)))
                continue
            out.append(("activation_derivative", Case(f"activation_derivative({name!r}, Z), Z of shape {shape} "
                                                      "with some entries exactly 0", inputs,
                                                      Matches("activation_derivative"), hidden=True)))
        # purity is what a constant answer also has: the purity cases earn their point only with the right values
        out.append(("activation", Case(f"activation({name!r}, Z) leaves Z unchanged",
                                       Seeded(lambda r, name=name: (name, r.normal(size=(3, 2)))),
                                       AllOf(Matches("activation"), Pure("activation")), hidden=True)))
    for i, sizes in enumerate([[2, 3, 1], [4, 16, 16, 2], [10, 1]]):
        out += [
            ("init_params", Case(f"init_params({sizes}, seed): shapes", Seeded(lambda r, s=sizes: (s, 11)),
                                 Matches("init_params", expected=public.shapes_of(sizes), values=False), hidden=True)),
            ("init_params", Case(f"init_params({sizes}, seed): float64", Seeded(lambda r, s=sizes: (s, 12)),
                                 Satisfies("init_params", public.all_float64), hidden=True)),
            ("init_params", Case(f"init_params({sizes}, seed): same seed, same values",
                                 Seeded(lambda r, s=sizes, i=i: (s, 1000 + i), names=("sizes", "seed")),
                                 Satisfies(public.INIT_TWICE, public.same_values), hidden=True)),
        ]
    for i, (n, sizes, acts, loss) in enumerate(NETWORKS):
        make = lambda r, n=n, s=sizes, a=acts, l=loss: network(r, n, s, a, l)
        out += [
            ("mlp_forward", Case(f"mlp_forward, N={n}, sizes {sizes}, activations {acts}",
                                 Seeded(lambda r, make=make: public.forward_inputs(make(r)), names=public.FORWARD),
                                 Matches(public.FORWARD_OUTPUT), hidden=True)),
            ("mlp_backward", Case(f"mlp_backward, N={n}, sizes {sizes}, activations {acts}, loss {loss!r}",
                                  Seeded(make, names=public.NETWORK), Matches(public.BACKWARD), hidden=True)),
            ("mlp_loss", Case(f"mlp_loss({loss!r}), N={n}, k={sizes[-1]}",
                              Seeded(lambda r, make=make: _loss_inputs(make(r))),
                              Matches("mlp_loss"), hidden=True)),
        ]
    for i, (n, k) in enumerate([(3, 2), (50, 1), (8, 6)]):
        out.append(("mlp_loss", Case(f"mlp_loss('mse') of random values, N={n}, k={k}",
                                     Seeded(lambda r, n=n, k=k: (r.normal(size=(n, k)),
                                                                          r.normal(size=(n, k)), "mse")),
                                     Matches("mlp_loss"), hidden=True)))
    return out


def _loss_inputs(network_inputs):
    X, Y, params, acts, loss = network_inputs
    A = X
    for i, name in enumerate(acts, start=1):  # a plain forward pass, so the inputs do not depend on the student
        Z = A @ params[f"W{i}"].T + params[f"b{i}"]
        A = {"identity": Z, "sigmoid": 1 / (1 + np.exp(-Z)), "tanh": np.tanh(Z), "relu": np.maximum(Z, 0)}[name]
    return Y, A, loss


def descent_checks():
    out = [
        ("gradient_descent_2d", Case(f"the lecture's run from [3, 3] with lr {lr}, 30 steps",
                                     Seeded(lambda r, lr=lr: (np.array([3.0, 3.0]), lr, 30)),
                                     Matches("gradient_descent_2d"), hidden=True))
        for i, lr in enumerate((0.1, 0.2))
    ]
    for i, (lr, steps) in enumerate([(0.05, 1), (0.15, 12), (0.22, 40), (0.01, 0)]):
        out.append(("gradient_descent_2d", Case(f"gradient_descent_2d from a random x0, lr {lr}, {steps} steps",
                                                Seeded(lambda r, lr=lr, s=steps: (r.uniform(-5, 5, 2), lr, s)),
                                                Matches("gradient_descent_2d"), hidden=True)))
    out.append(("gradient_descent_2d", Case("gradient_descent_2d leaves a random x0 unchanged",
                                            Seeded(lambda r: (r.uniform(-5, 5, 2), 0.1, 4)),
                                            AllOf(Matches("gradient_descent_2d"), Pure("gradient_descent_2d")),
                                            hidden=True)))
    # (name, values, contrast): each case needs a True and a False answer right, so a constant answer fails it
    cases = [
        ("equal change and eps1: |f_curr - f_prev| < eps1 is strict (a change just below eps1 converges)",
         (0.0, 0.5, np.array([2.0, 0.0]), 0.5, 1.0), (0.0, 0.49, np.array([2.0, 0.0]), 0.5, 1.0)),
        ("equal norm and eps2: ||grad|| < eps2 is strict (a norm just below eps2 converges)",
         (0.0, 2.0, np.array([0.0, 0.5]), 1.0, 0.5), (0.0, 2.0, np.array([0.0, 0.49]), 1.0, 0.5)),
        ("a decrease counts by its size: |f_curr - f_prev| (a small decrease converges)",
         (5.0, 1.0, np.array([1.0, 1.0]), 0.5, 0.1), (5.0, 4.8, np.array([1.0, 1.0]), 0.5, 0.1)),
        ("a three-component gradient (converged; with a larger third component, not)",
         (2.0, 1.0, np.array([0.1, 0.1, 0.1]), 0.5, 0.2), (2.0, 1.0, np.array([0.1, 0.1, 0.2]), 0.5, 0.2)),
    ]
    for i, (what, values, contrast) in enumerate(cases):
        out.append(("has_converged", Case(what, Seeded(lambda r, v=values, c=contrast: (v, c), names=PAIR),
                                          Matches(public.CONVERGED_PAIR), hidden=True)))
    for i in range(6):
        out.append(("has_converged", Case(f"has_converged on two random value sets, one converged and one not "
                                          f"({i + 1})", Seeded(_random_pair, names=PAIR),
                                          Matches(public.CONVERGED_PAIR), hidden=True)))
    return out


def _random_convergence(rng):
    f_prev = rng.normal()
    return f_prev, f_prev + rng.normal(scale=1e-3), rng.normal(scale=1e-3, size=2), 1e-3, 1e-3


def _random_pair(rng):
    """A random value set and, drawn after it, one whose answer is the other (the contract's test, worked out
    here), so that a constant answer gets one of the two wrong."""
    def converged(values):
        f_prev, f_curr, grad, eps1, eps2 = values
        return abs(f_curr - f_prev) < eps1 or np.linalg.norm(grad) < eps2

    first = _random_convergence(rng)
    while True:
        second = _random_convergence(rng)
        if converged(second) != converged(first):
            return first, second


HIDDEN = value_checks() + gradient_checks() + descent_checks()
