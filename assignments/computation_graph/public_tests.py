"""Public tests of computation_graph: students may run these themselves.

They use the lecture's graph J = 2(a + bc) evaluated at a = 5, b = 3, c = 2,
small functions whose finite differences can be worked out by hand, the
worked numbers of the previous lecture (logistic regression, part 1; absolute
tolerance 1e-3, which admits the slides' rounding), and self-consistency
checks that need no solution: your derivatives must agree with your own
functions.
"""

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.kinds import DerivativeAgrees, Matches, Pure, Satisfies
from autograder.engine.protocol import Code
from autograder.spec import Case, Fixed, Program

# The contract (function names and argument order) is read from the master notebook's code:
# contract.json, written by `autograder assign`.

# The names of the elements of tuple results, as the contract writes them.
RETURNS = {
    "forward": ("u", "v", "J"),
    "backward": ("dJ_da", "dJ_db", "dJ_dc"),
    "difference_errors": ("forward_errors", "central_errors"),
    "logistic_gradients_loop": ("dw", "db"),
    "logistic_gradients_vectorized": ("dw", "db"),
    "gradient_descent": ("w", "b", "losses"),
}

LAYOUT = ("samples are M and features N (the opposite of part 1): X has shape (M, N), w shape (N,), "
          "b is a scalar, y has shape (M,); dw has shape (N,) and db is a scalar.")

A, B, C = 5.0, 3.0, 2.0  # the point where the notebook evaluates J = 2(a + bc)

# Part 1's four samples without the column of ones: theta = [b, w1, w2] = [0.1, 0.5, -0.1].
X = np.array([[1.4, 0.2], [1.5, 0.2], [3.0, 1.1], [4.1, 1.3]])
Y = np.array([0.0, 0.0, 1.0, 1.0])
W = np.array([0.5, -0.1])
BIAS = 0.1
LECTURE_DW, LECTURE_DB = np.array([0.2431, -0.019]), 0.2702  # part 1's batch gradient [0.2702, 0.2431, -0.019]
EXACT_DW, EXACT_DB = np.array([0.24313288, -0.01954039]), 0.27024858

# A larger deterministic problem for the loop-versus-vectorized comparison.
_rng = np.random.default_rng(2)
X_WIDE = _rng.normal(size=(40, 6))
Y_WIDE = (_rng.random(40) < 0.5).astype(float)
W_WIDE = _rng.normal(scale=0.5, size=6)

SQUARE, CUBE, CUBE_SLOPE = Code("lambda x: x**2"), Code("lambda x: x**3"), Code("lambda x: 3 * x**2")
SINE, COSINE = Code("lambda x: np.sin(x)"), Code("lambda x: np.cos(x)")
HS = np.array([0.1, 0.01, 0.001])
# |approximation - cos(1)| for f = sin at x = 1, straight from the definitions of the two differences
SINE_FORWARD_ERRORS = np.abs((np.sin(1.0 + HS) - np.sin(1.0)) / HS - np.cos(1.0))
SINE_CENTRAL_ERRORS = np.abs((np.sin(1.0 + HS) - np.sin(1.0 - HS)) / (2 * HS) - np.cos(1.0))

# a, b, c are numbers: the finite differences vary them as 0-d arrays, which go back to plain floats
J_OF = Program("forward(float(a), float(b), float(c))[2]")
MEAN_BCE = Program("np.mean(-(y * np.log(logistic(X @ w + b)) + (1 - y) * np.log(1 - logistic(X @ w + b))))")
STEPS_AND_COUNT = Program("(lambda w, b, losses: (w, b, len(losses)))"
                          "(*gradient_descent(X, y, w, b, lr, eps, max_iters))")


def _lecture(*values):
    return Fixed(tuple(values))


def _graph(a, b, c):
    return Fixed(a=a, b=b, c=c)


def _logistic(X, y, w, b):
    return Fixed(X=X, y=y, w=w, b=b)


def _descent(lr, eps, max_iters):
    """Gradient descent from part 1's starting point on its four samples."""
    return Fixed(X=X, y=Y, w=W, b=BIAS, lr=lr, eps=eps, max_iters=max_iters)


def _nonnegative_of_length(value, inputs):
    hs = inputs[3]
    for label, errors in zip(("forward_errors", "central_errors"), value):
        errors = np.asarray(errors, dtype=float)
        if errors.shape != (len(hs),):
            return f"{label} should have shape ({len(hs)},), one error per h, but it has shape {errors.shape}."
        if np.any(errors < 0):
            return f"{label} has negative entries: an error is the absolute value |approximation - df(x)|."
    return None


def _orders(value, inputs):
    """Dividing h by 10 divides the forward error by about 10 and the central one by about 100."""
    slopes = [np.diff(np.log10(np.abs(np.asarray(e, dtype=float)))) / np.diff(np.log10(inputs[3])) for e in value]
    for label, slope, order in zip(("forward", "central"), slopes, (1, 2)):
        if not np.all(np.abs(slope - order) < 0.2):
            return (f"the {label} errors should shrink like h^{order} (log-log slope {order}), "
                    f"but the slopes are {np.round(slope, 2).tolist()}.")
    return None


def _loop_equals_vectorized(value, inputs):
    (dw_loop, db_loop), (dw_vec, db_vec) = value
    if np.shape(dw_loop) != np.shape(dw_vec) or not np.allclose(dw_loop, dw_vec, rtol=1e-9, atol=1e-12):
        return "logistic_gradients_loop and logistic_gradients_vectorized give different dw."
    if not np.isclose(float(db_loop), float(db_vec), rtol=1e-9, atol=1e-12):
        return "logistic_gradients_loop and logistic_gradients_vectorized give different db."
    return None


def _all_iterations_without_increase(value, inputs):
    losses = np.asarray(value[2], dtype=float)
    max_iters = inputs[6]
    if losses.shape != (max_iters,):
        return (f"with eps = 0 the loss never reaches eps, so losses should have shape ({max_iters},) "
                f"(one entry per iteration), but it has shape {losses.shape}.")
    if np.any(np.diff(losses) > 1e-12):
        return "the loss went up between iterations: with this small learning rate it must only go down."
    return None


def _lecture_run(steps, lr):
    """(w, b, losses) of the lecture's loop from part 1's starting point with eps = 0 (never reached),
    worked out here: `steps` losses, each followed by a step."""
    w, b, losses = W.copy(), BIAS, []
    for _ in range(steps):
        y_hat = 1 / (1 + np.exp(-(X @ w + b)))
        losses.append(np.mean(-(Y * np.log(y_hat) + (1 - Y) * np.log(1 - y_hat))))
        w, b = w - lr * (y_hat - Y) @ X / len(Y), b - lr * np.mean(y_hat - Y)
    return w, b, np.array(losses)


def _after_steps(steps, lr):
    """(w, b) after `steps` steps of the lecture's loop from part 1's starting point, worked out here."""
    w, b, _ = _lecture_run(steps, lr)
    return w, b


# eps = 0 is never reached, so max_iters = 2 means two evaluations and two steps (one after each):
# w = [0.45485781, -0.09510449], b = 0.04733345
TWO_STEPS_W, TWO_STEPS_B = _after_steps(2, 0.1)


PUBLIC = [
    ("forward", Case("J = 2(a + bc) at a=5, b=3, c=2: u = 6, v = 11, J = 22", _lecture(A, B, C),
                     Matches("forward", expected=(6.0, 11.0, 22.0)))),
    ("backward", Case("at a=5, b=3, c=2: dJ/da = 2, dJ/db = 2c = 4, dJ/dc = 2b = 6", _lecture(A, B, C),
                      Matches("backward", expected=(2.0, 4.0, 6.0)))),
    *[("backward", Case(f"dJ/d{name} agrees with central differences of forward", _graph(A, B, C),
                        DerivativeAgrees("backward", J_OF, wrt=index, pick=lambda r, i=index: r[i],
                                         label=f"dJ/d{name} = backward(a, b, c)[{index}]")))
      for index, name in enumerate("abc")],
    ("forward_difference", Case("f(x) = x**2, x = 3, h = 0.1: (9.61 - 9)/0.1 = 6.1", _lecture(SQUARE, 3.0, 0.1),
                                Matches("forward_difference", expected=6.1))),
    ("central_difference", Case("f(x) = x**2, x = 3, h = 0.1: (9.61 - 8.41)/0.2 = 6", _lecture(SQUARE, 3.0, 0.1),
                                Matches("central_difference", expected=6.0))),
    ("central_difference", Case("f(x) = x**3, x = 1, h = 0.1: (1.331 - 0.729)/0.2 = 3.01",
                                _lecture(CUBE, 1.0, 0.1), Matches("central_difference", expected=3.01))),
    ("difference_errors", Case("f(x) = x**3 at x = 1: forward errors 3h + h^2, central errors h^2",
                               _lecture(CUBE, CUBE_SLOPE, 1.0, HS),
                               Matches("difference_errors", expected=(3 * HS + HS ** 2, HS ** 2), rtol=1e-5))),
    # non-negative errors of the right length are what a constant answer also has: the values must be right too
    ("difference_errors", Case("f = sin at x = 1: one absolute error per h, |approximation - cos(1)|",
                               _lecture(SINE, COSINE, 1.0, HS),
                               AllOf(Satisfies("difference_errors", _nonnegative_of_length),
                                     Matches("difference_errors", expected=(SINE_FORWARD_ERRORS, SINE_CENTRAL_ERRORS),
                                             rtol=1e-5)))),
    ("difference_errors", Case("f = sin at x = 1: forward error is O(h), central error is O(h^2)",
                               _lecture(SINE, COSINE, 1.0, HS), Satisfies("difference_errors", _orders))),
    ("logistic_gradients_loop", Case("part 1's batch: dw = [0.2431, -0.019], db = 0.2702", _lecture(X, Y, W, BIAS),
                                     Matches("logistic_gradients_loop", expected=(LECTURE_DW, LECTURE_DB), atol=1e-3))),
    ("logistic_gradients_loop", Case("dw agrees with central differences of the mean BCE", _logistic(X, Y, W, BIAS),
                                     DerivativeAgrees("logistic_gradients_loop", MEAN_BCE, wrt=2,
                                                      pick=lambda r: r[0], label="dw"))),
    ("logistic_gradients_loop", Case("db agrees with central differences of the mean BCE", _logistic(X, Y, W, BIAS),
                                     DerivativeAgrees("logistic_gradients_loop", MEAN_BCE, wrt=3,
                                                      pick=lambda r: r[1], label="db"))),
    ("logistic_gradients_vectorized", Case("part 1's batch: dw = [0.2431, -0.019], db = 0.2702",
                                           _lecture(X, Y, W, BIAS),
                                           Matches("logistic_gradients_vectorized",
                                                   expected=(LECTURE_DW, LECTURE_DB), atol=1e-3))),
    ("logistic_gradients_vectorized", Case("same values as the loop version (M=40, N=6)",
                                           _logistic(X_WIDE, Y_WIDE, W_WIDE, -0.3),
                                           Satisfies(Program("(logistic_gradients_loop(X, y, w, b), "
                                                             "logistic_gradients_vectorized(X, y, w, b))"),
                                                     _loop_equals_vectorized))),
    ("gradient_descent", Case("the first loss is part 1's batch loss 0.6691", _descent(0.1, 0.0, 3),
                              Matches(Program("gradient_descent(X, y, w, b, lr, eps, max_iters)[2][0]"),
                                      expected=0.6691, atol=1e-3))),
    ("gradient_descent", Case("max_iters = 2, eps = 0: two losses, and (w, b) after two steps (one after each loss)",
                              _descent(0.1, 0.0, 2),
                              Matches(STEPS_AND_COUNT, expected=(TWO_STEPS_W, TWO_STEPS_B, 2), atol=1e-6))),
    ("gradient_descent", Case("max_iters = 1, eps = 0: one loss, and (w, b) after one step",
                              _descent(0.1, 0.0, 1),
                              Matches(STEPS_AND_COUNT, expected=(W - 0.1 * EXACT_DW, BIAS - 0.1 * EXACT_DB, 1),
                                      atol=1e-6))),
    ("gradient_descent", Case("eps = 1 is above the first loss: stop at once, (w, b) unchanged, one loss",
                              _descent(0.1, 1.0, 5), Matches(STEPS_AND_COUNT, expected=(W, BIAS, 1)))),
    # a constant history never increases and a constant answer is pure: both need the lecture loop's values too
    ("gradient_descent", Case("eps = 0, max_iters = 25: 25 losses that never increase, and the lecture loop's "
                              "(w, b, losses)",
                              _lecture(X, Y, W, BIAS, 0.1, 0.0, 25),
                              AllOf(Satisfies("gradient_descent", _all_iterations_without_increase),
                                    Matches("gradient_descent", expected=_lecture_run(25, 0.1), atol=1e-6)))),
    ("gradient_descent", Case("gradient_descent leaves w unchanged and returns a new array",
                              _lecture(X, Y, W, BIAS, 0.1, 0.0, 3),
                              AllOf(Matches("gradient_descent", expected=_lecture_run(3, 0.1), atol=1e-6),
                                    Pure("gradient_descent")))),
]
