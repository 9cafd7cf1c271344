"""Hidden tests of matrix_calculus: compared with the reference on seeded
random inputs of several sizes, plus central-difference checks of every
analytic derivative against the forward function it differentiates. Inputs of
the non-differentiable losses are kept away from their kinks, except in the
cases that test the kinks themselves."""

import importlib.util
from pathlib import Path

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.compare import as_float_array
from autograder.checks.kinds import DerivativeAgrees, Matches, Pure, Satisfies, Stable
from autograder.engine.protocol import Code
from autograder.spec import Case, Seeded


def _public():
    # The public tests are a file of the course, not a package module: load them by path.
    path = Path(__file__).resolve().parents[2] / "assignments" / "matrix_calculus" / "public_tests.py"
    spec = importlib.util.spec_from_file_location("_matrix_calculus_public_for_hidden", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


public = _public()
GRADIENT, LOSS, LAYER_OUTPUT, MATVEC = public.GRADIENT, public.LOSS, public.LAYER_OUTPUT, public.MATVEC
TWO_LAYER_LOSS, MEAN_CROSS_ENTROPY = public.TWO_LAYER_LOSS, public.MEAN_CROSS_ENTROPY

EPS = 1e-5
VECTOR_SIZES = [5, 17, 64]
MATRIX_SIZES = [(2, 3), (4, 4), (5, 2)]          # (q, p): wide, square, tall
TWO_LAYER_SIZES = [(3, 4, 2), (5, 5, 5), (2, 6, 3)]  # (p, h, k)
SOFTMAX_SIZES = [(4, 3), (16, 10), (7, 2)]       # (N, K)

# The mappings numerical_jacobian differentiates: square, wide, tall and scalar Jacobians.
MAPPINGS = {
    "polar": public.POLAR,
    "sin": Code("lambda v: np.sin(v)"),
    "sum_of_squares": public.SUM_OF_SQUARES,
    "mixing": Code("lambda v: np.array([np.sum(v ** 3), np.prod(np.cos(v)), v[0] * v[-1]])"),
    "linear": public.LINEAR,
    "softmax": Code("lambda v: np.exp(v - np.max(v)) / np.sum(np.exp(v - np.max(v)))"),
}


def watching(x):
    """The mixing mapping, made to return nan whenever it is evaluated at a
    point that differs from ``x`` in more than one entry. The function given
    to numerical_jacobian stays in the student's process, so Pure cannot look
    at the arguments after the call; this mapping sees ``x`` during the call
    instead: moving x[j] in place and back leaves rounding residue in x
    (x + eps - 2 eps + eps is not always x), which shows at the next column."""
    start = "np.array([" + ", ".join(repr(float(v)) for v in x) + "])"
    return Code(f"lambda v, start={start}: np.array([np.sum(v ** 3), np.prod(np.cos(v)), v[0] * v[-1]]) "
                "if np.count_nonzero(v != start) <= 1 else np.full(3, np.nan)")


def watched_point(rng):
    x = rng.normal(size=5)
    return watching(x), x, EPS


def x_left_unchanged(value, inputs):
    jacobian = as_float_array(value)
    if jacobian is not None and np.all(np.isfinite(jacobian)):
        return None
    return ("numerical_jacobian evaluated g at a point where entries other than the one being moved differ from "
            "the x it was given: x was changed in place and not restored exactly (x[j] + eps - 2*eps + eps is "
            "not always x[j] in floating point). Perturb a copy instead: x_plus = x.copy(); x_plus[j] += eps.")


def hidden(question, name, make, check, points=1.0, names=()):
    """A hidden case whose inputs ``make(rng)`` draws, named ``names`` for the Programs of ``check``."""
    return question, Case(name, Seeded(make, names=names), check, points=points, hidden=True)


def loss_inputs(rng, name, n, kinks=False):
    """(name, y, y_hat) for one loss; without ``kinks`` every entry keeps a
    distance >= 0.1 from the points where the loss is not differentiable."""
    away = rng.uniform(0.1, 2.0, n) * rng.choice([-1.0, 1.0], n)
    if name == "mse":
        y = rng.normal(size=n)
        return name, y, y + rng.normal(size=n)
    if name == "mae":
        y = rng.normal(size=n)
        y_hat = y + away
        if kinks:
            y_hat[::2] = y[::2]
        return name, y, y_hat
    if name == "hinge":
        y = rng.choice([-1.0, 1.0], n)
        margin = 1.0 + away
        if kinks:
            margin[::2] = 1.0
        return name, y, margin * y  # y * y_hat = margin because y * y = 1
    if name == "zero_one":
        y = rng.choice([-1.0, 1.0], n)
        y_hat = away * 2
        # at least one error and one correct score: the loss is never exactly 0 or 1
        y_hat[0], y_hat[1] = -y[0] * abs(y_hat[0]), y[1] * abs(y_hat[1])
        if kinks:
            y_hat[::3] = 0.0
        return name, y, y_hat
    y = (rng.random(n) < 0.5).astype(float)
    return name, y, rng.uniform(0.05, 0.95, n)


LOSSES = ["mse", "mae", "hinge", "zero_one", "cross_entropy"]


def labels(rng, n, k):
    """Labels 0..K-1 that use the first and the last class whenever N >= K."""
    return rng.permutation(np.arange(n) % k)


def cases():
    out = []
    # numerical_jacobian of test mappings sent as code
    for i, (example, p) in enumerate([("polar", 2), ("sin", 3), ("sin", 6), ("sum_of_squares", 4),
                                      ("mixing", 3), ("mixing", 6), ("linear", 5), ("softmax", 4)]):
        out.append(hidden("numerical_jacobian", f"the {example} mapping at x of shape ({p},)",
                          lambda r, g=MAPPINGS[example], p=p: (g, r.normal(size=p), EPS),
                          Matches("numerical_jacobian", atol=1e-8)))
    # x left unchanged is what a constant answer also has: the Jacobian must be right too
    out.append(hidden("numerical_jacobian", "numerical_jacobian leaves x unchanged",
                      watched_point,
                      AllOf(Satisfies("numerical_jacobian", x_left_unchanged),
                            Matches("numerical_jacobian", atol=1e-8))))

    # compose_jacobian: a square case too, where the wrong order still has the right shape
    for i, (r_, q, p) in enumerate([(2, 3, 4), (4, 4, 4), (1, 5, 3), (6, 2, 5)]):
        out.append(hidden("compose_jacobian", f"Df ({r_}, {q}) and Dg ({q}, {p})",
                          lambda r, r_=r_, q=q, p=p: (r.normal(size=(r_, q)), r.normal(size=(q, p))),
                          Matches("compose_jacobian")))

    # loss_and_gradient: reference values, derivative checks away from kinks, kinks
    for i, name in enumerate(LOSSES):
        for j, n in enumerate(VECTOR_SIZES):
            out.append(hidden("loss_and_gradient", f"{name}, n = {n}",
                              lambda r, name=name, n=n: loss_inputs(r, name, n), Matches("loss_and_gradient")))
        # a constant loss with a zero gradient agrees with itself (and zero_one's true gradient is 0): the
        # values must be right too
        out.append(hidden("loss_and_gradient", f"your {name} gradient agrees with your {name} loss, and both are "
                                               "right, n = 9",
                          lambda r, name=name: loss_inputs(r, name, 9),
                          AllOf(DerivativeAgrees(GRADIENT, LOSS, wrt=2), Matches("loss_and_gradient")),
                          names=public.LOSS_INPUTS))
    for i, name in enumerate(["mae", "hinge", "zero_one"]):
        out.append(hidden("loss_and_gradient", f"{name} with entries exactly at the kink (subgradient 0 there)",
                          lambda r, name=name: loss_inputs(r, name, 12, kinks=True), Matches("loss_and_gradient")))
    out.append(hidden("loss_and_gradient", "loss_and_gradient leaves its inputs unchanged",
                      lambda r: loss_inputs(r, "hinge", 8),
                      AllOf(Matches("loss_and_gradient"), Pure("loss_and_gradient"))))

    # matrix derivatives: (q, q, p) arrays
    for i, (q, p) in enumerate(MATRIX_SIZES):
        out.append(hidden("matvec_weight_derivative", f"W ({q}, {p})",
                          lambda r, q=q, p=p: (r.normal(size=(q, p)), r.normal(size=p)),
                          Matches("matvec_weight_derivative")))
        out.append(hidden("matvec_weight_derivative", f"agrees with central differences of W @ x, W ({q}, {p})",
                          lambda r, q=q, p=p: (r.normal(size=(q, p)), r.normal(size=p)),
                          DerivativeAgrees("matvec_weight_derivative", MATVEC, wrt=0, eps=EPS),
                          names=public.MATVEC_INPUTS))
        for j, phi in enumerate(["sigmoid", "tanh"]):
            out.append(hidden("single_layer_grad", f"{phi}, W ({q}, {p})",
                              lambda r, q=q, p=p, phi=phi: (r.normal(size=(q, p)), r.normal(size=p), phi),
                              Matches("single_layer_grad")))
            out.append(hidden("single_layer_grad", f"{phi}: agrees with central differences of phi(W @ x), "
                                                   f"W ({q}, {p})",
                              lambda r, q=q, p=p, phi=phi: (r.normal(size=(q, p)), r.normal(size=p), phi),
                              DerivativeAgrees("single_layer_grad", LAYER_OUTPUT, wrt=0, eps=EPS),
                              names=public.LAYER_INPUTS))

    # two_layer_grads
    def two_layer(r, p, h, k):
        return r.normal(size=(h, p)), r.normal(size=(k, h)), r.normal(size=p), r.random(k)

    for i, (p, h, k) in enumerate(TWO_LAYER_SIZES):
        out.append(hidden("two_layer_grads", f"p = {p}, h = {h}, k = {k}",
                          lambda r, p=p, h=h, k=k: two_layer(r, p, h, k), Matches("two_layer_grads")))
        for which in (0, 1):
            out.append(hidden("two_layer_grads", f"dW{which + 1} agrees with central differences of the loss, "
                                                 f"p = {p}, h = {h}, k = {k}",
                              lambda r, p=p, h=h, k=k: two_layer(r, p, h, k),
                              DerivativeAgrees("two_layer_grads", TWO_LAYER_LOSS, wrt=which, eps=EPS,
                                               pick=lambda result, which=which: result[which],
                                               label=f"dW{which + 1} = two_layer_grads(W1, W2, x, y)[{which}]"),
                              names=public.TWO_LAYER_INPUTS))

    # softmax, its Jacobian and the cross-entropy gradient
    for i, (n, k) in enumerate(SOFTMAX_SIZES):
        out.append(hidden("softmax", f"1-D, K = {k}", lambda r, k=k: (r.normal(scale=3, size=k),),
                          Matches("softmax")))
        out.append(hidden("softmax", f"2-D ({n}, {k}), along the last axis",
                          lambda r, n=n, k=k: (r.normal(scale=3, size=(n, k)),), Matches("softmax")))
        out.append(hidden("softmax_jacobian", f"K = {k}", lambda r, k=k: (r.normal(scale=2, size=k),),
                          Matches("softmax_jacobian")))
        out.append(hidden("softmax_jacobian", f"agrees with central differences of softmax, K = {k}",
                          lambda r, k=k: (r.normal(scale=2, size=k),),
                          DerivativeAgrees("softmax_jacobian", "softmax", wrt=0, eps=EPS)))
        out.append(hidden("softmax_cross_entropy_grad", f"N = {n}, K = {k}",
                          lambda r, n=n, k=k: (r.normal(scale=2, size=(n, k)), labels(r, n, k)),
                          Matches("softmax_cross_entropy_grad")))
        out.append(hidden("softmax_cross_entropy_grad", f"agrees with central differences of the mean "
                                                        f"cross-entropy, N = {n}, K = {k}",
                          lambda r, n=n, k=k: (r.normal(scale=2, size=(n, k)), labels(r, n, k)),
                          DerivativeAgrees("softmax_cross_entropy_grad", MEAN_CROSS_ENTROPY, wrt=0, eps=EPS),
                          names=public.CROSS_ENTROPY_INPUTS))

    def huge(r, shape):
        return (r.choice([-1.0, 1.0], shape) * r.uniform(800, 5000, shape),)

    def huge_close_top(r, size):
        """Logits in the thousands whose two largest are 0.5 apart. With one logit far above the rest the
        softmax Jacobian is all zeros, which a constant answer matches; here two probabilities stay away
        from 0 and 1."""
        z = huge(r, size)[0]
        first, second = np.argsort(z)[::-1][:2]
        z[second] = z[first] - 0.5
        return (z,)

    out += [
        hidden("softmax", "logits in the thousands stay finite and warning-free",
               lambda r: huge(r, (6, 4)), Stable("softmax")),
        hidden("softmax", "softmax leaves Z unchanged", lambda r: (r.normal(size=(3, 4)),),
               AllOf(Matches("softmax"), Pure("softmax"))),
        hidden("softmax_jacobian", "logits in the thousands, the two largest 0.5 apart, stay finite, "
                                   "warning-free and right",
               lambda r: huge_close_top(r, 5), Stable("softmax_jacobian")),
        hidden("softmax_cross_entropy_grad", "logits in the thousands stay finite and warning-free",
               lambda r: (*huge(r, (5, 3)), labels(r, 5, 3)), Stable("softmax_cross_entropy_grad")),
        hidden("softmax_cross_entropy_grad", "softmax_cross_entropy_grad leaves its inputs unchanged",
               lambda r: (r.normal(size=(4, 3)), labels(r, 4, 3)),
               AllOf(Matches("softmax_cross_entropy_grad"), Pure("softmax_cross_entropy_grad"))),
    ]
    return out


HIDDEN = cases()
