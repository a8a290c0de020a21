"""Deprecated: moved to :mod:`gatebook.plots.leaky_integrator` (one plotting package; kept for one release)."""

import warnings

from ...plots.leaky_integrator import (  # noqa: F401
    plot_impulse_responses,
    plot_ema_identity,
    plot_lag_schedule,
    leaky_explorer,
)

warnings.warn("gatebook.learning.plots.leaky_integrator moved to gatebook.plots.leaky_integrator", DeprecationWarning, stacklevel=2)

__all__ = ['plot_impulse_responses', 'plot_ema_identity', 'plot_lag_schedule', 'leaky_explorer']
