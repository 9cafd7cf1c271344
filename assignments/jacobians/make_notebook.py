"""Write the student notebook jacobians.ipynb next to this file.

Run it after editing the cells below; commit both this script and the notebook.
"""

from pathlib import Path

from autograder.notebook.authoring import assignment_notebook, check, code, md, write_assignment_notebook

NAME = "jacobians"


CELLS = [
    md(r"""
# Backpropagation with Jacobian matrices: linear and logistic regression

This notebook follows Lecture 7, *Linear/Logistic Regression (2)*. The lecture computes the gradient of a
loss not with one long formula but as a **product of Jacobian matrices**, one per step of the computation,
multiplied from the loss backwards. That is backpropagation, written with matrices. You will

1. build the Jacobians of linear regression and multiply them into $\partial J/\partial \mathbf{w}$ and
   $\partial J/\partial b$,
2. train linear regression with them and rerun the lecture's first script,
3. do the same for logistic regression (one more step in the chain: the sigmoid) and rerun the second script.

**How to work.** Each function you write has its own cell holding a stub that raises `NotImplementedError`.
Replace the body with your code (NumPy only), run the cell, then run the `check(...)` cell under it: it runs
the public tests for that function and says what to fix. Keep the function names and argument order as
given; the grader calls them by position. Hidden tests use other sizes $N$ and $l$, so nothing may depend
on the lecture's numbers. Do not change your inputs in place and do not return an input itself (return
`X.copy()`, not `X`).
"""),
    code("""
import numpy as np
import matplotlib
import matplotlib.pyplot as plt

from autograder.selfcheck import Checker
check = Checker("jacobians")
"""),
    md(r"""
## Jacobians in numerator layout

For a function from $\mathbb{R}^n$ to $\mathbb{R}^m$, the Jacobian $\partial \mathbf{f}/\partial \mathbf{x}$
has **one row per output and one column per input**:
$$\left(\frac{\partial \mathbf{f}}{\partial \mathbf{x}}\right)_{ij} = \frac{\partial f_i}{\partial x_j},
\qquad \text{shape } (m, n).$$
This is the *numerator layout*. Its payoff is the chain rule: for $\mathbf{f}(\mathbf{g}(\mathbf{x}))$,
$$\frac{\partial \mathbf{f}}{\partial \mathbf{x}} = \frac{\partial \mathbf{f}}{\partial \mathbf{g}}\,
\frac{\partial \mathbf{g}}{\partial \mathbf{x}}, \qquad (m, n) = (m, k)\,(k, n),$$
a plain matrix product whose inner sizes always match. A scalar loss $J$ has one output, so its derivative
with respect to anything is a **row**: $\partial J/\partial \mathbf{w}$ is $(1, l)$, although $\mathbf{w}$
itself is a column $(l, 1)$.

**Layout of the lecture's code (and of every function here).** `X` is $(N, l)$, one row per sample;
`Y` is $(N, 1)$; `W` is $(l, 1)$; `b` is $(1, 1)$; every Jacobian is in numerator layout. The grader checks
every shape exactly: a transposed Jacobian fails even when its numbers are right.
"""),
    md(r"""
## Part 1. Linear regression

### Model and tensors

For $N$ samples $\mathbf{x}^{(i)}$ with $l$ features each,
$$\hat{\mathbf{y}} = \mathbf{X}\mathbf{w} + b, \qquad
\vec{J}_0 = \begin{pmatrix} (y^{(1)} - \hat{y}^{(1)})^2 \\ \vdots \\ (y^{(N)} - \hat{y}^{(N)})^2 \end{pmatrix},
\qquad J = \frac{1}{N}\sum_{i=1}^N J_0^{(i)}.$$
$\mathbf{X}$ holds the samples as rows, $\mathbf{X} = \begin{pmatrix} \leftarrow (\mathbf{x}^{(1)})^T \rightarrow
\\ \vdots \\ \leftarrow (\mathbf{x}^{(N)})^T \rightarrow \end{pmatrix}$. *About the slides:* some slides call
this matrix $X^T$ and write $\hat{\mathbf{y}} = X^T\cdot\mathbf{w} + b$ and
$\partial\hat{\mathbf{y}}/\partial\mathbf{w} = X^T$; both mean the $(N, l)$ matrix of rows drawn next to
them, which in the code is simply `X` (`Pred = X @ W + b`, `dPred_dW = X`).

### The four Jacobians (`Pred` is $\hat{\mathbf{y}}$)

| Jacobian | formula | shape |
| --- | --- | --- |
| `dJ_dJ0` $=\partial J/\partial \vec{J}_0$ | $\left(\frac{1}{N}\ \ \frac{1}{N}\ \cdots\ \frac{1}{N}\right)$ | $(1, N)$ |
| `dJ0_dPred` $=\partial \vec{J}_0/\partial \hat{\mathbf{y}}$ | $\operatorname{diag}\left(-2(y^{(1)} - \hat{y}^{(1)}), \ldots, -2(y^{(N)} - \hat{y}^{(N)})\right)$ | $(N, N)$ |
| `dPred_dW` $=\partial \hat{\mathbf{y}}/\partial \mathbf{w}$ | $\mathbf{X}$ (row $i$ is $(\mathbf{x}^{(i)})^T$) | $(N, l)$ |
| `dPred_db` $=\partial \hat{\mathbf{y}}/\partial b$ | $(1\ 1\ \cdots\ 1)^T$ | $(N, 1)$ |

`dJ0_dPred` is diagonal because $J_0^{(i)}$ depends on $\hat{y}^{(i)}$ only. It is an $(N, N)$ **matrix**
(`np.diag` of a 1-D vector builds it), not the vector of its diagonal: the chain needs it as a matrix.
Mind the sign: $\frac{\partial}{\partial \hat{y}}(y - \hat{y})^2 = -2(y - \hat{y})$.
"""),
    code('''
def linreg_jacobians(X, Y, W, b):
    """The Jacobians of the linear-regression chain, in numerator layout.

    X: (N, l), Y: (N, 1) (float or int), W: (l, 1), b: (1, 1); Pred = X @ W + b.
    Returns a dict of new float64 arrays:
      "dJ_dJ0":    (1, N)  every entry 1/N
      "dJ0_dPred": (N, N)  diagonal matrix, diag(-2 (Y - Pred))
      "dPred_dW":  (N, l)  X (a copy, not X itself)
      "dPred_db":  (N, 1)  ones
    """
    raise NotImplementedError("write linreg_jacobians")
'''),
    check("linreg_jacobians"),
    md(r"""
### Backpropagation: multiply the chain

$$\underbrace{\frac{\partial J}{\partial \mathbf{w}}}_{(1,\,l)} =
\underbrace{\frac{\partial J}{\partial \vec{J}_0}}_{(1,\,N)}\,
\underbrace{\frac{\partial \vec{J}_0}{\partial \hat{\mathbf{y}}}}_{(N,\,N)}\,
\underbrace{\frac{\partial \hat{\mathbf{y}}}{\partial \mathbf{w}}}_{(N,\,l)},
\qquad
\underbrace{\frac{\partial J}{\partial b}}_{(1,\,1)} =
\underbrace{\frac{\partial J}{\partial \vec{J}_0}}_{(1,\,N)}\,
\underbrace{\frac{\partial \vec{J}_0}{\partial \hat{\mathbf{y}}}}_{(N,\,N)}\,
\underbrace{\frac{\partial \hat{\mathbf{y}}}{\partial b}}_{(N,\,1)}.$$

Both chains share the first two factors, so compute $\partial J/\partial\hat{\mathbf{y}}$ once (as the
lecture's code does) and reuse it:
$$\frac{\partial J}{\partial \hat{\mathbf{y}}} = -\frac{2}{N}\left(y^{(1)} - \hat{y}^{(1)}\ \cdots\
y^{(N)} - \hat{y}^{(N)}\right), \quad
\frac{\partial J}{\partial \mathbf{w}} = -\frac{2}{N}\left(\sum_i x_1^{(i)}(y^{(i)} - \hat{y}^{(i)})\ \cdots\
\sum_i x_l^{(i)}(y^{(i)} - \hat{y}^{(i)})\right), \quad
\frac{\partial J}{\partial b} = -\frac{2}{N}\sum_i (y^{(i)} - \hat{y}^{(i)}).$$

Use the matrix product `@` (not `*`, which would broadcast a $(1, N)$ row against an $(N, N)$ matrix
into an $(N, N)$ result). `linreg_backprop` receives a dict like the one `linreg_jacobians` returns and
must use its entries, whatever their values are.
"""),
    code('''
def linreg_backprop(jac):
    """The lecture's chain of matrix products (numerator layout).

    jac: a dict with "dJ_dJ0" (1, N), "dJ0_dPred" (N, N), "dPred_dW" (N, l), "dPred_db" (N, 1).
    Returns a dict:
      "dJ_dPred": (1, N) = dJ_dJ0 @ dJ0_dPred
      "dJ_dW":    (1, l) = dJ_dPred @ dPred_dW
      "dJ_db":    (1, 1) = dJ_dPred @ dPred_db
    """
    raise NotImplementedError("write linreg_backprop")
'''),
    check("linreg_backprop"),
    md(r"""
**See it for yourself.** The cell below compares your $\partial J/\partial \mathbf{w}$ with central
differences $\frac{J(\mathbf{w} + h\mathbf{e}_j) - J(\mathbf{w} - h\mathbf{e}_j)}{2h}$ on a small random
problem. The numerical derivative comes out shaped like $\mathbf{w}$, a column; numerator layout wants a
row, hence the `.T`.
"""),
    code("""
rng = np.random.default_rng(7)
X_small, W_small, b_small = rng.normal(size=(6, 3)), rng.normal(size=(3, 1)), rng.normal(size=(1, 1))
Y_small = rng.normal(size=(6, 1))

def loss_at(W):
    return np.mean((Y_small - (X_small @ W + b_small)) ** 2)

h = 1e-6
numerical = np.zeros_like(W_small)
for j in range(W_small.shape[0]):
    step = np.zeros_like(W_small)
    step[j] = h
    numerical[j] = (loss_at(W_small + step) - loss_at(W_small - step)) / (2 * h)

try:
    grads = linreg_backprop(linreg_jacobians(X_small, Y_small, W_small, b_small))
    print("yours      dJ_dW =", np.round(grads["dJ_dW"], 6), np.shape(grads["dJ_dW"]))
    print("numerical  dJ_dW =", np.round(numerical.T, 6), numerical.T.shape)
except NotImplementedError as e:
    print("implement linreg_jacobians and linreg_backprop first:", e)
"""),
    md(r"""
### Parameter update and training

Gradient descent moves against the gradient. The gradient is a row and $\mathbf{w}$ a column, so transpose
it first:
$$\mathbf{w} := \mathbf{w} - \alpha\left(\frac{\partial J}{\partial \mathbf{w}}\right)^T, \qquad
b := b - \alpha\frac{\partial J}{\partial b},$$
which, entry by entry, is $w_j := w_j + \frac{2\alpha}{N}\sum_i x_j^{(i)}(y^{(i)} - \hat{y}^{(i)})$ and
$b := b + \frac{2\alpha}{N}\sum_i (y^{(i)} - \hat{y}^{(i)})$.
Forgetting the `.T` is silent in NumPy: `W - lr * dJ_dW` broadcasts $(l, 1) - (1, l)$ into an
$(l, l)$ matrix.

`linreg_train` is the lecture's loop: in each epoch compute the loss $J$ **at the current parameters** and
append it to `J_list`, then the Jacobians, then backpropagation, then the update. So `J_list[0]` is the loss
of the starting `W`, `b`. Build each epoch from your `linreg_jacobians` and `linreg_backprop`, and compute
new arrays (`W = W - ...`), never `W -= ...`, which would change the caller's `W`.
"""),
    code('''
def linreg_train(X, Y, W, b, lr, epochs):
    """The lecture's linear-regression loop: full-batch gradient descent on J = mean((Y - Pred)**2).

    X: (N, l), Y: (N, 1), W: (l, 1), b: (1, 1), lr: learning rate, epochs: number of updates.
    Returns (W, b, J_list): the final W (l, 1) and b (1, 1), and J_list of shape (epochs,)
    where J_list[e] is J before the update of epoch e.
    """
    raise NotImplementedError("write linreg_train")
'''),
    check("linreg_train"),
    md(r"""
### The lecture's script

The lecture draws true parameters $t_W$, $t_b$ and a starting point $W$, $b$ uniformly from $[-1, 1]$,
then $N = 32$ samples with 5 standard-normal features, and fits $Y = X t_W + t_b$ (no noise) with learning
rate 0.03 for 100 epochs. The code below is the lecture's, with two updates for current libraries:
`plt.style.use('seaborn')` is now `'seaborn-v0_8'`, and `cm.get_cmap('tab10', n)` is now
`matplotlib.colormaps['tab10'].resampled(n)`.
"""),
    code("""
np.random.seed(0)

# set params
N, n_feature = 32, 5
lr = 0.03
t_W = np.random.uniform(-1, 1, n_feature).reshape(-1, 1)
t_b = np.random.uniform(-1, 1, 1)
W = np.random.uniform(-1, 1, n_feature).reshape(-1, 1)
b = np.random.uniform(-1, 1, 1).reshape(1, 1)
epochs = 100

# generate dataset
X = np.random.randn(N, n_feature)
Y = X @ t_W + t_b
print("X", X.shape, " Y", Y.shape, " W", W.shape, " b", b.shape)
"""),
    md(r"""
The lecture's loop records $W$ and $b$ before every update, to draw their trajectories. Here its body is your
two functions; `linreg_train` must end at the same place.
"""),
    code("""
try:
    W_now, b_now = W, b
    J_list, W_list, b_list = [], [], []
    for epoch in range(epochs):
        W_list.append(W_now)
        b_list.append(b_now)
        J_list.append(np.mean((Y - (X @ W_now + b_now)) ** 2))
        grads = linreg_backprop(linreg_jacobians(X, Y, W_now, b_now))
        W_now = W_now - lr * grads["dJ_dW"].T
        b_now = b_now - lr * grads["dJ_db"]
    W_list = np.hstack(W_list)        # (n_feature, epochs): row j is the trajectory of w_j
    b_list = np.concatenate(b_list)   # (epochs, 1)

    W_fit, b_fit, J_fit = linreg_train(X, Y, W, b, lr, epochs)
    print("linreg_train matches the loop:", np.allclose(W_fit, W_now) and np.allclose(b_fit, b_now)
          and np.allclose(J_fit, J_list))
    print("true W:   ", np.round(t_W.ravel(), 4), " true b:   ", np.round(t_b, 4))
    print("learned W:", np.round(W_now.ravel(), 4), " learned b:", np.round(b_now.ravel(), 4))

    # visualize results
    plt.style.use('seaborn-v0_8')
    cmap = matplotlib.colormaps['tab10'].resampled(n_feature)
    fig, axes = plt.subplots(2, 1, figsize=(12, 9))
    axes[0].plot(J_list)
    axes[0].set_ylabel('J (MSE)', fontsize=14)
    for w_idx, w_list in enumerate(W_list):
        axes[1].plot(w_list, color=cmap(w_idx), label='w' + str(w_idx))
    for w_idx, t_w in enumerate(t_W):
        axes[1].axhline(y=t_w.item(), linestyle=':', color=cmap(w_idx))
    axes[1].plot(b_list, color='black', label='b')
    axes[1].axhline(y=t_b.item(), linestyle=':', color='black')
    axes[1].legend(fontsize=12, loc='lower center', bbox_to_anchor=(0.5, 0.98), ncol=n_feature + 1)
    axes[1].set_xlabel('epoch', fontsize=14)
    axes[0].tick_params(labelsize=12)
    axes[1].tick_params(labelsize=12)
    plt.show()
except NotImplementedError as e:
    print("implement linreg_jacobians, linreg_backprop and linreg_train first:", e)
"""),
    md(r"""
The loss falls towards 0 and every weight (solid) approaches its true value (dotted): the data has no
noise, so the minimum of $J$ is exactly $t_W$, $t_b$.

## Part 2. Logistic regression

### Model and tensors

One more step sits between the linear part and the loss, the sigmoid:
$$\mathbf{z} = \mathbf{X}\mathbf{w} + b, \qquad \hat{\mathbf{y}} = \vec{a} = \sigma(\mathbf{z}) =
\frac{1}{1 + e^{-\mathbf{z}}}, \qquad
J_0^{(i)} = -\left[y^{(i)}\log\hat{y}^{(i)} + (1 - y^{(i)})\log(1 - \hat{y}^{(i)})\right], \qquad
J = \frac{1}{N}\sum_i J_0^{(i)}.$$
*About the slides:* they write $\vec{J}_0$ without the leading minus sign. That would make the loss
negative and maximise it; the code on the slides has the minus (`J0 = -(Y*np.log(Pred) + ...)`), and so do
we. The Jacobian slides also write $\partial\vec{J}_0/\partial\vec{y}$ and
$\partial\vec{y}/\partial\vec{z}$ where they mean the prediction $\hat{\mathbf{y}}$.

### The five Jacobians (`Pred` is $\hat{\mathbf{y}}$, `Z` is $\mathbf{z}$)

| Jacobian | formula | shape |
| --- | --- | --- |
| `dJ_dJ0` | $\left(\frac{1}{N}\ \cdots\ \frac{1}{N}\right)$ | $(1, N)$ |
| `dJ0_dPred` | $\operatorname{diag}\left(\frac{\hat{y}^{(i)} - y^{(i)}}{\hat{y}^{(i)}(1 - \hat{y}^{(i)})}\right)$ | $(N, N)$ |
| `dPred_dZ` | $\operatorname{diag}\left(\hat{y}^{(i)}(1 - \hat{y}^{(i)})\right)$, since $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ | $(N, N)$ |
| `dZ_dW` | $\mathbf{X}$ | $(N, l)$ |
| `dZ_db` | $(1\ \cdots\ 1)^T$ | $(N, 1)$ |

The labels `Y` are integers 0/1 in the lecture's script; your functions must work with int or float labels.
"""),
    code('''
def logreg_jacobians(X, Y, W, b):
    """The Jacobians of the logistic-regression chain, in numerator layout.

    X: (N, l), Y: (N, 1) labels 0/1 (int or float), W: (l, 1), b: (1, 1);
    Z = X @ W + b, Pred = 1 / (1 + exp(-Z)).
    Returns a dict of new float64 arrays:
      "dJ_dJ0":    (1, N)  every entry 1/N
      "dJ0_dPred": (N, N)  diagonal matrix, diag((Pred - Y) / (Pred (1 - Pred)))
      "dPred_dZ":  (N, N)  diagonal matrix, diag(Pred (1 - Pred))
      "dZ_dW":     (N, l)  X (a copy)
      "dZ_db":     (N, 1)  ones
    """
    raise NotImplementedError("write logreg_jacobians")
'''),
    check("logreg_jacobians"),
    md(r"""
### Backpropagation

$$\underbrace{\frac{\partial J}{\partial \mathbf{w}}}_{(1,\,l)} =
\underbrace{\frac{\partial J}{\partial \vec{J}_0}}_{(1,\,N)}\,
\underbrace{\frac{\partial \vec{J}_0}{\partial \hat{\mathbf{y}}}}_{(N,\,N)}\,
\underbrace{\frac{\partial \hat{\mathbf{y}}}{\partial \mathbf{z}}}_{(N,\,N)}\,
\underbrace{\frac{\partial \mathbf{z}}{\partial \mathbf{w}}}_{(N,\,l)},
\qquad
\underbrace{\frac{\partial J}{\partial b}}_{(1,\,1)} =
\underbrace{\frac{\partial J}{\partial \vec{J}_0}}_{(1,\,N)}\,
\underbrace{\frac{\partial \vec{J}_0}{\partial \hat{\mathbf{y}}}}_{(N,\,N)}\,
\underbrace{\frac{\partial \hat{\mathbf{y}}}{\partial \mathbf{z}}}_{(N,\,N)}\,
\underbrace{\frac{\partial \mathbf{z}}{\partial b}}_{(N,\,1)}.$$

Multiplying the first three factors, $\hat{y}(1 - \hat{y})$ cancels:
$$\frac{\partial J}{\partial \hat{\mathbf{y}}} = \frac{1}{N}\left(\frac{\hat{y}^{(i)} - y^{(i)}}
{\hat{y}^{(i)}(1 - \hat{y}^{(i)})}\right)_{i=1..N}, \qquad
\frac{\partial J}{\partial \mathbf{z}} = \frac{1}{N}\left(\hat{y}^{(1)} - y^{(1)}\ \cdots\
\hat{y}^{(N)} - y^{(N)}\right),$$
$$\frac{\partial J}{\partial \mathbf{w}} = -\frac{1}{N}\left(\sum_i x_1^{(i)}(y^{(i)} - \hat{y}^{(i)})\ \cdots\
\sum_i x_l^{(i)}(y^{(i)} - \hat{y}^{(i)})\right), \qquad
\frac{\partial J}{\partial b} = -\frac{1}{N}\sum_i (y^{(i)} - \hat{y}^{(i)}).$$
(On the slide the diagonal matrix $\partial\hat{\mathbf{y}}/\partial\mathbf{z}$ is printed after the result
of $\partial J/\partial\mathbf{z}$; it belongs before the "=", as the factor being multiplied.)
Compute `dJ_dPred`, then `dJ_dZ`, and reuse `dJ_dZ` for both `dJ_dW` and `dJ_db`.
"""),
    code('''
def logreg_backprop(jac):
    """The lecture's chain of matrix products for logistic regression (numerator layout).

    jac: a dict with "dJ_dJ0" (1, N), "dJ0_dPred" (N, N), "dPred_dZ" (N, N), "dZ_dW" (N, l), "dZ_db" (N, 1).
    Returns a dict:
      "dJ_dPred": (1, N) = dJ_dJ0 @ dJ0_dPred
      "dJ_dZ":    (1, N) = dJ_dPred @ dPred_dZ
      "dJ_dW":    (1, l) = dJ_dZ @ dZ_dW
      "dJ_db":    (1, 1) = dJ_dZ @ dZ_db
    """
    raise NotImplementedError("write logreg_backprop")
'''),
    check("logreg_backprop"),
    md(r"""
### Training, loss and accuracy

The update is the same as before: $\mathbf{w} := \mathbf{w} - \alpha(\partial J/\partial\mathbf{w})^T$,
$b := b - \alpha\,\partial J/\partial b$, i.e. $w_j := w_j + \frac{\alpha}{N}\sum_i x_j^{(i)}(y^{(i)} -
\hat{y}^{(i)})$.

`logreg_train` is the lecture's loop. In each epoch, **before** the update, append to `J_track` the loss $J$
and to `acc_track` the accuracy: the fraction of samples whose predicted class equals the label, where the
predicted class is 1 when `Pred > 0.5` and 0 otherwise (strictly greater: a prediction of exactly 0.5
counts as class 0, which matters when you start from `W = 0`, `b = 0`). Accuracy is a fraction between 0
and 1, not a count.
"""),
    code('''
def logreg_train(X, Y, W, b, lr, epochs):
    """The lecture's logistic-regression loop: full-batch gradient descent on the mean BCE.

    X: (N, l), Y: (N, 1) labels 0/1 (int or float), W: (l, 1), b: (1, 1), lr, epochs.
    Returns (W, b, J_track, acc_track): the final W (l, 1) and b (1, 1); J_track (epochs,) the loss and
    acc_track (epochs,) the accuracy of (Pred > 0.5) against Y, both measured before the epoch's update.
    """
    raise NotImplementedError("write logreg_train")
'''),
    check("logreg_train"),
    md(r"""
### The lecture's script

$N = 500$ samples with 3 standard-normal features, labels $Y = [X t_W + t_b > 0]$, learning rate 0.01,
100 epochs. `np.int` no longer exists in NumPy; plain `int` is what it always meant. The lecture's plot
labels the accuracy "Accumulated Accuracy"; it is simply the accuracy of each epoch.
"""),
    code("""
np.random.seed(1)

# set params
N, n_feature = 500, 3
lr = 0.01
t_W = np.random.uniform(-1, 1, n_feature).reshape(-1, 1)
t_b = np.random.uniform(-1, 1, 1)
W = np.random.uniform(-1, 1, n_feature).reshape(-1, 1)
b = np.random.uniform(-1, 1, 1).reshape(1, 1)
epochs = 100

# generate dataset
X = np.random.normal(0, 1, (N, n_feature))
Y = X @ t_W + t_b
Y = (Y > 0).astype(int)
print("X", X.shape, " Y", Y.shape, Y.dtype, " fraction of class 1:", Y.mean())
"""),
    code("""
try:
    W_fit, b_fit, J_track, acc_track = logreg_train(X, Y, W, b, lr, epochs)
    print(f"loss {J_track[0]:.4f} -> {J_track[-1]:.4f},  accuracy {acc_track[0]:.3f} -> {acc_track[-1]:.3f}")

    # visualize loss
    plt.style.use('seaborn-v0_8')
    fig, axes = plt.subplots(2, 1, figsize=(12, 8))
    axes[0].plot(J_track)
    axes[0].set_ylabel('BCEE', fontsize=14)
    axes[0].tick_params(labelsize=12)

    axes[1].plot(acc_track)
    axes[1].tick_params(labelsize=12)
    axes[1].set_ylabel('Accuracy', fontsize=14)
    axes[1].set_xlabel('epoch', fontsize=14)
    plt.show()
except NotImplementedError as e:
    print("implement logreg_jacobians, logreg_backprop and logreg_train first:", e)
"""),
    md(r"""
With a learning rate of 0.01 and 100 epochs the loss is still falling (from about 0.686 to 0.565) and the
accuracy climbs from 0.636 to 0.696: try more epochs or a larger learning rate to see it converge.

## Before you hand in

Common ways to lose points here:
* a transposed Jacobian (`X.T` for `dPred_dW`, a row of ones for `dPred_db`), or the gradient returned as a
  column: check every shape against the tables;
* `dJ0_dPred` or `dPred_dZ` as a vector instead of an $(N, N)$ diagonal matrix;
* forgetting the $1/N$, or the sign of $-2(y - \hat{y})$;
* `dPred_dZ = diag(Pred)` instead of `diag(Pred * (1 - Pred))`;
* the slide's loss without its minus sign;
* `*` instead of `@` in the chain; `W - lr * dJ_dW` without `.T`; `W -= ...`;
* recording the loss or the accuracy after the update; `Pred >= 0.5` instead of `Pred > 0.5`.

Run every public test at once:
"""),
    code("check()"),
]


def build():
    return assignment_notebook(NAME, CELLS)


if __name__ == "__main__":
    write_assignment_notebook(NAME, CELLS, Path(__file__).resolve().parent)
