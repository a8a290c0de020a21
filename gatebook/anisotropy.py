"""Deprecated: moved to :mod:`gatebook.spectra` (kept for one release).

``participation_ratio(s)`` here keeps its old meaning (singular values ``s``); the new
:func:`gatebook.spectra.participation_ratio` takes the spectrum itself: ``participation_ratio(s**2)``.
"""

import warnings

import numpy as np

from . import spectra as _spectra
from ._validation import as_float64
from .spectra import (
    COLUMN_TOL,  # noqa: F401  (a module constant that callers may read)
    AnisotropyMetrics,
    anisotropy_index,
    effective_rank,
    energy_concentration,
    gradient_anisotropy,
    matrix_anisotropy,
    singular_values,
)

warnings.warn("gatebook.anisotropy moved to gatebook.spectra", DeprecationWarning, stacklevel=2)

__all__ = [
    "AnisotropyMetrics",
    "singular_values",
    "anisotropy_index",
    "energy_concentration",
    "participation_ratio",
    "effective_rank",
    "matrix_anisotropy",
    "gradient_anisotropy",
]


def participation_ratio(s):
    """Deprecated: ``gatebook.spectra.participation_ratio(s**2)`` (the old call took singular values)."""
    warnings.warn("gatebook.anisotropy.participation_ratio(s) moved to gatebook.spectra.participation_ratio(s**2), "
                  "which takes the spectrum (the squared singular values)", DeprecationWarning, stacklevel=2)
    s = as_float64(s, "s")
    if np.any(s < 0):
        raise ValueError(f"s must be non-negative (singular values), got a minimum of {s.min()}")
    return _spectra.participation_ratio(s**2)
