r"""The random rate network of Sompolinsky, Crisanti and Sommers (chapter 1).

.. math::

    \tau\,\dot x_i = -x_i + g\sum_{j=1}^{N} J_{ij}\,\phi(x_j),
    \qquad J_{ij}\sim\mathcal N(0, 1/N),\quad \phi=\tanh .

Its Jacobian is :math:`\mathcal J(x) = \tau^{-1}\left[-\mathbb 1 + gJ\,\mathrm{D}(\phi'(x))\right]`.
At the origin :math:`\phi'(0)=1`, so by the circular law the eigenvalues fill the disk of
radius :math:`g/\tau` centred at :math:`-1/\tau`; the quiescent state loses stability at
:math:`g=1`, where chaos sets in for large :math:`N` (Sompolinsky, Crisanti & Sommers,
Phys. Rev. Lett. 61, 259, 1988).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._linalg import rows_times_transpose
from ._validation import (
    as_generator,
    check_finite_float,
    check_memory,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)

__all__ = ["RandomRateNetwork"]


@dataclass(eq=False)
class RandomRateNetwork:
    r"""Random rate network :math:`\tau\dot x = -x + gJ\tanh(x)` (chapter 1).

    Parameters
    ----------
    N : int
        Number of units (``>= 1``).
    g : float
        Coupling gain (``>= 0``). The quiescent state is stable for ``g < 1``.
    tau : float, optional
        Time constant (``> 0``); time is measured in units of ``tau`` by default.
    seed : int, numpy.random.Generator or None, optional
        Source of the coupling matrix. The same seed gives the same network.

    Attributes
    ----------
    couplings : ndarray, shape (N, N)
        The unit-gain matrix :math:`J` with entries :math:`\mathcal N(0, 1/N)`.
    weights : ndarray, shape (N, N)
        :math:`gJ`, the matrix that multiplies :math:`\phi(x)`.

    Examples
    --------
    >>> import gatebook
    >>> net = gatebook.RandomRateNetwork(N=200, g=1.5, seed=0)
    >>> traj = gatebook.simulate(net, t_max=50.0, dt=0.1, seed=1)
    >>> traj.states.shape
    (501, 200)
    """

    N: int
    g: float
    tau: float = 1.0
    seed: object = None
    couplings: np.ndarray = field(init=False, repr=False)
    weights: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        self.N = check_positive_int(self.N, "N")
        check_memory(self.N**2, "N", what="the N x N coupling matrix")
        self.g = check_nonnegative_float(self.g, "g")
        self.tau = check_positive_float(self.tau, "tau")
        rng = as_generator(self.seed)
        self._set_couplings(rng.standard_normal((self.N, self.N)) / np.sqrt(self.N))

    @classmethod
    def from_couplings(cls, couplings, g: float, tau: float = 1.0) -> "RandomRateNetwork":
        r"""Build a network around a given unit-gain matrix :math:`J` (shape ``(N, N)``).

        Used to compare other models with this one on the *same* random matrix, e.g. the
        gated network's reduction :math:`g_{\rm eff}=g_h\sigma_r(0)` (chapter 6).
        """
        try:
            J = np.asarray(couplings, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"couplings must be a square (N, N) matrix of real numbers, got {type(couplings).__name__}"
            ) from None
        if J.ndim != 2 or J.shape[0] != J.shape[1] or J.shape[0] < 1:
            raise ValueError(f"couplings must be a square (N, N) matrix, got shape {J.shape}")
        if not np.all(np.isfinite(J)):
            raise ValueError("couplings contains NaN or infinite values")
        net = cls.__new__(cls)
        net.N = J.shape[0]
        net.g = check_nonnegative_float(g, "g")
        net.tau = check_positive_float(tau, "tau")
        net.seed = None
        net._set_couplings(J.copy())
        return net

    @classmethod
    def family(cls, N: int, tau: float = 1.0):
        """A factory ``(g, seed) -> RandomRateNetwork(N, g, tau, seed)`` for parameter sweeps.

        Examples
        --------
        >>> make = RandomRateNetwork.family(100)
        >>> make(1.5, 0).g
        1.5
        """
        N = check_positive_int(N, "N")
        tau = check_positive_float(tau, "tau")

        def make(g, seed):
            return cls(N, g, tau=tau, seed=seed)

        return make

    def _set_couplings(self, J: np.ndarray) -> None:
        self.couplings = J
        self.weights = self.g * J
        self._weights_by_dtype = {np.dtype(np.float64): self.weights}

    # -- helpers -------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """State dimension (``N``)."""
        return self.N

    def _W(self, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        W = self._weights_by_dtype.get(dtype)
        if W is None:
            W = self._weights_by_dtype[dtype] = self.weights.astype(dtype)
        return W

    def origin_disk(self) -> tuple[float, float]:
        r"""Centre and radius :math:`(-1/\tau,\ g/\tau)` of the circular-law disk at :math:`x=0`."""
        return -1.0 / self.tau, self.g / self.tau

    def initial_state(self, seed=None, trials: int | None = None, scale: float = 1.0) -> np.ndarray:
        r"""Random initial state(s) with i.i.d. :math:`\mathcal N(0, \mathrm{scale}^2)` entries.

        Returns shape ``(N,)``, or ``(trials, N)`` when ``trials`` is given.
        """
        rng = as_generator(seed)
        scale = check_nonnegative_float(scale, "scale")
        shape = (self.N,) if trials is None else (check_positive_int(trials, "trials"), self.N)
        check_memory(float(np.prod(shape, dtype=float)), "trials", what="the initial states")
        return scale * rng.standard_normal(shape)

    # -- the protocol ------------------------------------------------------------------
    def vector_field(self, x: np.ndarray, t: float = 0.0) -> np.ndarray:
        r""":math:`F(x) = \tau^{-1}[-x + gJ\tanh(x)]`, batched over leading axes of ``x``."""
        out = rows_times_transpose(np.tanh(x), self._W(x.dtype))
        out -= x
        if self.tau != 1.0:
            out /= self.tau
        return out

    def jacobian(self, x: np.ndarray, t: float = 0.0) -> np.ndarray:
        r"""Dense :math:`\tau^{-1}[-\mathbb 1 + gJ\,\mathrm D(1-\tanh^2 x)]`."""
        W = self._W(x.dtype)
        dphi = 1.0 - np.tanh(x) ** 2
        J = W * dphi[None, :]
        J[np.diag_indices_from(J)] -= 1.0
        return J / self.tau

    def jvp(self, x: np.ndarray, V: np.ndarray, t: float = 0.0) -> np.ndarray:
        r""":math:`\mathcal J(x)V = \tau^{-1}[-V + gJ(\phi'(x)\odot V)]` without forming :math:`\mathcal J`."""
        W = self._W(x.dtype)
        dphi = 1.0 - np.tanh(x) ** 2
        if V.ndim == 1:
            out = W @ (dphi * V)
        else:
            out = rows_times_transpose(V.T * dphi, W).T
        out -= V
        if self.tau != 1.0:
            out /= self.tau
        return out

    def vector_field_and_jvp(self, x: np.ndarray, V: np.ndarray, t: float = 0.0):
        """``(F(x), J(x) V)`` from one product of the weights with ``[phi(x), phi'(x) V]``."""
        W = self._W(x.dtype)
        phi = np.tanh(x)
        dphi = 1.0 - phi * phi
        k = 1 if V.ndim == 1 else V.shape[1]
        rows = np.empty((1 + k, self.N), dtype=np.result_type(x, V))
        rows[0] = phi
        np.multiply(V.T if V.ndim == 2 else V, dphi, out=rows[1:])
        product = rows_times_transpose(rows, W)
        F = product[0]
        F -= x
        JV = product[1] if V.ndim == 1 else product[1:].T
        JV -= V
        if self.tau != 1.0:
            F /= self.tau
            JV /= self.tau
        return F, JV

    def jacobian_trace(self, x: np.ndarray, t: float = 0.0) -> float:
        r""":math:`\operatorname{tr}\mathcal J = \tau^{-1}[-N + g\sum_i J_{ii}\phi'(x_i)]`."""
        dphi = 1.0 - np.tanh(x) ** 2
        return float((np.dot(np.diagonal(self.weights), dphi) - self.N) / self.tau)
