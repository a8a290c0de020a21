"""Deprecated: moved to :mod:`gatebook.plots.anisotropy` (one plotting package; kept for one release)."""

import warnings

from ...plots.anisotropy import (  # noqa: F401
    anisotropy_explorer,
    plot_frozen_gates,
    plot_propagation_anisotropy,
    plot_update_anisotropy,
)

warnings.warn("gatebook.learning.plots.anisotropy moved to gatebook.plots.anisotropy", DeprecationWarning, stacklevel=2)

__all__ = ['anisotropy_explorer', 'plot_frozen_gates', 'plot_propagation_anisotropy', 'plot_update_anisotropy']
