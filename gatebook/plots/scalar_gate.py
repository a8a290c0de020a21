r"""Figures for chapter 3, *The scalar gate*.

Every function takes measured data (or, for the explorer, model settings), draws with
matplotlib's object-oriented API and returns a :class:`matplotlib.figure.Figure`; no pyplot
figure is left open. The quantities come from :mod:`gatebook.learning.tracking` and
:func:`gatebook.learning.lag_profile`:

* the gate :math:`u_t` along input sequences, with the adding task's marker steps;
* the credit :math:`\partial\ell/\partial a_k` reaching each step against the zeroth-order
  weight :math:`w_k=u_k\prod_{j=k+1}^{T}c_j`;
* measured lag profiles :math:`\tilde\mu_{\rm eff}(\ell)` against the zeroth-order predictors
  of both named conventions (``carry``: :math:`c_j=1-u_j`; ``update``: :math:`c_j=u_j`) and
  the fitted power :math:`(\bar P(\ell)/\bar P(1))^{\kappa}`;
* :math:`\kappa` and :math:`R^2` over training, and a lag × checkpoint map;
* :func:`scalar_gate_explorer`, the chapter's explorable figure.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Mapping

import numpy as np
import torch
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from .._validation import as_float64, check_choice, check_float_in, check_int, check_int_sequence, check_positive_int
from ._style import COLOURS, new_figure
from ..learning.lag_profile import CONVENTIONS, LagProfile

__all__ = [
    "plot_scalar_gate_traces",
    "plot_step_credit",
    "plot_lag_profile",
    "plot_profiles_over_training",
    "plot_slope_over_training",
    "plot_lag_heatmap",
    "scalar_gate_explorer",
]

#: One colour per named convention, used by every figure of the chapter.
CONVENTION_COLOURS = {"carry": COLOURS[0], "update": COLOURS[1]}
_MEASURED = "k"


def _as_traces(traces) -> dict:
    if isinstance(traces, Mapping):
        if not traces:
            raise ValueError("traces is empty")
        items = dict(traces)
    else:
        items = {"": traces}
    out = {}
    for label, tr in items.items():
        arr = as_float64(tr, "traces")
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ValueError(f"gate traces must have shape (batch, T) (one scalar gate per step), got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("gate traces contain NaN or infinite values")
        out[str(label)] = arr
    return out


def _check_markers(markers, batch: int, T: int):
    if markers is None:
        return None
    mk = np.asarray(markers)
    if mk.ndim != 2 or mk.shape[0] != batch or not np.issubdtype(mk.dtype, np.integer):
        raise ValueError(f"markers must be an integer array of shape ({batch}, n_markers), got {mk.shape} {mk.dtype}")
    if mk.size and (mk.min() < 0 or mk.max() >= T):
        raise ValueError(f"marker positions must lie in [0, T={T})")
    return mk


def plot_scalar_gate_traces(traces, markers=None, examples: int = 3) -> Figure:
    r"""The scalar gate :math:`u_t` along a few input sequences, with the marked steps shown.

    Parameters
    ----------
    traces : array_like (batch, T) or mapping of label -> array_like
        Gate values, e.g. from :func:`gatebook.learning.tracking.gate_traces`; entry
        ``[:, t-1]`` is :math:`u_t`. A mapping gives one panel per label (same examples).
    markers : int array (batch, n_markers), optional
        Marker positions as 0-based indices (``TaskBatch.info["markers"]`` of the adding
        task); the step is ``index + 1``. Drawn as dots on the traces.
    examples : int
        Number of sequences to draw (the first ones).
    """
    panels = _as_traces(traces)
    examples = check_positive_int(examples, "examples")
    shapes = {arr.shape for arr in panels.values()}
    if len(shapes) != 1:
        raise ValueError(f"all traces must have the same shape, got {sorted(shapes)}")
    batch, T = next(iter(shapes))
    mk = _check_markers(markers, batch, T)
    examples = min(examples, batch)
    fig, axes = new_figure(width=3.9 * len(panels), height=2.9, ncols=len(panels), sharey=True)
    steps = np.arange(1, T + 1)
    for ax, (label, arr) in zip(axes[0], panels.items()):
        for e in range(examples):
            colour = COLOURS[(e + 2) % len(COLOURS)]
            ax.plot(steps, arr[e], color=colour, lw=1.2, label=f"sequence {e + 1}")
            if mk is not None:
                ax.plot(mk[e] + 1, arr[e, mk[e]], "o", color=colour, ms=6, mec="k", mew=0.6, ls="none")
        ax.set_xlabel("step $t$" + (" (dots: marked steps)" if mk is not None else ""))
        if label:
            ax.set_title(label)
        ax.set_xlim(0.5, T + 0.5)
    axes[0, 0].set_ylabel("gate $u_t$")
    axes[0, 0].legend(frameon=False, fontsize=8, loc="lower left")
    return fig


def plot_step_credit(credit, weights, *, slope: float = 1.0, examples=(0, 1), markers=None) -> Figure:
    r"""Credit reaching each step, against the zeroth-order weight of the gate (chapter 3).

    For each chosen example the measured credit norm :math:`\lVert\partial\ell/\partial a_k\rVert`
    (solid) and the prediction :math:`(w_k/w_T)^{\kappa}` (dashed) are drawn against the
    lag :math:`\ell=T-k`, both normalised to 1 at the last step.

    Parameters
    ----------
    credit : array_like or Tensor, shape (batch, T, n)
        From :func:`gatebook.learning.tracking.step_credit`.
    weights : array_like, shape (batch, T)
        Zeroth-order weights :math:`w_k` from :func:`gatebook.learning.tracking.zeroth_order_weights`.
    slope : float
        Power :math:`\kappa` applied to the normalised weights (1: the bare gate product).
    examples : int or sequence of int
        Which sequences to draw.
    markers : int array (batch, n_markers), optional
        Marker positions (0-based step indices) to highlight.
    """
    if isinstance(credit, torch.Tensor) and credit.is_floating_point():
        cr = credit.detach().cpu().numpy()  # in its own precision, as the chapter draws it
    else:
        cr = as_float64(credit, "credit")
    w = as_float64(weights, "weights")
    if cr.ndim != 3 or w.shape != cr.shape[:2]:
        raise ValueError(f"credit must be (batch, T, n) and weights (batch, T); got {cr.shape} and {w.shape}")
    if not (np.all(np.isfinite(cr)) and np.all(np.isfinite(w)) and np.all(w > 0)):
        raise ValueError("credit must be finite and weights finite and positive")
    if isinstance(slope, bool) or not isinstance(slope, (int, float)) or not math.isfinite(slope):
        raise ValueError(f"slope must be a finite number, got {slope!r}")
    batch, T = w.shape
    if isinstance(examples, (int, np.integer)) and not isinstance(examples, bool):
        examples = [examples]
    examples = list(check_int_sequence(examples, "examples", minimum=None))
    if min(examples) < 0 or max(examples) >= batch:
        raise ValueError(f"examples must be indices in [0, {batch}), got {examples}")
    mk = _check_markers(markers, batch, T)
    norm = np.linalg.norm(cr, axis=-1)
    lags = T - np.arange(1, T + 1)  # step k -> lag T - k
    fig, axes = new_figure(width=5.2, height=3.3)
    ax = axes[0, 0]
    for i, e in enumerate(examples):
        colour = COLOURS[(i + 2) % len(COLOURS)]
        measured = norm[e] / norm[e, -1]
        predicted = (w[e] / w[e, -1]) ** slope
        ax.semilogy(lags, measured, "-", color=colour, lw=1.4, label=f"sequence {e + 1}: measured")
        ax.semilogy(lags, predicted, "--", color=colour, lw=1.2, label=f"sequence {e + 1}: gate product")
        if mk is not None:
            ax.semilogy(T - (mk[e] + 1), measured[mk[e]], "o", color=colour, mec="k", mew=0.6, ms=6, ls="none")
    ax.set_xlabel(r"lag $\ell = T-k$ (steps back from the readout)")
    ax.set_ylabel(r"credit at step $k$ / credit at step $T$")
    power = "" if slope == 1.0 else rf"$^{{\kappa}}$, $\kappa={slope:.2f}$"
    ax.set_title(rf"dashed: $(w_k/w_T)${power}" + ("; dots: marked steps" if mk is not None else ""), fontsize=9)
    ax.legend(frameon=False, fontsize=7.5)
    return fig


def _check_profiles(profiles) -> dict:
    if isinstance(profiles, LagProfile):
        profiles = {profiles.convention: profiles}
    if not isinstance(profiles, Mapping) or not profiles:
        raise TypeError("profiles must be a LagProfile or a non-empty mapping convention -> LagProfile")
    for name, p in profiles.items():
        if not isinstance(p, LagProfile):
            raise TypeError(f"profiles[{name!r}] must be a LagProfile, got {type(p).__name__}")
        check_choice(name, "convention", set(CONVENTIONS))
    return dict(profiles)


def _draw_profile(ax, profiles: dict, *, fits: bool = True, legend: bool = True, ylim=None):
    first = next(iter(profiles.values()))
    lags = first.lags.numpy()
    ax.semilogy(lags, first.measured.numpy(), "o", color=_MEASURED, ms=3.5, label=r"measured $\tilde\mu_{\rm eff}(\ell)$")
    for name, p in profiles.items():
        colour = CONVENTION_COLOURS[name]
        ax.semilogy(lags, p.predicted.numpy(), "--", color=colour, lw=1.3, label=f"{name} predictor")
        if fits:
            ax.semilogy(lags, p.fitted.numpy(), "-", color=colour, lw=1.0, alpha=0.8,
                        label=rf"{name} fit: $\kappa$={p.slope:.2f}, $R^2$={p.r2:.3f}")
    ax.set_xlabel(r"lag $\ell$")
    ax.set_ylabel(r"normalised rate (lag 1 = 1)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if legend:
        ax.legend(frameon=False, fontsize=7.5, loc="lower left")


def plot_lag_profile(profiles, title: str | None = None) -> Figure:
    r"""Measured lag profile against the zeroth-order predictors and fitted powers (log :math:`y`).

    Parameters
    ----------
    profiles : LagProfile or mapping convention -> LagProfile
        Profiles of one cell on one probe batch, e.g. from
        :func:`gatebook.learning.tracking.lag_profiles` (they share the measured curve).
    title : str, optional
    """
    profiles = _check_profiles(profiles)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")
    fig, axes = new_figure(width=5.0, height=3.5)
    _draw_profile(axes[0, 0], profiles)
    if title:
        axes[0, 0].set_title(title, fontsize=10)
    return fig


def _check_summary(summary):
    for attr in ("checkpoints", "lags", "conventions", "profile_mean", "slope_mean"):
        if not hasattr(summary, attr):
            raise TypeError(f"summary must be a TrackSummary (gatebook.learning.tracking.track_seeds), "
                            f"got {type(summary).__name__}")
    return summary


def _iteration_colours(checkpoints):
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    norm = Normalize(vmin=float(np.min(checkpoints)), vmax=float(max(np.max(checkpoints), np.min(checkpoints) + 1)))
    return [cmap(0.9 * norm(c)) for c in checkpoints]


def plot_profiles_over_training(summary, convention: str = "carry") -> Figure:
    r"""Measured profiles (geometric mean over seeds, band ×/÷ one s.d.) at every checkpoint.

    Left: the measured :math:`\tilde\mu_{\rm eff}(\ell)` (solid, with band) and the
    zeroth-order predictor of ``convention`` (dashed), one colour per checkpoint. Right: the
    same measured curves against the fitted power :math:`(\bar P(\ell)/\bar P(1))^{\kappa}`.

    Parameters
    ----------
    summary : gatebook.learning.tracking.TrackSummary
    convention : {"carry", "update"}
    """
    summary = _check_summary(summary)
    check_choice(convention, "convention", set(summary.conventions))
    lags = summary.lags
    mean = summary.profile_mean("measured")
    sd = summary.profile_log_sd("measured")
    pred = summary.profile_mean("predicted", convention)
    fit = summary.profile_mean("fitted", convention)
    fig, axes = new_figure(width=9.0, height=3.4, ncols=2, sharey=True)
    colours = _iteration_colours(summary.checkpoints)
    for i, (step, colour) in enumerate(zip(summary.checkpoints, colours)):
        for ax, other, style in ((axes[0, 0], pred[i], "--"), (axes[0, 1], fit[i], ":")):
            ax.fill_between(lags, mean[i] * np.exp(-sd[i]), mean[i] * np.exp(sd[i]), color=colour, alpha=0.18, lw=0)
            ax.semilogy(lags, mean[i], "-", color=colour, lw=1.5, label=f"iteration {step}")
            ax.semilogy(lags, other, style, color=colour, lw=1.2)
    axes[0, 0].set_title(f"solid: measured; dashed: {convention} predictor", fontsize=9)
    axes[0, 1].set_title(rf"solid: measured; dotted: {convention} predictor$^{{\kappa}}$", fontsize=9)
    for ax in axes[0]:
        ax.set_xlabel(r"lag $\ell$")
    axes[0, 0].set_ylabel(r"$\tilde\mu_{\rm eff}(\ell)$ (lag 1 = 1)")
    axes[0, 0].legend(frameon=False, fontsize=8, loc="lower left")
    return fig


def plot_slope_over_training(summary, window: int = 10) -> Figure:
    r"""Training loss, mean gate, fitted power :math:`\kappa` and :math:`R^2` against the iteration.

    Loss: mean over seeds of the running mean over ``window`` iterations, with the
    mean-predictor level of the task (:math:`1/6` for adding). Mean gate: each seed (thin)
    and mean ± 1 s.d. The other panels: mean ± 1 s.d. over seeds at the checkpoints, one
    curve per named convention.

    Parameters
    ----------
    summary : gatebook.learning.tracking.TrackSummary
    window : int
        Smoothing window of the loss curve.
    """
    summary = _check_summary(summary)
    window = check_positive_int(window, "window")
    steps = summary.checkpoints
    fig, axes = new_figure(width=11.0, height=2.9, ncols=4)
    ax = axes[0, 0]
    smoothed = np.stack([tr.history.smoothed_loss(window) for tr in summary.tracks]).mean(axis=0)
    ax.plot(np.arange(smoothed.size), smoothed, color="k", lw=1.2, label="training loss")
    mse = summary.tracks[0].probe.info.get("mean_predictor_mse")
    if mse is not None:
        ax.axhline(mse, color="0.5", ls=":", lw=1.0, label="predict the mean")
    ax.set_xlabel("iteration")
    ax.set_ylabel("MSE")
    ax.legend(frameon=False, fontsize=8)
    gates = summary.gate_means()
    gsd = gates.std(axis=0, ddof=1) if gates.shape[0] > 1 else np.zeros(gates.shape[1])
    for k, run in enumerate(gates):
        axes[0, 1].plot(steps, run, "-", color="0.65", lw=0.9, label="each seed" if k == 0 else None)
    axes[0, 1].errorbar(steps, gates.mean(axis=0), yerr=gsd, color="k", marker="o", ms=4, capsize=3,
                        label="mean ± s.d.")
    axes[0, 1].set_ylabel(r"mean gate $\langle u_t\rangle$ on the probe")
    axes[0, 1].legend(frameon=False, fontsize=8)
    for name in summary.conventions:
        colour = CONVENTION_COLOURS[name]
        axes[0, 2].errorbar(steps, summary.slope_mean(name), yerr=summary.slope_sd(name), color=colour,
                            marker="o", ms=4, capsize=3, label=name)
        axes[0, 3].errorbar(steps, summary.r2_mean(name), yerr=summary.r2_sd(name), color=colour,
                            marker="o", ms=4, capsize=3, label=name)
    axes[0, 2].set_ylabel(r"fitted power $\kappa$")
    axes[0, 3].set_ylabel(r"$R^2$ of $\ln S$ vs $\ln P$")
    axes[0, 2].legend(frameon=False, fontsize=8, title="convention", title_fontsize=8)
    for a in axes[0, 1:]:
        a.set_xlabel("iteration (checkpoint)")
    return fig


def plot_lag_heatmap(summary, convention: str = "carry") -> Figure:
    r"""Lag × checkpoint maps: :math:`\log_{10}\tilde\mu_{\rm eff}(\ell)` and the misfit of the power law.

    Left: the measured profile (geometric mean over seeds). Right:
    :math:`\log_{10}` of measured over fitted, :math:`\tilde\mu_{\rm eff}/(\bar P/\bar P(1))^{\kappa}`,
    which is 0 where the fitted power law is exact.

    Parameters
    ----------
    summary : gatebook.learning.tracking.TrackSummary
    convention : {"carry", "update"}
        Convention of the fitted power law on the right.
    """
    summary = _check_summary(summary)
    check_choice(convention, "convention", set(summary.conventions))
    measured = np.log10(summary.profile_mean("measured"))
    misfit = measured - np.log10(summary.profile_mean("fitted", convention))
    lags, steps = summary.lags, summary.checkpoints
    fig, axes = new_figure(width=9.0, height=3.0, ncols=2)
    extent = (lags[0] - 0.5, lags[-1] + 0.5, -0.5, len(steps) - 0.5)
    im0 = axes[0, 0].imshow(measured, aspect="auto", origin="lower", extent=extent, cmap="magma")
    bound = max(float(np.abs(misfit).max()), 1e-3)
    im1 = axes[0, 1].imshow(misfit, aspect="auto", origin="lower", extent=extent, cmap="RdBu_r", vmin=-bound, vmax=bound)
    fig.colorbar(im0, ax=axes[0, 0], label=r"$\log_{10}\tilde\mu_{\rm eff}(\ell)$")
    fig.colorbar(im1, ax=axes[0, 1], label=r"$\log_{10}$ (measured / fitted)")
    axes[0, 1].set_title(f"misfit of the {convention} power law", fontsize=9)
    axes[0, 0].set_title("measured profile", fontsize=9)
    for ax in axes[0]:
        ax.set_yticks(range(len(steps)), [str(s) for s in steps])
        ax.set_xlabel(r"lag $\ell$")
    axes[0, 0].set_ylabel("iteration")
    return fig


# ---------------------------------------------------------------------------
# the explorable
# ---------------------------------------------------------------------------

#: Settings of the explorable (defaults of :func:`gatebook.learning.tracking.gate_level_sweep`).
_EXPLORER = {"hidden_size": 16, "input_size": 4, "T": 30, "batch": 4, "probe_seed": 7}
#: Range of the explorer's ``input_scale`` (wider than the chapter's slider).
_EXPLORER_INPUT_SCALE = (0.0, 10.0)


@lru_cache(maxsize=4)
def _explorer_probe(T: int, m: int, batch: int, seed: int):
    from ..learning.tasks import adding

    return adding(batch, T=T, m=m, seed=seed, dtype=torch.float64)


@lru_cache(maxsize=64)
def _explorer_data(gate_bias: float, input_scale: float, seed: int):
    from ..learning.tracking import gate_traces, init_scalar_gate, lag_profiles

    probe = _explorer_probe(_EXPLORER["T"], _EXPLORER["input_size"], _EXPLORER["batch"], _EXPLORER["probe_seed"])
    cell = init_scalar_gate(gate_bias, input_scale, hidden_size=_EXPLORER["hidden_size"],
                            input_size=_EXPLORER["input_size"], seed=seed)
    return gate_traces(cell, probe.inputs), lag_profiles(cell, probe.inputs), probe.info["markers"]


def scalar_gate_explorer(gate_bias: float = 0.5, input_scale: float = 1.0, seed: int = 0) -> Figure:
    r"""Explorable: a scalar-gate cell at initialisation, its gate and its lag profile (chapter 3).

    A :class:`~gatebook.learning.ScalarGateRNN` (:math:`N=16`, :math:`m=4`, float64, from
    :func:`gatebook.learning.tracking.init_scalar_gate`) with gate bias
    :math:`b^u=\mathrm{logit}(s_0)` (``gate_bias`` is :math:`s_0=\sigma(b^u)`, the gate value
    when its other inputs vanish) and input weights of the gate multiplied by
    ``input_scale`` reads four adding-task sequences of :math:`T=30` steps. Left: the gate
    :math:`u_t` of two sequences (dots: marked steps). Right: the measured lag profile and
    the zeroth-order predictors of both named conventions, with both fitted powers
    :math:`\kappa` in the title. The cell and its profiles are cached per setting, and the
    layout, ticks and labels are fixed (plain text, no mathtext), so a frame is cheap to render.

    Parameters
    ----------
    gate_bias : float
        :math:`s_0\in(0,1)`; small values close the gate (carry near 1, slow clock).
    input_scale : float
        Factor on :math:`W^u_{\rm in}`, in :math:`[0, 10]` (0: the gate ignores the input; the
        chapter's slider: 0 to 4).
    seed : int
        Seed of the cell's weights.
    """
    gate_bias = check_float_in(gate_bias, "gate_bias", 0.0, 1.0, closed="neither")
    input_scale = check_float_in(input_scale, "input_scale", *_EXPLORER_INPUT_SCALE)
    seed = check_int(seed, "seed", minimum=0)
    traces, profiles, markers = _explorer_data(gate_bias, input_scale, seed)
    T = traces.shape[1]
    fig = Figure(figsize=(9.0, 3.3))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.88, wspace=0.22)
    ax, prof = fig.subplots(1, 2)
    steps = np.arange(1, T + 1)
    for e in range(2):
        colour = COLOURS[(e + 2) % len(COLOURS)]
        ax.plot(steps, traces[e], color=colour, lw=1.3, label=f"sequence {e + 1}")
        ax.plot(markers[e] + 1, traces[e, markers[e]], "o", color=colour, mec="k", mew=0.6, ms=6, ls="none")
    ax.axhline(gate_bias, color="0.5", ls=":", lw=1.0, label=f"resting gate {gate_bias:g}")
    ax.set_xlim(0.5, T + 0.5)
    ax.set_ylim(0.0, 1.18)
    ax.set_xticks([1, 10, 20, 30])
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("step t")
    ax.set_ylabel("gate u_t")
    ax.set_title(f"gate input weights ×{input_scale:g} (dots: marked steps)", fontsize=9, y=1.01)
    ax.legend(frameon=False, fontsize=8, loc="upper center", ncol=3, handlelength=1.5)
    lags = profiles["carry"].lags.numpy()
    prof.plot(lags, profiles["carry"].measured.numpy(), "o", color=_MEASURED, ms=3.5, label="measured")
    for name, p in profiles.items():
        prof.plot(lags, p.predicted.numpy(), "--", color=CONVENTION_COLOURS[name], lw=1.3, label=f"{name} predictor")
    prof.set_yscale("log")
    prof.set_ylim(1e-12, 3.0)
    decades = [1e-12, 1e-9, 1e-6, 1e-3, 1.0]
    prof.set_yticks(decades, ["1e-12", "1e-9", "1e-6", "1e-3", "1"])
    prof.yaxis.set_minor_locator(NullLocator())
    prof.set_xticks([1, 10, 20, 30])
    prof.set_xlabel("lag ℓ")
    prof.set_ylabel("normalised rate (lag 1 = 1)")
    carry, update = profiles["carry"], profiles["update"]
    prof.set_title(f"mean gate {traces.mean():.2f};  κ (R²): carry {carry.slope:.2f} ({carry.r2:.3f}), "
                   f"update {update.slope:.2f} ({update.r2:.3f})", fontsize=8.5, y=1.01)
    prof.legend(frameon=False, fontsize=8, loc="lower left")
    return fig


def __getattr__(name):
    if name == "plot_gate_traces":  # deprecated (one release): chapter 6 has its own plot_gate_traces
        import warnings

        warnings.warn("gatebook.learning.plots.plot_gate_traces moved to "
                      "gatebook.plots.plot_scalar_gate_traces", DeprecationWarning, stacklevel=2)
        return plot_scalar_gate_traces
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
