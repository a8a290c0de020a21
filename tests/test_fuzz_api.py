"""The API fuzz (issue 13): every public callable, each argument, ten bad values.

For every callable named in a public ``__all__`` (tests/fuzz/api.py), a valid base call
(tests/fuzz/bases_*.py) is repeated with one argument replaced by NaN, inf, -1, 0, a string,
None, 10**12, a wrong-shaped array, an array holding one NaN and an empty list, each call under
a 10 s time cap and a 6 GiB address-space cap. A call passes when it raises a
ValueError/TypeError from gatebook that names the argument, or returns output with no new
NaN/inf. Builtin errors escaping gatebook, tracebacks from deep inside numpy/scipy/torch,
silent NaN, MemoryError, hangs and errors naming the wrong argument fail, unless
tests/fuzz/allowed.py lists them with a reason. ``python -m tests.fuzz`` prints the table.
"""

from __future__ import annotations

import pytest

from tests.fuzz.allowed import ALLOWED, is_allowed
from tests.fuzz.harness import PASSING, fuzz_target
from tests.fuzz.targets import registry

TARGETS, EXCLUDED, MISSING = registry()


def test_every_public_callable_has_a_base_call_or_a_reason():
    assert MISSING == [], f"callables without a base call in tests/fuzz/bases_*.py: {MISSING}"
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert all(reason.strip() for reason in ALLOWED.values())


@pytest.mark.parametrize("target", TARGETS, ids=[t.name.removeprefix("gatebook.") for t in TARGETS])
def test_bad_input_fails_cleanly(target):
    outcomes = fuzz_target(target)
    bad = [o for o in outcomes if o.outcome not in PASSING and not is_allowed(o)]
    assert not bad, "\n".join(f"{o.argument}={o.value}: {o.outcome}: {o.detail}" for o in bad)
