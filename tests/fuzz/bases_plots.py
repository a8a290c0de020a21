"""Valid base calls for the fuzz test: the callables defined under the 'plots' part of gatebook.

``BASES`` maps a callable's full name to a function returning the keyword arguments of a small,
fast, valid call (fresh objects each time). ``SKIP`` maps a name to {argument: reason} for
arguments that are not fuzzed; ``ALIASES`` to {argument: (other words that name it,)};
``EXCLUDED`` maps a name to the reason the callable is not fuzzed at all; ``ALLOWED`` maps
``(name, argument, battery value or "*")`` to the reason a failing outcome is accepted.
"""

from __future__ import annotations

BASES = {}
SKIP = {}
ALIASES = {}
EXCLUDED = {}
ALLOWED = {}
