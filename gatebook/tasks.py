"""Deprecated: moved to :mod:`gatebook.learning.tasks` (Part II's code lives in ``learning``; kept for one release)."""

import warnings

from .learning.tasks import (  # noqa: F401
    TaskBatch,
    adding,
    recall,
    moving_average,
    delay_sum,
    ar2,
    narma10,
    make_task,
    get_preset,
    ar2_impulse_response,
    TASKS,
    PRESETS,
    RECALL_MARKERS,
    DELAY_SUM_DELAYS,
    AR2_COEFFICIENTS,
    AR2_NOISE_STD,
    NARMA10_MEAN,
    NARMA10_STD,
)

warnings.warn("gatebook.tasks moved to gatebook.learning.tasks", DeprecationWarning, stacklevel=2)

__all__ = ['TaskBatch', 'adding', 'recall', 'moving_average', 'delay_sum', 'ar2', 'narma10', 'make_task', 'get_preset', 'ar2_impulse_response', 'TASKS', 'PRESETS', 'RECALL_MARKERS', 'DELAY_SUM_DELAYS', 'AR2_COEFFICIENTS', 'AR2_NOISE_STD', 'NARMA10_MEAN', 'NARMA10_STD']
