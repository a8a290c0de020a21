"""Deprecated: moved to :mod:`gatebook.plots.per_neuron_gates_and_adam` (one plotting package; kept for one release)."""

import warnings

from ...plots.per_neuron_gates_and_adam import (  # noqa: F401
    plot_preconditioner,
    plot_lag_credit,
    plot_optimiser_comparison,
    plot_expansion_check,
    plot_diagonal_envelope,
    preconditioner_explorer,
)

warnings.warn("gatebook.learning.plots.per_neuron_gates_and_adam moved to gatebook.plots.per_neuron_gates_and_adam", DeprecationWarning, stacklevel=2)

__all__ = ['plot_preconditioner', 'plot_lag_credit', 'plot_optimiser_comparison', 'plot_expansion_check', 'plot_diagonal_envelope', 'preconditioner_explorer']
