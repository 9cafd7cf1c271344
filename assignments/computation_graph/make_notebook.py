"""Write the student notebook computation_graph.ipynb next to this file.

Run it after editing the cells below; commit both this script and the notebook.
"""

from pathlib import Path

from autograder.notebook.authoring import assignment_notebook, check, code, md, write_assignment_notebook

NAME = "computation_graph"


CELLS = [
    md(r"""
# Logistic regression, part 2: computation graphs, derivatives and vectorization

This notebook follows the lecture *Logistic Regression: Part 2*. Its outline:

1. **Computation graph**: break a formula into small steps, evaluate them forwards, then send derivatives
   backwards with the chain rule.
2. **Derivatives**: the analytic derivative versus the numerical one (forward and central differences), and
   how to check one with the other.
3. **Back propagation for logistic regression**, first with the lecture's loops over samples and features,
   then **vectorized** with NumPy, and finally the whole **vectorized gradient descent**.

**How to work.** Each function you write has its own cell holding a stub that raises `NotImplementedError`.
Replace the body with your code (NumPy only), run the cell, then run the `check(...)` cell under it: it runs
the public tests for that function and says what to fix. Keep the function names and argument order as
given; the grader calls them by position. The grader also runs hidden tests on other inputs (other numbers,
other functions, other sizes), so do not write in the lecture's numbers.
"""),
    code("""
import time

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from autograder.selfcheck import Checker
check = Checker("computation_graph")
"""),
    md(r"""
## 1. Computation graph: the forward pass

The lecture's example is
$$J = 2(a + bc).$$
A computation graph splits it into one elementary operation per node:
$$u = bc, \qquad v = a + u, \qquad J = 2v.$$
The **forward pass** evaluates the nodes from left to right. The lecture keeps the letters $a$, $b$, $c$;
in this notebook we evaluate the graph at $a = 5$, $b = 3$, $c = 2$:
$$u = 3 \cdot 2 = 6, \qquad v = 5 + 6 = 11, \qquad J = 2 \cdot 11 = 22.$$
"""),
    code("""
a, b, c = 5.0, 3.0, 2.0   # the point where we evaluate J = 2(a + bc)
"""),
    code('''
def forward(a, b, c):
    """Forward pass of J = 2(a + bc) through its computation graph.

    a, b, c: numbers. Returns the three node values (u, v, J) as numbers:
    u = b * c, v = a + u, J = 2 * v.
    """
    raise NotImplementedError("write forward")
'''),
    check("forward"),
    md(r"""
## 2. Computation graph: the backward pass

The **backward pass** walks the graph from right to left. Each node multiplies the derivative that arrives
from its right by its own *local* derivative (the chain rule):
$$\frac{dJ}{dv} = 2,$$
$$\frac{dJ}{da} = \frac{dJ}{dv}\cdot\frac{dv}{da} = 2 \cdot 1 = 2, \qquad
\frac{dJ}{du} = \frac{dJ}{dv}\cdot\frac{dv}{du} = 2 \cdot 1 = 2,$$
$$\frac{dJ}{db} = \frac{dJ}{dv}\cdot\frac{dv}{du}\cdot\frac{du}{db} = 2c, \qquad
\frac{dJ}{dc} = \frac{dJ}{du}\cdot\frac{du}{dc} = 2b.$$
Note how $\frac{dJ}{du}$ is computed once and reused for both $b$ and $c$: that reuse is what makes back
propagation cheap. At $a = 5$, $b = 3$, $c = 2$: $\frac{dJ}{da} = 2$, $\frac{dJ}{db} = 2c = 4$,
$\frac{dJ}{dc} = 2b = 6$.

Check these against the formula: $J = 2a + 2bc$, so increasing $b$ by a small $\delta$ increases $J$ by
$2c\,\delta$. Your `backward` is also checked against central differences of *your* `forward`.
"""),
    code('''
def backward(a, b, c):
    """Backward pass of J = 2(a + bc): the derivatives of J with respect to the inputs.

    a, b, c: numbers. Returns (dJ_da, dJ_db, dJ_dc) as numbers, built with the chain rule
    from dJ/dv = 2, dv/da = dv/du = 1, du/db = c, du/dc = b.
    """
    raise NotImplementedError("write backward")
'''),
    check("backward"),
    md(r"""
The picture below is the lecture's graph at $a = 5$, $b = 3$, $c = 2$: each box shows its node's formula
and, in green, the value from your `forward`; in red under each box, the derivative of $J$ with respect to
that node ($\frac{dJ}{da}$, $\frac{dJ}{db}$, $\frac{dJ}{dc}$ come from your `backward`); on each arrow, the
local derivative used by the chain rule. Boxes show `?` until the functions are written.
"""),
    code(r"""
def draw_graph(values, derivatives):
    # one box per node: formula, forward value (green), dJ/d(node) (red); local derivatives on the arrows
    where = {"a": (0.0, 3.4), "b": (0.0, 1.7), "c": (0.0, 0.0), "u": (3.6, 0.85), "v": (7.2, 2.1), "J": (10.8, 2.1)}
    formula = {"a": "$a$", "b": "$b$", "c": "$c$", "u": "$u = bc$", "v": "$v = a + u$", "J": "$J = 2v$"}
    # (from, to, local derivative, where its label goes, alignment)
    edges = [("b", "u", r"$\partial u/\partial b = c$", (1.95, 1.62), "center"),
             ("c", "u", r"$\partial u/\partial c = b$", (1.95, 0.08), "center"),
             ("a", "v", r"$\partial v/\partial a = 1$", (3.6, 3.05), "center"),
             ("u", "v", r"$\partial v/\partial u = 1$", (5.25, 1.62), "right"),
             ("v", "J", r"$\partial J/\partial v = 2$", (9.0, 2.35), "center")]
    half_width, half_height = 1.0, 0.5
    fig, ax = plt.subplots(figsize=(12, 5.5))
    for start, end, label, (label_x, label_y), align in edges:
        (x0, y0), (x1, y1) = where[start], where[end]
        ax.annotate("", xy=(x1 - half_width - 0.05, y1), xytext=(x0 + half_width + 0.05, y0),
                    arrowprops=dict(arrowstyle="-|>", lw=1.6, color="0.25", mutation_scale=16))
        ax.text(label_x, label_y, label, ha=align, va="center", fontsize=11, color="0.3")
    for node, (x, y) in where.items():
        ax.add_patch(FancyBboxPatch((x - half_width, y - half_height), 2 * half_width, 2 * half_height,
                                    boxstyle="round,pad=0.04", fc="#e8f0fe", ec="#1f4e9c", lw=1.6))
        ax.text(x, y + 0.17, formula[node], ha="center", va="center", fontsize=13)
        ax.text(x, y - 0.2, "= " + values[node], ha="center", va="center", fontsize=13, color="#1a7f37",
                weight="bold")
        ax.text(x, y - half_height - 0.3, derivatives[node], ha="center", va="center", fontsize=12,
                color="#c0392b")
    ax.set_xlim(-1.4, 12.2)
    ax.set_ylim(-1.1, 4.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"J = 2(a + bc) at a = {a:g}, b = {b:g}, c = {c:g}: "
                 "forward values (green), backward derivatives (red)", fontsize=13)
    plt.show()


values = dict.fromkeys("abcuvJ", "?")
derivatives = {"a": "dJ/da = ?", "b": "dJ/db = 2c = ?", "c": "dJ/dc = 2b = ?",
               "u": "dJ/du = 2", "v": "dJ/dv = 2", "J": "dJ/dJ = 1"}
values.update(a=f"{a:g}", b=f"{b:g}", c=f"{c:g}")
try:
    u, v, J = forward(a, b, c)
    values.update(u=f"{u:g}", v=f"{v:g}", J=f"{J:g}")
except NotImplementedError as e:
    print("implement forward to see the node values:", e)
try:
    dJ_da, dJ_db, dJ_dc = backward(a, b, c)
    derivatives.update(a=f"dJ/da = {dJ_da:g}", b=f"dJ/db = 2c = {dJ_db:g}", c=f"dJ/dc = 2b = {dJ_dc:g}")
except NotImplementedError as e:
    print("implement backward to see the derivatives:", e)
draw_graph(values, derivatives)
"""),
    md(r"""
## 3. Analytic and numerical derivatives

The derivative is a limit:
$$f'(x) = \lim_{h \to 0} \frac{f(x+h) - f(x)}{h}.$$

| analytic derivative (a formula, like `backward`) | numerical derivative (finite differences) |
| --- | --- |
| fast | slow (one or two evaluations of $f$ per input) |
| accurate | approximate |
| error-prone | easy to code |

The two complement each other: write the analytic derivative, then **check it numerically** on a few
points. The lecture gives two finite differences with a small step $h$:
$$\text{forward difference:}\quad f'(x) \approx \frac{f(x+h) - f(x)}{h}, \qquad
\text{central difference:}\quad f'(x) \approx \frac{f(x+h) - f(x-h)}{2h}.$$

Why is the central one better? Taylor's formula gives
$f(x \pm h) = f(x) \pm h f'(x) + \frac{h^2}{2} f''(x) \pm \frac{h^3}{6} f'''(x) + \dots$, so
$$\frac{f(x+h) - f(x)}{h} = f'(x) + \frac{h}{2} f''(x) + \dots \qquad \text{(error } O(h)\text{)},$$
$$\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \frac{h^2}{6} f'''(x) + \dots \qquad \text{(error } O(h^2)\text{)}:$$
the $h^2$ terms cancel in the central difference. Dividing $h$ by 10 divides the forward error by about 10 and
the central error by about 100.

Example: $f(x) = x^2$ at $x = 3$ with $h = 0.1$: forward $\frac{9.61 - 9}{0.1} = 6.1$, central
$\frac{9.61 - 8.41}{0.2} = 6$, exact $f'(3) = 6$.

Here `f` is a Python function of one number that returns one number (for instance `np.sin`, or
`lambda t: t**2`).
"""),
    code('''
def forward_difference(f, x, h):
    """Forward-difference approximation of f'(x), a number.

    f: function from a number to a number; x: the point; h: the step (> 0).
    Returns (f(x + h) - f(x)) / h.
    """
    raise NotImplementedError("write forward_difference")
'''),
    check("forward_difference"),
    code('''
def central_difference(f, x, h):
    """Central-difference approximation of f'(x), a number.

    f: function from a number to a number; x: the point; h: the step (> 0).
    Returns (f(x + h) - f(x - h)) / (2 h).
    """
    raise NotImplementedError("write central_difference")
'''),
    check("central_difference"),
    md(r"""
### A gradient check of the backward pass

To check `backward` numerically, vary one input at a time and keep the others fixed: $\frac{dJ}{da}$ is the
derivative of the one-variable function $t \mapsto J(t, b, c)$ at $t = a$. This is exactly what the grader
does with your functions.

$J$ is linear in each input separately (the graph only adds and multiplies), so here both differences are
exact up to rounding. To see their different accuracy we need a curved function: that is the next question.
"""),
    code("""
try:
    step = 1e-5
    J_along = {"a": lambda t: forward(t, b, c)[2], "b": lambda t: forward(a, t, c)[2],
               "c": lambda t: forward(a, b, t)[2]}
    point = {"a": a, "b": b, "c": c}
    print("backward(a, b, c)        :", np.round(backward(a, b, c), 6))
    print("forward differences of J :", np.round([forward_difference(J_along[n], point[n], step) for n in "abc"], 6))
    print("central differences of J :", np.round([central_difference(J_along[n], point[n], step) for n in "abc"], 6))
except NotImplementedError as e:
    print("implement forward, backward, forward_difference and central_difference first:", e)
"""),
    md(r"""
### How the error depends on $h$

`difference_errors(f, df, x, hs)` takes the function `f`, its exact derivative `df` (also a function), a
point `x` and an array of steps `hs`. It returns two arrays of shape `(len(hs),)`, in the order of `hs`:
the **absolute** errors $|\text{approximation} - f'(x)|$ of the forward and of the central difference.

Example: for $f(x) = x^3$ at $x = 1$ the errors are exactly $3h + h^2$ (forward) and $h^2$ (central): with
`hs = [0.1, 0.01, 0.001]` they are `[0.31, 0.0301, 0.003001]` and `[0.01, 0.0001, 0.000001]`.
"""),
    code('''
def difference_errors(f, df, x, hs):
    """Absolute errors of the forward and the central difference for each step size.

    f: function from a number to a number; df: its exact derivative, also a function;
    x: the point; hs: array of step sizes, shape (H,).
    Returns (forward_errors, central_errors), each of shape (H,) in the order of hs:
    |forward_difference(f, x, h) - df(x)| and |central_difference(f, x, h) - df(x)|.
    """
    raise NotImplementedError("write difference_errors")
'''),
    check("difference_errors"),
    md(r"""
The log-log plot below uses $f = \sin$ at $x = 1$. On a log-log plot an error $C h^p$ is a straight line of
slope $p$: the forward errors follow the dashed line of slope 1, the central errors the dotted line of slope 2.

Why do the errors grow again for very small $h$? A computer stores about 16 significant digits, so $f(x+h)$
and $f(x)$ each carry a rounding error of about $10^{-16}$; their difference is divided by $h$, which
magnifies it to about $10^{-16}/h$. The best step balances the two errors: about $10^{-8}$ for the forward
difference and about $10^{-5}$ for the central one, which is why gradient checks use $h \approx 10^{-5}$ to
$10^{-6}$ with central differences.
"""),
    code(r"""
hs = np.logspace(-10, 0, 61)
try:
    forward_errors, central_errors = difference_errors(np.sin, np.cos, 1.0, hs)

    def fitted_slope(errors, low, high):
        # least-squares slope of log10(error) against log10(h) where truncation dominates
        keep = (hs >= low) & (hs <= high) & (errors > 0)
        return np.polyfit(np.log10(hs[keep]), np.log10(errors[keep]), 1)[0]

    forward_slope = fitted_slope(forward_errors, 1e-5, 1e-1)
    central_slope = fitted_slope(central_errors, 1e-3, 1e-1)
    print(f"fitted log-log slope, forward difference: {forward_slope:.2f} (O(h): 1)")
    print(f"fitted log-log slope, central difference: {central_slope:.2f} (O(h^2): 2)")

    fig, ax = plt.subplots(figsize=(8, 5.5))
    shown = lambda errors: np.where(errors > 0, errors, np.nan)  # log scale: an exact 0 cannot be drawn
    ax.loglog(hs, shown(forward_errors), "o-", ms=3, label="forward difference")
    ax.loglog(hs, shown(central_errors), "s-", ms=3, label="central difference")
    ax.loglog(hs, np.sin(1.0) / 2 * hs, "--", color="0.4", label=r"$\frac{h}{2}|f''(1)|$, slope 1")
    ax.loglog(hs, np.cos(1.0) / 6 * hs ** 2, ":", color="0.2", lw=2, label=r"$\frac{h^2}{6}|f'''(1)|$, slope 2")
    ax.loglog(hs, 1e-16 / hs, "-.", color="0.6", label=r"rounding $\approx 10^{-16}/h$")
    ax.set_ylim(1e-17, 10)
    ax.set_xlabel("step h")
    ax.set_ylabel("absolute error of the derivative of sin at x = 1")
    ax.set_title(f"Forward vs central difference: fitted slopes {forward_slope:.2f} and {central_slope:.2f}")
    ax.legend(loc="upper left")
    ax.grid(True, which="major", alpha=0.3)
    plt.show()
except NotImplementedError as e:
    print("implement forward_difference, central_difference and difference_errors first:", e)
"""),
    md(r"""
## 4. The computation graph of logistic regression

**Notation of this lecture: $M$ samples, $N$ features** (the previous lecture used $N$ for samples; here it
is the other way round). Sample $m$ has features $x^{(m)}_1, \dots, x^{(m)}_N$ and label $y^{(m)} \in \{0, 1\}$.
For one sample the graph is
$$z = w_1 x_1 + w_2 x_2 + \dots + w_N x_N + b \;\longmapsto\; \hat{y} = \sigma(z) = \frac{1}{1 + e^{-z}}
\;\longmapsto\; \mathcal{L}(\hat{y}, y) = -\big(y \log\hat{y} + (1-y)\log(1-\hat{y})\big),$$
and the cost is the mean over the samples, $J(\mathbf{w}, b) = \frac{1}{M}\sum_{m=1}^{M} \mathcal{L}(\hat{y}^{(m)}, y^{(m)})$.

**Back propagation** through this graph, right to left:
$$\frac{\partial\mathcal{L}}{\partial\hat{y}} = -\frac{y}{\hat{y}} + \frac{1-y}{1-\hat{y}}, \qquad
\frac{\partial\hat{y}}{\partial z} = \hat{y}(1-\hat{y}), \qquad
\frac{\partial\mathcal{L}}{\partial z} = \frac{\partial\mathcal{L}}{\partial\hat{y}}\cdot\frac{\partial\hat{y}}{\partial z} = \hat{y} - y,$$
$$\frac{\partial\mathcal{L}}{\partial w_n} = \frac{\partial\mathcal{L}}{\partial z}\cdot\frac{\partial z}{\partial w_n} = (\hat{y} - y)\,x_n,
\qquad \frac{\partial\mathcal{L}}{\partial b} = \hat{y} - y.$$
The cost is a mean, so its gradient is the mean of these over the samples.

**Layout.** `X` has one row per sample, shape `(M, N)`; `w` has shape `(N,)`; `b` is a number; `y` has shape
`(M,)`. The gradients are `dw` of shape `(N,)` and `db`, a number.

**Data.** The previous lecture's four iris flowers (petal length, petal width), now without the column of
ones because $b$ is kept apart, and its starting point $\mathbf{w} = [0.5, -0.1]$, $b = 0.1$. That lecture's
batch gradient $[0.2702, 0.2431, -0.019]$ for $\boldsymbol{\theta} = [b, w_1, w_2]$ becomes
$\frac{\partial J}{\partial\mathbf{w}} \approx [0.2431, -0.0195]$ and $\frac{\partial J}{\partial b} \approx 0.2702$.
"""),
    code("""
X_flowers = np.array([[1.4, 0.2],
                      [1.5, 0.2],
                      [3.0, 1.1],
                      [4.1, 1.3]])          # (M, N) = (4, 2): petal length, petal width
y_flowers = np.array([0.0, 0.0, 1.0, 1.0])  # (M,)
w_start = np.array([0.5, -0.1])             # (N,)
b_start = 0.1
print("X", X_flowers.shape, " y", y_flowers.shape, " w", w_start.shape, " b", b_start)
"""),
    md(r"""
### The back propagation loop

The lecture's algorithm, with one loop over the samples and one over the features:

> **Initialize** $\frac{\partial J}{\partial w_1} = 0, \dots, \frac{\partial J}{\partial w_N} = 0$, $\frac{\partial J}{\partial b} = 0$. <br>
> **For** $m = 1$ to $M$: <br>
> &nbsp;&nbsp;&nbsp;&nbsp;compute $\hat{y}^{(m)} = \sigma(z^{(m)})$, $z^{(m)} = \sum_n w_n x^{(m)}_n + b$ <br>
> &nbsp;&nbsp;&nbsp;&nbsp;**for** $n = 1$ to $N$: $\quad \frac{\partial J}{\partial w_n} \mathrel{+}= (\hat{y}^{(m)} - y^{(m)})\,x^{(m)}_n$ <br>
> &nbsp;&nbsp;&nbsp;&nbsp;$\frac{\partial J}{\partial b} \mathrel{+}= \hat{y}^{(m)} - y^{(m)}$ $\quad$ (once per sample: *outside* the loop over $n$) <br>
> **For** $n = 1$ to $N$: $\quad \frac{\partial J}{\partial w_n} = \frac{1}{M}\frac{\partial J}{\partial w_n}$; $\qquad \frac{\partial J}{\partial b} = \frac{1}{M}\frac{\partial J}{\partial b}$.

(The slide then takes the step $w_n = w_n - \alpha\frac{\partial J}{\partial w_n}$, $b = b - \alpha\frac{\partial J}{\partial b}$;
here the function only returns the gradients.) Write it with Python loops, as on the slide.
"""),
    code('''
def logistic_gradients_loop(X, y, w, b):
    """Gradients of the mean binary cross-entropy, with the lecture's loops.

    X: (M, N) samples in rows; y: (M,) labels 0/1; w: (N,); b: a number.
    For each sample m: y_hat = sigmoid(X[m] . w + b); for each feature n: dw[n] += (y_hat - y[m]) * X[m, n];
    then, once per sample, db += y_hat - y[m]. Finally divide both by M.
    Returns (dw of shape (N,), db a number).
    """
    raise NotImplementedError("write logistic_gradients_loop")
'''),
    check("logistic_gradients_loop"),
    md(r"""
## 5. Vectorization

Python loops are slow: every step goes through the interpreter. NumPy's array operations run the same loops
in compiled code. Stack the predictions in a vector $\hat{\mathbf{y}} = \sigma(\mathbf{X}\mathbf{w} + b)$ of
shape $(M,)$ (the slide writes $\mathbf{X}\mathbf{w}^T$ because it treats $\mathbf{w}$ as a row); then both
loops disappear:
$$\frac{\partial J}{\partial\mathbf{w}} = \frac{1}{M}(\hat{\mathbf{y}} - \mathbf{y})^T\mathbf{X}
\quad\text{(np.matmul or np.dot)}, \qquad
\frac{\partial J}{\partial b} = \frac{1}{M}\sum_m(\hat{y}^{(m)} - y^{(m)}) \quad\text{(np.sum)}.$$
$(\hat{\mathbf{y}} - \mathbf{y})^T\mathbf{X}$ has shape $(M,)\cdot(M, N) \to (N,)$: entry $n$ is
$\sum_m (\hat{y}^{(m)} - y^{(m)})\,x^{(m)}_n$, the sum the double loop builds.

**Graded on form too:** the body of `logistic_gradients_vectorized` must contain no `for` or `while` loop,
no comprehension, and no `map`, `np.vectorize` or `np.apply_along_axis` (those loop in Python as well).
The grader reads your cell to check this; the `check(...)` below only tests the values.

*About the slides.* The vectorization slide updates the bias with
$b = b - \alpha\frac{\partial J}{\partial\mathbf{w}}$: that is a typo, the bias moves along its own derivative,
$b = b - \alpha\frac{\partial J}{\partial b}$ (as the gradient-descent slide below writes it). With $N > 1$
features the typo would not even run: $b$ is a number and $\frac{\partial J}{\partial\mathbf{w}}$ a vector. (The line
$b - \alpha\frac{\partial b}{\partial b}$ under it on the same slide is a leftover; ignore it.)
"""),
    code('''
def logistic_gradients_vectorized(X, y, w, b):
    """The same gradients as logistic_gradients_loop, without any Python loop.

    X: (M, N); y: (M,); w: (N,); b: a number. With y_hat = sigmoid(X @ w + b):
    dw = (y_hat - y) @ X / M, shape (N,); db = sum(y_hat - y) / M, a number.
    Returns (dw, db).
    """
    raise NotImplementedError("write logistic_gradients_vectorized")
'''),
    check("logistic_gradients_vectorized"),
    md(r"""
How much faster is it? The cell below times both versions on random data with $N = 10$ features and a growing
number of samples $M$, and plots the times and the speed-up.
"""),
    code("""
def best_time(function, *args, repeats=3):
    # the fastest of a few runs: other programs on the machine only ever make a run slower
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


try:
    rng = np.random.default_rng(0)
    sample_counts = [100, 300, 1000, 3000]
    feature_count = 10
    loop_times, vectorized_times, largest_gap = [], [], 0.0
    for M_samples in sample_counts:
        X_random = rng.normal(size=(M_samples, feature_count))
        y_random = (rng.random(M_samples) < 0.5).astype(float)
        w_random = rng.normal(scale=0.5, size=feature_count)
        loop_times.append(best_time(logistic_gradients_loop, X_random, y_random, w_random, 0.1, repeats=2))
        vectorized_times.append(best_time(logistic_gradients_vectorized, X_random, y_random, w_random, 0.1,
                                          repeats=20))
        dw_loop, db_loop = logistic_gradients_loop(X_random, y_random, w_random, 0.1)
        dw_vec, db_vec = logistic_gradients_vectorized(X_random, y_random, w_random, 0.1)
        largest_gap = max(largest_gap, np.max(np.abs(dw_loop - dw_vec)), abs(db_loop - db_vec))
    speedups = np.array(loop_times) / np.array(vectorized_times)
    for M_samples, loop_t, vec_t, speedup in zip(sample_counts, loop_times, vectorized_times, speedups):
        print(f"M = {M_samples:5d}: loop {loop_t * 1e3:8.2f} ms   vectorized {vec_t * 1e3:7.3f} ms   "
              f"speed-up {speedup:6.0f}x")
    print(f"largest difference between the two versions' gradients: {largest_gap:.1e}")

    fig, (times_ax, speedup_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    times_ax.loglog(sample_counts, np.array(loop_times) * 1e3, "o-", label="logistic_gradients_loop")
    times_ax.loglog(sample_counts, np.array(vectorized_times) * 1e3, "s-", label="logistic_gradients_vectorized")
    times_ax.set_xlabel("number of samples M")
    times_ax.set_ylabel("time per call (ms)")
    times_ax.set_title(f"Time for N = {feature_count} features")
    times_ax.legend()
    times_ax.grid(True, which="major", alpha=0.3)
    speedup_ax.bar([str(M_samples) for M_samples in sample_counts], speedups, color="#1f77b4")
    for position, speedup in enumerate(speedups):
        speedup_ax.text(position, speedup, f"{speedup:.0f}x", ha="center", va="bottom")
    speedup_ax.set_xlabel("number of samples M")
    speedup_ax.set_ylabel("loop time / vectorized time")
    speedup_ax.set_title("Measured speed-up of the vectorized version")
    plt.tight_layout()
    plt.show()
except NotImplementedError as e:
    print("implement logistic_gradients_loop and logistic_gradients_vectorized first:", e)
"""),
    md(r"""
## 6. Vectorized gradient descent

The lecture's last slide puts everything together. **While** $J > \varepsilon$:
$$\begin{aligned}
\hat{\mathbf{y}} &= \sigma(\mathbf{X}\mathbf{w} + b) \\
\mathcal{L}(\hat{\mathbf{y}}, \mathbf{y}) &= -\big(\mathbf{y}\log\hat{\mathbf{y}} + (1-\mathbf{y})\log(1-\hat{\mathbf{y}})\big) \\
J(\mathbf{w}, b) &= \frac{1}{M}\sum\mathcal{L}(\hat{\mathbf{y}}, \mathbf{y}) \\
\frac{\partial J}{\partial\mathbf{w}} &= \frac{1}{M}(\hat{\mathbf{y}} - \mathbf{y})^T\mathbf{X}, \qquad
\frac{\partial J}{\partial b} = \frac{1}{M}\sum(\hat{\mathbf{y}} - \mathbf{y}) \\
\mathbf{w} &= \mathbf{w} - \alpha\frac{\partial J}{\partial\mathbf{w}}, \qquad b = b - \alpha\frac{\partial J}{\partial b}
\end{aligned}$$

A `while` loop whose condition may never become false needs a safety cap. Write it exactly like this:

for at most `max_iters` iterations:
1. compute $J$ at the current $(\mathbf{w}, b)$ and append it to `losses`;
2. if $J \le \varepsilon$ (`eps`), stop without stepping;
3. otherwise take one step with your vectorized gradients (`lr` is $\alpha$).

So `losses[k]` is $J$ before step $k$, and `len(losses)` is the number of times $J$ was computed. The returned
`w`, `b` are the values when the loop ends: if $J \le \varepsilon$ was found, the values at which that $J$ was
computed; if the loop ran out of iterations, the values after the last step, which is taken after the last
evaluation too (`max_iters` evaluations and `max_iters` steps). With `max_iters = 1` and a loss above
$\varepsilon$ you get one loss and the point after one step. Return a new `w`; do not change the caller's
array in place.
"""),
    code('''
def gradient_descent(X, y, w, b, lr, eps, max_iters):
    """Vectorized gradient descent on the mean binary cross-entropy.

    X: (M, N); y: (M,); w: (N,) starting weights; b: starting bias (a number);
    lr: learning rate alpha; eps: stop as soon as J <= eps; max_iters: at most this many iterations.
    Each iteration: J at the current (w, b), append it to losses, stop (without stepping) if J <= eps,
    else w = w - lr * dw, b = b - lr * db (the last iteration steps too).
    Returns (w (N,), b a number, losses of shape (number of evaluations,)).
    """
    raise NotImplementedError("write gradient_descent")
'''),
    check("gradient_descent"),
    md(r"""
On the flowers, with $\alpha = 0.5$ and $\varepsilon = 0.1$: the loss starts at the previous lecture's batch loss
$0.6693$ (printed as 0.6691 on its slide) and falls until it first reaches $\varepsilon$.
"""),
    code("""
try:
    w_final, b_final, losses = gradient_descent(X_flowers, y_flowers, w_start, b_start, 0.5, 0.1, 1000)
    losses = np.asarray(losses)
    print(f"first loss {losses[0]:.5f}; stopped after {len(losses)} evaluations with J = {losses[-1]:.5f}")
    print("w =", np.round(w_final, 4), "  b =", round(float(b_final), 4))
    print("predictions:", np.round(1 / (1 + np.exp(-(X_flowers @ w_final + b_final))), 3), " labels:", y_flowers)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(np.arange(len(losses)), losses, label="J(w, b)")
    ax.axhline(0.1, color="#c0392b", ls="--", label=r"$\\varepsilon = 0.1$")
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean binary cross-entropy J")
    ax.set_title("Vectorized gradient descent on the flowers (lr = 0.5)")
    ax.legend()
    plt.show()
except NotImplementedError as e:
    print("implement logistic_gradients_vectorized and gradient_descent first:", e)
"""),
    md(r"""
## All public checks

Run every public test at once before you submit. The grader also runs hidden tests: the same kinds of
checks on other numbers, other functions $f$ and other sizes $M$, $N$.
"""),
    code("check()"),
]


def build():
    return assignment_notebook(NAME, CELLS)


if __name__ == "__main__":
    write_assignment_notebook(NAME, CELLS, Path(__file__).resolve().parent)
