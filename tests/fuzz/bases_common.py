"""Small, fast, valid objects that several areas' base calls share (each call builds fresh ones)."""

from __future__ import annotations

import atexit
import shutil
import tempfile

import numpy as np

_SCRATCH = []


def scratch_folder() -> str:
    """One empty temporary folder per process (removed at exit), for base calls that write to disk."""
    if not _SCRATCH:
        _SCRATCH.append(tempfile.mkdtemp(prefix="gatebook-fuzz-"))
        atexit.register(shutil.rmtree, _SCRATCH[0], ignore_errors=True)
    return _SCRATCH[0]


def gated_network(N: int = 8, **kw):
    import gatebook as gb

    params = dict(g_h=3.0, alpha_z=1.0, alpha_r=1.0, seed=0)
    params.update(kw)
    return gb.GatedNetwork(N, **params)


def random_network(N: int = 8, g: float = 1.5):
    import gatebook as gb

    return gb.RandomRateNetwork(N, g, seed=0)


def states(N: int = 8, T: int = 40, seed: int = 0) -> np.ndarray:
    """A (T, N) array of finite states."""
    return np.random.default_rng(seed).standard_normal((T, N))


def trajectory(model=None, t_max: float = 2.0, dt: float = 0.1):
    import gatebook as gb

    return gb.simulate(model if model is not None else gated_network(), t_max, dt, seed=0)


def cell(name: str = "RecurrentCell", input_size: int = 2, hidden_size: int = 4, **kw):
    from gatebook import learning

    return getattr(learning, name)(input_size, hidden_size, seed=0, **kw)


def inputs(batch: int = 3, T: int = 6, m: int = 2):
    import torch

    return torch.randn(batch, T, m, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
