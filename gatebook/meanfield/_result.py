r"""Result and error types shared by the mean-field solvers (chapters 9-11).

:class:`DMFTResult` holds a stationary autocorrelation :math:`\Delta(s)` found by dynamical
mean-field theory (chapter 9) together with the solver's diagnostics, and
:class:`DMFTConvergenceError` is the one error every mean-field solver raises when an
iteration or a root search does not converge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import check_choice

__all__ = ["DMFTResult", "DMFTConvergenceError", "WindowTooShortError", "BRANCHES"]

#: Names of the solution branches a mean-field result can sit on.
BRANCHES = ("chaotic", "quiescent", "fixed")

_DEFAULT_SUGGESTION = (
    "try more damping (a smaller damping step), a wider lag grid (larger s_max), "
    "more iterations, or another start (e.g. start='large' for the chaotic branch)"
)


class DMFTConvergenceError(RuntimeError):
    """A mean-field iteration or root search did not converge.

    Parameters
    ----------
    message : str
        What failed (e.g. ``"Fourier iteration for the gated DMFT at g_h=2"``).
    iterations : int, optional
        Number of iterations performed.
    residuals : sequence of float, optional
        Residual history (one entry per iteration).
    last : object, optional
        A summary of the last iterate (e.g. ``{"variance": 1.3}``).
    suggestion : str, optional
        What to try; a generic hint (damping, grid, start) by default.

    Attributes
    ----------
    diagnostics : dict
        ``{"iterations": int, "residuals": tuple of float, "last": object}``.
    """

    #: what the message says happened (subclasses that converged but are refused say so)
    status = "not converged after {iterations} iterations ({tail})"

    def __init__(self, message: str, *, iterations: int = 0, residuals=(), last=None, suggestion: str | None = None):
        residuals = tuple(float(r) for r in np.ravel(np.asarray(residuals, dtype=float)))
        self.diagnostics = {"iterations": int(iterations), "residuals": residuals, "last": last}
        tail = f"last residual {residuals[-1]:.3g}" if residuals else "no residual recorded"
        text = f"{message}: " + self.status.format(iterations=int(iterations), tail=tail)
        if last is not None:
            text += f"; last iterate {last}"
        text += f". To fix: {suggestion or _DEFAULT_SUGGESTION}."
        super().__init__(text)


class WindowTooShortError(DMFTConvergenceError):
    """A mean-field solution whose autocorrelation has not decayed by the end of its lag window.

    Raised instead of returning a truncated answer (chapter 9): near a continuous onset, or with
    a slow clock (large :math:`\beta_z`), the correlation time can exceed the window. Its
    ``diagnostics["last"]`` holds the window and how much the profile still changes at its end.
    """

    status = "refused after {iterations} iterations ({tail})"


@dataclass
class DMFTResult:
    r"""Stationary autocorrelation from dynamical mean-field theory (chapter 9).

    Parameters
    ----------
    lags : ndarray, shape (n,)
        Time lags :math:`s` (increasing), in the units stated by the solver.
    autocorrelation : ndarray, shape (n,)
        :math:`\Delta(s)=\langle h(t)h(t+s)\rangle` on ``lags``.
    variance : float
        :math:`\Delta(0)`.
    lambda_max : float, optional
        Maximal Lyapunov exponent predicted by the theory (chapter 10); ``nan`` if not computed.
    converged : bool, optional
    iterations : int, optional
    residuals : tuple of float, optional
        Residual history of the solver.
    branch : {"chaotic", "quiescent", "fixed"}, optional
        Which solution branch the result is on (:math:`\Delta\equiv0` always solves the equations).
    method : str, optional
        The solver used (e.g. ``"iteration"``, ``"potential"``).
    params : dict, optional
        Model parameters and any extra fields (e.g. :math:`\Delta_r(s)` for the gated network).
    """

    lags: np.ndarray
    autocorrelation: np.ndarray
    variance: float
    lambda_max: float = float("nan")
    converged: bool = True
    iterations: int = 0
    residuals: tuple = ()
    branch: str = "chaotic"
    method: str = ""
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        self.lags = np.asarray(self.lags, dtype=float)
        self.autocorrelation = np.asarray(self.autocorrelation, dtype=float)
        if self.lags.ndim != 1 or self.lags.size < 2:
            raise ValueError(f"lags must be a 1-D array with at least 2 entries, got shape {self.lags.shape}")
        if self.autocorrelation.shape != self.lags.shape:
            raise ValueError(
                f"autocorrelation must have the shape of lags {self.lags.shape}, got {self.autocorrelation.shape}"
            )
        if np.any(np.diff(self.lags) <= 0):
            raise ValueError("lags must be strictly increasing")
        self.variance = float(self.variance)
        self.lambda_max = float(self.lambda_max)
        self.residuals = tuple(float(r) for r in self.residuals)
        check_choice(self.branch, "branch", BRANCHES)

    @property
    def relaxation_time(self) -> float:
        r"""Lag at which the normalised autocorrelation first falls to :math:`1/e`.

        .. math::
            \frac{\Delta(s)-\Delta(\infty)}{\Delta(0)-\Delta(\infty)}=e^{-1},

        with :math:`\Delta(\infty)` taken as the value at the largest lag and linear
        interpolation between grid points (only lags :math:`s\ge0` are used). ``nan`` when
        :math:`\Delta` is constant (quiescent or fixed-point branch). Widen the lag grid if
        :math:`\Delta` has not settled at the largest lag.
        """
        keep = self.lags >= 0
        s, d = self.lags[keep], self.autocorrelation[keep]
        if s.size < 2:
            return float("nan")
        d0, dinf = d[0], d[-1]
        span = d0 - dinf
        if not np.isfinite(span) or span <= 1e-14 * max(abs(d0), 1e-300):
            return float("nan")
        u = (d - dinf) / span
        k = int(np.argmax(u <= np.exp(-1.0)))  # exists: u[-1] == 0
        if k == 0:
            return float(s[0])
        # linear interpolation between s[k-1] (above 1/e) and s[k] (at or below)
        frac = (u[k - 1] - np.exp(-1.0)) / (u[k - 1] - u[k])
        return float(s[k - 1] + frac * (s[k] - s[k - 1]))

    def __str__(self) -> str:
        lam = "not computed" if np.isnan(self.lambda_max) else f"{self.lambda_max:.4g}"
        status = "converged" if self.converged else "NOT converged"
        name = f" ({self.method})" if self.method else ""
        return (
            f"DMFTResult{name}: {self.branch} branch, Delta(0)={self.variance:.6g}, "
            f"relaxation time {self.relaxation_time:.4g}, lambda_max {lam}, "
            f"{status} in {self.iterations} iterations, {self.lags.size} lags on "
            f"[{self.lags[0]:.3g}, {self.lags[-1]:.3g}]"
        )
