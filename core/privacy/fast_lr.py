"""Logistic regression's objective perturbation, solved for many draws and classes at once.

One release of :class:`core.privacy.private_models.PersonLevelLogisticRegression` is, per public
class k, the minimiser of the sum-form objective

    J(w) = Σ_i ℓ(x_iᵀw, [y_i = k]) + (α′/2)·‖w‖² + bᵀw

with b drawn by diffprivlib's ``Vector`` mechanism from the class's own integer seed (α′ and the
scale of b from :func:`core.privacy.private_models.objective_perturbation_calibration`). diffprivlib
minimises each J with its own L-BFGS run from w = 0 (100 iterations at most, gradient tolerance
1e-4 on J/n). Here the same minimisers are found together:

- **the same noise**: :func:`release_noise` makes diffprivlib's two draws (a Gaussian direction,
  a Gamma norm) from the same seeds, so b is bit for bit the vector diffprivlib adds;
- **every draw and class in one problem set**: the P problems of one ε share X, so each step is
  two matrix-matrix products (n × d by d × P, and back) instead of P matrix-vector ones;
- **Newton steps, warm started**: each problem starts from the non-private one-vs-rest solution
  of its class (computed once per training set) moved by one Newton step for its noise (free: the
  non-private gradient there is 0). Steps use each problem's Hessian on a fixed, data-independent
  subsample of rows (exact gradients, approximate curvature: the fixed point is the exact
  minimiser). A step is taken whole when J still decreases along it at its end, else the exact
  minimum along it is taken (convexity), so J decreases at every step;
- **single precision while far, double precision to finish**: the steps run in float32 and every
  problem is accepted only when its float64 gradient is within :data:`TOLERANCE`
  (‖∇J‖∞ ≤ 1e-7·n, 1,000× tighter than diffprivlib's stopping rule).

The minimiser does not depend on where a solver starts, so the releases are diffprivlib's to
solver tolerance (``tests/core/test_fast_lr.py``); none depends on another draw's noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from diffprivlib.validation import DiffprivlibMixin

from core.privacy.private_models import PerturbationCalibration, objective_perturbation_calibration

TOLERANCE = 1e-7  # on ‖∇J‖∞ / n
MAX_STEPS = 60
HESSIAN_ROWS = 4_000  # rows of the curvature subsample
BATCH = 96  # problems solved together (bounds the n × P work arrays)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = (1 + tanh(z/2))/2: NumPy's tanh is vectorised and never overflows."""
    out = np.multiply(z, 0.5)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


@dataclass(frozen=True)
class LRData:
    """A training set in the unit ball and what every release of it shares.

    ``warm`` holds the non-private one-vs-rest solution of each class at the ridge 1/C, and
    ``warm_hessian`` the objective's Hessian there (without the ridge).
    """

    X: np.ndarray  # (n, d) float64, rows in the unit ball
    X32: np.ndarray
    class_sums: np.ndarray  # (K, d): Σ_i [y_i = k]·x_i
    pairs: np.ndarray  # (m, d(d+1)/2) float32: x_a·x_b of the curvature subsample
    pair_index: tuple[np.ndarray, np.ndarray]
    warm: np.ndarray  # (K, d)
    warm_scores: np.ndarray  # (K, n) float32: X·w0
    warm_probabilities: np.ndarray  # (K, n) float32: σ(X·w0)
    warm_hessian: np.ndarray  # (K, d, d)
    C: float

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def n_classes(self) -> int:
        return self.class_sums.shape[0]

    @classmethod
    def from_data(cls, X: np.ndarray, y: np.ndarray, n_classes: int, C: float = 1.0) -> LRData:
        """``X`` from :func:`core.privacy.private_models.unit_ball_design`; clipped to norm 1 as
        diffprivlib clips it."""
        X = DiffprivlibMixin._clip_to_norm(np.asarray(X, dtype=float), 1.0)
        y = np.asarray(y, dtype=np.int64)
        n, d = X.shape
        members = np.zeros((n_classes, n))
        members[y, np.arange(n)] = 1.0
        class_sums = members @ X
        # Every ⌈n/m⌉-th row: fixed by n alone, not by anyone's values.
        sub = X[:: max(1, -(-n // HESSIAN_ROWS))].astype(np.float32)
        first, second = np.triu_indices(d)
        data = cls(
            X=X,
            X32=X.astype(np.float32),
            class_sums=class_sums,
            pairs=np.ascontiguousarray(sub[:, first] * sub[:, second]),
            pair_index=(first, second),
            warm=np.zeros((n_classes, d)),
            warm_scores=np.zeros((n_classes, n), dtype=np.float32),
            warm_probabilities=np.full((n_classes, n), 0.5, dtype=np.float32),
            warm_hessian=np.broadcast_to(0.25 * X.T @ X, (n_classes, d, d)),
            C=C,
        )
        classes = np.arange(n_classes)
        alpha = np.full(n_classes, 1.0 / C)
        warm = minimise(data, classes, np.zeros((n_classes, d)), alpha)
        # Only the first step of each problem uses them: the curvature subsample is enough.
        scores = warm.astype(np.float32) @ data.X32.T
        probabilities = _sigmoid(scores)
        hessian = _Problems(data, classes, warm, alpha, np.float32).hessian(probabilities) - (
            alpha[:, None, None] * np.eye(d)
        )
        object.__setattr__(data, "warm", warm)
        object.__setattr__(data, "warm_scores", scores)
        object.__setattr__(data, "warm_probabilities", probabilities)
        object.__setattr__(data, "warm_hessian", hessian)
        return data


def release_noise(seeds: Sequence[int], dimension: int, noise_scale: float) -> np.ndarray:
    """diffprivlib's ``Vector`` noise, one vector per seed, drawn as ``Vector.randomise`` draws
    it from ``np.random.RandomState(seed)``: (len(seeds), dimension)."""
    noise = np.empty((len(seeds), dimension))
    rng = np.random.RandomState()
    for row, seed in enumerate(seeds):
        rng.seed(int(seed))  # the stream of RandomState(seed), without new OS entropy each time
        direction = rng.standard_normal((dimension, 4)).sum(axis=1) / 2
        norm = rng.gamma(dimension / 4, noise_scale, 4).sum()
        noise[row] = direction / np.linalg.norm(direction, 2) * norm
    return noise


def class_seeds(random_state: int, n_classes: int) -> np.ndarray:
    """The per-class seeds :class:`PersonLevelLogisticRegression` draws from ``random_state``."""
    rng = np.random.RandomState()
    rng.seed(int(random_state))
    return rng.randint(2**31 - 1, size=n_classes)


def draw_releases(
    data: LRData, epsilon: float, random_states: Sequence[int]
) -> tuple[np.ndarray, PerturbationCalibration]:
    """Coefficients (len(random_states), K, d) of the releases at ``epsilon`` (the model's ε,
    split over the K classes) whose ``random_state``s are given: each equals
    ``PersonLevelLogisticRegression(epsilon=epsilon, random_state=r).fit(X, y).coef_`` to
    solver tolerance."""
    n_classes, d = data.n_classes, data.X.shape[1]
    calibration = objective_perturbation_calibration(epsilon / n_classes, data.C)
    seeds = np.concatenate([class_seeds(r, n_classes) for r in random_states])
    noise = release_noise(seeds, d, calibration.noise_scale)
    classes = np.tile(np.arange(n_classes), len(random_states))
    alpha = np.full(len(classes), calibration.regularisation)
    coef = minimise(data, classes, noise, alpha)
    return coef.reshape(len(random_states), n_classes, d), calibration


def minimise(data: LRData, classes: np.ndarray, noise: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """argmin_w Σ_i ℓ(x_iᵀw, [y_i = classes[p]]) + (alpha[p]/2)‖w‖² + noise[p]ᵀw for every p.

    Returns (P, d). Raises RuntimeError if a problem does not reach :data:`TOLERANCE`.
    """
    result = np.empty_like(noise, dtype=float)
    for start in range(0, len(classes), BATCH):
        part = slice(start, start + BATCH)
        result[part] = _minimise_batch(data, classes[part], noise[part], alpha[part])
    return result


def _minimise_batch(data, classes, noise, alpha):
    # Start at the class's non-private solution w0 (ridge 1/C). Its scores, probabilities and
    # Hessian are known, and problem p's gradient there is (α_p − 1/C)·w0 + b_p: the first
    # Newton step needs no pass over the data.
    W = data.warm[classes].copy()
    d = W.shape[1]
    start = (
        data.warm_scores[classes],
        data.warm_probabilities[classes],
        (alpha - 1.0 / data.C)[:, None] * W + noise,
        data.warm_hessian[classes] + alpha[:, None, None] * np.eye(d),
    )
    tolerance = TOLERANCE * max(data.n, 1)
    active = np.arange(len(classes))
    for _ in range(3):  # float32 steps, then a float64 check (and float64 steps if needed)
        for precision in (np.float32, np.float64):
            if len(active) == 0:
                return W
            problems = _Problems(data, classes[active], noise[active], alpha[active], precision)
            W[active] = problems.solve(W[active], tolerance, start)
            start = None
            gradient = _Problems(
                data, classes[active], noise[active], alpha[active], np.float64
            ).gradient(W[active])[0]
            active = active[np.abs(gradient).max(axis=1) > tolerance]
    raise RuntimeError(
        f"{len(active)} objective-perturbation problems did not reach the tolerance "
        f"{TOLERANCE:g}·n in {MAX_STEPS} steps."
    )


class _Problems:
    """P problems on one training set, in one precision; arrays are (P, n), one row a problem."""

    def __init__(self, data, classes, noise, alpha, precision):
        self.data, self.precision = data, precision
        self.X = data.X32 if precision is np.float32 else data.X
        self.targets = data.class_sums[classes]
        self.noise, self.alpha = noise, alpha
        self.rows = max(1, -(-data.n // HESSIAN_ROWS))

    def subset(self, keep):
        other = object.__new__(_Problems)
        other.__dict__.update(self.__dict__)
        other.targets, other.noise, other.alpha = (
            self.targets[keep],
            self.noise[keep],
            self.alpha[keep],
        )
        return other

    def gradient_from(self, S, W):
        return (S @ self.X).astype(float) - self.targets + self.alpha[:, None] * W + self.noise

    def gradient(self, W):
        Z = W.astype(self.precision) @ self.X.T
        S = _sigmoid(Z)
        return self.gradient_from(S, W), Z, S

    def hessian(self, S):
        """Each problem's Hessian from the curvature subsample, given σ(scores) ``S``."""
        data = self.data
        first, second = data.pair_index
        S_sub = S[:, :: self.rows]
        weights = (S_sub * (1 - S_sub)).astype(np.float32)
        curvature = (weights @ data.pairs) * (data.n / max(data.pairs.shape[0], 1))
        d = data.X.shape[1]
        H = np.empty((len(S), d, d))
        H[:, first, second] = curvature
        H[:, second, first] = curvature
        H[:, np.arange(d), np.arange(d)] += self.alpha[:, None]
        return H

    def newton_direction(self, S, G):
        return -np.linalg.solve(self.hessian(S), G[:, :, None])[:, :, 0]

    def solve(self, W, tolerance, start=None):
        """Newton steps until every gradient (in this precision) is within ``tolerance``.

        ``start``: the scores, probabilities, gradient and Hessian at ``W`` when known.
        """
        W = W.copy()
        if start is None:
            G, Z, S = self.gradient(W)
            H = None
        else:
            Z, S, G, H = start
        todo = np.flatnonzero(np.abs(G).max(axis=1) > tolerance)
        problems = self.subset(todo)
        Z, S, G = Z[todo], S[todo], G[todo]
        for _ in range(MAX_STEPS):
            if len(todo) == 0:
                return W
            if H is None:
                D = problems.newton_direction(S, G)
            else:
                D = -np.linalg.solve(H[todo], G[:, :, None])[:, :, 0]
                H = None
            W_new = W[todo] + D
            Z_new = W_new.astype(self.precision) @ self.X.T
            S_new = _sigmoid(Z_new)
            G_new = problems.gradient_from(S_new, W_new)
            overshot = np.flatnonzero(np.einsum("pd,pd->p", G_new, D) > 0)
            if len(overshot):
                # J's minimum along D lies before its end: step back to where J still decreases.
                self._step_back(problems, overshot, Z, S, G, D, W[todo], Z_new, S_new, G_new)
                W_new = W[todo] + D
            W[todo] = W_new
            keep = np.abs(G_new).max(axis=1) > tolerance
            if keep.all():
                Z, S, G = Z_new, S_new, G_new
            else:
                todo, problems = todo[keep], problems.subset(keep)
                Z, S, G = Z_new[keep], S_new[keep], G_new[keep]
        return W

    def _step_back(self, problems, rows, Z, S, G, D, W, Z_new, S_new, G_new):
        """For ``rows``, where φ(t) = J(w + t·d) rises at t = 1: shorten d to a t with φ′(t) ≤ 0
        (J decreases all the way there, φ being convex), updating D, Z_new, S_new and G_new.
        t comes from the curvature subsample, then is checked on every row of the data."""
        U = D[rows].astype(self.precision) @ self.X.T
        for sample in (slice(None, None, self.rows), slice(None)):
            scale = self.data.n / max(Z[rows, sample].shape[1], 1)
            t = _line_step(
                Z[rows, sample],
                U[:, sample],
                S[rows, sample],
                G[rows],
                D[rows],
                problems.alpha[rows],
                scale,
            )
            Z_new[rows] = Z[rows] + U * t[:, None].astype(self.precision)
            S_new[rows] = _sigmoid(Z_new[rows])
            D[rows] *= t[:, None]
            G_new[rows] = problems.subset(rows).gradient_from(S_new[rows], W[rows] + D[rows])
            rising = np.einsum("pd,pd->p", G_new[rows], D[rows]) > 0
            if not rising.any():
                return
            # Back to the original direction for the rows the subsample misjudged.
            D[rows[rising]] /= t[rising, None]
            rows, U = rows[rising], U[rising]


def _line_step(Z, U, S0, G, D, alpha, scale=1.0, steps: int = 30):
    """Per row, t in (0, 1) with φ′(t) between φ′(0)/2 and φ′(0)/10 (< 0) for
    φ(t) = J(w + t·d): short of the minimum along d, and past most of the way to it.
    ``Z``, ``U``, ``S0`` may hold a subsample of the data's rows (each standing for ``scale``
    of them). Safeguarded Newton on φ′, which is increasing, from φ′(0) = gᵀd < 0 < φ′(1)."""
    slope0 = np.einsum("pd,pd->p", G, D)
    dd = np.einsum("pd,pd->p", D, D)
    target = 0.1 * slope0
    low, high = np.zeros(len(alpha)), np.ones(len(alpha))
    t = np.ones(len(alpha))
    rows = np.arange(len(alpha))
    for _ in range(steps):
        z, u = Z[rows], U[rows]
        S = _sigmoid(z + u * t[rows, None].astype(Z.dtype))
        # φ′(t) − φ′(0) = Σ_i (σ(z_i + t·u_i) − σ(z_i))·u_i + t·α‖d‖²
        change = S0[rows] - S
        slope = slope0[rows] - scale * np.einsum("pn,pn->p", change, u, dtype=float)
        slope += t[rows] * alpha[rows] * dd[rows]
        below = slope <= target[rows]
        low[rows[below]] = t[rows[below]]
        high[rows[~below]] = t[rows[~below]]
        done = (slope <= 0.03 * slope0[rows]) & (slope >= 0.3 * slope0[rows])
        S *= 1 - S
        S *= u
        curvature = scale * np.einsum("pn,pn->p", S, u, dtype=float) + alpha[rows] * dd[rows]
        newton = t[rows] - (slope - target[rows]) / curvature
        inside = (newton > low[rows]) & (newton < high[rows])
        step = np.where(inside, newton, 0.5 * (low[rows] + high[rows]))
        t[rows] = np.where(done, t[rows], step)
        rows = rows[~done]
        if len(rows) == 0:
            return t
    return low
