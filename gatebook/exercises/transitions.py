"""Deprecated: moved to :mod:`gatebook.exercises.chaotic_transitions` (named after its notebook; kept for one release)."""

import warnings

from .chaotic_transitions import (  # noqa: F401
    check_quiet_exponent,
    check_static_onset,
)

warnings.warn("gatebook.exercises.transitions moved to gatebook.exercises.chaotic_transitions", DeprecationWarning, stacklevel=2)

__all__ = ['check_quiet_exponent', 'check_static_onset']
