"""The sweep engine (gatebook.jobs, issue 15): results in job order, identical for any number of
workers, on local processes and on a dask cluster."""

from __future__ import annotations

import importlib.util
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


# ------------------------------------------------- every sweep of the package on the engine


def _diagram(cache_dir, n_jobs=1):
    from gatebook.meanfield import phases

    return phases.phase_diagram([1.5, 2.5, 3.5], alpha_r=[0.0, 5.0], n_lags=128, s_max=40.0, progress=False,
                                cache=False, cache_dir=cache_dir, n_jobs=n_jobs)


def _arrays(d):
    return [d.variance, d.lambda_max, d.region, d.chaotic, d.g_topo]


def test_workers_share_the_phase_diagram_cache(tmp_path):
    from gatebook.meanfield import phases

    reference = _arrays(_diagram(None))
    # two workers compute the same diagram at once into one folder: one whole entry, no temporary file left
    shared = tmp_path / "shared"
    for d in run_jobs(_diagram, [(shared,), (shared,)], n_jobs=2):
        for a, b in zip(reference, _arrays(d)):
            np.testing.assert_array_equal(a, b)
    assert [p.suffix for p in shared.iterdir()] == [".npz"]
    phases.clear_phase_cache()
    for a, b in zip(reference, _arrays(_diagram(shared))):
        np.testing.assert_array_equal(a, b)
    assert phases.phase_cache_info()["solves"] == 0 and phases.phase_cache_info()["disk_hits"] == 1
    # rows on two workers: written once by the caller, read back by a second call
    own = tmp_path / "own"
    phases.clear_phase_cache()
    for a, b in zip(reference, _arrays(_diagram(own, n_jobs=2))):
        np.testing.assert_array_equal(a, b)
    assert phases.phase_cache_info()["solves"] > 0 and len(list(own.glob("*.npz"))) == 1
    phases.clear_phase_cache()
    for a, b in zip(reference, _arrays(_diagram(own, n_jobs=2))):
        np.testing.assert_array_equal(a, b)
    assert phases.phase_cache_info()["solves"] == 0 and phases.phase_cache_info()["disk_hits"] == 1


def _migrated_calls():
    """One small valid call of every sweep that runs on run_jobs, keyed by name (Part II's only with torch)."""
    from gatebook.meanfield import phases, simulation, spot_checks

    def diagram():
        return phases.phase_diagram([1.5], alpha_r=[0.0], n_lags=64, progress=False, cache=False)

    small = dict(t_transient=1.0, t_measure=2.0)
    calls = {
        "phase_diagram": lambda n: phases.phase_diagram([1.5], alpha_r=[0.0], n_lags=64, progress=False,
                                                        cache=False, n_jobs=n),
        "spot_check": lambda n: spot_checks.spot_check(diagram(), [(1.5, 0.0)], N=8, seeds=(0,), **small, n_jobs=n),
        "marginal_spot_check": lambda n: spot_checks.marginal_spot_check(3.0, [1.0], N=8, seeds=(0,), n_jobs=n,
                                                                         t_transient=1.0, t_measure=5.0),
        "finite_size_lambda_max": lambda n: simulation.finite_size_lambda_max(
            _sized, [6], [0], **small, n_jobs=n),
        "simulated_autocorrelation": lambda n: simulation.simulated_autocorrelation(
            lambda s: gb.RandomRateNetwork(8, 2.0, seed=s), seeds=(0,), t_transient=1.0, t_measure=4.0,
            max_lag=1.0, n_jobs=n),
        "phase_boundaries": lambda n: phases.phase_boundaries(alpha_r=[0.0], chaos=False, n_jobs=n),
    }
    if importlib.util.find_spec("torch") is not None:  # the minimum reader route has no torch
        from gatebook.learning import PlainRNN, train_ensemble

        calls["train_ensemble"] = lambda n: train_ensemble(lambda s: PlainRNN(4, 8, seed=s), [0], steps=1, batch=4,
                                                           task_kwargs={"T": 6}, progress=False, n_jobs=n)
    return calls


def _sized(N, seed):
    return gb.RandomRateNetwork(N, 2.0, seed=seed)


@pytest.mark.parametrize("name", sorted(_migrated_calls()))
def test_every_migrated_sweep_names_a_bad_worker_count(name):
    call = _migrated_calls()[name]
    for bad, exc in [(0, ValueError), (-2, ValueError), (1.5, TypeError), ("2", TypeError)]:
        with pytest.raises(exc, match="n_jobs"):
            call(bad)
    call(1)  # the same call with a good count runs
