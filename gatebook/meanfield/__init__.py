r"""Mean-field theory of the random and gated rate networks (chapters 9-11).

Static mean field (fixed-point statistics), dynamical mean-field theory (DMFT) of the
autocorrelation and the maximal Lyapunov exponent it predicts, and the Gaussian
quadratures they are built on. The public names of the submodules are re-exported here.
"""

from __future__ import annotations

import importlib as _importlib

__all__: list[str] = []

for _name in ("_result", "quadrature", "static", "scs", "gated", "onsets", "solve", "sampling", "simulation", "phases"):
    try:
        _module = _importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _err:  # a submodule not written yet: skip it, never hide a broken one
        if _err.name != f"{__name__}.{_name}":
            raise
        continue
    for _symbol in getattr(_module, "__all__", ()):
        if hasattr(_module, _symbol):  # tolerate a module still being written
            globals()[_symbol] = getattr(_module, _symbol)
            __all__.append(_symbol)
