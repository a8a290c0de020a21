"""Deprecated: moved to :mod:`gatebook.learning.presets` (Part II's code lives in ``learning``; kept for one release)."""

import warnings

from .learning.presets import (  # noqa: F401
    APPB_EPS,
    PRESETS,
    get_preset,
)

warnings.warn("gatebook.presets moved to gatebook.learning.presets", DeprecationWarning, stacklevel=2)

__all__ = ['APPB_EPS', 'PRESETS', 'get_preset']
