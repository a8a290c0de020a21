"""Names loaded on first use (PEP 562): the one implementation behind every package ``__init__``.

A package lists its lazily loaded public names in one explicit mapping ``{name: submodule}``
(a name equal to its submodule is the submodule itself) and installs the pair of module
functions this returns::

    __getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)

A name that has gone missing from its submodule fails loudly, with an :class:`ImportError`
that says where it was expected, instead of vanishing from the namespace.
"""

from __future__ import annotations

import importlib

__all__ = ["lazy_names"]


def lazy_names(package: str, namespace: dict, mapping: dict, deprecated: dict | None = None):
    """Module-level ``__getattr__`` and ``__dir__`` for ``package`` resolving ``mapping`` on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    namespace : dict
        The package's ``globals()``: resolved names are cached there, so later look-ups
        skip ``__getattr__``, and ``__dir__`` lists them with the lazy ones.
    mapping : dict
        ``{public name: submodule name}``.
    deprecated : dict, optional
        Old names kept for one release, ``{old name: submodule}``: they resolve (their module
        warns) but ``dir()`` does not list them.
    """
    old_names = deprecated if deprecated is not None else {}

    def __getattr__(name):
        submodule = mapping.get(name, old_names.get(name))
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{submodule}")
        try:
            value = module if name == submodule else getattr(module, name)
        except AttributeError as err:  # a renamed or removed name: say where it was expected
            raise ImportError(f"{package}.{name} should come from {module.__name__}, which does not define it") from err
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(mapping))

    return __getattr__, __dir__
