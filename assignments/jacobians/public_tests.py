"""Public tests of jacobians: students may run these themselves.

They use the lecture's two scripts (np.random.seed(0) linear regression,
np.random.seed(1) logistic regression) and checks that need no solution:
each Jacobian must agree with central differences of the quantity it
differentiates, and backprop must be the chain of matrix products.
Numerical derivatives are rearranged into numerator layout, so a transposed
Jacobian fails with its expected and actual shape.
"""

import numpy as np

from autograder.checks.combine import AllOf
from autograder.checks.compare import compare
from autograder.checks.kinds import DerivativeAgrees, Matches, Pure, Satisfies
from autograder.checks.layouts import numerator_layout
from autograder.spec import Case, Fixed, Program, Seeded

# The contract (function names and argument order) is read from the master notebook's code:
# contract.json, written by `autograder assign`.

# The names of the elements of tuple results, as the contract writes them.
RETURNS = {
    "linreg_train": ("W", "b", "J_list"),
    "logreg_train": ("W", "b", "J_track", "acc_track"),
}

LAYOUT = ("numerator layout, one row per entry of the output and one column per entry of the input: "
          "with X (N, l), Y (N, 1), W (l, 1), b (1, 1), dJ/dJ0 is (1, N), dJ0/dPred and dPred/dZ are (N, N) "
          "diagonal matrices, dPred/dW and dZ/dW are (N, l), dPred/db and dZ/db are (N, 1), "
          "dJ/dPred and dJ/dZ are (1, N), dJ/dW is (1, l) and dJ/db is (1, 1).")

LIMITS = {"call_timeout": 20}


def lecture_linear_data():
    """The linear regression script's data: np.random.seed(0), N=32, 5 features.
    Returns X, Y and the starting W, b."""
    rng = np.random.RandomState(0)  # the same stream as np.random.seed(0)
    n, n_feature = 32, 5
    t_W = rng.uniform(-1, 1, n_feature).reshape(-1, 1)
    t_b = rng.uniform(-1, 1, 1)
    W = rng.uniform(-1, 1, n_feature).reshape(-1, 1)
    b = rng.uniform(-1, 1, 1).reshape(1, 1)
    X = rng.randn(n, n_feature)
    return X, X @ t_W + t_b, W, b


def lecture_logistic_data():
    """The logistic regression script's data: np.random.seed(1), N=500, 3
    features, integer labels 0/1. Returns X, Y and the starting W, b."""
    rng = np.random.RandomState(1)
    n, n_feature = 500, 3
    t_W = rng.uniform(-1, 1, n_feature).reshape(-1, 1)
    t_b = rng.uniform(-1, 1, 1)
    W = rng.uniform(-1, 1, n_feature).reshape(-1, 1)
    b = rng.uniform(-1, 1, 1).reshape(1, 1)
    X = rng.normal(0, 1, (n, n_feature))
    return X, (X @ t_W + t_b > 0).astype(int), W, b


# What the lecture's loops give on their own data (100 epochs).
LINEAR_J_AT = {0: 1.073089205205592, 9: 0.44635515035016426, 99: 0.0002217451690606107}
LINEAR_FINAL_W = np.array([[0.09468657862643662], [0.4336875965522006], [0.21876656581726936],
                           [0.08262538056699077], [-0.1484966932594429]])
LINEAR_FINAL_B = np.array([[0.2847885848483418]])
LOGISTIC_J_AT = {0: 0.6862887171109214, 99: 0.5650048530512176}
LOGISTIC_ACC_AT = {0: 0.636, 99: 0.696}
LOGISTIC_FINAL_W = np.array([[-0.6523759783319911], [-0.5364184504891256], [-0.8115341040266056]])
LOGISTIC_FINAL_B = np.array([[-0.39547774592744545]])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# The names of the values linear_chain and logistic_chain return, for the Programs below.
LIN_CHAIN = ("X", "Y", "W", "b", "Pred", "J0")
LOG_CHAIN = ("X", "Y", "W", "b", "Z", "Pred", "J0")


def linear_chain(X, Y, W, b):
    """The inputs and every intermediate of the linear chain, so that each
    Jacobian can be checked against central differences in its own input:
    (X, Y, W, b, Pred, J0)."""
    pred = X @ W + b
    return X, Y, W, b, pred, (Y - pred) ** 2


def logistic_chain(X, Y, W, b):
    """(X, Y, W, b, Z, Pred, J0) for the logistic chain."""
    z = X @ W + b
    pred = sigmoid(z)
    return X, Y, W, b, z, pred, -(Y * np.log(pred) + (1 - Y) * np.log(1 - pred))


# Positions of the intermediates in the chain tuples above.
W_AT, B_AT = LIN_CHAIN.index("W"), LIN_CHAIN.index("b")  # the same in both chains
LIN_PRED_AT, LIN_J0_AT = LIN_CHAIN.index("Pred"), LIN_CHAIN.index("J0")
LOG_Z_AT, LOG_PRED_AT, LOG_J0_AT = LOG_CHAIN.index("Z"), LOG_CHAIN.index("Pred"), LOG_CHAIN.index("J0")

# The quantities being differentiated, computed with numpy from the chain's values (named as in LIN_CHAIN,
# LOG_CHAIN), each with the formula the case's name shows.
LIN_J_OF_J0 = Program("np.mean(J0)"), "J = mean(J0)"
LIN_J0_OF_PRED = Program("(Y - Pred) ** 2"), "J0 = (Y - Pred)**2"
LIN_PRED_OF_WB = Program("X @ W + b"), "Pred = X @ W + b"
LIN_J_OF_PRED = Program("np.mean((Y - Pred) ** 2)"), "J = mean((Y - Pred)**2)"
LIN_J_OF_WB = Program("np.mean((Y - (X @ W + b)) ** 2)"), "J = mean((Y - (X @ W + b))**2)"

LOG_J_OF_J0 = Program("np.mean(J0)"), "J = mean(J0)"
LOG_J0_OF_PRED = Program("-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred))"), "J0 = -(Y*log(Pred) + (1-Y)*log(1-Pred))"
LOG_PRED_OF_Z = Program("logistic(Z)"), "Pred = 1/(1 + exp(-Z))"
LOG_Z_OF_WB = Program("X @ W + b"), "Z = X @ W + b"
LOG_J_OF_PRED = (Program("np.mean(-(Y * np.log(Pred) + (1 - Y) * np.log(1 - Pred)))"),
                 "J = mean(-(Y*log(Pred) + (1-Y)*log(1-Pred)))")
LOG_J_OF_Z = (Program("np.mean(-(Y * np.log(logistic(Z)) + (1 - Y) * np.log(1 - logistic(Z))))"),
              "J = BCE(Y, sigmoid(Z))")
LOG_J_OF_WB = (Program("np.mean(-(Y * np.log(logistic(X @ W + b)) + (1 - Y) * np.log(1 - logistic(X @ W + b))))"),
               "J = BCE(Y, sigmoid(X @ W + b))")


def _bce(Y, pred):
    return np.mean(-(Y * np.log(pred) + (1 - Y) * np.log(1 - pred)))


LIN_JACOBIANS = Program("linreg_jacobians(X, Y, W, b)")
LIN_GRADIENTS = Program("linreg_backprop(linreg_jacobians(X, Y, W, b))")
LOG_JACOBIANS = Program("logreg_jacobians(X, Y, W, b)")
LOG_GRADIENTS = Program("logreg_backprop(logreg_jacobians(X, Y, W, b))")


def agrees(analytic, key, function, wrt, output_ndim):
    """``analytic(...)[key]`` equals the numerical derivative of ``function``
    with respect to input ``wrt``, written in numerator layout."""
    return DerivativeAgrees(analytic, function, wrt=wrt, pick=lambda d, key=key: d[key],
                            layout=numerator_layout(output_ndim), label=f"{analytic.text}[{key!r}]")


# (question, analytic Program, key of its result, (function differentiated, its formula), input varied,
# output ndim).
# dPred/db and dZ/db are columns of ones whatever the data, so a constant answer would pass them alone: each
# is checked together with dPred/dW (dZ/dW), a key and an input per derivative, in one case worth both points.
LIN_DERIVATIVES = [
    ("linreg_jacobians", LIN_JACOBIANS, "dJ_dJ0", LIN_J_OF_J0, LIN_J0_AT, 0),
    ("linreg_jacobians", LIN_JACOBIANS, "dJ0_dPred", LIN_J0_OF_PRED, LIN_PRED_AT, 2),
    ("linreg_jacobians", LIN_JACOBIANS, ("dPred_dW", "dPred_db"), LIN_PRED_OF_WB, (W_AT, B_AT), 2),
    ("linreg_backprop", LIN_GRADIENTS, "dJ_dPred", LIN_J_OF_PRED, LIN_PRED_AT, 0),
    ("linreg_backprop", LIN_GRADIENTS, "dJ_dW", LIN_J_OF_WB, W_AT, 0),
    ("linreg_backprop", LIN_GRADIENTS, "dJ_db", LIN_J_OF_WB, B_AT, 0),
]
LOG_DERIVATIVES = [
    ("logreg_jacobians", LOG_JACOBIANS, "dJ_dJ0", LOG_J_OF_J0, LOG_J0_AT, 0),
    ("logreg_jacobians", LOG_JACOBIANS, "dJ0_dPred", LOG_J0_OF_PRED, LOG_PRED_AT, 2),
    ("logreg_jacobians", LOG_JACOBIANS, "dPred_dZ", LOG_PRED_OF_Z, LOG_Z_AT, 2),
    ("logreg_jacobians", LOG_JACOBIANS, ("dZ_dW", "dZ_db"), LOG_Z_OF_WB, (W_AT, B_AT), 2),
    ("logreg_backprop", LOG_GRADIENTS, "dJ_dPred", LOG_J_OF_PRED, LOG_PRED_AT, 0),
    ("logreg_backprop", LOG_GRADIENTS, "dJ_dZ", LOG_J_OF_Z, LOG_Z_AT, 0),
    ("logreg_backprop", LOG_GRADIENTS, "dJ_dW", LOG_J_OF_WB, W_AT, 0),
    ("logreg_backprop", LOG_GRADIENTS, "dJ_db", LOG_J_OF_WB, B_AT, 0),
]


def derivative_cases(pieces, chain, hidden=False, where="the lecture's data"):
    """Every Jacobian and gradient of a chain against central differences;
    ``chain`` names its values as LIN_CHAIN or LOG_CHAIN do."""
    out = []
    for question, analytic, keys, (function, formula), wrts, ndim in pieces:
        keys, wrts = (keys, wrts) if isinstance(keys, tuple) else ((keys,), (wrts,))
        checks = [agrees(analytic, key, function, wrt, ndim) for key, wrt in zip(keys, wrts)]
        verb = "agrees" if len(keys) == 1 else "agree"
        out.append((question, Case(f"{' and '.join(keys)} {verb} with central differences of {formula} "
                                   f"on {where}", chain, checks[0] if len(checks) == 1 else AllOf(*checks),
                                   points=float(len(checks)), hidden=hidden)))
    return out


def linreg_derivative_cases(chain, hidden=False, where="the lecture's data"):
    """Every linear-regression Jacobian and gradient against central differences."""
    return derivative_cases(LIN_DERIVATIVES, chain, hidden, where)


def logreg_derivative_cases(chain, hidden=False, where="the lecture's data"):
    """Every logistic-regression Jacobian and gradient against central differences."""
    return derivative_cases(LOG_DERIVATIVES, chain, hidden, where)


def linreg_shapes(n, l):
    return {"dJ_dJ0": np.zeros((1, n)), "dJ0_dPred": np.zeros((n, n)),
            "dPred_dW": np.zeros((n, l)), "dPred_db": np.zeros((n, 1))}


def logreg_shapes(n, l):
    return {"dJ_dJ0": np.zeros((1, n)), "dJ0_dPred": np.zeros((n, n)), "dPred_dZ": np.zeros((n, n)),
            "dZ_dW": np.zeros((n, l)), "dZ_db": np.zeros((n, 1))}


def linreg_jac_like(rng, n, l):
    """A dict shaped like linreg_jacobians' result, with random entries
    (diagonal where the lecture's Jacobian is diagonal)."""
    return {"dJ_dJ0": rng.normal(size=(1, n)), "dJ0_dPred": np.diag(rng.normal(size=n)),
            "dPred_dW": rng.normal(size=(n, l)), "dPred_db": np.ones((n, 1))}


def logreg_jac_like(rng, n, l):
    return {"dJ_dJ0": rng.normal(size=(1, n)), "dJ0_dPred": np.diag(rng.normal(size=n)),
            "dPred_dZ": np.diag(rng.uniform(0.01, 0.25, size=n)),
            "dZ_dW": rng.normal(size=(n, l)), "dZ_db": np.ones((n, 1))}


def is_linreg_chain(result, inputs):
    """linreg_backprop is the lecture's chain of matrix products."""
    jac = inputs[0]
    d_pred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    return _same_products(result, {"dJ_dPred": d_pred, "dJ_dW": d_pred @ jac["dPred_dW"],
                                   "dJ_db": d_pred @ jac["dPred_db"]})


def is_logreg_chain(result, inputs):
    """logreg_backprop is the lecture's chain of matrix products."""
    jac = inputs[0]
    d_pred = jac["dJ_dJ0"] @ jac["dJ0_dPred"]
    d_z = d_pred @ jac["dPred_dZ"]
    return _same_products(result, {"dJ_dPred": d_pred, "dJ_dZ": d_z, "dJ_dW": d_z @ jac["dZ_dW"],
                                   "dJ_db": d_z @ jac["dZ_db"]})


def _same_products(result, products):
    formulas = {"dJ_dPred": "dJ_dJ0 @ dJ0_dPred", "dJ_dZ": "dJ_dPred @ dPred_dZ",
                "dJ_dW": "dJ_dPred @ dPred_dW (dJ_dZ @ dZ_dW for logistic regression)",
                "dJ_db": "dJ_dPred @ dPred_db (dJ_dZ @ dZ_db for logistic regression)"}
    if not isinstance(result, dict):
        return f"the result should be a dict with keys {sorted(products)}."
    for key, expected in products.items():
        problem = compare(result.get(key), expected, what=f"result[{key!r}]", layout=LAYOUT)
        if problem:
            return f"{problem}\n{key} should be {formulas[key]}."
    return None


def first_loss_is_initial(J_of):
    """The loss history starts with J at the starting parameters (before any update)."""

    def predicate(result, inputs):
        X, Y, W, b = inputs[:4]
        first = float(np.asarray(result[2])[0])
        expected = float(J_of(X, Y, W, b))
        if abs(first - expected) <= 1e-9 + 1e-6 * abs(expected):
            return None
        return (f"the first entry of the loss history is {first:.6g}, but J at the starting W and b is "
                f"{expected:.6g}: record J before updating the parameters.")

    return predicate


def zero_start_accuracy(result, inputs):
    """With W = 0 and b = 0 every Pred is exactly 0.5, which the lecture's
    (Pred > 0.5) counts as class 0."""
    Y = inputs[1]
    first = float(np.asarray(result[3])[0])
    expected = float(np.mean(Y == 0))
    if abs(first - expected) <= 1e-12:
        return None
    return (f"acc_track[0] is {first:.6g}, expected {expected:.6g}: with W = 0 and b = 0 every Pred is "
            "exactly 0.5, and the lecture predicts class 1 only when Pred > 0.5 (strictly).")


LIN_X, LIN_Y, LIN_W, LIN_B = lecture_linear_data()
LOG_X, LOG_Y, LOG_W, LOG_B = lecture_logistic_data()
LOG_SMALL = (LOG_X[:40], LOG_Y[:40], LOG_W, LOG_B)  # the first 40 samples keep the (N, N) checks quick

LINEAR_SCRIPT = Fixed(X=LIN_X, Y=LIN_Y, W=LIN_W, b=LIN_B, lr=0.03, epochs=100)
LOGISTIC_SCRIPT = Fixed(X=LOG_X, Y=LOG_Y, W=LOG_W, b=LOG_B, lr=0.01, epochs=100)

LINEAR_SUMMARY = Program(f"(lambda W, b, J_list: (W, b, np.asarray(J_list)[{list(LINEAR_J_AT)}]))"
                         "(*linreg_train(X, Y, W, b, lr, epochs))")
LOGISTIC_SUMMARY = Program(f"(lambda W, b, J_track, acc_track: (W, b, np.asarray(J_track)[{list(LOGISTIC_J_AT)}], "
                           f"np.asarray(acc_track)[{list(LOGISTIC_ACC_AT)}]))(*logreg_train(X, Y, W, b, lr, epochs))")


def _linear_J(X, Y, W, b):
    return np.mean((Y - (X @ W + b)) ** 2)


def _logistic_J(X, Y, W, b):
    return _bce(Y, sigmoid(X @ W + b))


# Shapes and purity are what a constant answer also has: those cases earn their points only with the right
# values, the reference's (left out of a self-check, which has no reference) or the chain of matrix products.
PUBLIC = [
    ("linreg_jacobians", Case("numerator-layout shapes on the lecture's data (N=32, l=5)",
                              Fixed((LIN_X, LIN_Y, LIN_W, LIN_B)),
                              AllOf(Matches("linreg_jacobians", expected=linreg_shapes(32, 5), values=False),
                                    Matches("linreg_jacobians")))),
    ("linreg_jacobians", Case("returns new arrays and leaves X, Y, W, b unchanged",
                              Fixed((LIN_X, LIN_Y, LIN_W, LIN_B)),
                              AllOf(Matches("linreg_jacobians"), Pure("linreg_jacobians")))),
    *linreg_derivative_cases(Fixed(**dict(zip(LIN_CHAIN, linear_chain(LIN_X, LIN_Y, LIN_W, LIN_B))))),
    ("linreg_backprop", Case("the chain of matrix products, on a Jacobian dict with random entries (N=6, l=4)",
                             Seeded(lambda r: (linreg_jac_like(r, 6, 4),)),
                             Satisfies("linreg_backprop", is_linreg_chain))),
    ("linreg_backprop", Case("leaves the Jacobian dict unchanged", Seeded(lambda r: (linreg_jac_like(r, 6, 4),)),
                             AllOf(Satisfies("linreg_backprop", is_linreg_chain), Pure("linreg_backprop")))),
    ("linreg_train", Case("the lecture's script: J_list[0] = 1.0731, J_list[99] = 0.00022, final W and b",
                          LINEAR_SCRIPT,
                          Matches(LINEAR_SUMMARY, expected=(LINEAR_FINAL_W, LINEAR_FINAL_B,
                                                            np.array(list(LINEAR_J_AT.values()))),
                                  rtol=1e-6, atol=1e-9))),
    ("linreg_train", Case("shapes after 4 epochs on the lecture's data: W (5, 1), b (1, 1), J_list (4,)",
                          Fixed((LIN_X, LIN_Y, LIN_W, LIN_B, 0.03, 4)),
                          AllOf(Matches("linreg_train", expected=(np.zeros((5, 1)), np.zeros((1, 1)), np.zeros(4)),
                                        values=False),
                                Matches("linreg_train")))),
    ("linreg_train", Case("J_list[0] is the loss before the first update", Fixed((LIN_X, LIN_Y, LIN_W, LIN_B, 0.03, 3)),
                          Satisfies("linreg_train", first_loss_is_initial(_linear_J)))),
    ("linreg_train", Case("leaves X, Y, W, b unchanged", Fixed((LIN_X, LIN_Y, LIN_W, LIN_B, 0.03, 3)),
                          AllOf(Matches("linreg_train"), Pure("linreg_train")))),
    ("logreg_jacobians", Case("numerator-layout shapes on the lecture's data (N=500, l=3)",
                              Fixed((LOG_X, LOG_Y, LOG_W, LOG_B)),
                              AllOf(Matches("logreg_jacobians", expected=logreg_shapes(500, 3), values=False),
                                    Matches("logreg_jacobians")))),
    ("logreg_jacobians", Case("returns new arrays and leaves X, Y, W, b unchanged", Fixed(LOG_SMALL),
                              AllOf(Matches("logreg_jacobians"), Pure("logreg_jacobians")))),
    *logreg_derivative_cases(Fixed(**dict(zip(LOG_CHAIN, logistic_chain(*LOG_SMALL)))),
                             where="the lecture's first 40 samples"),
    ("logreg_backprop", Case("the chain of matrix products, on a Jacobian dict with random entries (N=6, l=4)",
                             Seeded(lambda r: (logreg_jac_like(r, 6, 4),)),
                             Satisfies("logreg_backprop", is_logreg_chain))),
    ("logreg_backprop", Case("leaves the Jacobian dict unchanged", Seeded(lambda r: (logreg_jac_like(r, 6, 4),)),
                             AllOf(Satisfies("logreg_backprop", is_logreg_chain), Pure("logreg_backprop")))),
    ("logreg_train", Case("the lecture's script: J 0.6863 -> 0.5650, accuracy 0.636 -> 0.696, final W and b",
                          LOGISTIC_SCRIPT,
                          Matches(LOGISTIC_SUMMARY, expected=(LOGISTIC_FINAL_W, LOGISTIC_FINAL_B,
                                                              np.array(list(LOGISTIC_J_AT.values())),
                                                              np.array(list(LOGISTIC_ACC_AT.values()))),
                                  rtol=1e-6, atol=1e-9))),
    ("logreg_train", Case("shapes after 4 epochs on the lecture's data: W (3, 1), b (1, 1), J_track (4,), "
                          "acc_track (4,)", Fixed((LOG_X, LOG_Y, LOG_W, LOG_B, 0.01, 4)),
                          AllOf(Matches("logreg_train", expected=(np.zeros((3, 1)), np.zeros((1, 1)), np.zeros(4),
                                                                  np.zeros(4)), values=False),
                                Matches("logreg_train")))),
    ("logreg_train", Case("J_track[0] is the loss before the first update", Fixed((*LOG_SMALL, 0.01, 3)),
                          Satisfies("logreg_train", first_loss_is_initial(_logistic_J)))),
    ("logreg_train", Case("starting from W = 0, b = 0: Pred = 0.5 exactly counts as class 0",
                          Fixed((LOG_X, LOG_Y, np.zeros((3, 1)), np.zeros((1, 1)), 0.01, 2)),
                          Satisfies("logreg_train", zero_start_accuracy))),
    ("logreg_train", Case("leaves X, Y, W, b unchanged", Fixed((*LOG_SMALL, 0.01, 3)),
                          AllOf(Matches("logreg_train"), Pure("logreg_train")))),
]
