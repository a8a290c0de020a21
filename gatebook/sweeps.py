r"""Measure a quantity over a grid of parameter values and seeds, with a progress bar.

One data path for every chapter: ``make_model(value, seed)`` builds a model,
a measurement turns it into numbers, and the sweep collects them into an array of shape
``(n_seeds, n_values)`` ready for a figure. Chapter 1 sweeps the coupling gain :math:`g`
to locate the edge of chaos (:math:`\lambda_{\max}=0`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_bool,
    check_callable,
    check_choice,
    check_float_sequence,
    check_int_sequence,
    check_nonnegative_float,
    check_positive_float,
)
from .correlations import autocorrelation, decay_time
from .integrators import check_steps, steps_for
from .lyapunov import max_lyapunov
from .simulate import simulate

__all__ = ["Sweep", "sweep", "max_lyapunov_sweep", "correlation_time_sweep"]


@dataclass
class Sweep:
    """Values of one measurement over a parameter grid and several seeds.

    Attributes
    ----------
    name : str
        What was measured (used as an axis label).
    parameter : str
        The swept parameter's name.
    values : ndarray, shape (n_values,)
    seeds : tuple of int
    data : ndarray, shape (n_seeds, n_values)
    label : str
        Legend entry for figures (e.g. ``"N=400"``).
    """

    name: str
    parameter: str
    values: np.ndarray
    seeds: tuple
    data: np.ndarray
    label: str = ""

    @classmethod
    def from_measurements(cls, measurements, quantity: str, names, *, parameter: str, values, seeds, label: str = ""):
        """One field of a grid of measurement records as a :class:`Sweep`.

        ``measurements[i][j]`` is the record (any object with attributes) of seed ``seeds[i]``
        at ``values[j]``; ``names`` maps each allowed ``quantity`` (an attribute name) to its
        axis label. Chapters 7 and 8 keep their sweeps this way.
        """
        quantity = check_choice(quantity, "quantity", names)
        data = np.array([[getattr(m, quantity) for m in row] for row in measurements], dtype=float)
        return cls(name=names[quantity], parameter=parameter, values=np.asarray(values), seeds=tuple(seeds),
                   data=data, label=label)

    @property
    def mean(self) -> np.ndarray:
        """Mean over seeds (NaN entries ignored)."""
        return np.nanmean(self.data, axis=0)

    @property
    def sem(self) -> np.ndarray:
        """Standard error of the mean over seeds (zero for a single seed)."""
        n = np.sum(np.isfinite(self.data), axis=0)
        if self.data.shape[0] < 2:
            return np.zeros(self.data.shape[1])
        return np.nanstd(self.data, axis=0, ddof=1) / np.sqrt(np.maximum(n, 1))

    def zero_crossing(self) -> float:
        """First parameter value where the seed-mean changes sign from negative to positive.

        Linear interpolation between the two bracketing grid points; NaN if there is none.
        Chapter 1 uses it to locate the edge of chaos (lambda_max = 0).
        """
        m = self.mean
        for j in range(len(m) - 1):
            if m[j] < 0.0 <= m[j + 1]:
                return float(self.values[j] + (self.values[j + 1] - self.values[j]) * (-m[j]) / (m[j + 1] - m[j]))
        return float("nan")


def _check_text(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r}")
    return value


def _check_grid(values, seeds, parameter, label, progress):
    """The arguments every sweep shares: finite values, non-negative integer seeds, labels, flag."""
    values = check_float_sequence(values, "values")
    seeds = check_int_sequence(seeds, "seeds")
    parameter, label = _check_text(parameter, "parameter"), _check_text(label, "label")
    return values, seeds, parameter, label, check_bool(progress, "progress")


def sweep(measure, values, seeds=(0,), *, name="value", parameter="parameter", label="", progress=True,
          n_jobs=1) -> Sweep:
    """Evaluate ``measure(value, seed) -> float`` on every ``(seed, value)`` pair.

    ``values`` is a non-empty 1-D sequence of finite numbers, ``seeds`` a non-empty sequence
    of non-negative integers; ``name``, ``parameter`` and ``label`` are strings. The pairs are
    independent jobs of :func:`gatebook.jobs.run_jobs`: ``n_jobs`` workers (``-1``: every core;
    a dask cluster inside ``joblib.parallel_config(backend="dask")``) give the same array as one.
    """
    check_callable(measure, "measure")
    values, seeds, parameter, label, progress = _check_grid(values, seeds, parameter, label, progress)
    name = _check_text(name, "name")
    from .jobs import run_jobs  # on first sweep: `import gatebook` stays light

    jobs = [(float(values[j]), seeds[i]) for i in range(len(seeds)) for j in range(values.size)]
    results = run_jobs(measure, jobs, n_jobs=n_jobs, progress=progress, desc=f"{name} vs {parameter}")
    data = np.asarray(results, dtype=float).reshape(len(seeds), values.size)
    return Sweep(name=name, parameter=parameter, values=values, seeds=seeds, data=data, label=label)


def max_lyapunov_sweep(make_model, values, seeds=(0,), *, parameter="g", label="", progress=True, n_jobs=1,
                       device=None, **lyapunov_options) -> Sweep:
    r""":math:`\lambda_{\max}` of ``make_model(value, seed)`` over values and seeds.

    ``lyapunov_options`` go to :func:`gatebook.max_lyapunov` (``dt``, ``t_transient``,
    ``t_measure``, ``method``, ``dtype``); each run uses its seed for the initial state too.
    ``n_jobs`` spreads the runs over workers (:func:`gatebook.jobs.run_jobs`), with the same
    result. With a torch ``device`` (:mod:`gatebook.backend`) the networks of all seeds at one
    value are stepped together as one batch (one job per value; they must be
    :class:`gatebook.RandomRateNetwork` or :class:`gatebook.GatedNetwork`), and the result
    equals the numpy route's to round-off.

    Examples
    --------
    >>> import gatebook
    >>> s = gatebook.max_lyapunov_sweep(
    ...     lambda g, seed: gatebook.RandomRateNetwork(200, g, seed=seed),
    ...     [0.5, 2.0], seeds=(0,), t_transient=20, t_measure=100, progress=False)
    >>> bool(s.data[0, 0] < 0 < s.data[0, 1])
    True
    """

    check_callable(make_model, "make_model")
    values, seeds, parameter, label, progress = _check_grid(values, seeds, parameter, label, progress)
    name = r"$\lambda_{\max}$"
    if device is None or (isinstance(device, str) and device == "numpy"):
        def measure(value, seed):
            return max_lyapunov(make_model(value, seed), seed=seed, **lyapunov_options).maximum

        return sweep(measure, values, seeds, name=name, parameter=parameter, label=label, progress=progress,
                     n_jobs=n_jobs)
    from .backend import resolve_device
    from .jobs import run_jobs

    device = resolve_device(device)

    def measure_all_seeds(value):
        models = [make_model(value, seed) for seed in seeds]
        runs = max_lyapunov(models, seed=list(seeds), device=device, **lyapunov_options)
        return [run.maximum for run in runs]

    results = run_jobs(measure_all_seeds, [(float(v),) for v in values], n_jobs=n_jobs, progress=progress,
                       desc=f"{name} vs {parameter} ({device})")
    return Sweep(name=name, parameter=parameter, values=values, seeds=seeds, data=np.asarray(results, dtype=float).T,
                 label=label)


def correlation_time_sweep(
    make_model, values, seeds=(0,), *, dt=0.1, t_transient=100.0, t_measure=400.0,
    parameter="g", label="", progress=True, n_jobs=1,
) -> Sweep:
    r"""Decay time of the population autocorrelation (to :math:`1/e`) over values and seeds.

    Entries are NaN where the activity decays to rest (no fluctuations to correlate).
    ``n_jobs`` spreads the runs over workers (:func:`gatebook.jobs.run_jobs`), with the same result.
    """
    check_callable(make_model, "make_model")
    values, seeds, parameter, label, progress = _check_grid(values, seeds, parameter, label, progress)
    dt = check_positive_float(dt, "dt")
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    check_steps(int(round(t_transient / dt)), "t_transient", dt)
    if steps_for(t_measure, dt, "t_measure") < 4:
        raise ValueError(f"t_measure ({t_measure}) must span at least four steps dt = {dt} (the lags to correlate)")

    def measure(value, seed):
        model = make_model(value, seed)
        traj = simulate(model, t_transient + t_measure, dt, seed=seed)
        keep = traj.times >= t_transient
        if np.std(traj.states[keep]) < 1e-6:
            return float("nan")
        lags, C = autocorrelation(traj.states[keep], dt, max_lag=int(keep.sum() // 4))
        return decay_time(lags, C)

    return sweep(measure, values, seeds, name="correlation time", parameter=parameter, label=label, progress=progress,
                 n_jobs=n_jobs)
