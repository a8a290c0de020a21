r"""Where the numbers are computed: numpy (the default) or torch on a CPU or a GPU.

One convention for the whole package. A function that can run on torch takes a keyword
``device``:

* ``device=None`` (default) or ``"numpy"``: numpy arrays, float64 unless told otherwise — the
  book's route, unchanged;
* ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a :class:`torch.device`: torch tensors on that device;
* ``"auto"``: the first CUDA device when torch sees one, else torch on the CPU.

Results always come back as numpy arrays, whatever the device. torch is optional
(``pip install "gatebook[torch]"``); asking for a torch device without it raises an
:class:`ImportError` that says how to install it. The user's guide page *Research scale*
(``execution.md``) says how large a network each route reaches in a minute or an hour.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_dtype

__all__ = ["resolve_device", "uses_torch", "torch_dtype", "NUMPY"]

#: The spelling of the numpy route.
NUMPY = "numpy"


def _import_torch(device):
    try:
        import torch
    except ImportError as err:  # pragma: no cover - torch is in the tested environment
        raise ImportError(
            f"device={device!r} runs on torch, which is not installed; "
            'install it with `pip install "gatebook[torch]"` or use device=None (numpy)'
        ) from err
    return torch


def uses_torch(device) -> bool:
    """Whether ``device`` names a torch device (anything but ``None`` and ``"numpy"``)."""
    return not (device is None or (isinstance(device, str) and device == NUMPY))


def resolve_device(device, name: str = "device"):
    """``None`` for the numpy route, else the :class:`torch.device` that ``device`` names.

    Parameters
    ----------
    device : None, str or torch.device
        ``None``/``"numpy"``, ``"cpu"``, ``"cuda"``, ``"cuda:<index>"``, ``"auto"`` or a
        :class:`torch.device`.
    name : str, optional
        The argument's name in error messages.

    Raises
    ------
    TypeError
        If ``device`` is neither a string, ``None`` nor a :class:`torch.device`.
    ValueError
        If the string names no device, or names a CUDA device that torch cannot see.
    ImportError
        If a torch device is asked for and torch is not installed.

    Examples
    --------
    >>> resolve_device(None) is None
    True
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if not uses_torch(device):
        return None
    if not isinstance(device, str) and type(device).__name__ != "device":
        raise TypeError(
            f"{name} must be None, 'numpy', 'cpu', 'cuda', 'cuda:<index>', 'auto' or a torch.device; "
            f"got {device!r} of type {type(device).__name__}"
        )
    torch = _import_torch(device)
    if isinstance(device, str):
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            device = torch.device(device)
        except RuntimeError:
            raise ValueError(
                f"{name} must be None, 'numpy', 'cpu', 'cuda', 'cuda:<index>' or 'auto'; got {device!r}"
            ) from None
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"{name} must be a CPU or CUDA device, got {device}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{name}={str(device)!r}, but torch sees no CUDA device here; use 'cpu' or 'auto'")
        index = 0 if device.index is None else device.index
        if index >= torch.cuda.device_count():
            raise ValueError(f"{name}={str(device)!r}, but torch sees only {torch.cuda.device_count()} CUDA device(s)")
    return device


def torch_dtype(dtype, name: str = "dtype"):
    """The torch float type for a numpy float32/float64 spelling (``np.float32``, ``"float64"``, ...)."""
    import torch

    if isinstance(dtype, torch.dtype):
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"{name} must be float32 or float64, got {dtype}")
        return dtype
    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[check_dtype(dtype, name)]
