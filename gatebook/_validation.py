"""Argument checks shared by every public function.

Each helper raises a :class:`ValueError` or :class:`TypeError` whose message names the
offending argument, so that bad input never surfaces as a silent NaN or as a traceback
from deep inside numpy.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_positive_int",
    "check_positive_float",
    "check_finite_float",
    "check_nonnegative_float",
    "check_choice",
    "check_state",
    "check_dtype",
    "as_generator",
    "as_float64",
    "check_model",
    "MODEL_MEMBERS",
]


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` after checking it is a whole number ``>= 1``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_finite_float(value, name: str) -> float:
    """Return ``value`` as a finite ``float``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive_float(value, name: str) -> float:
    """Return ``value`` as a finite ``float`` that is strictly positive."""
    value = check_finite_float(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def check_nonnegative_float(value, name: str) -> float:
    """Return ``value`` as a finite ``float`` that is ``>= 0``."""
    value = check_finite_float(value, name)
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    return value


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of the strings in ``choices``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {sorted(choices)}")
    return value


def check_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Accept float32 or float64 (as a dtype, a type or a string)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from err
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name} must be float32 or float64, got {dt}")
    return dt


def check_state(x, dim: int, name: str, *, dtype=None, allow_batch: bool = True) -> np.ndarray:
    """Return ``x`` as a float array of shape ``(dim,)`` or, if allowed, ``(batch, dim)``."""
    try:
        arr = np.asarray(x, dtype=dtype if dtype is not None else None)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers") from err
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    if dtype is None and not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    shapes = f"({dim},) or (batch, {dim})" if allow_batch else f"({dim},)"
    if arr.ndim == 1 or (allow_batch and arr.ndim == 2):
        if arr.shape[-1] != dim:
            raise ValueError(f"{name} must have shape {shapes}, got {arr.shape}")
    else:
        raise ValueError(f"{name} must have shape {shapes}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (``None``, an int, or a ``numpy.random.Generator``) into a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None, a non-negative integer or a numpy.random.Generator, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))


def as_float64(x, name: str) -> np.ndarray:
    """Return ``x`` (array-like or torch tensor) as a finite float64 numpy array.

    A torch tensor is detached and moved to the CPU first (torch itself is not imported
    here). Raises :class:`TypeError` for complex or non-numeric input and
    :class:`ValueError` for NaN or infinite entries.

    >>> as_float64([1, 2], "x")
    array([1., 2.])
    """
    if hasattr(x, "detach") and hasattr(x, "is_complex"):  # a torch tensor; torch not imported here
        if x.is_complex():
            raise TypeError(f"{name} must be real, got a complex tensor of dtype {x.dtype}")
        x = x.detach().cpu()
        if not (x.is_floating_point() or str(x.dtype).startswith(("torch.int", "torch.uint"))):
            raise TypeError(f"{name} must be an array of real numbers, got a tensor of dtype {x.dtype}")
        x = x.double().numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers") from err
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


#: The members of the :class:`gatebook.DynamicalSystem` protocol, which :func:`check_model`
#: looks for (the protocol class lives one layer up, in :mod:`gatebook.dynamical_system`).
MODEL_MEMBERS = ("dim", "vector_field", "jacobian", "jvp")


def check_model(model) -> None:
    """Check that ``model`` follows the :class:`gatebook.DynamicalSystem` protocol.

    The same test as ``isinstance(model, DynamicalSystem)``: every member of
    :data:`MODEL_MEMBERS` is present (and not ``None``). Raises :class:`TypeError` naming
    what a model must provide otherwise.

    >>> check_model(object())
    Traceback (most recent call last):
    ...
    TypeError: model must provide dim, vector_field(x, t), jacobian(x, t) and jvp(x, V, t) (e.g. gatebook.RandomRateNetwork), got object
    """
    if not all(getattr(model, member, None) is not None for member in MODEL_MEMBERS):
        raise TypeError(
            "model must provide dim, vector_field(x, t), jacobian(x, t) and jvp(x, V, t) "
            f"(e.g. gatebook.RandomRateNetwork), got {type(model).__name__}"
        )
