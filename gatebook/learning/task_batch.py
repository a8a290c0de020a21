r"""The record every Part II task returns, and the checks the task generators share (chapters 3–5).

:class:`TaskBatch` holds a batch of input sequences ``(batch, T, m)`` and the targets of their
final outputs ``(batch, 1)``; :mod:`gatebook.learning.tasks` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import check_dtype, check_memory, check_positive_int

#: The record is public; task_dtype, check_task_sizes and make_batch are helpers of the task generators.
__all__ = ["TaskBatch"]


@dataclass(frozen=True, eq=False)
class TaskBatch:
    """One batch of a sequence-regression task.

    Attributes
    ----------
    inputs : torch.Tensor, shape (batch, T, m)
        Input sequences, time along axis 1.
    targets : torch.Tensor, shape (batch, 1)
        Regression target for the final output of each sequence.
    name : str
        Task name (a key of :data:`TASKS`).
    info : dict
        Task settings and known statistics, e.g. ``"mean_predictor_mse"`` (the target
        variance) and ``"target_mean"``; task-specific entries such as marker positions.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    name: str
    info: dict = field(default_factory=dict)

    @property
    def batch_size(self) -> int:
        """Number of sequences."""
        return int(self.inputs.shape[0])

    @property
    def T(self) -> int:
        """Sequence length."""
        return int(self.inputs.shape[1])

    @property
    def m(self) -> int:
        """Number of input channels."""
        return int(self.inputs.shape[2])

    def __repr__(self) -> str:
        return (
            f"TaskBatch(name={self.name!r}, batch={self.batch_size}, T={self.T}, m={self.m}, "
            f"dtype={self.inputs.dtype})"
        )


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------


def task_dtype(dtype) -> torch.dtype:
    """Accept ``torch.float32``/``torch.float64`` or anything numpy reads as float32/64."""
    if isinstance(dtype, torch.dtype):
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        return dtype
    dt = check_dtype(dtype, "dtype")
    return torch.float32 if dt == np.dtype(np.float32) else torch.float64


def check_task_sizes(task: str, batch, T, m, *, min_T: int = 1, min_m: int = 1, why_T: str = "", why_m: str = ""):
    """``(batch, T, m)`` as positive ints, ``T >= min_T`` and ``m >= min_m`` (errors name the task and why)."""
    batch = check_positive_int(batch, "batch")
    T = check_positive_int(T, "T")
    m = check_positive_int(m, "m")
    if T < min_T:
        raise ValueError(f"T must be >= {min_T} for {task}{why_T}, got T={T}")
    if m < min_m:
        raise ValueError(f"m must be >= {min_m} for {task}{why_m}, got m={m}")
    check_memory(batch * T * m, "batch * T * m", what=f"the inputs of shape ({batch}, {T}, {m})")
    return batch, T, m


def make_batch(name: str, inputs: np.ndarray, targets: np.ndarray, dtype: torch.dtype, info: dict) -> TaskBatch:
    """A :class:`TaskBatch` from numpy inputs ``(batch, T, m)`` and targets ``(batch,)`` in ``dtype``."""
    x = torch.from_numpy(np.ascontiguousarray(inputs)).to(dtype)
    y = torch.from_numpy(np.ascontiguousarray(targets).reshape(-1, 1)).to(dtype)
    return TaskBatch(inputs=x, targets=y, name=name, info=info)


MARKER_WHY = " (the last channel is the marker, so at least one content channel is needed)"
