r"""Dimension of gated networks against matched soft-gate controls, and against one gate parameter (chapter 8).

A sharper output gate (larger :math:`\alpha_r`) raises the participation ratio
:math:`D_{\rm PR}/N` and the Kaplan–Yorke dimension :math:`D_{\rm KY}/N` of the chaotic
attractor, but it also raises the temporal variance of :math:`h` and :math:`\lambda_{\max}`.
Whether the rise of dimension is more than that change of variance or exponent is asked of
**soft-gate controls** (:math:`\alpha_r=0`, chapter 1's network with :math:`g_{\rm eff}=g\,s_r`)
whose gain :math:`g` matches the gated network in DMFT variance or exponent
(:func:`matched_soft_gate_gain`),

.. math::

    \Delta_0^{\rm SCS}(g\,s_r)=\Delta_h(0;\,g_h,\alpha_r,\beta_r)
    \quad\text{or}\quad
    \tfrac12\,\lambda^{\rm SCS}_{\max}(g\,s_r)=\lambda_{\max}(g_h,\alpha_r,\beta_r).

:func:`dimension_controls` measures the gated networks over :math:`\alpha_r` with their
controls, :func:`dimension_sweep` the dimensions against :math:`\alpha_r`, :math:`\beta_r` or
:math:`\alpha_z`; both return a :class:`DimensionTable` (mean and s.e.m. over seeds, the DMFT
values of each arm). Every network is measured by :func:`gatebook.r_gate.measure_r_gate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_bool,
    check_choice,
    check_finite_float,
    check_float_sequence,
    check_int_sequence,
    check_memory,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from . import quiet_state
from .gated_network import GatedNetwork
from .progress import progress_bar
from .r_gate import QUANTITIES, measure_r_gate
from .sweeps import Sweep

__all__ = [
    "DimensionTable",
    "dimension_controls",
    "dimension_sweep",
    "matched_soft_gate_gain",
]


#: What a soft-gate control is matched in: the DMFT variance Delta_h(0), or the DMFT lambda_max.
MATCHES = ("variance", "lambda_max")
#: Parameters that :func:`dimension_sweep` varies (the others held at their given values).
SWEPT = ("alpha_r", "beta_r", "alpha_z")
#: Quantities of a :class:`DimensionTable` (fields or properties of :class:`RGateMeasurement`).
TABLE_QUANTITIES = ("pr_fraction", "kaplan_yorke_fraction", "lambda_max", "temporal_variance")


def matched_soft_gate_gain(alpha_r: float, *, g_h: float = 3.0, beta_r: float = 0.0, match: str = "variance") -> float:
    r"""Gain :math:`g` of the soft-gate network (:math:`\alpha_r=0`) matched to a gated one in DMFT variance or exponent.

    At :math:`\alpha_r=0` the gate is the constant :math:`s_r=1/(1+e^{\beta_r})` and the network
    is chapter 1's with :math:`g_{\rm eff}=g\,s_r` on the clock :math:`\tau_{\rm eff}=2\tau_h`
    (:math:`\beta_z=0`, all :math:`\tau=1`). The control's gain solves (chapter 8)

    .. math::

        \Delta_0^{\rm SCS}(g\,s_r)=\Delta_h(0;\,g_h,\alpha_r,\beta_r)
        \quad\text{or}\quad
        \tfrac12\,\lambda^{\rm SCS}_{\max}(g\,s_r)=\lambda_{\max}(g_h,\alpha_r,\beta_r),

    with the right-hand sides from the gated DMFT at :math:`\alpha_z=0`
    (:func:`gatebook.meanfield.gated_theory`) and the left from chapter 1's closed forms
    (:func:`gatebook.meanfield.scs_variance`, :func:`gatebook.meanfield.scs_lambda_max`), by
    bracketed root finding (both increase with :math:`g` above :math:`1/s_r`).

    Parameters
    ----------
    alpha_r : float
        Gain of the gated network's output gate (``>= 0``; 0 returns ``g_h`` itself).
    g_h : float
        Its coupling gain (``> 0``).
    beta_r : float
        The bias of both networks' output gates.
    match : {"variance", "lambda_max"}
        What the control shares with the gated network.

    Returns
    -------
    float
        The control's :math:`g_h`.

    Raises
    ------
    ValueError
        If the gated network is not on its chaotic branch (nothing to match).

    Examples
    --------
    >>> round(matched_soft_gate_gain(20.0, match="variance"), 3)
    3.671
    """
    from scipy.optimize import brentq

    from .meanfield import MAX_SCS_GAIN, gated_theory, scs_lambda_max, scs_variance

    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    g_h = check_positive_float(g_h, "g_h")
    beta_r = check_finite_float(beta_r, "beta_r")
    match = check_choice(match, "match", MATCHES)
    if alpha_r == 0.0:
        return g_h
    target = gated_theory(g_h, alpha_r=alpha_r, beta_r=beta_r)
    if target.branch != "chaotic":
        raise ValueError(f"g_h={g_h:g}, alpha_r={alpha_r:g}, beta_r={beta_r:g} gives a {target.branch} DMFT "
                         "solution: there is no chaotic variance or exponent to match")
    s_r = float(quiet_state.effective_gain(1.0, beta_r=beta_r))
    if match == "variance":
        def gap(g):
            return scs_variance(g * s_r) - target.variance
    else:
        def gap(g):
            return 0.5 * scs_lambda_max(g * s_r) - target.lambda_max
    lo, hi = 1.0 / s_r * (1.0 + 1e-6), 1.0 / s_r
    while gap(hi) < 0.0:
        hi *= 2.0
        if hi * s_r > MAX_SCS_GAIN:
            raise ValueError(f"no soft-gate gain up to {MAX_SCS_GAIN / s_r:g} matches the {match} of alpha_r={alpha_r:g}")
    return float(brentq(gap, lo, hi, xtol=1e-10, rtol=1e-12))


@dataclass
class DimensionTable:
    r"""Dimension, exponent and variance of several arms of networks over one parameter and seeds (chapter 8).

    Attributes
    ----------
    parameter : str
        The parameter on the horizontal axis (``"alpha_r"``, ``"beta_r"`` or ``"alpha_z"``).
    values : ndarray, shape (n_values,)
    seeds : tuple of int
    gains : dict
        Arm -> :math:`g_h` of its network at each value, shape (n_values,).
    theory : dict
        Arm -> ``{"variance": ..., "lambda_max": ...}``, the DMFT values (shape (n_values,);
        NaN where the DMFT does not apply, :math:`\alpha_z\neq0`).
    data : dict
        Arm -> quantity (:data:`TABLE_QUANTITIES`) -> array (n_seeds, n_values).
    settings : dict
        Fixed parameters and measurement options.
    """

    parameter: str
    values: np.ndarray
    seeds: tuple
    gains: dict
    theory: dict
    data: dict
    settings: dict

    @property
    def arms(self) -> tuple:
        """The arms, in order (e.g. ``("gated", "variance", "lambda_max")``)."""
        return tuple(self.data)

    def sweep(self, arm: str, quantity: str) -> Sweep:
        """One arm's quantity as a :class:`gatebook.Sweep` (mean and s.e.m. over seeds)."""
        arm = check_choice(arm, "arm", self.arms)
        quantity = check_choice(quantity, "quantity", TABLE_QUANTITIES)
        return Sweep(name=QUANTITIES[quantity], parameter=self.parameter, values=np.asarray(self.values),
                     seeds=tuple(self.seeds), data=np.asarray(self.data[arm][quantity], dtype=float), label=arm)

    def to_dict(self) -> dict:
        """Plain lists and numbers (JSON), read back by :meth:`from_dict`."""
        def plain(v):
            return {k: plain(x) for k, x in v.items()} if isinstance(v, dict) else np.asarray(v).tolist()
        return dict(parameter=self.parameter, values=plain(self.values), seeds=list(self.seeds),
                    gains=plain(self.gains), theory=plain(self.theory), data=plain(self.data),
                    settings=dict(self.settings))

    @classmethod
    def from_dict(cls, table: dict) -> "DimensionTable":
        """The table that :meth:`to_dict` wrote (e.g. a committed run's)."""
        if not isinstance(table, dict):
            raise TypeError(f"table must be a dict written by DimensionTable.to_dict, got {type(table).__name__}")
        missing = {"parameter", "values", "seeds", "gains", "theory", "data", "settings"} - set(table)
        if missing:
            raise ValueError(f"table lacks {sorted(missing)}")
        values = np.asarray(table["values"], dtype=float)
        data = {arm: {q: np.asarray(table["data"][arm][q], dtype=float) for q in TABLE_QUANTITIES}
                for arm in table["data"]}
        shape = (len(table["seeds"]), values.size)
        if any(a.shape != shape for d in data.values() for a in d.values()):
            raise ValueError(f"table's data must have shape (n_seeds, n_values) = {shape}")
        return cls(parameter=check_choice(table["parameter"], "parameter", SWEPT), values=values,
                   seeds=tuple(int(s) for s in table["seeds"]),
                   gains={a: np.asarray(v, dtype=float) for a, v in table["gains"].items()},
                   theory={a: {k: np.asarray(x, dtype=float) for k, x in v.items()} for a, v in table["theory"].items()},
                   data=data, settings=dict(table["settings"]))


def _measure_grid(networks, seeds, options, progress, desc, known=None) -> dict:
    """quantity -> (n_seeds, n_values) for ``networks[j](seed)`` measured with :func:`measure_r_gate`.

    Columns ``j`` where ``networks[j]`` is None are copied from ``known`` (the same networks).
    """
    out = {q: np.empty((len(seeds), len(networks))) for q in TABLE_QUANTITIES}
    for j, net in enumerate(networks):
        if net is None:
            for q in TABLE_QUANTITIES:
                out[q][:, j] = known[q][:, j]
    pairs = [(i, j) for i in range(len(seeds)) for j in range(len(networks)) if networks[j] is not None]
    for i, j in progress_bar(pairs, desc=desc, enabled=progress):
        m = measure_r_gate(networks[j](seeds[i]), seed=seeds[i], **options)
        for q in TABLE_QUANTITIES:
            out[q][i, j] = getattr(m, q)
    return out


def _options(options: dict) -> dict:
    """Measurement options with this section's defaults: no S = 1 contour, one Jacobian state."""
    return dict(dict(boundary=False, n_states=1), **options)


def _theory(g_h, alpha_r, beta_r, beta_z=0.0):
    """DMFT variance and lambda_max at alpha_z = 0 (chapter 9's solver)."""
    from .meanfield import gated_dmft, gated_lambda_max, gated_theory

    if beta_z == 0.0:  # cached: the same solves as the matched gains and the chapters'
        res = gated_theory(float(g_h), alpha_r=float(alpha_r), beta_r=float(beta_r))
        return res.variance, res.lambda_max
    res = gated_dmft(float(g_h), alpha_r=float(alpha_r), beta_r=float(beta_r), beta_z=float(beta_z))
    return res.variance, gated_lambda_max(res)


def dimension_controls(alpha_rs, seeds=(0, 1), *, N: int = 120, g_h: float = 3.0, beta_r: float = 0.0,
                       matches=MATCHES, progress: bool = False, **options) -> DimensionTable:
    r"""Gated networks over :math:`\alpha_r` and soft-gate controls matched to each in variance or exponent (chapter 8).

    For each :math:`\alpha_r` the arm ``"gated"`` is ``GatedNetwork(N, g_h, alpha_r=alpha_r)``;
    each arm of ``matches`` is the soft-gate network ``GatedNetwork(N, g, alpha_r=0)`` whose
    gain :math:`g` (:func:`matched_soft_gate_gain`) gives the same DMFT variance
    :math:`\Delta_h(0)` (arm ``"variance"``) or the same DMFT :math:`\lambda_{\max}` (arm
    ``"lambda_max"``),

    .. math::

        \Delta_0^{\rm SCS}(g\,s_r)=\Delta_h(0;\,g_h,\alpha_r)
        \quad\text{or}\quad
        \tfrac12\lambda^{\rm SCS}_{\max}(g\,s_r)=\lambda_{\max}(g_h,\alpha_r).

    If the participation ratio :math:`D_{\rm PR}/N` and :math:`D_{\rm KY}/N` of a control
    equal the gated network's, the change of dimension with :math:`\alpha_r` is what that
    change of variance (or exponent) alone gives. Every network is measured by
    :func:`measure_r_gate` with the same seed (couplings and initial state); ``options`` go
    to it (default here ``boundary=False, n_states=1``).

    Parameters
    ----------
    alpha_rs : sequence of float
        Gains of the gated networks (each chaotic in the DMFT unless 0).
    seeds : sequence of int
    N : int
    g_h : float
        Coupling gain of the gated networks.
    beta_r : float
        Bias of every network's output gate.
    matches : sequence of {"variance", "lambda_max"}
        The control arms.
    progress : bool

    Returns
    -------
    DimensionTable
        ``parameter="alpha_r"``, arms ``("gated", *matches)``.
    """
    alpha_rs = check_float_sequence(alpha_rs, "alpha_rs")
    seeds = check_int_sequence(seeds, "seeds")
    N = check_positive_int(N, "N")
    check_memory(3 * N**2, "N", what="the three N x N coupling matrices")
    g_h = check_positive_float(g_h, "g_h")
    beta_r = check_finite_float(beta_r, "beta_r")
    if isinstance(matches, str) or not hasattr(matches, "__iter__"):
        raise TypeError(f"matches must be a sequence of {MATCHES}, got {matches!r}")
    matches = tuple(check_choice(m, "matches", MATCHES) for m in matches)
    progress = check_bool(progress, "progress")
    if np.any(alpha_rs < 0):
        raise ValueError(f"alpha_rs must be non-negative, got {alpha_rs.tolist()}")
    gains = {"gated": np.full(alpha_rs.size, g_h)}
    gains.update({m: np.array([matched_soft_gate_gain(a, g_h=g_h, beta_r=beta_r, match=m) for a in alpha_rs])
                  for m in matches})
    gate = {"gated": alpha_rs, **{m: np.zeros(alpha_rs.size) for m in matches}}
    options = _options(options)
    data, theory = {}, {}
    for arm in gains:
        # a control matched to alpha_r = 0 is the gated network itself: measured once
        nets = [None if arm != "gated" and a0 == 0.0 else
                (lambda seed, g=g, a=a: GatedNetwork(N, g, alpha_r=a, beta_r=beta_r, seed=seed))
                for g, a, a0 in zip(gains[arm], gate[arm], alpha_rs)]
        data[arm] = _measure_grid(nets, seeds, options, progress, f"chapter 8: {arm} arm", data.get("gated"))
        pairs = [_theory(g, a, beta_r) for g, a in zip(gains[arm], gate[arm])]
        theory[arm] = {"variance": np.array([p[0] for p in pairs]), "lambda_max": np.array([p[1] for p in pairs])}
    return DimensionTable(parameter="alpha_r", values=alpha_rs, seeds=seeds, gains=gains, theory=theory, data=data,
                          settings=dict(N=N, g_h=g_h, beta_r=beta_r, matches=list(matches), **options))


def dimension_sweep(parameter: str, values, seeds=(0, 1), *, N: int = 120, g_h: float = 3.0, alpha_r: float = 20.0,
                    beta_r: float = 0.0, alpha_z: float = 0.0, beta_z: float = 0.0, progress: bool = False,
                    **options) -> DimensionTable:
    r""":math:`D_{\rm PR}/N`, :math:`D_{\rm KY}/N`, :math:`\lambda_{\max}` and variance against one gate parameter (chapter 8).

    ``parameter`` (:math:`\alpha_r`, :math:`\beta_r` or :math:`\alpha_z`) takes each of
    ``values`` in ``GatedNetwork(N, g_h, alpha_r=..., beta_r=..., alpha_z=..., beta_z=...)``,
    the others held at the given ones; every network is measured by :func:`measure_r_gate`
    (``options``; default here ``boundary=False, n_states=1``), with the dimensions

    .. math::

        D_{\rm PR}=\frac{(\sum_i\nu_i)^2}{\sum_i\nu_i^2},\qquad
        D_{\rm KY}=k+\frac{\sum_{i\le k}\lambda_i}{\lvert\lambda_{k+1}\rvert}.

    The DMFT values (:func:`gatebook.meanfield.gated_dmft`, :func:`gatebook.meanfield.gated_lambda_max`)
    are stored where it applies (:math:`\alpha_z=0`), NaN elsewhere.

    Returns
    -------
    DimensionTable
        One arm, ``"gated"``.
    """
    parameter = check_choice(parameter, "parameter", SWEPT)
    values = check_float_sequence(values, "values")
    seeds = check_int_sequence(seeds, "seeds")
    N = check_positive_int(N, "N")
    check_memory(3 * N**2, "N", what="the three N x N coupling matrices")
    progress = check_bool(progress, "progress")
    fixed = dict(g_h=g_h, alpha_r=alpha_r, beta_r=beta_r, alpha_z=alpha_z, beta_z=beta_z)
    GatedNetwork(1, **fixed, seed=0)  # the fixed parameters, then every network's, checked on one unit
    for v in values:
        GatedNetwork(1, **dict(fixed, **{parameter: float(v)}), seed=0)
    params = [dict(fixed, **{parameter: float(v)}) for v in values]
    nets = [lambda seed, p=p: GatedNetwork(N, seed=seed, **p) for p in params]
    options = _options(options)
    data = {"gated": _measure_grid(nets, seeds, options, progress, f"chapter 8: {parameter} sweep")}
    pairs = [_theory(p["g_h"], p["alpha_r"], p["beta_r"], p["beta_z"]) if p["alpha_z"] == 0.0 else (np.nan, np.nan)
             for p in params]
    theory = {"gated": {"variance": np.array([p[0] for p in pairs]), "lambda_max": np.array([p[1] for p in pairs])}}
    return DimensionTable(parameter=parameter, values=values, seeds=seeds,
                          gains={"gated": np.array([p["g_h"] for p in params])}, theory=theory, data=data,
                          settings=dict(N=N, **fixed, **options))
