"""Call every public callable with bad values, one argument at a time, and classify what happens.

The battery (:data:`BATTERY`) is what a new user types by mistake: NaN, inf, -1, 0, a string,
``None``, :math:`10^{12}`, an array of the wrong shape, an array holding one NaN, an empty
list. Each argument of a valid *base call* (:mod:`tests.fuzz.bases`) is replaced by each
value in turn, under a time cap (SIGALRM) and an address-space cap (``RLIMIT_AS``), and the
outcome is one of

========== =====================================================================================
clean      ``ValueError``/``TypeError`` raised in gatebook whose message names the argument, or an
           exercise self-check's ``Feedback(passed=False, message=...)`` refusing ``answer`` (or
           naming the argument)
accepted   returned, and the output holds no more NaN/inf (numbers, arrays, labels) than the base
wrong_name ``ValueError``/``TypeError`` raised in gatebook that does not name the argument
builtin    another exception (AttributeError, ZeroDivisionError, KeyError, ...) raised in gatebook
deep       any exception whose innermost frame is in numpy, scipy, torch, matplotlib, the stdlib
nan        returned, with NaN/inf (or "nan"/"inf" in a label) that the base output does not have
memory     ``MemoryError`` or an allocator failure: a size that was not checked before allocating
hang       still running after the time cap
========== =====================================================================================

Only ``clean`` and ``accepted`` pass; ``tests/fuzz/allowed.py`` lists the exceptions, each with
its reason. ``python -m tests.fuzz`` prints the table.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import math
import re
import resource
import signal
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

OUTCOMES = ("clean", "accepted", "wrong_name", "builtin", "deep", "nan", "memory", "hang")
PASSING = ("clean", "accepted")

#: Seconds a single fuzzed call may run.
TIME_CAP = 10.0
#: Bytes of address space a fuzzed call may add to the process.
MEMORY_CAP = 6 * 2**30


class Hang(BaseException):
    """Raised by the alarm when a call outlives :data:`TIME_CAP` (a BaseException, so no
    ``except Exception`` in the code under test swallows it)."""


def _battery_values(base):
    """The ten bad values, some shaped after the argument's valid value ``base``."""
    wrong = np.zeros((3, 5, 7))
    one_nan = np.array([1.0, np.nan])
    if hasattr(base, "detach") and hasattr(base, "clone") and base.is_floating_point() and base.numel():
        one_nan = base.detach().clone()
        one_nan.view(-1)[0] = float("nan")
        wrong = base.new_zeros(tuple(base.shape) + (3,))
    elif isinstance(base, np.ndarray) and base.dtype.kind == "f" and base.size:
        one_nan = base.copy()
        one_nan.flat[0] = np.nan
        wrong = np.zeros(base.shape + (3,))
    elif isinstance(base, (list, tuple)) and base and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in base):
        one_nan = [float("nan")] + [float(v) for v in base[1:]]
        wrong = [list(base), list(base)]
    return [
        ("nan", float("nan")),
        ("inf", float("inf")),
        ("neg", -1),
        ("zero", 0),
        ("str", "abc"),
        ("none", None),
        ("huge", 10**12),
        ("wrong_shape", wrong),
        ("one_nan", one_nan),
        ("empty", []),
    ]


BATTERY = tuple(name for name, _ in _battery_values(None))

_LABEL_NAN = re.compile(r"(?<![A-Za-z])(nan|inf)(?![A-Za-z])", re.IGNORECASE)


def nonfinite_count(obj, depth: int = 0, seen=None) -> int:
    """How many NaN/inf numbers (and "nan"/"inf" words in strings) ``obj`` holds, looking into
    arrays, tensors, containers, dataclasses, plain result objects and figures (their lines and
    texts)."""
    if seen is None:
        seen = set()
    if depth > 4 or id(obj) in seen:
        return 0
    if obj is None or isinstance(obj, (bool, int, np.integer, np.bool_)):
        return 0
    if isinstance(obj, (float, np.floating, complex, np.complexfloating)):
        return 0 if np.isfinite(obj) else 1
    if isinstance(obj, str):
        return len(_LABEL_NAN.findall(obj))
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            return int(obj.size - np.count_nonzero(np.isfinite(obj)))
        if obj.dtype.kind in "OU":
            return sum(nonfinite_count(v, depth + 1, seen) for v in obj.ravel()[:1000])
        return 0
    if hasattr(obj, "detach") and hasattr(obj, "isfinite") and not inspect.ismodule(obj):  # a tensor
        t = obj.detach()
        return int(t.numel() - t.isfinite().sum().item()) if t.is_floating_point() else 0
    seen.add(id(obj))
    from matplotlib.figure import Figure

    if isinstance(obj, Figure):
        total = 0
        for ax in obj.axes:
            for line in ax.get_lines():
                xy = np.asarray(line.get_xydata(), dtype=float)
                total += int(xy.size - np.count_nonzero(np.isfinite(xy)))
            for artist in list(ax.collections) + list(ax.images):  # scatter, contour, mesh, image
                for data in (getattr(artist, "get_offsets", None), getattr(artist, "get_array", None)):
                    arr = data() if data is not None else None
                    if arr is None:
                        continue
                    arr = np.ma.getdata(arr) if not np.ma.isMaskedArray(arr) else arr.compressed()
                    arr = np.asarray(arr)
                    if arr.dtype.kind in "fc":
                        total += int(arr.size - np.count_nonzero(np.isfinite(arr)))
            texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
            total += sum(len(_LABEL_NAN.findall(t)) for t in texts)
        return total
    if isinstance(obj, dict):
        return sum(nonfinite_count(v, depth + 1, seen) for v in obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return sum(nonfinite_count(v, depth + 1, seen) for v in list(obj)[:1000])
    if dataclasses.is_dataclass(obj):
        return sum(nonfinite_count(getattr(obj, f.name, None), depth + 1, seen) for f in dataclasses.fields(obj))
    if type(obj).__module__.startswith("gatebook") and hasattr(obj, "__dict__"):
        return sum(nonfinite_count(v, depth + 1, seen) for k, v in vars(obj).items() if not k.startswith("_"))
    return 0


def _names(argument: str, message: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])", message) is not None


def _innermost_file(exc: BaseException) -> str:
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last or ""


def _in_gatebook(filename: str) -> bool:
    return "/gatebook/" in filename.replace("\\", "/") and "/tests/" not in filename.replace("\\", "/")


def classify(exc: BaseException | None, argument: str, aliases=()) -> str:
    """The outcome of a call that raised ``exc`` (``None``: it returned; see :func:`fuzz_call`)."""
    if isinstance(exc, Hang):
        return "hang"
    message = str(exc)
    if isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError) and "allocate" in message):
        return "memory"
    inside = _in_gatebook(_innermost_file(exc))
    if not inside:
        return "deep"
    if isinstance(exc, (ValueError, TypeError)):
        return "clean" if any(_names(a, message) for a in (argument, *aliases)) else "wrong_name"
    return "builtin"


@contextlib.contextmanager
def capped(seconds: float = TIME_CAP, memory: int = MEMORY_CAP):
    """Run the block under a wall-clock alarm and an address-space limit (both restored after)."""

    def on_alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as fh:
        used = int(fh.read().split()[0]) * resource.getpagesize()
    limit = used + memory if hard == resource.RLIM_INFINITY else min(hard, used + memory)
    previous = signal.signal(signal.SIGALRM, on_alarm)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    function: str
    argument: str
    value: str
    outcome: str
    detail: str = ""


def _call(fn, kwargs):
    import io

    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        out = fn(**kwargs)
        try:
            from matplotlib.figure import Figure

            if isinstance(out, Figure):
                out.canvas.draw()  # tick labels and layout are computed here
        except ImportError:  # pragma: no cover
            pass
        return out


def fuzz_call(fn, kwargs, argument, value, base_nonfinite, aliases=()) -> tuple[str, str]:
    """Call ``fn(**kwargs)`` with ``kwargs[argument] = value``; return (outcome, detail)."""
    trial = dict(kwargs)
    trial[argument] = value
    try:
        with capped():
            out = _call(fn, trial)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - classifying every escape is the point
        outcome = classify(exc, argument, aliases)
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        loc = f" at {where.filename.split('/')[-2]}/{where.filename.split('/')[-1]}:{where.lineno}" if where else ""
        return outcome, f"{type(exc).__name__}: {str(exc)[:160]}{loc}"
    feedback = next((o for o in (out if isinstance(out, tuple) else (out,)) if getattr(o, "passed", None) is False), None)
    message = getattr(feedback, "message", None)
    if isinstance(message, str) and (  # an alias "answer" marks another of the reader's answers
            "answer" in (argument, *aliases) or any(_names(a, message) for a in (argument, *aliases))):
        return "clean", "a self-check's Feedback that refuses the answer"  # exercises: the reader is told why
    count = nonfinite_count(out)
    if count > base_nonfinite:
        return "nan", f"{count} non-finite values in the output (base: {base_nonfinite})"
    return "accepted", ""


@dataclass
class Target:
    """A public callable, its qualified name and how to build a valid base call."""

    name: str
    fn: object
    make_kwargs: object  # () -> dict of a valid call's arguments
    skip: dict = field(default_factory=dict)  # argument -> reason it is not fuzzed
    aliases: dict = field(default_factory=dict)  # argument -> other words that name it


def fuzz_target(target: Target, battery=None) -> list[Outcome]:
    """Every argument of ``target``'s signature, each battery value: the outcomes.

    Runs in a fresh temporary working directory, so that a value such as ``"abc"`` given for a
    folder argument creates nothing in the repository."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gatebook-fuzz-") as folder, contextlib.chdir(folder):
        try:
            return _fuzz_target(target, battery)
        finally:
            _stop_workers()


def _stop_workers() -> None:
    """Shut joblib's reusable worker pool (``n_jobs`` calls) before its working directory is removed.

    The pool outlives the call that started it and would start new workers in the deleted folder.
    """
    import sys

    if "joblib" in sys.modules:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)


def _fuzz_target(target: Target, battery=None) -> list[Outcome]:
    kwargs = target.make_kwargs()
    fn = target.fn
    with capped():
        base_out = _call(fn, kwargs)
    base_nonfinite = nonfinite_count(base_out)
    params = [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in target.skip and p.name != "self"
    ]
    results = []
    for argument in params:
        base_value = kwargs.get(argument)
        for label, value in _battery_values(base_value):
            if battery is not None and label not in battery:
                continue
            fresh = target.make_kwargs()  # a fresh base per call: nothing mutated carries over
            outcome, detail = fuzz_call(fn, fresh, argument, value, base_nonfinite, target.aliases.get(argument, ()))
            results.append(Outcome(target.name, argument, label, outcome, detail))
    return results


def summarise(outcomes: list[Outcome]) -> dict:
    counts = {k: 0 for k in OUTCOMES}
    for o in outcomes:
        counts[o.outcome] += 1
    by_fn: dict[str, bool] = {}
    for o in outcomes:
        by_fn[o.function] = by_fn.get(o.function, True) and o.outcome in PASSING
    return {"calls": len(outcomes), "counts": counts, "functions": len(by_fn), "clean_functions": sum(by_fn.values())}


def finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)
