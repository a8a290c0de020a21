"""The sweep engine (gatebook.jobs, issue 15): results in job order, identical for any number of
workers, on local processes and on a dask cluster."""

from __future__ import annotations

import time

import numpy as np
import pytest

import gatebook as gb
from gatebook.jobs import run_jobs


def _slow_square(x, delay):
    time.sleep(delay)
    return x * x


def _lambda_of(g, seed):
    return gb.RandomRateNetwork(60, g, seed=seed)


def test_results_come_back_in_job_order_whatever_finishes_first():
    jobs = [(k, 0.2 if k == 0 else 0.0) for k in range(4)]  # the first job finishes last
    assert run_jobs(_slow_square, jobs, n_jobs=2) == [0, 1, 4, 9] == run_jobs(_slow_square, jobs)


def test_a_sweep_is_identical_on_one_worker_two_workers_and_a_dask_cluster():
    options = dict(t_transient=10.0, t_measure=40.0, progress=False)
    one = gb.max_lyapunov_sweep(_lambda_of, [0.8, 1.5, 3.0], seeds=(0, 1), **options)
    two = gb.max_lyapunov_sweep(_lambda_of, [0.8, 1.5, 3.0], seeds=(0, 1), n_jobs=2, **options)
    np.testing.assert_array_equal(one.data, two.data)
    assert one.data[:, 0].max() < 0  # below g = 1 the quiet state attracts: the science survived the trip

    distributed = pytest.importorskip("distributed")
    import joblib

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster), joblib.parallel_config(backend="dask"):
        on_dask = gb.max_lyapunov_sweep(_lambda_of, [0.8, 1.5, 3.0], seeds=(0, 1), n_jobs=-1, **options)
    np.testing.assert_array_equal(one.data, on_dask.data)


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_bad_worker_counts_are_named(bad, exc):
    with pytest.raises(exc, match="n_jobs"):
        run_jobs(pow, [(2, 3)], n_jobs=bad)
    with pytest.raises(exc, match="n_jobs"):
        gb.sweep(lambda v, s: v, [1.0], n_jobs=bad, progress=False)


def test_bad_jobs_and_functions_are_named():
    with pytest.raises(TypeError, match="function"):
        run_jobs(3, [(1,)])
    with pytest.raises(TypeError, match="jobs"):
        run_jobs(pow, 5)
    with pytest.raises(TypeError, match="jobs"):
        run_jobs(pow, "ab")
