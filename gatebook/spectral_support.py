r"""Where the Jacobian's eigenvalues live: the predicted spectral support (chapters 7 and 8).

At a state :math:`x=(h,z,r)` of a large gated network (:class:`gatebook.GatedNetwork`,
presynaptic output gate, the book's default) a complex number :math:`\lambda` lies inside the
support of the spectrum of :math:`\mathcal J(x)` iff :math:`\mathcal S(\lambda)\ge1`, with

.. math::

    \mathcal S(\lambda)=g_h^2\Big[\langle\sigma_r^2\rangle
        +\frac{g_r^2\langle\sigma_r'^2\rangle\langle\phi^2\rangle}{\lvert1+\lambda\tau_r\rvert^2}\Big]
        \Big\langle\frac{\phi'^2\sigma_z^2}{\lvert\sigma_z+\lambda\tau_h\rvert^2}\Big\rangle
    +g_z^2\Big\langle\frac{\phi'^2\sigma_z'^2u^2}
        {\lvert\sigma_z+\lambda\tau_h\rvert^2\,\lvert1+\lambda\tau_z\rvert^2}\Big\rangle ,

where :math:`\langle\cdot\rangle` averages over the units of the given state(s) (all units
of all states pooled), :math:`u` is the bracket that :math:`\sigma_z` multiplies
(:math:`\tau_h\dot h=\sigma_z u`) and the slopes include the gains,
:math:`\sigma_k'=\alpha_k\sigma_k(1-\sigma_k)`. The contour :math:`\mathcal S=1` is the predicted
boundary of the eigenvalue cloud; chapter 7 draws it on the spectra as :math:`\alpha_z`
grows (the support pinches towards zero) and chapter 8 as :math:`\alpha_r` grows (the
support widens).

**Derivation** (Schur complement plus a second-moment argument). Eliminate the gate
components of an eigenvector, :math:`\delta z=\tfrac{g_z}{1+\lambda\tau_z}J^z\mathrm D(\phi')\delta h`
and :math:`\delta r=\tfrac{g_r}{1+\lambda\tau_r}J^r\mathrm D(\phi')\delta h`, and write
:math:`w=\phi'\odot\delta h`. The eigenvalue problem becomes :math:`w=K(\lambda)w` with

.. math::

    K=\mathrm D(a)\,g_hJ^h\Big[\mathrm D(\sigma_r)
      +\tfrac{g_r}{1+\lambda\tau_r}\mathrm D(\sigma_r'\phi)J^r\Big]
      +\mathrm D(b)\,\tfrac{g_z}{1+\lambda\tau_z}J^z,\qquad
    a=\frac{\phi'\sigma_z}{\sigma_z+\lambda\tau_h},\quad b=\frac{\phi'\sigma_z'u}{\sigma_z+\lambda\tau_h}.

For large :math:`N` the Gaussian couplings between diagonal matrices make :math:`K` a
matrix with a variance profile; :math:`\lambda` is in the support of :math:`\mathcal J` iff
:math:`1` is in the support of :math:`K`, i.e. iff the spectral radius of the averaged
squared factors (a :math:`3\times3` matrix in general) is at least one. Assuming, as in
the dynamical mean-field theory, that :math:`r_i` is independent of :math:`(h_i,z_i)`, the
matrix has rank one and its spectral radius is :math:`\mathcal S(\lambda)` above. (Krishnamurthy, Can
& Schwab, Phys. Rev. X 12, 011011, 2022, compute the support with the statistics supplied by
their mean-field theory; this closed form for the statistics of a given state is the book's
own derivation, checked against exact eigenvalues in the tests.)

**Checks.** At the quiescent state (:math:`\phi=0`, :math:`\phi'=1`, :math:`u=0`,
:math:`\sigma_k=s_k`) :math:`\mathcal S=g_h^2s_r^2s_z^2/\lvert s_z+\lambda\tau_h\rvert^2`, so the
boundary is the circle :math:`\lvert\lambda\tau_h+s_z\rvert=g_hs_rs_z` of the circular law.
A unit whose timescale gate is nearly closed (:math:`\sigma_{z,i}\ll\lvert\lambda\rvert\tau_h`)
drops out of the averages and leaves an eigenvalue near :math:`-\sigma_{z,i}/\tau_h`; near each
such point :math:`\mathcal S\to\infty`, so these eigenvalues are inside (the support contains the real
segment spanned by the :math:`-\sigma_{z,i}/\tau_h`). At fixed points :math:`u=0` and the
:math:`g_z` term vanishes.

**Gate eigenvalues.** Near :math:`\lambda=-1/\tau_r` the :math:`g_r` term diverges when
:math:`\alpha_r>0` (and :math:`\phi\ne0`), and near :math:`-1/\tau_z` the :math:`g_z` term
when :math:`\alpha_z>0` (and :math:`u\ne0`): the clusters of gate eigenvalues are inside by
construction. When a term vanishes (e.g. :math:`\alpha_r=0`, or the quiescent state), the
gate is decoupled from :math:`h` and its :math:`N` eigenvalues are exactly
:math:`-1/\tau_k`: point masses (``SupportBoundary.atoms``) that the continuous
support does not describe. :func:`inside_support` counts eigenvalues at
:math:`-1/\tau_z,-1/\tau_r` as inside.

**Postsynaptic output gate** (``r_gate="post"``). The gate now multiplies the local field
:math:`\eta=g_hJ^h\phi` of the receiving unit, :math:`\tau_h\dot h_i=\sigma_{z,i}(-h_i+\sigma_{r,i}\eta_i+I_i)`,
so the :math:`hh` block is :math:`\tau_h^{-1}\mathrm D(\sigma_z)[-\mathbb 1+\mathrm D(\sigma_r)g_hJ^h\mathrm D(\phi')]`
and the :math:`hr` block is the diagonal :math:`\tau_h^{-1}\mathrm D(\sigma_z\sigma_r'\eta)`. The same
elimination gives

.. math::

    K=\mathrm D(a\sigma_r)\,g_hJ^h+\mathrm D(a\sigma_r'\eta)\,\tfrac{g_r}{1+\lambda\tau_r}J^r
      +\mathrm D(b)\,\tfrac{g_z}{1+\lambda\tau_z}J^z :

three independent Gaussian matrices, each scaled by its row only. The variance profile of
:math:`K` then depends on the row alone, its matrix has rank one, and

.. math::

    \mathcal S_{\rm post}(\lambda)=g_h^2\Big\langle\frac{\phi'^2\sigma_z^2\sigma_r^2}{\lvert\sigma_z+\lambda\tau_h\rvert^2}\Big\rangle
    +\frac{g_r^2}{\lvert1+\lambda\tau_r\rvert^2}\Big\langle\frac{\phi'^2\sigma_z^2\sigma_r'^2\eta^2}{\lvert\sigma_z+\lambda\tau_h\rvert^2}\Big\rangle
    +g_z^2\Big\langle\frac{\phi'^2\sigma_z'^2u^2}{\lvert\sigma_z+\lambda\tau_h\rvert^2\,\lvert1+\lambda\tau_z\rvert^2}\Big\rangle .

No independence assumption between the gates and :math:`h` is needed here: every average is
over the units, with the unit's own :math:`\sigma_{r,i}`, :math:`\sigma_{r,i}'` and
:math:`\eta_i`. The presynaptic formula is *not* valid for this variant (there
:math:`\sigma_r` sits between the coupling and :math:`\phi'`, and it is averaged separately).
At the quiescent state both reduce to the same circle. The tests compare the contour with
the exact eigenvalues of finite postsynaptic networks (:math:`N=300`, several seeds).
:func:`support_function`, :func:`inside_support` and :func:`support_boundary` choose the
formula from ``model.r_gate``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_finite_float, check_memory, check_nonnegative_float, check_positive_int, check_state
from .gated_network import GatedNetwork

__all__ = ["SupportBoundary", "support_function", "support_boundary", "inside_support"]

_CHUNK = 1_000_000  # grid points x distinct units evaluated at once
_POLE = 1e100  # cap of each resolvent factor next to a pole: F stays finite (no overflow)
_F_FLOOR = 1e-300  # F is floored here before taking logs for the contour


@dataclass
class SupportBoundary:
    r"""The function :math:`\mathcal S` on a grid of the complex plane and its level set :math:`\mathcal S=1`.

    Attributes
    ----------
    re, im : ndarray, shapes (n_re,) and (n_im,)
        Grid axes (real and imaginary parts of :math:`\lambda`).
    F : ndarray, shape (n_im, n_re)
        :math:`\mathcal S(\mathrm{re}_j+i\,\mathrm{im}_k)` at ``F[k, j]`` (each resolvent factor is
        capped at ``1e100`` next to a pole, so ``F`` is finite).
    contours : list of ndarray, each shape (M, 2)
        Points :math:`(\mathrm{Re}\,\lambda,\mathrm{Im}\,\lambda)` along the curves :math:`\mathcal S=1`.
    rightmost, leftmost : float
        Largest and smallest real part on the contours: the predicted spectral abscissa and
        left edge (``nan`` if no contour was found on the grid).
    atoms : tuple of float
        Exact point masses :math:`-1/\tau_k` (multiplicity :math:`N`) of the gates that are
        decoupled from :math:`h` at these states, :math:`z` first (module notes).
    """

    re: np.ndarray
    im: np.ndarray
    F: np.ndarray = field(repr=False)
    contours: list = field(repr=False)
    rightmost: float
    leftmost: float
    atoms: tuple = ()

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(re_min, re_max, im_min, im_max)`` of the grid."""
        return float(self.re[0]), float(self.re[-1]), float(self.im[0]), float(self.im[-1])


@dataclass(frozen=True)
class _Moments:
    r"""Everything :math:`\mathcal S` needs from a state, grouped by distinct :math:`\sigma_z`.

    ``F = A S(w_a) + Ar/|1+lam tau_r|^2 S(w_r) + Bz/|1+lam tau_z|^2 S(w_b)`` with
    ``S(w) = sum_k w_k s_k^2/|s_k+lam tau_h|^2`` over the distinct values ``s`` of
    :math:`\sigma_z` (weights already divided by the number of units). Presynaptic gate:
    ``w_r = w_a`` and the gate averages sit in ``A``, ``Ar``; postsynaptic: they sit in the
    weights.
    """

    s: np.ndarray
    w_a: np.ndarray
    w_r: np.ndarray
    w_b: np.ndarray
    A: float
    Ar: float
    Bz: float
    tau_h: float
    tau_z: float
    tau_r: float


def _check_model(model) -> GatedNetwork:
    if not isinstance(model, GatedNetwork):
        raise TypeError(f"model must be a gatebook.GatedNetwork, got {type(model).__name__}")
    return model


def _check_lambda(lam, name: str) -> np.ndarray:
    arr = np.asarray(lam)
    if arr.dtype.kind not in "iufc":
        raise TypeError(f"{name} must be an array of complex numbers, got dtype {arr.dtype}")
    arr = arr.astype(complex)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _moments(model: GatedNetwork, states, t: float) -> _Moments:
    states = check_state(states, model.dim, "states").astype(np.float64)
    q = model.unit_quantities(states, t)
    sz = q.sigma_z.ravel()
    dphi2 = (q.dphi * q.dphi).ravel()
    # sigma_z'^2/|sigma_z + lam tau_h|^2 = alpha_z^2 (1 - sigma_z)^2 |a|^2 with
    # |a|^2 = sigma_z^2/|sigma_z + lam tau_h|^2: both terms share |a|^2 (alpha_z^2 goes into Bz)
    wb = dphi2 * ((1.0 - sz) * q.u.ravel()) ** 2
    s, inverse = np.unique(sz, return_inverse=True)
    M = sz.size

    def grouped(weights):
        return np.bincount(inverse, weights=weights, minlength=s.size) / M

    g_h2 = model.g_h**2
    w_b = grouped(wb)
    if model.r_gate == "pre":
        w_a = w_r = grouped(dphi2)
        A = g_h2 * float(np.mean(q.sigma_r**2))
        Ar = g_h2 * model.g_r**2 * float(np.mean(q.dsigma_r**2)) * float(np.mean(q.phi**2))
    else:  # postsynaptic: the gate multiplies the local field eta = g_h J^h phi of its own unit
        eta = q.phi @ model.weights_h.T
        w_a = grouped(dphi2 * (q.sigma_r**2).ravel())
        w_r = grouped(dphi2 * ((q.dsigma_r * eta) ** 2).ravel())
        A, Ar = g_h2, model.g_r**2
    return _Moments(
        s=s,
        w_a=w_a,
        w_r=w_r,
        w_b=w_b,
        A=A,
        Ar=Ar,
        Bz=(model.g_z * model.alpha_z) ** 2,
        tau_h=model.tau_h,
        tau_z=model.tau_z,
        tau_r=model.tau_r,
    )


def _inverse_square_distance(c: float, lam: np.ndarray) -> np.ndarray:
    r""":math:`1/\lvert1+\lambda c\rvert^2`, capped at ``_POLE``."""
    d = np.abs(1.0 + lam * c) ** 2
    return np.divide(1.0, d, out=np.full(d.shape, _POLE), where=d * _POLE > 1.0)


def _evaluate(m: _Moments, lam: np.ndarray) -> np.ndarray:
    flat = lam.ravel()
    out = np.empty(flat.shape)
    step = max(1, _CHUNK // m.s.size)
    s, s2 = m.s[None, :], (m.s * m.s)[None, :]
    weights = np.stack([m.w_a, m.w_r, m.w_b], axis=1)  # (units, 3): one product gives all averages
    for start in range(0, flat.size, step):
        lam_c = flat[start : start + step]
        x = lam_c[:, None] * m.tau_h
        d = (s + x.real) ** 2 + x.imag**2
        # |a|^2 = s^2/|s + lam tau_h|^2, capped at _POLE next to the poles -s/tau_h
        ratio = np.divide(s2, d, out=np.full(d.shape, _POLE), where=d * _POLE > s2)
        S_a, S_r, S_b = (ratio @ weights).T
        F = m.A * S_a
        if m.Ar > 0:
            F += m.Ar * _inverse_square_distance(m.tau_r, lam_c) * S_r
        if m.Bz > 0:
            F += m.Bz * _inverse_square_distance(m.tau_z, lam_c) * S_b
        out[start : start + step] = F
    return out.reshape(lam.shape)


def support_function(model: GatedNetwork, states, lam, t: float = 0.0) -> np.ndarray:
    r"""The spectral-support function :math:`\mathcal S(\lambda)` of a gated network at given state(s).

    .. math::

        \mathcal S(\lambda)=g_h^2\Big[\langle\sigma_r^2\rangle
        +\frac{g_r^2\langle\sigma_r'^2\rangle\langle\phi^2\rangle}{\lvert1+\lambda\tau_r\rvert^2}\Big]
        \Big\langle\frac{\phi'^2\sigma_z^2}{\lvert\sigma_z+\lambda\tau_h\rvert^2}\Big\rangle
        +g_z^2\Big\langle\frac{\phi'^2\sigma_z'^2u^2}
        {\lvert\sigma_z+\lambda\tau_h\rvert^2\lvert1+\lambda\tau_z\rvert^2}\Big\rangle

    for the presynaptic output gate (module notes: derivation, checks, and the formula
    :math:`\mathcal S_{\rm post}` used for ``r_gate="post"``; chapters 7 and 8).

    Parameters
    ----------
    model : GatedNetwork
        Either placement of the output gate: ``r_gate="pre"`` uses the formula above,
        ``r_gate="post"`` the postsynaptic :math:`\mathcal S_{\rm post}` of the module notes.
    states : array_like, shape (3N,) or (n, 3N)
        The state(s) whose units are averaged (all units of all states pooled).
    lam : array_like of complex, any shape
        Points of the complex plane.
    t : float, optional
        Time of the states (enters through a time-dependent input to :math:`h`).

    Returns
    -------
    ndarray of float, same shape as ``lam``
        :math:`\mathcal S(\lambda)\ge0`; next to its poles (:math:`-\sigma_{z,i}/\tau_h` and the gate
        points) each resolvent factor is capped at ``1e100``, so ``F`` stays finite.
        :math:`\lambda` is inside the predicted support where :math:`\mathcal S\ge1`.

    Examples
    --------
    >>> import numpy as np, gatebook as gb
    >>> from gatebook.spectral_support import support_function
    >>> net = gb.GatedNetwork(N=50, g_h=3.0, seed=0)   # beta = 0: s_z = s_r = 1/2
    >>> x0 = np.zeros(net.dim)                        # the quiescent state
    >>> c, rho = net.origin_disk()                    # centre -1/2, radius 3/4
    >>> np.round(support_function(net, x0, [c + rho, c + 2 * rho]), 12)
    array([1.  , 0.25])
    """
    _check_model(model)
    t = check_finite_float(t, "t")
    lam = _check_lambda(lam, "lam")
    return _evaluate(_moments(model, states, t), lam)


def _atoms(model: GatedNetwork) -> tuple[float, float]:
    return -1.0 / model.tau_z, -1.0 / model.tau_r


def inside_support(
    model: GatedNetwork, states, eigenvalues, t: float = 0.0, *, atom_tol: float = 1e-8
) -> np.ndarray:
    r"""Which eigenvalues lie inside the predicted support, :math:`\mathcal S(\lambda)\ge1`.

    Eigenvalues within ``atom_tol * max(1, |a|)`` of a gate point :math:`a=-1/\tau_z` or
    :math:`-1/\tau_r` also count as inside: there :math:`\mathcal S=\infty` when the gate is coupled
    to :math:`h`, and otherwise they are the gate's exact point masses (module notes).

    Parameters
    ----------
    model : GatedNetwork
    states : array_like, shape (3N,) or (n, 3N)
    eigenvalues : array_like of complex, any shape
    t : float, optional
    atom_tol : float, optional

    Returns
    -------
    ndarray of bool, same shape as ``eigenvalues``
    """
    _check_model(model)
    lam = _check_lambda(eigenvalues, "eigenvalues")
    atom_tol = check_nonnegative_float(atom_tol, "atom_tol")
    inside = support_function(model, states, lam, t) >= 1.0
    for a in _atoms(model):
        inside |= np.abs(lam - a) <= atom_tol * max(1.0, abs(a))
    return inside


def _radius_bound(m: _Moments) -> float:
    r"""A radius :math:`R` with :math:`\mathcal S(\lambda)<1` for every :math:`\lvert\lambda\rvert\ge R`.

    Uses :math:`\lvert s+\lambda\tau\rvert\ge\lvert\lambda\rvert\tau-s` and
    :math:`\lvert1+\lambda\tau\rvert\ge\lvert\lambda\rvert\tau-1`.
    """
    taus = np.array([m.tau_h, m.tau_z, m.tau_r])
    R = 2.0 / taus.min()
    Sa = float(np.sum(m.w_a * m.s**2))
    Sr = float(np.sum(m.w_r * m.s**2))
    Sb = float(np.sum(m.w_b * m.s**2))
    for _ in range(200):
        h2 = (R * m.tau_h - 1.0) ** 2
        bound = (m.A * Sa + m.Ar * Sr / (R * m.tau_r - 1.0) ** 2) / h2 + m.Bz * Sb / (h2 * (R * m.tau_z - 1.0) ** 2)
        if bound < 0.5:
            return R
        R *= 1.5
    return R  # pragma: no cover - the bound decays like 1/R^2


def _axis(lo: float, hi: float, n: int) -> np.ndarray:
    """``linspace(lo, hi, n)``, exactly antisymmetric when ``lo == -hi``."""
    a = np.linspace(lo, hi, n)
    return 0.5 * (a - a[::-1]) if lo == -hi else a


def _grid_values(m: _Moments, re: np.ndarray, im: np.ndarray) -> np.ndarray:
    """F on the grid ``re`` x ``im``; a grid symmetric in Im is evaluated on its upper half only."""
    if np.array_equal(im, -im[::-1]):  # F(conj(lam)) = F(lam): mirror the upper half
        upper = im[im.size // 2 :]
        F_up = _evaluate(m, re[None, :] + 1j * upper[:, None])
        return np.concatenate([F_up[::-1][: im.size - upper.size], F_up])
    return _evaluate(m, re[None, :] + 1j * im[:, None])


def _default_extent(m: _Moments) -> tuple[float, float, float, float]:
    """A box around the region F >= 1: coarse scan of the disk of ``_radius_bound``, padded."""
    R = _radius_bound(m)
    n = 81
    axis = _axis(-R, R, n)
    inside = _grid_values(m, axis, axis) >= 1.0
    step = axis[1] - axis[0]
    # the poles -sigma_z/tau_h and the gate points must be in the box even if the coarse
    # grid steps over their small neighbourhoods
    marks = [-m.s.max() / m.tau_h, -m.s.min() / m.tau_h, -1.0 / m.tau_z, -1.0 / m.tau_r]
    cols = np.flatnonzero(inside.any(axis=0))
    rows = np.flatnonzero(inside.any(axis=1))
    re_points = marks + ([axis[cols[0]], axis[cols[-1]]] if cols.size else [])
    lo, hi = min(re_points), max(re_points)
    top = axis[rows[-1]] if rows.size else 0.0
    pad = 2 * step + 0.05 * (hi - lo)
    top = max(abs(top), step) + pad
    return lo - pad, hi + pad, -top, top


def support_boundary(
    model: GatedNetwork,
    states,
    *,
    extent=None,
    resolution: int = 201,
    t: float = 0.0,
) -> SupportBoundary:
    r"""The predicted boundary :math:`\mathcal S(\lambda)=1` of the Jacobian's spectrum at given state(s).

    :math:`\mathcal S` (:func:`support_function`) is evaluated on a ``resolution`` x ``resolution``
    grid and the level set :math:`\mathcal S=1` is traced (on :math:`\log\mathcal S`, with contourpy, the
    contouring engine of matplotlib; no figure is created).

    Parameters
    ----------
    model : GatedNetwork
        Either placement of the output gate (``model.r_gate`` picks the formula, module notes).
    states : array_like, shape (3N,) or (n, 3N)
    extent : (re_min, re_max, im_min, im_max), optional
        The grid. Default: a box around the whole region :math:`\mathcal S\ge1` with a margin (found
        by a coarse scan of a disk outside which :math:`\mathcal S<1` is guaranteed), which also
        contains the points :math:`-\sigma_{z,i}/\tau_h`, :math:`-1/\tau_z` and
        :math:`-1/\tau_r`.
    resolution : int, optional
        Grid points per axis (``>= 5``).
    t : float, optional

    Returns
    -------
    SupportBoundary

    Notes
    -----
    Check: at the quiescent state the contour is the circle
    :math:`\lvert\lambda\tau_h+s_z\rvert=g_hs_rs_z` of the circular law (chapter 6), so
    ``rightmost`` is :math:`s_z(g_hs_r-1)/\tau_h`. On chaotic trajectories the finite-:math:`N`
    eigenvalue cloud lies slightly inside the contour (chapters 7 and 8).

    Examples
    --------
    >>> import numpy as np, gatebook as gb
    >>> from gatebook.spectral_support import support_boundary
    >>> net = gb.GatedNetwork(N=50, g_h=3.0, beta_z=1.0, seed=0)
    >>> sb = support_boundary(net, np.zeros(net.dim))
    >>> c, rho = net.origin_disk()
    >>> bool(abs(sb.rightmost - (c + rho)) < 1e-3 * rho)
    True
    """
    from contourpy import contour_generator

    _check_model(model)
    t = check_finite_float(t, "t")
    resolution = check_positive_int(resolution, "resolution")
    if resolution < 5:
        raise ValueError(f"resolution must be at least 5, got {resolution}")
    check_memory(resolution**2, "resolution", what="the resolution x resolution grid")
    m = _moments(model, states, t)
    if extent is None:
        extent = _default_extent(m)
    extent = _check_extent(extent)
    re = np.linspace(extent[0], extent[1], resolution)
    im = _axis(extent[2], extent[3], resolution)
    F = _grid_values(m, re, im)
    logF = np.log(np.maximum(F, _F_FLOOR))
    contours = [np.asarray(c) for c in contour_generator(re, im, logF).lines(0.0) if len(c) > 1]
    if contours:
        all_re = np.concatenate([c[:, 0] for c in contours])
        rightmost, leftmost = float(all_re.max()), float(all_re.min())
    else:
        rightmost = leftmost = float("nan")
    atoms = tuple(a for a, coef in zip(_atoms(model), (m.Bz * m.w_b.sum(), m.Ar * m.w_r.sum())) if coef == 0.0)
    return SupportBoundary(
        re=re, im=im, F=F, contours=contours, rightmost=rightmost, leftmost=leftmost, atoms=atoms
    )


def _check_extent(extent) -> tuple[float, float, float, float]:
    if (
        isinstance(extent, (str, bytes))
        or not hasattr(extent, "__len__")
        or len(extent) != 4
        or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in extent)
    ):
        raise TypeError(f"extent must be four numbers (re_min, re_max, im_min, im_max), got {extent!r}")
    e = tuple(check_finite_float(v, "extent") for v in extent)
    if not (e[0] < e[1] and e[2] < e[3]):
        raise ValueError(f"extent must satisfy re_min < re_max and im_min < im_max, got {e}")
    return e
