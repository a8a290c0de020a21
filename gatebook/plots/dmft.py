"""Deprecated: moved to :mod:`gatebook.plots.mean_field` (named after its notebook; kept for one release)."""

import warnings

from .mean_field import (  # noqa: F401
    plot_potential,
    plot_solver_comparison,
    plot_gated_autocorrelations,
    plot_theory_vs_simulation,
    plot_schrodinger,
    plot_finite_size,
    plot_lambda_and_relaxation,
    dmft_explorer,
)

warnings.warn("gatebook.plots.dmft moved to gatebook.plots.mean_field", DeprecationWarning, stacklevel=2)

__all__ = ['plot_potential', 'plot_solver_comparison', 'plot_gated_autocorrelations', 'plot_theory_vs_simulation', 'plot_schrodinger', 'plot_finite_size', 'plot_lambda_and_relaxation', 'dmft_explorer']
