"""Deprecated: moved to :mod:`gatebook.plots.chaotic_transitions` (named after its notebook; kept for one release)."""

import warnings

from .chaotic_transitions import (  # noqa: F401
    plot_branch_curves,
    plot_hysteresis,
    plot_input_chaos,
    plot_onsets,
    loop_gain_explorer,
)

warnings.warn("gatebook.plots.transitions moved to gatebook.plots.chaotic_transitions", DeprecationWarning, stacklevel=2)

__all__ = ['plot_branch_curves', 'plot_hysteresis', 'plot_input_chaos', 'plot_onsets', 'loop_gain_explorer']
