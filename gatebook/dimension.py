r"""Two measures of the dimension of a chaotic attractor (chapter 8).

**Kaplan–Yorke dimension** (dynamical): from the Lyapunov exponents
:math:`\lambda_1\ge\lambda_2\ge\dots`, count how many directions can be added before
volumes start to shrink, and interpolate linearly inside the last one,

.. math::

    D_{\rm KY}=k+\frac{\sum_{i\le k}\lambda_i}{\lvert\lambda_{k+1}\rvert},\qquad
    k=\max\Big\{j:\ \sum_{i\le j}\lambda_i\ge0\Big\}.

**Participation ratio** (statistical): from the eigenvalues :math:`\nu_1\ge\nu_2\ge\dots`
of the covariance matrix of the activity :math:`h(t)` sampled on the attractor,

.. math::

    D_{\rm PR}=\frac{\big(\sum_i\nu_i\big)^2}{\sum_i\nu_i^2},

the number of directions that carry the variance (:math:`N` when all :math:`N` units
fluctuate independently with equal variance, 1 when the activity moves along one line).
Chapter 8 reports both divided by the number of units, :math:`D/N`, so that networks of
different sizes can be compared, and shows that the output gate :math:`r` raises them.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float64, check_bool
from . import spectra

__all__ = ["kaplan_yorke_dimension", "covariance_spectrum", "state_participation_ratio"]


def kaplan_yorke_dimension(exponents) -> float:
    r"""Kaplan–Yorke (Lyapunov) dimension :math:`D_{\rm KY}` of an attractor.

    .. math::

        D_{\rm KY}=k+\frac{\sum_{i\le k}\lambda_i}{\lvert\lambda_{k+1}\rvert},\qquad
        k=\max\Big\{j:\ \sum_{i\le j}\lambda_i\ge0\Big\},

    with the exponents sorted in descending order; :math:`D_{\rm KY}=0` when
    :math:`\lambda_1<0` (a stable fixed point). Chapter 8 computes it for the gated network
    and reports :math:`D_{\rm KY}/N`.

    Parameters
    ----------
    exponents : array_like, shape (k,), or LyapunovResult
        Lyapunov exponents (any order; sorted here), e.g. ``lyapunov_spectrum(...).exponents``
        or the :class:`~gatebook.LyapunovResult` itself. A *partial* spectrum (the ``k``
        largest exponents) suffices when its partial sums become negative.

    Returns
    -------
    float
        :math:`D_{\rm KY}\in[0,k)`.

    Raises
    ------
    ValueError
        If every partial sum :math:`\sum_{i\le j}\lambda_i` is non-negative: the spectrum
        passed is partial (or volumes never contract), so :math:`k` cannot be located and
        more exponents are needed.

    Examples
    --------
    >>> from gatebook.dimension import kaplan_yorke_dimension
    >>> kaplan_yorke_dimension([1.0, -0.5, -2.0])   # 2 + 0.5 / 2
    2.25
    """
    values = getattr(exponents, "exponents", exponents)
    try:
        lam = np.asarray(values)
    except ValueError as err:  # a ragged nested sequence
        raise ValueError("exponents must be a 1-D array of real numbers") from err
    if lam.dtype.kind not in "iuf":
        raise TypeError(
            f"exponents must be a 1-D array of real numbers or a LyapunovResult, got {type(exponents).__name__}"
        )
    lam = lam.astype(np.float64, copy=False)
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"exponents must be a non-empty 1-D array, got shape {lam.shape}")
    if not np.all(np.isfinite(lam)):
        raise ValueError("exponents contains NaN or infinite values")
    lam = -np.sort(-lam)
    if lam[0] < 0:
        return 0.0
    partial = np.cumsum(lam)
    negative = np.flatnonzero(partial < 0)
    if negative.size == 0:
        raise ValueError(
            f"all {lam.size} partial sums of the exponents are non-negative (their total is "
            f"{partial[-1]:.4g}): the spectrum passed is partial; compute more exponents "
            f"(more than {lam.size}) until the partial sums become negative"
        )
    k = int(negative[0])  # number of exponents whose sum is still >= 0
    return float(k + partial[k - 1] / abs(lam[k]))


def _as_samples(states, name: str = "states") -> np.ndarray:
    """Validate ``states`` of shape (n_samples, n_units) and return it as finite float64."""
    X = as_float64(states, name)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape (n_samples, n_units) with both sizes positive, got {X.shape} "
            "(select the h-block of a trajectory first, e.g. states[:, :N])"
        )
    return X


def covariance_spectrum(states, *, center: bool = True) -> np.ndarray:
    r"""Eigenvalues :math:`\nu_1\ge\nu_2\ge\dots\ge\nu_N\ge0` of the covariance of sampled activity.

    .. math::

        C=\frac{1}{T-1}\sum_{t=1}^{T}\big(h(t)-\bar h\big)\big(h(t)-\bar h\big)^{\top}

    for :math:`T` samples of :math:`N` units (with ``center=False``, the second-moment
    matrix :math:`\frac1T\sum_th(t)h(t)^{\top}`). Computed from the smaller of the two Gram
    matrices of the data (:math:`N\times N` or :math:`T\times T`, which share their non-zero
    eigenvalues) with a symmetric eigensolver; round-off negatives are set to zero. Chapter 8
    uses it for the participation ratio.

    Parameters
    ----------
    states : array_like, shape (n_samples, n_units)
        Activity sampled after the transient, one row per time, e.g. the :math:`h`-block
        ``traj.states[:, :N]`` of a :class:`~gatebook.Trajectory`.
    center : bool
        Subtract each unit's temporal mean (default).

    Returns
    -------
    ndarray, shape (n_units,)
        In descending order; at most ``n_samples - 1`` (centred) of them are non-zero.
    """
    X = _as_samples(states)
    center = check_bool(center, "center")
    T, N = X.shape
    if center:
        if T < 2:
            raise ValueError(f"states must contain at least two samples to estimate a covariance, got {T}")
        X = X - X.mean(axis=0)
    gram = X.T @ X if T >= N else X @ X.T
    mu = np.zeros(N)
    values = np.linalg.eigvalsh(gram)[::-1]
    mu[: values.size] = np.clip(values, 0.0, None) / (T - 1 if center else T)
    return mu


def state_participation_ratio(states, *, center: bool = True) -> float:
    r"""Participation ratio :math:`D_{\rm PR}=(\sum_i\nu_i)^2/\sum_i\nu_i^2` of the activity's covariance.

    .. math::

        D_{\rm PR}=\frac{\big(\operatorname{tr}C\big)^2}{\operatorname{tr}C^2}
        =\frac{\big(\sum_i\nu_i\big)^2}{\sum_i\nu_i^2}\in[1,N],

    with :math:`\nu_i` the eigenvalues of the covariance :math:`C` of the samples
    (:func:`covariance_spectrum`). It is :math:`N` for isotropic activity and 1 for
    activity along a single direction; it does not change under rotations of the units,
    rescaling, or (with ``center=True``) a constant offset. Chapter 8 reports
    :math:`D_{\rm PR}/N` ("report PR/N") and shows that it rises with the gain
    :math:`\alpha_r` of the output gate. Computed by the participation ratio of a spectrum,
    :func:`gatebook.spectra.participation_ratio`, of :math:`\nu`.

    Parameters
    ----------
    states : array_like, shape (n_samples, n_units)
        Activity sampled after the transient (e.g. the :math:`h`-block of a trajectory).
    center : bool
        Subtract each unit's temporal mean first (default).

    Returns
    -------
    float
        In :math:`[1, \min(N, T)]`.

    Examples
    --------
    >>> import numpy as np
    >>> from gatebook.dimension import state_participation_ratio
    >>> line = np.outer(np.sin(np.arange(50.0)), [1.0, -2.0, 0.5])  # activity on one line
    >>> round(state_participation_ratio(line), 12)
    1.0
    """
    mu = covariance_spectrum(states, center=center)
    if mu[0] == 0.0:
        raise ValueError(
            "states do not fluctuate (zero covariance): the participation ratio is undefined "
            "(did the network decay to a fixed point?)"
        )
    s = np.sqrt(mu)  # the singular values of the (centred) samples, up to a common factor
    # the spectrum as (s_i / s_1)^2, not mu / mu_1: the same numbers, to the last bit, as before
    # chapter 5's and chapter 8's participation ratios were merged
    return float(spectra.participation_ratio((s / s[0]) ** 2))


def __getattr__(name):
    if name == "participation_ratio":  # deprecated (one release): the old name of the states' version
        import warnings

        warnings.warn("gatebook.dimension.participation_ratio(states) moved to "
                      "gatebook.dimension.state_participation_ratio(states)", DeprecationWarning, stacklevel=2)
        return state_participation_ratio
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
