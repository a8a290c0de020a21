r"""Closed forms of the quiet state :math:`h=z=r=0` of the gated network (chapters 6, 8, 10 and 11).

Without an input, :math:`h=z=r=0` is a fixed point of :class:`gatebook.GatedNetwork` for
every parameter value. There :math:`\phi=0` and the bracket :math:`u` vanish, so the
Jacobian is block lower triangular and every gate sits at rest,
:math:`s_k=\sigma_k(0)=1/(1+e^{\beta_k})`, whatever :math:`\alpha_z,\alpha_r`. Its
eigenvalues are :math:`(s_z/\tau_h)(-1+g_hs_r\,w)` with :math:`w` an eigenvalue of
:math:`J^h` (the circular law fills the unit disk as :math:`N\to\infty`), plus the point
masses :math:`-1/\tau_z` and :math:`-1/\tau_r`, each :math:`N`-fold. Everything the book
says about the quiet state follows from that spectrum, and lives here:

* :func:`quiet_threshold`: the gain :math:`g_h=1+e^{\beta_r}` at which it loses stability;
* :func:`effective_gain`: :math:`g_{\rm eff}=g_hs_r`, the gain of chapter 1's network that a
  soft-gated network equals;
* :func:`origin_disk`: centre and radius of the disk that the :math:`h`-block eigenvalues fill;
* :func:`quiet_growth_rate`: its right edge, the growth rate of small perturbations of :math:`h`;
* :func:`quiet_lambda_max`: the leading exponent, the edge or the slowest gate relaxation.

Every function takes numbers or arrays (broadcast against each other; a float comes back for
scalar input), the gain first and the rest by keyword, with the book's defaults
:math:`\beta=0`, :math:`\tau=1`. The formulas hold for large :math:`N` and for both placements
of the output gate; a finite network's :math:`J^h` moves the edge by :math:`O(N^{-1/2})`
(:mod:`gatebook.quiescent` measures that). They use :math:`s_k` and never divide by it, so a
gate closed so far that :math:`s_k` underflows still gives the right limit.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import expit  # the same s_k, to the bit, as GatedNetwork and gatebook.meanfield

__all__ = ["quiet_threshold", "effective_gain", "origin_disk", "quiet_growth_rate", "quiet_lambda_max"]

#: largest beta_r for which 1 + e^beta_r is a finite float64 (ln of the largest float64)
MAX_BETA_R = float(np.log(np.finfo(np.float64).max))


def _real(value, name: str, *, sign: str | None = None) -> np.ndarray:
    """``value`` (a real number or an array of them) as a float array, checked; errors name ``name``."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}")
    if isinstance(value, numbers.Real):
        array = np.asarray(float(value))
    else:
        array = np.asarray(value)
        if array.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}")
        array = array.astype(float)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if sign == "nonnegative" and np.any(array < 0):
        raise ValueError(f"{name} must be non-negative, got {value!r}")
    if sign == "positive" and np.any(array <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    return array


def _out(array):
    """A float for a 0-d result, the array otherwise."""
    return float(array) if np.ndim(array) == 0 else array


def quiet_threshold(beta_r=0.0):
    r"""Gain :math:`g_h` at which the quiet state loses stability (chapters 6, 10 and 11).

    Parameters
    ----------
    beta_r : float or array_like, optional
        Bias of the output gate (finite, at most :data:`MAX_BETA_R`).

    Returns
    -------
    float or ndarray
        :math:`1+e^{\beta_r}`, broadcast like ``beta_r``.

    Raises
    ------
    ValueError
        If ``beta_r`` is not finite, or so large that :math:`e^{\beta_r}` overflows.

    Notes
    -----
    At the quiet state every output gate sits at :math:`s_r=1/(1+e^{\beta_r})`, so the
    :math:`h`-block eigenvalues fill the disk of :func:`origin_disk`, whose right edge
    :math:`(s_z/\tau_h)(g_hs_r-1)` crosses zero at

    .. math:: g_h=\frac1{s_r}=1+e^{\beta_r}.

    Neither :math:`\alpha_z,\alpha_r` nor :math:`\beta_z` or the time constants enter, and
    both placements of the output gate give the same value. Chapter 6 derives it and
    measures it on finite networks; chapter 10 orders it with the static and chaotic onsets;
    chapter 11 draws it as the exact boundary of the phase diagrams.

    Examples
    --------
    >>> quiet_threshold()
    2.0
    >>> quiet_threshold([0.0, 1.0]).round(4)
    array([2.    , 3.7183])
    """
    beta_r = _real(beta_r, "beta_r")
    if np.any(beta_r > MAX_BETA_R):
        raise ValueError(
            f"beta_r={np.max(beta_r):g} is too large: the threshold 1 + e^beta_r leaves the floating-point "
            f"range (beta_r <= {MAX_BETA_R:.2f} is supported)"
        )
    return _out(1.0 + np.exp(beta_r))


def effective_gain(g_h, *, beta_r=0.0):
    r"""Gain of chapter 1's network that a soft-gated network equals (chapters 6 and 8).

    Parameters
    ----------
    g_h : float or array_like
        Coupling gain (``>= 0``).
    beta_r : float or array_like, optional
        Bias of the output gate.

    Returns
    -------
    float or ndarray
        :math:`g_{\rm eff}`, broadcast over the arguments.

    Notes
    -----
    With :math:`\alpha_r=0` the output gate is the constant :math:`s_r=\sigma_r(0)`, so it
    only rescales the coupling,

    .. math:: g_{\rm eff}=g_h\,s_r=\frac{g_h}{1+e^{\beta_r}} .

    At the quiet state this holds for any :math:`\alpha_r`: the quiet state is stable iff
    :math:`g_{\rm eff}<1` (:func:`quiet_threshold`). Chapter 6 derives the reduction to
    chapter 1's network; chapter 8 uses it to separate what :math:`\beta_r` does from what
    :math:`\alpha_r` does.

    Examples
    --------
    >>> effective_gain(3.0)
    1.5
    >>> effective_gain(3.0, beta_r=[0.0, 1.0]).round(4)
    array([1.5   , 0.8068])
    """
    g_h = _real(g_h, "g_h", sign="nonnegative")
    beta_r = _real(beta_r, "beta_r")
    return _out(g_h * expit(-beta_r))


def origin_disk(g_h, *, beta_r=0.0, beta_z=0.0, tau_h=1.0):
    r"""Centre and radius of the disk that the :math:`h`-block eigenvalues fill at the quiet state (chapter 6).

    Parameters
    ----------
    g_h : float or array_like
        Coupling gain (``>= 0``).
    beta_r, beta_z : float or array_like, optional
        Biases of the output and timescale gates.
    tau_h : float or array_like, optional
        Time constant of :math:`h` (``> 0``).

    Returns
    -------
    centre, radius : float or ndarray
        :math:`-s_z/\tau_h` and :math:`g_hs_rs_z/\tau_h`, broadcast over the arguments.

    Notes
    -----
    At :math:`h=z=r=0` the :math:`hh` block of the Jacobian is
    :math:`(s_z/\tau_h)(-\mathbb 1+g_hs_rJ^h)`; by the circular law its eigenvalues fill, as
    :math:`N\to\infty`, the disk

    .. math:: \lvert\lambda\tau_h+s_z\rvert\le g_h\,s_r\,s_z,

    i.e. centre :math:`-s_z/\tau_h` and radius :math:`g_hs_rs_z/\tau_h`. Chapter 6 draws it
    around the exact eigenvalues; chapter 8 measures the Jacobian cloud about its centre.

    Examples
    --------
    >>> origin_disk(3.0)
    (-0.5, 0.75)
    >>> centre, radius = origin_disk(3.0, beta_r=1.0, tau_h=2.0)
    >>> round(centre, 4), round(radius, 4)
    (-0.25, 0.2017)
    """
    g_h = _real(g_h, "g_h", sign="nonnegative")
    s_r = expit(-_real(beta_r, "beta_r"))
    s_z = expit(-_real(beta_z, "beta_z"))
    tau_h = _real(tau_h, "tau_h", sign="positive")
    centre = -s_z / tau_h
    radius = g_h * s_r * s_z / tau_h
    if np.shape(centre) != np.shape(radius):  # the centre does not depend on g_h, beta_r: same shape for both
        centre, radius = (np.array(a) for a in np.broadcast_arrays(centre, radius))
    return _out(centre), _out(radius)


def quiet_growth_rate(g_h, *, beta_r=0.0, beta_z=0.0, tau_h=1.0):
    r"""Growth rate of small perturbations of :math:`h` at the quiet state, large :math:`N` (chapters 6 and 10).

    Parameters
    ----------
    g_h : float or array_like
        Coupling gain (``>= 0``).
    beta_r, beta_z : float or array_like, optional
        Biases of the output and timescale gates.
    tau_h : float or array_like, optional
        Time constant of :math:`h` (``> 0``).

    Returns
    -------
    float or ndarray
        :math:`\lambda_0`, broadcast over the arguments.

    Notes
    -----
    The right edge of :func:`origin_disk`, centre plus radius:

    .. math:: \lambda_0=\frac{s_z}{\tau_h}\big(g_hs_r-1\big),

    negative below :math:`g_h=1+e^{\beta_r}` (:func:`quiet_threshold`). Near the origin the gates
    do not feed back at first order, so :math:`\lVert h(t)\rVert\propto e^{\lambda_0t}`. A
    finite network's rate replaces :math:`1` by the largest real part of the eigenvalues of
    its :math:`J^h` (:func:`gatebook.quiescent.origin_growth_rate`). Chapter 6 measures it;
    chapter 10 asks for it in an exercise.

    Examples
    --------
    >>> round(quiet_growth_rate(1.9), 12)            # (1/2)(1.9/2 - 1)
    -0.025
    >>> quiet_growth_rate([1.0, 2.0, 3.0])
    array([-0.25,  0.  ,  0.25])
    """
    g_h = _real(g_h, "g_h", sign="nonnegative")
    s_r = expit(-_real(beta_r, "beta_r"))
    s_z = expit(-_real(beta_z, "beta_z"))
    tau_h = _real(tau_h, "tau_h", sign="positive")
    return _out(s_z / tau_h * (g_h * s_r - 1.0))


def quiet_lambda_max(g_h, *, beta_r=0.0, beta_z=0.0, tau_h=1.0, tau_r=1.0, tau_z=None):
    r"""Leading exponent of the quiet state, large :math:`N` (chapters 6, 10 and 11).

    Parameters
    ----------
    g_h : float or array_like
        Coupling gain (``>= 0``).
    beta_r, beta_z : float or array_like, optional
        Biases of the output and timescale gates.
    tau_h, tau_r : float or array_like, optional
        Time constants of :math:`h` and :math:`r` (``> 0``).
    tau_z : float, array_like or None, optional
        Time constant of :math:`z` (``> 0``): the network's :math:`z` block adds the point
        :math:`-1/\tau_z`. ``None`` (default) leaves it out, as the dynamical mean-field theory
        at :math:`\alpha_z=0` does, which has no :math:`z` variable. For a
        :class:`gatebook.GatedNetwork` pass its ``tau_z``.

    Returns
    -------
    float or ndarray
        :math:`\lambda_{\max}`, broadcast over the arguments.

    Notes
    -----
    The rightmost eigenvalue of the Jacobian at :math:`h=z=r=0`: the right edge of
    :func:`origin_disk` or the relaxation of a gate block, whichever is slower,

    .. math::

        \lambda_{\max}=\max\Big\{\frac{s_z}{\tau_h}\big(g_hs_r-1\big),\;-\frac1{\tau_r},\;-\frac1{\tau_z}\Big\}
        \quad(\text{network}),\qquad
        \lambda_{\max}=\max\Big\{\frac{s_z}{\tau_h}\big(g_hs_r-1\big),\;-\frac1{\tau_r}\Big\}
        \quad(\text{DMFT}, \alpha_z=0).

    It is the largest Lyapunov exponent of a stable quiet state, and the DMFT exponent of
    the quiescent branch. Chapter 6 derives it; chapter 10 draws it next to the chaotic
    branch; chapter 11 fills the quiet regions of the phase diagrams with it.

    Examples
    --------
    >>> quiet_lambda_max(1.5)                       # the DMFT value: no z block
    -0.125
    >>> quiet_lambda_max(0.0, tau_r=0.5, tau_z=2.0)  # the network: the slow z block leads
    -0.5
    >>> quiet_lambda_max([0.0, 3.0], tau_r=0.5)
    array([-0.5 ,  0.25])
    """
    rate = quiet_growth_rate(g_h, beta_r=beta_r, beta_z=beta_z, tau_h=tau_h)
    out = np.maximum(rate, -1.0 / _real(tau_r, "tau_r", sign="positive"))
    if tau_z is not None:
        out = np.maximum(out, -1.0 / _real(tau_z, "tau_z", sign="positive"))
    return _out(out)
