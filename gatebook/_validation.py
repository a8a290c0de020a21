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
    "MAX_BYTES",
    "check_memory",
    "check_int",
    "check_bool",
    "check_float_in",
    "check_int_sequence",
    "check_float_sequence",
    "check_instance",
    "check_callable",
    "check_n_jobs",
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


def as_float_array(value, name: str, what: str = "an array of real numbers") -> np.ndarray:
    """``value`` (a number or an array-like of numbers) as a float array, NaN and inf kept.

    A :class:`TypeError` naming ``name`` (``"{name} must be {what}"``) for ``None``, strings,
    booleans and anything numpy cannot read as real numbers; callers check finiteness and shape.

    >>> as_float_array([1, 2], "onsets")
    array([1., 2.])
    """
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}") from None


def ensemble_generators(seed, n: int, name: str = "seed") -> list:
    """One random generator per member of an ensemble of ``n``.

    ``seed`` is either what :func:`as_generator` accepts — then the members share that one
    generator, drawing from it in turn — or a sequence of ``n`` seeds, one per member (member
    ``s`` then draws exactly what a lone run with ``seed[s]`` draws).

    >>> len(ensemble_generators([3, 4], 2))
    2
    """
    if isinstance(seed, np.ndarray) or (isinstance(seed, (list, tuple)) and not isinstance(seed, str)):
        seeds = check_int_sequence(seed, name)
        if len(seeds) != n:
            raise ValueError(f"{name} must be one seed or a sequence of {n} seeds (one per network), got {len(seeds)}")
        return [as_generator(s, name) for s in seeds]
    return [as_generator(seed, name)] * n


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


# --- checks added for the API fuzz (issue 13) ------------------------------------------------

#: The largest single allocation a sized request may imply before it is refused up front, in
#: bytes (override with the environment variable ``GATEBOOK_MAX_BYTES``).
MAX_BYTES = 8 * 2**30


def _max_bytes() -> int:
    import os

    raw = os.environ.get("GATEBOOK_MAX_BYTES")
    return int(float(raw)) if raw else MAX_BYTES


def _human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


def check_memory(n_values, name: str, *, itemsize: int = 8, what: str = "the arrays it needs") -> None:
    """Refuse a request whose largest array of ``n_values`` entries would not fit in memory.

    Called before allocating, so that a size such as ``10**12`` fails at once with the memory it
    would take instead of a ``MemoryError`` (or a swap storm) deep inside numpy or torch. The cap
    is :data:`MAX_BYTES` (8 GiB), or the environment variable ``GATEBOOK_MAX_BYTES``.

    >>> check_memory(10**12, "N")
    Traceback (most recent call last):
    ...
    ValueError: N is too large: the arrays it needs would take 7.28 TiB (gatebook's cap is 8 GiB; set GATEBOOK_MAX_BYTES to raise it)
    """
    nbytes = float(n_values) * itemsize
    cap = _max_bytes()
    if nbytes > cap:
        raise ValueError(
            f"{name} is too large: {what} would take {_human_bytes(nbytes)} (gatebook's cap is "
            f"{_human_bytes(cap)}; set GATEBOOK_MAX_BYTES to raise it)"
        )


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` after checking it is a whole number in ``[minimum, maximum]``.

    Accepts Python and numpy integers, never ``bool``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a ``bool``; only ``True``/``False`` (or numpy booleans) are accepted."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} of type {type(value).__name__}")
    return bool(value)


def check_float_in(value, name: str, low: float, high: float, *, closed: str = "both") -> float:
    """Return ``value`` as a finite float inside ``[low, high]`` (``closed`` says which ends
    belong: ``"both"``, ``"left"``, ``"right"`` or ``"neither"``)."""
    value = check_finite_float(value, name)
    lo_ok = value >= low if closed in ("both", "left") else value > low
    hi_ok = value <= high if closed in ("both", "right") else value < high
    if not (lo_ok and hi_ok):
        left = "[" if closed in ("both", "left") else "("
        right = "]" if closed in ("both", "right") else ")"
        raise ValueError(f"{name} must lie in {left}{low:g}, {high:g}{right}, got {value:g}")
    return value


def check_int_sequence(values, name: str, *, minimum: int | None = 0, min_length: int = 1,
                       unique: bool = False) -> tuple[int, ...]:
    """Return ``values`` (a sequence or 1-D array of integers, e.g. ``seeds``) as a tuple of ints.

    >>> check_int_sequence(range(3), "seeds")
    (0, 1, 2)
    """
    if isinstance(values, (str, bytes)) or isinstance(values, numbers.Number) or values is None:
        raise TypeError(f"{name} must be a sequence of integers, got {values!r}")
    try:
        items = list(values)
    except TypeError as err:
        raise TypeError(f"{name} must be a sequence of integers, got {type(values).__name__}") from err
    if len(items) < min_length:
        raise ValueError(f"{name} must hold at least {min_length} integer(s), got {len(items)}")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            raise TypeError(f"{name} must hold integers, got {item!r} of type {type(item).__name__}")
        if minimum is not None and item < minimum:
            raise ValueError(f"{name} must hold integers >= {minimum}, got {item}")
        out.append(int(item))
    if unique and len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a value, got {out}")
    return tuple(out)


def check_float_sequence(values, name: str, *, min_length: int = 1, positive: bool = False,
                         nonnegative: bool = False, increasing: bool = False) -> np.ndarray:
    """Return ``values`` as a finite 1-D float64 array of at least ``min_length`` entries."""
    if isinstance(values, (str, bytes)) or values is None or isinstance(values, numbers.Number):
        raise TypeError(f"{name} must be a sequence of real numbers, got {values!r}")
    arr = as_float64(values, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size < min_length:
        raise ValueError(f"{name} must hold at least {min_length} value(s), got {arr.size}")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must hold positive values, got {arr.min():g}")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must hold non-negative values, got {arr.min():g}")
    if increasing and np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    return arr


def check_instance(obj, cls, name: str, *, what: str | None = None):
    """Check that ``obj`` is a ``cls`` (a type or a tuple of types), e.g. a result object passed
    on to a figure; raise a :class:`TypeError` naming the argument otherwise."""
    if not isinstance(obj, cls):
        if what is None:
            classes = cls if isinstance(cls, tuple) else (cls,)
            what = " or ".join(f"{c.__module__}.{c.__qualname__}" for c in classes)
        raise TypeError(f"{name} must be a {what}, got {type(obj).__name__}")
    return obj


def check_callable(obj, name: str):
    """Check that ``obj`` can be called (e.g. ``make_model``, ``measure``, ``plot_fn``)."""
    if not callable(obj):
        raise TypeError(f"{name} must be callable, got {obj!r} of type {type(obj).__name__}")
    return obj


def check_n_jobs(n_jobs) -> int:
    """A number of workers for :func:`gatebook.jobs.run_jobs`: a positive integer, or -1 for every core."""
    n_jobs = check_int(n_jobs, "n_jobs")
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive number of workers, or -1 for every core; got {n_jobs}")
    return n_jobs
