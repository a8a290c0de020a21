"""Deprecated: moved to :mod:`gatebook.exercises.mean_field` (named after its notebook; kept for one release)."""

import warnings

from .mean_field import (  # noqa: F401
    check_dmft_variance,
    check_soft_gate_lambda,
    check_window_variance,
)

warnings.warn("gatebook.exercises.dmft moved to gatebook.exercises.mean_field", DeprecationWarning, stacklevel=2)

__all__ = ['check_dmft_variance', 'check_soft_gate_lambda', 'check_window_variance']
