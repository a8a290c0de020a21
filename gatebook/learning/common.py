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

from .._validation import check_positive_int
from .cells import RecurrentCell

__all__ = ["check_cell", "check_r_top", "check_sampled_lags", "check_seed", "torch_threads"]


@contextmanager
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


def check_seed(seed, name: str = "seed") -> int:
    """Return ``seed`` as an ``int`` after checking it is a non-negative integer (not a bool)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_sampled_lags(lags, T: int, name: str = "lags") -> np.ndarray:
    """Distinct positive lags below the sequence length ``T``, sorted (each example offers two start times)."""
    if lags is None or isinstance(lags, (numbers.Integral, str)):
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
    if not r <= top <= n:
        raise ValueError(f"need r <= top <= {what}, got r={r}, top={top}, {what}={n}")
    return r, top
