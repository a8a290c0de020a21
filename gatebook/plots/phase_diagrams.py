"""Figures for chapter 11: phase diagrams of the gated network, spot checks, the marginal region."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .._validation import check_choice, check_finite_float, check_float_sequence, check_instance, check_int
from ..marginal_stability import MarginalFixedPoints
from ..meanfield.onsets import MarginalRegion, marginal_window
from ..meanfield.phases import REGIONS, PhaseDiagram, phase_diagram
from ..meanfield.spot_checks import MarginalSpotCheck, SpotCheck
from ._style import COLOURS, new_figure

__all__ = [
    "plot_marginal_fixed_points",
    "REGION_COLOURS",
    "plot_phase_diagram",
    "plot_spot_checks",
    "plot_marginal_region",
    "phase_row_explorer",
    "EXPLORER_GRIDS",
    "EXPLORER_SOLVER",
]

#: One colour per region of :data:`gatebook.meanfield.phases.REGIONS`.
REGION_COLOURS = {
    "quiescent": "#dfe7f2",
    "fixed points, no chaos": "#a9c6e8",
    "bistable": "#f4b183",
    "chaotic": "#d6604d",
    "unresolved": "#bdbdbd",
}
_BOUNDARY_STYLE = {
    "g_topo": dict(color=COLOURS[2], ls=":", marker="^", label=r"$g_{\rm topo}$ (static proxy)"),
    "g_chaos": dict(color="k", ls="-", marker="o", label=r"$g_{\rm chaos}$ (chaotic branch appears)"),
    "g_quiet": dict(color=COLOURS[0], ls="--", marker="s", label=r"$g_{\rm quiet}=1+e^{\beta_r}$"),
}
_PARAM_LABEL = {"alpha_r": r"output-gate gain $\alpha_r$", "beta_r": r"output-gate bias $\beta_r$"}
_FIXED_LABEL = {"alpha_r": r"\alpha_r", "beta_r": r"\beta_r"}


def _edges(x: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres (midpoints, ends extended by half a step)."""
    if x.size == 1:
        return np.array([x[0] - 0.5, x[0] + 0.5])
    mid = 0.5 * (x[1:] + x[:-1])
    return np.concatenate([[2 * x[0] - mid[0]], mid, [2 * x[-1] - mid[-1]]])


def _real_array(x, name: str) -> np.ndarray:
    """``x`` as a float array of real numbers (NaN allowed: a missing value, drawn as a gap)."""
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers") from err
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(float)
    if np.any(np.isinf(arr)):
        raise ValueError(f"{name} contains infinite values")
    return arr


def _g_chaos_rows(diagram: PhaseDiagram, g_chaos) -> np.ndarray:
    """Given onsets, or the midpoints of the diagram's brackets."""
    if g_chaos is not None:
        g = _real_array(g_chaos, "g_chaos")
        if g.shape != diagram.values.shape:
            raise ValueError(f"g_chaos must have one value per row {diagram.values.shape}, got {g.shape}")
        return g
    b = diagram.g_chaos_bracket
    return np.where(np.isnan(b[:, 0]), b[:, 1], 0.5 * (b[:, 0] + b[:, 1]))


#: Above this many rows a diagram is drawn as a dense grid (no row markers, 8 row labels).
_DENSE_ROWS = 12


def _draw_diagram(ax, diagram: PhaseDiagram, quantity: str, g_chaos=None, spot: SpotCheck | None = None):
    rows = np.arange(diagram.values.size)
    xe, ye = _edges(diagram.g_h), _edges(rows.astype(float))
    if quantity == "region":
        cmap = ListedColormap([REGION_COLOURS[r] for r in REGIONS])
        norm = BoundaryNorm(np.arange(len(REGIONS) + 1) - 0.5, cmap.N)
        mesh = ax.pcolormesh(xe, ye, diagram.region_code(), cmap=cmap, norm=norm)
    else:
        data = {"variance": diagram.variance, "lambda_max": diagram.attractor_lambda()}[quantity]
        masked = np.ma.masked_invalid(np.where(diagram.chaotic, data, np.nan))
        mesh = ax.pcolormesh(xe, ye, masked, cmap="magma_r", shading="flat")
        mesh.set_array(masked.ravel())
        ax.set_facecolor(REGION_COLOURS["quiescent"])
    curves = {"g_topo": diagram.g_topo, "g_chaos": _g_chaos_rows(diagram, g_chaos), "g_quiet": diagram.g_quiet}
    dense = rows.size > _DENSE_ROWS  # a full-resolution grid: thin boundary lines, a few row labels
    for key, values in curves.items():
        style = dict(_BOUNDARY_STYLE[key])
        if dense:
            style["marker"] = None
        ax.plot(values, rows, ms=5, lw=1.0 if dense else 1.4, **style)
    if spot is not None:
        idx = {float(v): i for i, v in enumerate(diagram.values)}
        y = np.array([idx[min(idx, key=lambda u: abs(u - v))] for v in spot.value], dtype=float)
        seeds = np.unique(spot.seed)
        offset = {s: (k - (seeds.size - 1) / 2) * 0.15 for k, s in enumerate(seeds)}
        y = y + np.array([offset[s] for s in spot.seed])
        ok = spot.agrees
        ax.scatter(spot.g_h[ok], y[ok], marker="o", s=28, facecolor="white", edgecolor="k", zorder=5,
                   label="simulation agrees")
        if np.any(~ok):
            ax.scatter(spot.g_h[~ok], y[~ok], marker="X", s=40, color="k", zorder=5, label="simulation disagrees")
    ticks = rows if not dense else np.unique(np.linspace(0, rows.size - 1, 8).round().astype(int))
    ax.set_yticks(ticks, [f"{diagram.values[i]:.3g}" for i in ticks])
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel(r"coupling gain $g_h$")
    ax.set_ylabel(_PARAM_LABEL[diagram.parameter])
    other = "beta_r" if diagram.parameter == "alpha_r" else "alpha_r"
    ax.set_title(rf"${_FIXED_LABEL[other]}={diagram.fixed[other]:g}$", fontsize=10)
    return mesh


def plot_phase_diagram(diagrams, *, quantity: str = "region", g_chaos=None, spot_checks=None) -> Figure:
    r"""One or several DMFT phase diagrams side by side, with their three boundaries (chapter 11).

    Each panel colours the grid cells of a :class:`~gatebook.meanfield.phases.PhaseDiagram`
    by region (``quantity="region"``), by the chaotic branch's variance :math:`\Delta_h(0)`
    (``"variance"``) or by its :math:`\lambda_{\max}` (``"lambda_max"``; quiet cells pale).
    Every row carries :math:`g_{\rm topo}` (static proxy), :math:`g_{\rm chaos}` and
    :math:`g_{\rm quiet}=1+e^{\beta_r}`; :math:`g_{\rm chaos}` is the midpoint of the grid
    bracket unless given (the first gain of the row, an upper bound, when the chaotic branch
    exists at every gain). Optional spot checks are drawn as circles (simulation agrees with
    the label) or crosses (it does not), one per seed.

    Parameters
    ----------
    diagrams : PhaseDiagram or mapping of title -> PhaseDiagram
    quantity : {"region", "variance", "lambda_max"}
    g_chaos : mapping of title -> array, or array, optional
        Refined onsets per row (e.g. from :func:`~gatebook.meanfield.phases.phase_boundaries`;
        ``nan`` where a row has none).
    spot_checks : mapping of title -> SpotCheck, or SpotCheck, optional
    """
    if isinstance(diagrams, PhaseDiagram):
        diagrams = {"": diagrams}
    if not isinstance(diagrams, Mapping) or not diagrams:
        raise TypeError("diagrams must be a PhaseDiagram or a non-empty mapping of title -> PhaseDiagram")
    check_choice(quantity, "quantity", ("region", "variance", "lambda_max"))
    if spot_checks is not None and not isinstance(spot_checks, SpotCheck):
        if not isinstance(spot_checks, Mapping) or not all(isinstance(c, SpotCheck) for c in spot_checks.values()):
            raise TypeError("spot_checks must be a SpotCheck or a mapping of title -> SpotCheck, got "
                            f"{type(spot_checks).__name__}")
    single = len(diagrams) == 1

    def pick(obj, title):
        if obj is None or (single and not isinstance(obj, Mapping)):
            return obj
        return obj.get(title) if isinstance(obj, Mapping) else obj

    n = len(diagrams)
    fig, axes = new_figure(3.4 * n + 1.6, 3.3, ncols=n)
    mesh = None
    for ax, (title, d) in zip(axes[0], diagrams.items()):
        if not isinstance(d, PhaseDiagram):
            raise TypeError(f"diagrams[{title!r}] must be a PhaseDiagram, got {type(d).__name__}")
        mesh = _draw_diagram(ax, d, quantity, pick(g_chaos, title), pick(spot_checks, title))
        if title:
            ax.set_title(f"{title}: {ax.get_title()}", fontsize=10)
    if quantity == "region":
        shown = [r for r in REGIONS if any(np.any(d.region == r) for d in diagrams.values())]
        handles = [Patch(facecolor=REGION_COLOURS[r], edgecolor="0.5", label=r) for r in shown]
    else:
        label = r"$\Delta_h(0)$ of the chaotic branch" if quantity == "variance" else r"DMFT $\lambda_{\max}\tau_h$"
        fig.colorbar(mesh, ax=list(axes[0]), label=label, shrink=0.9)
        handles = [Patch(facecolor=REGION_COLOURS["quiescent"], edgecolor="0.5", label="no chaotic branch")]
    handles += [Line2D([], [], **{k: v for k, v in s.items()}) for s in _BOUNDARY_STYLE.values()]
    extra = {}
    for ax in axes[0]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab.startswith("simulation"):
                extra.setdefault(lab, h)
    extra = list(extra.values())
    fig.legend(handles=handles + extra, loc="outside right center", fontsize=8, frameon=False)
    return fig


def plot_spot_checks(checks) -> Figure:
    r"""Measured finite-:math:`N` :math:`\lambda_{\max}` against the diagram's prediction (chapter 11).

    Each run of a :class:`~gatebook.meanfield.phases.SpotCheck` is a point (error bar: block
    standard error) at its predicted exponent (DMFT on the chaotic branch, the exact
    quiet-state value elsewhere), coloured by the diagram's region; the diagonal is perfect
    agreement. Runs that disagree with the label are crosses.

    Parameters
    ----------
    checks : SpotCheck or mapping of title -> SpotCheck
    """
    if isinstance(checks, SpotCheck):
        checks = {"": checks}
    if not isinstance(checks, Mapping) or not checks:
        raise TypeError("checks must be a SpotCheck or a non-empty mapping of title -> SpotCheck")
    fig, axes = new_figure(4.6, 3.4)
    ax = axes[0, 0]
    markers = "osD^v"
    lo, hi = np.inf, -np.inf
    for k, (title, c) in enumerate(checks.items()):
        if not isinstance(c, SpotCheck):
            raise TypeError(f"checks[{title!r}] must be a SpotCheck, got {type(c).__name__}")
        for region in REGIONS:
            sel = c.region == region
            if not np.any(sel):
                continue
            for ok in (True, False):
                m = sel & (c.agrees == ok)
                if not np.any(m):
                    continue
                ax.errorbar(c.dmft_lambda[m], c.lambda_max[m], yerr=c.lambda_stderr[m], ls="none",
                            marker=markers[k % len(markers)] if ok else "X", ms=6, color=REGION_COLOURS[region],
                            mec="k", mew=0.6, ecolor="0.4",
                            label=f"{title + ': ' if title else ''}{region}" + ("" if ok else " (disagrees)"))
        lo = min(lo, np.min(c.dmft_lambda), np.min(c.lambda_max))
        hi = max(hi, np.max(c.dmft_lambda), np.max(c.lambda_max))
    pad = 0.08 * (hi - lo + 1e-9)
    line = np.array([lo - pad, hi + pad])
    ax.plot(line, line, color="0.5", lw=1, label="theory = simulation")
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel(r"predicted $\lambda_{\max}\tau_h$ (DMFT / quiet state)")
    ax.set_ylabel(r"measured $\lambda_{\max}\tau_h$")
    n = next(iter(checks.values())).N
    ax.set_title(f"simulation spot checks, N = {n}", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    return fig


def plot_marginal_region(region: MarginalRegion, rho=None, g_h=None, spot: MarginalSpotCheck | None = None) -> Figure:
    r"""The marginal window at :math:`\alpha_z\to\infty` and a finite-:math:`\alpha_z` check (chapter 11).

    Left: the :math:`(g_h,\beta_r)` plane with the window :math:`1+e^{\beta_r}<g_h<g_h^*`
    shaded (:math:`\rho_{\rm open}<1`) and, if given, contours of :math:`\rho_{\rm open}`
    (``rho`` of shape ``(len(region.beta_r), len(g_h))`` from
    :func:`~gatebook.meanfield.phases.open_radius_map`, on increasing gains ``g_h``). Right (with ``spot``): measured
    :math:`\lambda_{\max}` and RMS speed against :math:`\alpha_z` (mean over seeds, error bar:
    standard error).
    """
    if not isinstance(region, MarginalRegion):
        raise TypeError(f"region must be a MarginalRegion, got {type(region).__name__}")
    if spot is not None:
        check_instance(spot, MarginalSpotCheck, "spot")
    ncols = 2 if spot is not None else 1
    fig, axes = new_figure(4.2 * ncols + 0.4, 3.3, ncols=ncols)
    ax = axes[0, 0]
    b = region.beta_r
    ax.fill_betweenx(b, region.lower, region.upper, color=REGION_COLOURS["fixed points, no chaos"], alpha=0.8,
                     label=r"marginal window ($\rho_{\rm open}<1$)")
    ax.plot(region.lower, b, color=COLOURS[0], ls="--", label=r"$1+e^{\beta_r}$")
    ax.plot(region.upper, b, color=COLOURS[1], label=r"$g_h^*$: $\rho_{\rm open}=1$")
    if rho is not None:
        if g_h is None:
            raise ValueError("pass g_h together with rho")
        g_h = check_float_sequence(g_h, "g_h", min_length=2, increasing=True)
        rho = _real_array(rho, "rho")
        if rho.shape != (b.size, g_h.size):
            raise ValueError(f"rho must have shape {(b.size, g_h.size)}, got {rho.shape}")
        cs = ax.contour(g_h, b, rho, levels=[0.8, 0.9, 1.1, 1.25, 1.5], colors="0.45", linewidths=0.8)
        ax.clabel(cs, fontsize=7, fmt="%.2g")
    if spot is not None:
        ax.plot([spot.g_h], [spot.beta_r], marker="*", ms=12, color="k", ls="none", label="simulated point")
    ax.set_xlabel(r"coupling gain $g_h$")
    ax.set_ylabel(r"output-gate bias $\beta_r$")
    ax.set_title(rf"$\alpha_z\to\infty$, $\alpha_r=0$, $f_{{\rm open}}={region.f_open:g}$", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    if spot is not None:
        ax2 = axes[0, 1]
        k = spot.seeds.size
        x = spot.alpha_z

        def stats(a):
            return a.mean(axis=1), (a.std(axis=1, ddof=1) / np.sqrt(k) if k > 1 else np.zeros(x.size))

        lam, lam_e = stats(spot.lambda_max)
        ax2.errorbar(x, lam, yerr=lam_e, marker="o", color=COLOURS[1], label=r"$\lambda_{\max}\tau_h$")
        ax2.axhline(0, color="0.6", lw=0.8)
        ax2.set_xlabel(r"timescale-gate gain $\alpha_z$")
        ax2.set_ylabel(r"$\lambda_{\max}\tau_h$", color=COLOURS[1])
        ax3 = ax2.twinx()
        spd, spd_e = stats(spot.rms_speed)
        ax3.errorbar(x, spd, yerr=spd_e, marker="s", color=COLOURS[0], label="RMS speed")
        ax3.set_yscale("log")
        ax3.set_ylabel(r"RMS speed $\langle\|\dot h\|^2/N\rangle^{1/2}$", color=COLOURS[0])
        ax2.set_title(rf"N = {spot.N}, $g_h={spot.g_h:g}$, $\beta_r={spot.beta_r:g}$ ({k} seeds)", fontsize=10)
    return fig


#: Grids of the chapter's explorable (the chapter computes the same diagrams, so frames come
#: from the in-memory cache): g_h values and alpha_r rows for each beta_r.
EXPLORER_GRIDS = {
    0.0: (tuple(float(x) for x in np.round(np.linspace(1.3, 2.9, 9), 10)), (0.0, 5.0, 20.0)),
    2.0: (tuple(float(x) for x in range(2, 10)), (0.0, 5.0, 20.0)),
}
#: DMFT settings of the explorable and of chapter 11's diagrams.
EXPLORER_SOLVER = dict(n_lags=256, tol=1e-4)


def plot_marginal_fixed_points(results: Mapping[str, MarginalFixedPoints], alpha_z_index: int = -1,
                               edge: Mapping | None = None) -> Figure:
    r"""Fixed points of networks against the marginal window (:func:`gatebook.marginal_fixed_points`).

    Left: the share of the fixed points found that are marginally stable (no eigenvalue with
    :math:`\mathrm{Re}\,\lambda>0`) at the sharpest :math:`\alpha_z` of each result
    (``alpha_z_index``) and at :math:`\alpha_z=0`, against :math:`g_h`, one colour per entry of
    ``results`` (e.g. per :math:`N`). Right: the rightmost eigenvalue of the open units' block
    :math:`M_{\rm oo}` (mean and range over the points; stability needs it below 1) and its bulk
    radius (dashed), with the theory's :math:`\rho_{\rm open}` (black). Grey line: the edge
    :math:`g_h^*` of :func:`gatebook.meanfield.marginal_window`.

    ``edge``, the summary of the edge study of ``scripts/marginal_fixed_points.py``
    (``committed_summary("marginal")["edge"]["summary"]``), adds a third panel: per :math:`N`
    the gain where the open block's rightmost eigenvalue reaches 1 (Kaplan-Meier median over the
    fixed points, branches lost at folds counted as censored; error bar: bootstrap standard error
    over networks; thin bar: quartiles) against :math:`1/N`, with its weighted straight-line fit
    and :math:`g_h^*`.
    """
    if not isinstance(results, Mapping) or not results:
        raise TypeError("results must be a non-empty mapping of label -> MarginalFixedPoints")
    for label, res in results.items():
        check_instance(res, MarginalFixedPoints, f"results[{label!r}]")
    first = next(iter(results.values()))
    alpha_z_index = check_int(alpha_z_index, "alpha_z_index", minimum=-first.alpha_z_values.size,
                              maximum=first.alpha_z_values.size - 1)
    if edge is not None and (not isinstance(edge, Mapping) or not isinstance(edge.get("per_N"), Mapping)):
        raise TypeError("edge must be the edge study's summary, a mapping with a 'per_N' mapping")
    fig, axes = new_figure(width=9.0 if edge is None else 13.0, height=3.6, ncols=2 if edge is None else 3)
    left, right = axes[0][:2]
    for k, (label, res) in enumerate(results.items()):
        colour = COLOURS[k % len(COLOURS)]
        found = res.found
        n = found.sum(axis=1)
        sharp = np.where(found, res.n_unstable[..., alpha_z_index] == 0, False).sum(axis=1) / np.maximum(n, 1)
        soft = np.where(found, res.n_unstable[..., 0] == 0, False).sum(axis=1) / np.maximum(n, 1)
        ok = n > 0
        left.plot(res.g_values[ok], sharp[ok], "o-", color=colour,
                  label=f"{label}: $\\alpha_z={res.alpha_z_values[alpha_z_index]:g}$")
        left.plot(res.g_values[ok], soft[ok], "s:", color=colour, ms=3, label=f"{label}: $\\alpha_z=0$")
        mean = np.nanmean(np.where(found, res.open_rightmost, np.nan)[ok], axis=1)
        lo = np.nanmin(np.where(found, res.open_rightmost, np.nan)[ok], axis=1)
        hi = np.nanmax(np.where(found, res.open_rightmost, np.nan)[ok], axis=1)
        right.fill_between(res.g_values[ok], lo, hi, color=colour, alpha=0.15)
        right.plot(res.g_values[ok], mean, "o-", color=colour, label=f"{label}: rightmost")
        right.plot(res.g_values[ok], np.nanmean(np.where(found, res.open_radius, np.nan)[ok], axis=1), "--",
                   color=colour, label=f"{label}: bulk radius")
    right.plot(first.g_values, first.theory_radius, "k-", lw=1.5, label=r"theory $\rho_{\rm open}$")
    right.axhline(1.0, color="0.5", lw=1)
    g_star = marginal_window(float(first.settings["beta_r"]))[1]
    for ax in (left, right):
        ax.axvline(g_star, color="0.5", ls="--", lw=1)
        ax.set_xlabel(r"$g_h$")
    left.set_ylabel("share of fixed points marginally stable")
    left.set_ylim(-0.05, 1.05)
    right.set_ylabel(r"open block $M_{\rm oo}$")
    left.legend(frameon=False, fontsize=7)
    right.legend(frameon=False, fontsize=7)
    left.set_title(rf"dashed: $g_h^*={g_star:.2f}$ (theory)", fontsize=9)
    if edge is not None:
        _draw_marginal_edge(axes[0][2], edge, g_star)
    return fig


def _draw_marginal_edge(ax, edge: Mapping, g_star: float) -> None:
    """The edge study's Kaplan-Meier median edge against 1/N (see :func:`plot_marginal_fixed_points`)."""
    rows = [(int(n), s) for n, s in edge["per_N"].items() if s.get("km_median") is not None]
    if not rows:
        raise ValueError("edge has no size with a median edge")
    x = np.array([1.0 / n for n, _ in rows])
    y = np.array([s["km_median"] for _, s in rows], dtype=float)
    se = np.array([np.nan if s.get("km_median_se") is None else s["km_median_se"] for _, s in rows], dtype=float)
    q25 = np.array([np.nan if s.get("km_q25") is None else s["km_q25"] for _, s in rows], dtype=float)
    q75 = np.array([np.nan if s.get("km_q75") is None else s["km_q75"] for _, s in rows], dtype=float)
    ax.vlines(x, q25, q75, color=COLOURS[0], lw=1, alpha=0.5, label="quartiles over fixed points")
    ax.errorbar(x, y, yerr=np.nan_to_num(se), fmt="o", color=COLOURS[0], capsize=3,
                label="median edge (Kaplan-Meier) ± s.e.")
    for xi, (n, _) in zip(x, rows):
        ax.annotate(f"N={n}", (xi, 4.05), fontsize=7, ha="center")
    fit = edge.get("fit")
    if fit:
        xx = np.linspace(0.0, x.max() * 1.05, 50)
        ax.plot(xx, fit["intercept"] + fit["slope"] * xx, "-", color=COLOURS[1], lw=1,
                label=f"fit: {fit['intercept']:.2f} ± {fit['intercept_se']:.2f} at $1/N=0$")
    ax.axhline(g_star, color="0.5", ls="--", lw=1, label=rf"$g_h^*={g_star:.2f}$ (theory)")
    ax.set_xlim(0.0, x.max() * 1.1)
    ax.set_ylim(4.0, max(g_star, float(np.nanmax(q75)) if np.isfinite(q75).any() else g_star) + 0.3)
    ax.set_xlabel(r"$1/N$")
    ax.set_ylabel(r"edge: $g_h$ where $\max\mathrm{Re}\,M_{\rm oo}=1$")
    ax.legend(frameon=False, fontsize=7)


@lru_cache(maxsize=8)
def _explorer_diagram(beta_r: float) -> PhaseDiagram:
    g, a = EXPLORER_GRIDS[beta_r]
    return phase_diagram(np.array(g), alpha_r=np.array(a), beta_r=beta_r, lambda_max=False, progress=False,
                         **EXPLORER_SOLVER)


def phase_row_explorer(alpha_r: float = 20.0, beta_r: float = 0.0) -> Figure:
    r"""Explorable of chapter 11: one row of the :math:`(g_h,\alpha_r)` diagram, and what happens along it.

    Along the row ``alpha_r`` of the diagram at ``beta_r`` (background: the region of each
    grid cell), the chaotic branch's :math:`\Delta_h(0)` against :math:`g_h` (zero where the branch
    does not exist: a jump at :math:`g_{\rm chaos}` for a sharp gate, a continuous rise for a
    soft one), with the row's three boundaries. The diagrams are computed once per
    ``beta_r`` (grids :data:`EXPLORER_GRIDS`, settings :data:`EXPLORER_SOLVER`) and every
    frame only redraws.
    """
    beta_r = check_finite_float(beta_r, "beta_r")
    alpha_r = check_finite_float(alpha_r, "alpha_r")
    if beta_r not in EXPLORER_GRIDS:
        raise ValueError(f"beta_r must be one of {sorted(EXPLORER_GRIDS)}, got {beta_r!r}")
    d = _explorer_diagram(beta_r)
    if not np.any(np.isclose(d.values, alpha_r)):
        raise ValueError(f"alpha_r must be one of {d.values.tolist()}, got {alpha_r!r}")
    i = int(np.argmin(np.abs(d.values - alpha_r)))
    fig, axes = new_figure(5.6, 3.0)
    ax = axes[0, 0]
    ax.plot(d.g_h, d.variance[i], "o-", color="k", label=r"$\Delta_h(0)$, chaotic branch")
    for g, r in zip(d.g_h, d.region[i]):
        ax.axvspan(g - 0.5 * (d.g_h[1] - d.g_h[0]), g + 0.5 * (d.g_h[1] - d.g_h[0]), color=REGION_COLOURS[r], lw=0)
    bounds = {"g_topo": d.g_topo[i], "g_chaos": _g_chaos_rows(d, None)[i], "g_quiet": d.g_quiet[i]}
    for key, x in bounds.items():
        if np.isfinite(x):
            style = _BOUNDARY_STYLE[key]
            ax.axvline(x, color=style["color"], ls=style["ls"], lw=1.4, label=style["label"])
    ax.set_xlim(d.g_h[0] - 0.5 * (d.g_h[1] - d.g_h[0]), d.g_h[-1] + 0.5 * (d.g_h[1] - d.g_h[0]))
    ax.set_ylim(0, 1.1 * max(1e-3, float(np.nanmax(d.variance))))
    ax.set_xlabel(r"coupling gain $g_h$")
    ax.set_ylabel(r"$\Delta_h(0)$ of the chaotic branch")
    handles = [Patch(facecolor=REGION_COLOURS[r], label=r) for r in REGIONS[:4]]
    ax.legend(handles=handles, fontsize=7, loc="upper left", frameon=False)
    ax.set_title(rf"$\alpha_r={d.values[i]:g}$, $\beta_r={beta_r:g}$  (lines: $g_{{\rm topo}}$, $g_{{\rm chaos}}$, $g_{{\rm quiet}}$)",
                 fontsize=9)
    return fig


def plot_lambda_over_alpha_z(g_h, alpha_z, lambda_max, *, stderr=None) -> Figure:
    r""":math:`\lambda_{\max}` over the coupling gain and the timescale gate's sharpness (chapter 11).

    Left: the exponent on the :math:`(g_h,\alpha_z)` grid, one cell per point, printed in the
    cell (:math:`\alpha_z` on equally spaced columns; blank where no value). Right: each row
    of the grid as a curve against :math:`\alpha_z` with its error bars. The values come from
    the sampled two-replica map (:func:`~gatebook.meanfield.sampled_lyapunov.sampled_lambda_max`).

    Parameters
    ----------
    g_h : sequence of float
        Row gains (increasing).
    alpha_z : sequence of float
        Column gains (non-negative, increasing).
    lambda_max : array of shape (len(g_h), len(alpha_z))
        Exponents in units of :math:`1/\tau_h` (``nan`` where none).
    stderr : array of the same shape, optional
        Standard errors (drawn as error bars on the right).
    """
    g_h = np.asarray(check_float_sequence(g_h, "g_h"), dtype=float)
    alpha_z = np.asarray(check_float_sequence(alpha_z, "alpha_z"), dtype=float)
    if np.any(np.diff(g_h) <= 0) or np.any(np.diff(alpha_z) <= 0):
        raise ValueError("g_h and alpha_z must be increasing")
    if np.any(alpha_z < 0):
        raise ValueError(f"alpha_z must be non-negative, got {alpha_z.min():g}")
    lam = _real_array(lambda_max, "lambda_max")
    if lam.shape != (g_h.size, alpha_z.size):
        raise ValueError(f"lambda_max must have shape {(g_h.size, alpha_z.size)} (g_h by alpha_z), got {lam.shape}")
    if stderr is not None:
        se = _real_array(stderr, "stderr")
        if se.shape != lam.shape:
            raise ValueError(f"stderr must have the shape of lambda_max {lam.shape}, got {se.shape}")
    else:
        se = np.zeros_like(lam)
    fig, axes = new_figure(10.5, 3.6, ncols=2)
    ax, ax2 = axes[0]
    mesh = ax.pcolormesh(np.arange(alpha_z.size + 1) - 0.5, np.arange(g_h.size + 1) - 0.5,
                         np.ma.masked_invalid(lam), cmap="magma", shading="flat")
    for i in range(g_h.size):
        for j in range(alpha_z.size):
            if np.isfinite(lam[i, j]):
                dark = lam[i, j] < np.nanmin(lam) + 0.6 * (np.nanmax(lam) - np.nanmin(lam))
                ax.text(j, i, f"{lam[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
    ax.set_xticks(np.arange(alpha_z.size), [f"{a:g}" for a in alpha_z])
    ax.set_yticks(np.arange(g_h.size), [f"{g:g}" for g in g_h])
    ax.set_xlabel(r"timescale gate $\alpha_z$")
    ax.set_ylabel(r"$g_h$")
    ax.set_title(r"sampled $\lambda_{\max}\tau_h$", fontsize=10)
    fig.colorbar(mesh, ax=ax, label=r"$\lambda_{\max}\tau_h$", shrink=0.9)
    x = np.arange(alpha_z.size)
    for i, g in enumerate(g_h):
        ok = np.isfinite(lam[i])
        ax2.errorbar(x[ok], lam[i, ok], yerr=np.nan_to_num(se[i, ok]), marker="o", ms=3, capsize=2,
                     color=COLOURS[i % len(COLOURS)], label=f"$g_h={g:g}$")
    ax2.set_xticks(x, [f"{a:g}" for a in alpha_z])
    ax2.set_xlabel(r"timescale gate $\alpha_z$")
    ax2.set_ylabel(r"$\lambda_{\max}\tau_h$")
    ax2.legend(fontsize=7, frameon=False, ncol=2)
    return fig
