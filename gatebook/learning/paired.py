r"""Paired comparison of two training arms over the same seeds (chapter 4).

When two arms of an experiment share every seed — the same initial weights and the same
batches, as in :func:`~gatebook.learning.optimiser_study.optimiser_grid` — their final
losses :math:`F_s` and :math:`F^{\rm ref}_s` are compared seed by seed. On a log scale the
paired differences

.. math::

    d_s=\ln F_s-\ln F^{\rm ref}_s,\qquad
    \bar d\pm t_{(1+c)/2,\,S-1}\,\frac{\mathrm{sd}(d)}{\sqrt S},

give a t-based interval at level :math:`c` for the mean log ratio; :math:`e^{\bar d}` is the
geometric-mean ratio of the final losses, and the number of seeds with :math:`d_s<0` is a
sign count that needs no assumption about the distribution of :math:`d`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_float64, as_float_array, check_float_in

__all__ = ["Contrast", "paired_contrast", "t_interval"]


@dataclass(frozen=True)
class Contrast:
    r"""Paired comparison of two arms on the same seeds, in log final loss.

    Attributes
    ----------
    arm, reference : str
    d : ndarray, shape (seeds,)
        :math:`\ln F_{\rm arm}-\ln F_{\rm reference}` seed by seed.
    mean, ci : float, tuple of float
        :math:`\bar d` and its t-based interval at level ``confidence``.
    below : int
        Seeds in which ``arm`` ended below ``reference`` (:math:`d_s<0`).
    confidence : float
    """

    arm: str
    reference: str
    d: np.ndarray
    mean: float
    ci: tuple
    below: int
    confidence: float = 0.95

    @property
    def n(self) -> int:
        """Number of paired seeds."""
        return int(self.d.size)

    @property
    def ratio(self) -> float:
        r"""Geometric-mean ratio :math:`e^{\bar d}` of the final losses."""
        return float(np.exp(self.mean))


def paired_contrast(final, reference, *, confidence: float = 0.95, arm: str = "arm",
                    reference_label: str = "reference") -> Contrast:
    r"""Mean paired log ratio of two arms' final losses with a t-based interval (chapter 4).

    .. math:: d_s=\ln F_s-\ln F^{\rm ref}_s,\qquad
              \bar d\pm t_{(1+c)/2,\,S-1}\,\mathrm{sd}(d)/\sqrt S .

    Parameters
    ----------
    final, reference : array_like, shape (S,)
        Positive final losses of the two arms, seed by seed (the same seeds, ``S >= 2``).
        A non-finite entry (a diverged run) makes the mean and interval NaN.
    confidence : float
        Level :math:`c` of the interval, in (0, 1).
    arm, reference_label : str
        Names stored in the result.

    Examples
    --------
    >>> c = paired_contrast([0.1, 0.2, 0.1], [0.2, 0.4, 0.2])
    >>> round(c.ratio, 3), c.below
    (0.5, 3)
    """
    from scipy import stats

    a = _positive_vector(final, "final")
    b = _positive_vector(reference, "reference")
    if a.shape != b.shape:
        raise ValueError(f"final and reference must have the same length (one value per seed), got {a.size} and {b.size}")
    if a.size < 2:
        raise ValueError(f"final needs at least 2 seeds for an interval, got {a.size}")
    confidence = check_float_in(confidence, "confidence", 0.0, 1.0, closed="neither")
    for value, name in ((arm, "arm"), (reference_label, "reference_label")):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    with np.errstate(invalid="ignore"):
        d = np.log(a) - np.log(b)
    if not np.isfinite(d).all():
        return Contrast(arm, reference_label, d, np.nan, (np.nan, np.nan), int((d < 0).sum()), confidence)
    mean, low, high = t_interval(d, confidence=confidence)
    return Contrast(arm, reference_label, d, mean, (low, high), int((d < 0).sum()), confidence)


def t_interval(x, *, confidence: float = 0.95) -> tuple:
    r"""Mean of ``x`` and its two-sided Student-t interval at level ``confidence``: ``(mean, low, high)``.

    .. math:: \bar x \pm t_{(1+c)/2,\,n-1}\,s/\sqrt n ,

    with :math:`s` the sample standard deviation; ``low`` and ``high`` are NaN for a single
    value. ``x`` is a non-empty 1-D sequence of finite numbers, e.g. per-seed values or paired
    differences (chapters 4 and 5).

    Examples
    --------
    >>> [round(v, 4) for v in t_interval([1.0, 2.0, 3.0])]
    [2.0, -0.4841, 4.4841]
    """
    from scipy import stats

    x = as_float64(x, "x")
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x must be a non-empty 1-D sequence of numbers, got shape {x.shape}")
    confidence = check_float_in(confidence, "confidence", 0.0, 1.0, closed="neither")
    mean = float(x.mean())
    if x.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


def _positive_vector(x, name: str) -> np.ndarray:
    arr = as_float_array(x, name, "a sequence of positive final losses")
    if arr.ndim != 1 or arr.size == 0 or np.isnan(arr).any() or (arr <= 0).any():
        raise ValueError(f"{name} must be a non-empty 1-d sequence of positive final losses (inf: diverged), got {x!r}")
    return arr
