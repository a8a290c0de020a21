r"""External inputs for the gated network: static vectors or functions of time (chapters 7 and 10).

An input to the state or to a gate of :class:`gatebook.GatedNetwork` is either a number,
a vector with one entry per unit, or a function of time :math:`t\mapsto I(t)` returning
one of those. :func:`pulses` builds the most common function of time, a train of
rectangular pulses,

.. math:: I(t)=\sum_{p} a_p\,\xi_p\,\mathbb 1\{t_p\le t<t_p+w\},

which chapter 7 uses to write values into the network (pulses to :math:`h`) and to
erase them again (a pulse to the :math:`z`-gate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_finite_float, check_memory, check_positive_float, check_positive_int

__all__ = ["Pulses", "pulses", "as_input", "evaluate_input"]


@dataclass(frozen=True, eq=False)
class Pulses:
    r"""Rectangular pulses :math:`I(t)=\sum_p a_p\,\xi_p\,\mathbb 1\{t_p\le t<t_p+w\}` (callable in ``t``).

    Build it with :func:`pulses`. Attributes: ``onsets`` :math:`t_p` (sorted, shape ``(P,)``),
    ``width`` :math:`w`, ``amplitudes`` :math:`a_p` (shape ``(P,)``) and ``pattern``
    :math:`\xi_p` (``None`` for a number, shape ``(N,)`` shared by all pulses, or ``(P, N)``).
    Pulses may overlap; overlapping pulses add.
    """

    onsets: np.ndarray
    width: float
    amplitudes: np.ndarray
    pattern: np.ndarray | None = None

    def __call__(self, t: float):
        active = (self.onsets <= t) & (t < self.onsets + self.width)
        if not active.any():
            return 0.0
        a = self.amplitudes[active]
        if self.pattern is None:
            return float(a.sum())
        if self.pattern.ndim == 1:
            return float(a.sum()) * self.pattern
        return a @ self.pattern[active]

    @property
    def end(self) -> float:
        """Time at which the last pulse ends."""
        return float(self.onsets[-1] + self.width)


def pulses(onsets, width: float, amplitude=1.0, pattern=None) -> Pulses:
    r"""A train of rectangular pulses starting at ``onsets``, each lasting ``width``.

    Parameters
    ----------
    onsets : float or array_like, shape (P,)
        Start times (finite).
    width : float
        Duration :math:`w>0` of every pulse.
    amplitude : float or array_like, shape (P,)
        Height :math:`a_p` of every pulse (one number) or of each pulse.
    pattern : array_like, shape (N,) or (P, N), optional
        Which units receive the pulse and with what weight: one pattern for all pulses or
        one per pulse. ``None`` (default) sends the same number to every unit.

    Returns
    -------
    Pulses
        A function of time, usable as ``input_h``, ``input_z`` or ``input_r`` of
        :class:`gatebook.GatedNetwork`.

    Examples
    --------
    >>> from gatebook.inputs import pulses
    >>> I = pulses([10.0, 30.0], width=2.0, amplitude=[1.0, -0.5])
    >>> I(11.0), I(20.0), I(31.9)
    (1.0, 0.0, -0.5)
    """
    onsets = np.atleast_1d(as_float_array(onsets, "onsets", "a number or a 1-D sequence of times"))
    if onsets.ndim != 1 or onsets.size == 0:
        raise ValueError(f"onsets must be a number or a non-empty 1-D sequence of times, got shape {onsets.shape}")
    if not np.isfinite(onsets).all():
        raise ValueError("onsets must be finite")
    width = check_positive_float(width, "width")
    P = onsets.size
    amp = as_float_array(amplitude, "amplitude", "a number or one number per pulse")
    if amp.ndim == 0:
        amp = np.full(P, float(amp))
    if amp.shape != (P,):
        raise ValueError(f"amplitude must be a number or have one entry per pulse ({P},), got shape {amp.shape}")
    if not np.isfinite(amp).all():
        raise ValueError("amplitude must be finite")
    order = np.argsort(onsets, kind="stable")
    if pattern is not None:
        pattern = as_float_array(pattern, "pattern", "an array of shape (N,) or (P, N)")
        if pattern.ndim not in (1, 2) or (pattern.ndim == 2 and pattern.shape[0] != P):
            raise ValueError(f"pattern must have shape (N,) or ({P}, N), got shape {pattern.shape}")
        if not np.isfinite(pattern).all():
            raise ValueError("pattern must be finite")
        if pattern.ndim == 2:
            pattern = pattern[order]
    return Pulses(onsets=onsets[order], width=width, amplitudes=amp[order], pattern=pattern)


def _check_name(name) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string (the input's name in messages), got {name!r}")
    return name


def as_input(value, N: int, name: str):
    """Validate an input: ``None``, a callable of time, or a finite number / vector of shape ``(N,)``.

    Static values are returned as a float array of shape ``(N,)`` (``None`` stays ``None``);
    callables are returned unchanged and checked each time they are evaluated. Errors about
    ``value`` name it by ``name`` (e.g. ``"input_h"``).
    """
    name = _check_name(name)
    N = check_positive_int(N, "N")
    if value is None or callable(value):
        return value
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be None, a number, an array of shape ({N},) or a function of time, "
            f"got {type(value).__name__}"
        ) from None
    if arr.ndim == 0:
        if not np.isfinite(arr):
            raise ValueError(f"{name} must be finite (found NaN or inf)")
        check_memory(N, "N", what=f"the vector {name} of N entries")
        arr = np.full(N, float(arr))
    if arr.shape != (N,):
        raise ValueError(f"{name} must be a number or an array of shape (N,) = ({N},), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    return arr


def evaluate_input(value, t: float, N: int, name: str):
    """The input at time ``t``: ``None``, or a number / array of shape ``(N,)`` (validated).

    A static ``value`` is checked as by :func:`as_input` and returned as an array of shape
    ``(N,)``; a callable is called at ``t`` and its result checked. Errors about ``value`` name
    it by ``name``.
    """
    name = _check_name(name)
    N = check_positive_int(N, "N")
    t = check_finite_float(t, "t")
    if value is None or not callable(value):
        return as_input(value, N, name)
    return evaluate_input_unchecked(value, t, N, name)


def evaluate_input_unchecked(value, t: float, N: int, name: str):
    """:func:`evaluate_input` for a value that :func:`as_input` accepted (the vector field's inner loop)."""
    if value is None or not callable(value):
        return value
    out = value(t)
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name}(t) must return a number or an array of shape ({N},), got {type(out).__name__} "
                        f"at t={t}") from None
    if arr.ndim == 0:
        if not np.isfinite(arr):
            raise ValueError(f"{name}(t) returned a non-finite value at t={t}")
        return float(arr)
    if arr.shape != (N,):
        raise ValueError(
            f"{name}(t) must return a number or an array of shape (N,) = ({N},), got shape {arr.shape} at t={t}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}(t) returned NaN or inf at t={t}")
    return arr
