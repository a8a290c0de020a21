"""Deprecated: moved to :mod:`gatebook.plots.scalar_gate` (one plotting package; kept for one release)."""

import warnings

from ...plots.scalar_gate import (  # noqa: F401
    plot_scalar_gate_traces,
    plot_step_credit,
    plot_lag_profile,
    plot_profiles_over_training,
    plot_slope_over_training,
    plot_lag_heatmap,
    scalar_gate_explorer,
)

warnings.warn("gatebook.learning.plots.scalar_gate moved to gatebook.plots.scalar_gate", DeprecationWarning, stacklevel=2)

__all__ = ['plot_scalar_gate_traces', 'plot_step_credit', 'plot_lag_profile', 'plot_profiles_over_training', 'plot_slope_over_training', 'plot_lag_heatmap', 'scalar_gate_explorer']
