"""Small helpers shared by the Part II measurement and experiment modules (chapters 2–5).

One home for what several modules of :mod:`gatebook.learning` need: the single-thread
context for tiny torch matrices, and the argument checks that more than one module
performs (the cell, a seed, sampled lags, the ranks of AI and CE). Nothing here computes a
result of the book; the checks raise the errors the chapters' functions document.
"""

from __future__ import annotations

import numbers
from contextlib import contextmanager

import numpy as np
import torch

from .._validation import check_bool, check_int, check_int_sequence, check_memory, check_positive_int
from .cells import RecurrentCell

__all__ = [
    "check_cell",
    "check_checkpoints",
    "check_r_top",
    "check_sampled_lags",
    "check_seed",
    "check_seeds",
    "check_sizes",
    "check_targets",
    "check_tensor",
    "place_cell",
    "torch_threads",
]


def torch_threads(count: int = 1):
    """Run a block (or, as a decorator, a function) on ``count`` torch intra-op threads, then restore.

    The matrices of Part II are tiny (:math:`n\\lesssim64`), so extra threads only add
    synchronisation, which becomes a several-fold slowdown on a machine whose cores are
    busy. Nothing is changed when torch already runs on ``count`` threads.

    Examples
    --------
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    """
    return _threads(check_positive_int(count, "count"))


@contextmanager
def _threads(count: int):
    previous = torch.get_num_threads()
    if previous == count:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def check_cell(cell) -> RecurrentCell:
    """Return ``cell`` if it is a :class:`~gatebook.learning.RecurrentCell`; raise ``TypeError`` otherwise."""
    if not isinstance(cell, RecurrentCell):
        raise TypeError("cell must be a gatebook.learning cell (PlainRNN, LeakyRNN, ScalarGateRNN or MultiGateRNN), "
                        f"got {type(cell).__name__}")
    return cell


def place_cell(cell, device=None, name: str = "device") -> torch.device:
    """The torch device a cell is trained or probed on; with ``device`` given, the cell moves there in place.

    ``device`` follows the package's convention (:func:`gatebook.backend.resolve_device`):
    ``None`` keeps the cell where it is (the CPU unless you moved it), ``"cpu"``, ``"cuda"``,
    ``"cuda:1"`` or ``"auto"`` move it (``nn.Module.to`` is in place). ``"numpy"`` is refused:
    Part II's cells are torch modules.
    """
    check_cell(cell)
    if device is None:
        return next(cell.parameters()).device
    from ..backend import resolve_device

    target = resolve_device(device, name)
    if target is None:
        raise ValueError(f"{name} must name a torch device for a Part II cell ('cpu', 'cuda', 'auto'), got {device!r}")
    cell.to(target)
    return target


def check_seed(seed, name: str = "seed") -> int:
    """Return ``seed`` as an ``int`` after checking it is a non-negative integer (not a bool)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_sampled_lags(lags, T: int, name: str = "lags") -> np.ndarray:
    """Distinct positive lags below the sequence length ``T``, sorted (each example offers two start times)."""
    T = check_positive_int(T, "T")
    if lags is None or isinstance(lags, (numbers.Number, str, bytes)) or not hasattr(lags, "__iter__"):
        raise TypeError(f"{name} must be a sequence of positive integers, got {lags!r}")
    values = [check_positive_int(h, f"each entry of {name}") for h in lags]
    if not values:
        raise ValueError(f"{name} must not be empty")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat a value, got {values}")
    if max(values) >= T:
        raise ValueError(f"every lag must be smaller than the sequence length T={T} (so that each "
                         f"example offers at least two start times), got {name}={values}")
    return np.array(sorted(values), dtype=int)


def check_r_top(r, top, n: int, what: str = "hidden size") -> tuple:
    """``(r, top)`` of AI and CE after checking ``r <= top <= n`` (``n`` named ``what`` in errors)."""
    r, top = check_positive_int(r, "r"), check_positive_int(top, "top")
    n = check_int(n, "n", minimum=1)
    if not r <= top <= n:
        raise ValueError(f"need r <= top <= {what}, got r={r}, top={top}, {what}={n}")
    return r, top


def check_seeds(seeds, name: str = "seeds", *, distinct: bool = True) -> list:
    """``seeds`` (a sequence of non-negative Python or numpy integers) as a non-empty list of ints.

    A single number, a string or ``None`` is refused with a :class:`TypeError` naming ``name``
    (``seeds=3`` is not ``range(3)``); repeated values are refused when ``distinct``.

    >>> check_seeds(range(3))
    [0, 1, 2]
    """
    out = list(check_int_sequence(seeds, name, minimum=0))
    if check_bool(distinct, "distinct") and len(set(out)) != len(out):
        raise ValueError(f"{name} must be distinct, got {out}")
    return out


def check_checkpoints(checkpoints, steps: int, name: str = "checkpoints", *, allow_empty: bool = True) -> list:
    """Sorted distinct training steps in ``[0, steps]`` (Python or numpy integers)."""
    steps = check_int(steps, "steps", minimum=0)
    marks = sorted(set(check_int_sequence(checkpoints, name, minimum=0,
                                          min_length=0 if check_bool(allow_empty, "allow_empty") else 1)))
    if marks and marks[-1] > steps:
        raise ValueError(f"{name} must lie in [0, steps={steps}], got {marks}")
    return marks


def check_sizes(sizes, *, itemsize: int = 8, what: str = "the arrays it needs") -> None:
    """Refuse sizes whose product (the entries of the largest array they imply) would not fit in memory.

    ``sizes`` is a sequence of ``(name, value)`` pairs of non-negative integers; the error
    names them all, e.g. ``"batch * T * m is too large: ..."`` (see
    :func:`gatebook._validation.check_memory`). ``itemsize`` is the number of bytes per
    entry (at most 16). Called before anything is allocated.

    >>> check_sizes([("batch", 10**6), ("T", 10**6)], what="the inputs")
    Traceback (most recent call last):
    ...
    ValueError: batch * T is too large: the inputs would take 7.28 TiB (gatebook's cap is 8 GiB; set GATEBOOK_MAX_BYTES to raise it)
    """
    itemsize = check_int(itemsize, "itemsize", minimum=1, maximum=16)
    if sizes is None or isinstance(sizes, (str, bytes, numbers.Number)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a sequence of (name, size) pairs, got {sizes!r}")
    pairs = list(sizes)
    if not pairs or not all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in pairs):
        raise TypeError(f"sizes must be a non-empty sequence of (name, size) pairs, got {sizes!r}")
    total = 1
    for name, value in pairs:
        total *= check_int(value, name, minimum=0)
    check_memory(total, " * ".join(name for name, _ in pairs), itemsize=itemsize, what=what)


def check_tensor(x, name: str, *, ndim: int | None = None, shape: str = "", finite: bool = True) -> torch.Tensor:
    """``x`` if it is a real floating-point :class:`torch.Tensor` with ``ndim`` dimensions and (if
    ``finite``) no NaN or infinite entry; ``shape`` describes the expected shape in errors."""
    if ndim is not None:
        ndim = check_int(ndim, "ndim", minimum=0)
    finite = check_bool(finite, "finite")
    if not isinstance(shape, str):
        raise TypeError(f"shape must be a string describing the expected shape, got {shape!r}")
    expected = f" of shape {shape}" if shape else ""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor{expected}, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor{expected}, got dtype {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d tensor{expected} (ndim={ndim}), got shape {tuple(x.shape)}")
    if finite and not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def check_targets(targets, batch: int, name: str = "targets") -> torch.Tensor:
    """Regression targets: a finite tensor of shape ``(batch, 1)``, one per example."""
    batch = check_positive_int(batch, "batch")
    if not isinstance(targets, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape ({batch}, 1), got {type(targets).__name__}")
    if tuple(targets.shape) != (batch, 1):
        raise ValueError(f"{name} must have shape ({batch}, 1) (one per example, batch={batch}), "
                         f"got {tuple(targets.shape)}")
    if not (targets.is_floating_point() or str(targets.dtype).startswith(("torch.int", "torch.uint"))):
        raise TypeError(f"{name} must hold real numbers, got dtype {targets.dtype}")
    if not torch.isfinite(targets).all():
        raise ValueError(f"{name} contain NaN or infinite values")
    return targets
