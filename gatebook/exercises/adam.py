"""Deprecated: moved to :mod:`gatebook.exercises.per_neuron_gates_and_adam` (named after its notebook; kept for one release)."""

import warnings

from .per_neuron_gates_and_adam import (  # noqa: F401
    check_condition_number,
)

warnings.warn("gatebook.exercises.adam moved to gatebook.exercises.per_neuron_gates_and_adam", DeprecationWarning, stacklevel=2)

__all__ = ['check_condition_number']
