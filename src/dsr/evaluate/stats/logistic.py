"""Logistic regression with fractional targets, fitted by Newton's method.

Model: ``P(y = 1 | x) = sigmoid(x . beta)``. Targets may be fractional
(``y`` in [0, 1]; a tie is 0.5): the log-likelihood

    l(beta) = sum_i  y_i log p_i + (1 - y_i) log(1 - p_i)

is then exactly that of the data set in which each tie is replaced by two
half-weight rows, one win and one loss (the "quasi-binomial" reading of a
fractional outcome; McCullagh & Nelder, "Generalized Linear Models", 1989).

The maximum-likelihood estimate is found by Newton-Raphson, which for the
canonical logit link is the same iteration as IRLS (iteratively reweighted
least squares): ``beta += (X' W X)^-1 X' (y - p)`` with ``W = p (1 - p)``,
each step halved until the log-likelihood does not decrease. The caller
must make sure the MLE exists (no separation; see ``length_control``): when
it does not, the iteration runs off to infinity and ``ArithmeticError`` is
raised instead of returning a number.
"""

from __future__ import annotations

import numpy as np

from .newton import newton_maximize


def fit_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The MLE of ``beta`` for ``y ~ x`` (``x`` includes the intercept column)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError("x must be (n, k) and y must be (n,)")
    if np.any((y < 0) | (y > 1)):
        raise ValueError("logistic targets must lie in [0, 1]")

    def newton_step(beta: np.ndarray) -> np.ndarray | None:
        p = sigmoid(x @ beta)
        information = x.T @ (x * (p * (1.0 - p))[:, None])
        try:
            return np.linalg.solve(information, x.T @ (y - p))
        except np.linalg.LinAlgError:
            return None

    beta = newton_maximize(lambda b: log_likelihood(x, y, b), newton_step, np.zeros(x.shape[1]))
    if beta is None:
        raise ArithmeticError("logistic regression did not converge (is the MLE finite?)")
    return beta


def log_likelihood(x: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    eta = x @ beta
    # log p = -log(1 + e^-eta) and log(1 - p) = -log(1 + e^eta), computed stably.
    return -float(np.sum(y * np.logaddexp(0.0, -eta) + (1.0 - y) * np.logaddexp(0.0, eta)))


def sigmoid(eta: np.ndarray | float) -> np.ndarray | float:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(eta, dtype=float)))
