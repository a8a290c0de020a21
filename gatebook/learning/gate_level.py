r"""Lag profiles of untrained scalar-gate cells at chosen resting gate values (chapter 3).

:func:`init_scalar_gate` builds an untrained float64 :class:`~gatebook.learning.ScalarGateRNN`
whose gate rests at :math:`s_0=\sigma(b^u)`; :func:`gate_level_sweep` measures the lag
profile (both named conventions, :func:`~gatebook.learning.lag_profile.lag_profiles`) and
the mean gate of one such cell per resting value, all on the same adding-task probe
batch: the data of chapter 3's explorable figure.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_positive_int
from .tasks import make_task
from .cells import ScalarGateRNN
from .common import check_seed, check_sizes
from .lag_profile import CONVENTIONS, lag_profiles
from .gate_credit import gate_traces

__all__ = ["GateLevelSweep", "gate_level_sweep", "init_scalar_gate"]


def init_scalar_gate(gate_bias: float, input_scale: float = 1.0, *, hidden_size: int = 16, input_size: int = 4,
                     seed: int = 0):
    r"""An untrained float64 :class:`~gatebook.learning.ScalarGateRNN` with a chosen resting gate (chapter 3).

    The gate is :math:`u_t=\sigma(W^u_{\rm rec}x_{t-1}+c\,W^u_{\rm in}I_t+b^u)` with
    :math:`b^u=\mathrm{logit}(s_0)`, so that :math:`u_t=s_0` when the other two terms vanish,
    and the default (uniform) gate input weights multiplied by :math:`c` = ``input_scale``.

    Parameters
    ----------
    gate_bias : float
        Resting gate value :math:`s_0=\sigma(b^u)\in(0,1)`.
    input_scale : float
        Factor :math:`c\ge0` on the gate's input weights (0: the gate ignores the input).
    hidden_size, input_size, seed : int
        Size :math:`N`, input dimension :math:`m` and weight seed.

    Examples
    --------
    >>> cell = init_scalar_gate(0.2, 0.0)
    >>> float(cell.W_ig.detach().abs().max()), round(float(torch.sigmoid(cell.b_g.detach())), 6)
    (0.0, 0.2)
    """
    _check_input_scale(input_scale)
    if isinstance(gate_bias, bool) or not isinstance(gate_bias, numbers.Real):
        raise ValueError(f"gate_bias is the resting gate value s0 and must lie in (0, 1), got {gate_bias!r}")
    cell = ScalarGateRNN(input_size, hidden_size, gate_bias=float(gate_bias), seed=check_seed(seed, "seed"),
                         dtype=torch.float64)
    with torch.no_grad():
        cell.W_ig.mul_(float(input_scale))
    return cell


def _check_input_scale(input_scale) -> None:
    if isinstance(input_scale, bool) or not isinstance(input_scale, numbers.Real) or not np.isfinite(input_scale) \
            or input_scale < 0:
        raise ValueError(f"input_scale must be a finite number >= 0, got {input_scale!r}")


@dataclass
class GateLevelSweep:
    r"""Fitted powers at initialisation for several resting gate values (see :func:`gate_level_sweep`).

    Attributes
    ----------
    gate_biases : numpy.ndarray, shape (G,)
        Resting gate values :math:`s_0`.
    input_scale : float
    gate_mean : numpy.ndarray, shape (G,)
        Mean gate value on the probe.
    slope, r2 : dict of str to numpy.ndarray
        :math:`\kappa` and :math:`R^2` per convention, shape (G,).
    measured : numpy.ndarray, shape (G, H)
        Measured profiles :math:`\tilde\mu_{\rm eff}(\ell)`.
    lags : numpy.ndarray, shape (H,)
    """

    gate_biases: np.ndarray
    input_scale: float
    gate_mean: np.ndarray
    slope: dict
    r2: dict
    measured: np.ndarray
    lags: np.ndarray


def gate_level_sweep(gate_biases, *, input_scale: float = 1.0, hidden_size: int = 16, input_size: int = 4,
                     T: int = 30, batch: int = 4, seed: int = 0, probe_seed: int = 7) -> GateLevelSweep:
    r"""Lag profiles of untrained scalar-gate cells with resting gate values ``gate_biases`` (chapter 3).

    Each cell comes from :func:`init_scalar_gate` (same weights up to the bias) and reads the
    same adding-task probe batch; both named conventions are fitted. This is the data of the
    chapter's explorable figure, one gate level per entry.

    Raises
    ------
    ValueError
        For bad sizes or levels, and when a gate saturates (a huge ``input_scale``) so that
        the predictor is constant and no power can be fitted; the message names the level.

    Examples
    --------
    >>> sweep = gate_level_sweep([0.2, 0.8], T=10, batch=2)
    >>> sweep.slope["carry"].shape
    (2,)
    """
    if isinstance(gate_biases, (str, bytes)):
        raise TypeError(f"gate_biases must be a sequence of numbers in (0, 1), got {gate_biases!r}")
    try:
        levels = np.array([float(g) for g in gate_biases])
    except (TypeError, ValueError):
        raise TypeError(f"gate_biases must be a sequence of numbers in (0, 1), got {gate_biases!r}") from None
    if levels.size == 0 or not np.all((levels > 0) & (levels < 1)):
        raise ValueError(f"gate_biases must be a non-empty sequence of numbers in (0, 1), got {levels.tolist()}")
    _check_input_scale(input_scale)
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    input_size = check_positive_int(input_size, "input_size")
    batch, T = check_positive_int(batch, "batch"), check_positive_int(T, "T")
    check_sizes([("batch", batch), ("T", T), ("input_size", input_size)], what="the probe batch")
    probe = make_task("adding", batch, T=T, m=input_size, seed=check_seed(probe_seed, "probe_seed"),
                      dtype=torch.float64)
    gates, profiles = [], []
    for s0 in levels:
        cell = init_scalar_gate(s0, input_scale, hidden_size=hidden_size, input_size=input_size, seed=seed)
        gates.append(gate_traces(cell, probe.inputs).mean())
        try:
            profiles.append(lag_profiles(cell, probe.inputs))
        except ValueError as err:  # saturated gates: a constant predictor
            raise ValueError(f"no lag profile can be fitted at gate_biases value {s0:g} with input_scale="
                             f"{input_scale:g}: {err}") from err
    return GateLevelSweep(
        gate_biases=levels,
        input_scale=float(input_scale),
        gate_mean=np.array(gates),
        slope={c: np.array([p[c].slope for p in profiles]) for c in CONVENTIONS},
        r2={c: np.array([p[c].r2 for p in profiles]) for c in CONVENTIONS},
        measured=np.stack([p["carry"].measured.numpy() for p in profiles]),
        lags=profiles[0]["carry"].lags.numpy(),
    )
