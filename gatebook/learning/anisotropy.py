r"""Anisotropy of credit propagation and of parameter updates (chapter 5).

Re-exports the metrics of :mod:`gatebook.anisotropy`; propagation and update anisotropy
of trained cells are added by chapter 5's work.
"""

from ..anisotropy import (  # noqa: F401
    AnisotropyMetrics,
    anisotropy_index,
    effective_rank,
    energy_concentration,
    gradient_anisotropy,
    matrix_anisotropy,
    participation_ratio,
    singular_values,
)

__all__ = [
    "AnisotropyMetrics",
    "anisotropy_index",
    "effective_rank",
    "energy_concentration",
    "gradient_anisotropy",
    "matrix_anisotropy",
    "participation_ratio",
    "singular_values",
]
