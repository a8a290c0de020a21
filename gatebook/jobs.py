r"""One engine under every sweep: independent jobs on one core, several cores, or a cluster.

A sweep is a list of independent *jobs* — ``(value, seed)`` pairs of a parameter scan, seeds of
an ensemble — each a call ``function(*job)`` whose result depends on the job alone (every job
carries its own seed; nothing is drawn from a shared generator). :func:`run_jobs` evaluates them
and returns the results **in job order**, so a sweep gives the same numbers whatever the number
of workers and whatever order they finish in.

- ``n_jobs=1`` (the default, used by the chapters): a plain loop in this process, with a
  progress bar; joblib is not even imported.
- ``n_jobs=k`` (or ``-1`` for every core): ``joblib`` worker processes (its default ``loky``
  backend; each worker runs one BLAS thread).
- A cluster: run the same call inside ``joblib.parallel_config(backend="dask")`` with a
  ``dask.distributed.Client`` open — no change to gatebook code::

      from dask.distributed import Client, LocalCluster
      import joblib
      with Client(LocalCluster(n_workers=8)), joblib.parallel_config(backend="dask"):
          sweep = gb.max_lyapunov_sweep(make_model, gains, seeds=range(20), n_jobs=-1)

Every sweep of the package runs on it, each with ``n_jobs=``: :func:`gatebook.sweep`,
:func:`gatebook.max_lyapunov_sweep` and :func:`gatebook.correlation_time_sweep` (value x seed
pairs), :func:`gatebook.meanfield.phase_diagram` (rows), :func:`gatebook.meanfield.spot_check` and
:func:`gatebook.meanfield.marginal_spot_check` (point or gate x seed),
:func:`gatebook.meanfield.simulated_autocorrelation` and
:func:`gatebook.meanfield.finite_size_lambda_max` (seeds, sizes x seeds) and
:func:`gatebook.learning.train_ensemble` (groups of seeds, ``group_size``).

Workers may share :func:`gatebook.meanfield.phase_diagram`'s on-disk cache: its entries are
written atomically (:class:`gatebook.ArrayStore`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable

from ._validation import check_bool, check_callable, check_n_jobs
from .progress import progress_bar

__all__ = ["run_jobs"]


def run_jobs(function: Callable, jobs: Iterable[tuple], *, n_jobs: int = 1, progress: bool = False,
             desc: str | None = None) -> list:
    r"""``[function(*job) for job in jobs]``, serially or on ``n_jobs`` workers; results in job order.

    Parameters
    ----------
    function : callable
        Called once per job. With ``n_jobs != 1`` it is sent to worker processes (by
        ``cloudpickle``, so closures and lambdas work), and must not rely on state it
        mutates in this process.
    jobs : iterable of tuple
        The arguments of each call. Each job must determine its result: pass seeds in the job.
    n_jobs : int, optional
        1 (default): a loop in this process. ``k > 1``: ``k`` joblib workers. ``-1``: one per
        core. Inside ``joblib.parallel_config(backend=...)`` the configured backend (e.g.
        ``"dask"``) is used.
    progress : bool, optional
        A progress bar over finished jobs.
    desc : str, optional
        The progress bar's label.

    Returns
    -------
    list
        ``function(*job)`` for each job, in the order of ``jobs``.

    Examples
    --------
    >>> run_jobs(pow, [(2, 3), (3, 2)])
    [8, 9]
    >>> run_jobs(pow, [(2, 3), (3, 2)], n_jobs=2)
    [8, 9]
    """
    check_callable(function, "function")
    if isinstance(jobs, (str, bytes)):
        raise TypeError(f"jobs must be an iterable of argument tuples, got {jobs!r}")
    try:
        jobs = [tuple(job) for job in jobs]
    except TypeError as err:
        raise TypeError(f"jobs must be an iterable of argument tuples (e.g. [(value, seed), ...]), got {jobs!r}") from err
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some builtins have none: calls are not pre-checked
        signature = None
    if signature is not None:
        for k, job in enumerate(jobs):
            try:
                signature.bind(*job)
            except TypeError as err:
                raise TypeError(f"jobs[{k}] = {job!r} does not match function's arguments: {err}") from None
    n_jobs = check_n_jobs(n_jobs)
    progress = check_bool(progress, "progress")
    if n_jobs == 1 or len(jobs) <= 1:
        return [function(*job) for job in progress_bar(jobs, desc=desc, enabled=progress)]
    from joblib import Parallel, delayed

    if n_jobs > 0:
        n_jobs = min(n_jobs, len(jobs))  # never more workers than jobs
    results = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(function)(*job) for job in jobs)
    bar = progress_bar(total=len(jobs), desc=desc, enabled=progress)
    out = []
    try:
        for result in results:  # a generator in job order (joblib keeps it)
            out.append(result)
            bar.update(1)
    finally:
        bar.close()
    return out
