r"""One signature for the mean-field functions: the gain first, every gate parameter by keyword.

``gated_dmft(g_h, alpha_r, ...)`` and ``sampled_dmft(g_h, alpha_z, alpha_r, ...)`` used to take
their gate parameters by position, in different orders, so the same call ``f(3.0, 5.0)`` set
a different gate in each. The solvers now take them by keyword only; for one release
:func:`gate_keywords` still accepts the old positional order and converts it, with a
:class:`DeprecationWarning` that names the keywords to write instead.
"""

from __future__ import annotations

import functools
import warnings

__all__ = ["gate_keywords"]


def gate_keywords(*old_positional: str, first: int = 1):
    """Decorator: accept the old positional gate parameters ``old_positional`` for one release.

    Parameters
    ----------
    *old_positional : str
        Names of the parameters that used to follow the first ``first`` positional ones, in
        their old order.
    first : int, optional
        How many leading arguments stay positional (1: the gain ``g_h``).
    """

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            extra = args[first:]
            if extra:
                if len(extra) > len(old_positional):
                    raise TypeError(
                        f"{function.__name__}() takes {first} positional argument(s) and keywords, "
                        f"got {len(args)} positional arguments"
                    )
                names = old_positional[: len(extra)]
                clash = [name for name in names if name in kwargs]
                if clash:
                    raise TypeError(f"{function.__name__}() got multiple values for {', '.join(clash)}")
                warnings.warn(
                    f"{function.__name__}: pass {', '.join(names)} by keyword "
                    f"(e.g. {function.__name__}(..., {names[0]}={extra[0]!r})); positional gate "
                    "parameters are deprecated and will be removed in the next release",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs.update(zip(names, extra))
                args = args[:first]
            return function(*args, **kwargs)

        return wrapper

    return decorate
