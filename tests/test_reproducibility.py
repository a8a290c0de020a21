"""Seeded calls are bit-identical within a process, across processes and with two threads (issue 13).

Twenty seeded calls that cover simulation, Lyapunov exponents, fixed points, sweeps, tasks,
training with SGD and Adam, ensembles, gradients, lag profiles, sampled DMFT, simulated
autocorrelations and spot checks are fingerprinted (SHA-256 of every output array's bytes).
The fingerprints must agree between two runs in this process and a fresh process that uses
two BLAS/OpenMP/torch threads. Extreme gates give no NaN anywhere (second part).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _digest(obj, h=None):
    """Feed every number of ``obj`` (arrays, tensors, dataclasses, containers) into a SHA-256."""
    import dataclasses

    h = h if h is not None else hashlib.sha256()
    if hasattr(obj, "detach"):
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            h.update(repr(obj.tolist()).encode())
        else:
            h.update(str(obj.dtype).encode() + str(obj.shape).encode())
            h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, (float, int, np.floating, np.integer, bool, str)) or obj is None:
        h.update(repr(obj).encode())
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            h.update(str(k).encode())
            _digest(obj[k], h)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _digest(v, h)
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            if f.name in ("cells", "model"):  # torch modules: their parameters are fingerprinted below
                continue
            h.update(f.name.encode())
            _digest(getattr(obj, f.name), h)
    elif hasattr(obj, "state_dict"):
        _digest({k: v for k, v in obj.state_dict().items()}, h)
    else:
        h.update(type(obj).__name__.encode())
    return h


def seeded_calls():
    """``{name: zero-argument callable}``: the seeded calls whose outputs are fingerprinted."""
    import torch

    import gatebook as gb
    from gatebook import learning as L
    from gatebook import meanfield as mf
    from gatebook.learning.tasks import make_task

    net = lambda N=24, **kw: gb.GatedNetwork(N, **dict(dict(g_h=3.0, alpha_z=2.0, alpha_r=1.0, seed=3), **kw))  # noqa: E731
    cell = lambda s=0: L.MultiGateRNN(4, 6, seed=s)  # noqa: E731

    def tiny_diagram_spot_check():
        diagram = mf.phase_diagram([1.5, 3.0], alpha_r=[0.0], beta_r=0.0, n_lags=128, window=20.0, cache=False)
        return mf.spot_check(diagram, [(3.0, 0.0)], N=30, seeds=(0, 1), t_transient=5.0, t_measure=10.0)

    return {
        "gated network couplings": lambda: [net().couplings_h, net().couplings_z, net().couplings_r],
        "simulate gated rk4": lambda: gb.simulate(net(), 20.0, 0.1, seed=1).states,
        "simulate random euler": lambda: gb.simulate(gb.RandomRateNetwork(30, 1.8, seed=2), 10.0, 0.05,
                                                     method="euler", seed=4).states,
        "max_lyapunov": lambda: gb.max_lyapunov(net(), t_transient=10.0, t_measure=20.0, seed=5),
        "lyapunov_spectrum": lambda: gb.lyapunov_spectrum(net(), 3, t_transient=5.0, t_measure=10.0, seed=6),
        "find_fixed_points": lambda: [fp.state for fp in gb.find_fixed_points(net(g_h=1.5), 3, seed=7)],
        "max_lyapunov_sweep": lambda: gb.max_lyapunov_sweep(
            lambda g, seed: gb.RandomRateNetwork(20, g, seed=seed), [1.5, 2.5], seeds=(0, 1),
            progress=False, t_transient=5.0, t_measure=10.0).data,
        "task adding": lambda: make_task("adding", 4, T=12, seed=8).inputs,
        "task narma10": lambda: make_task("narma10", 4, T=30, seed=9).targets,
        "cell init": lambda: cell(10),
        "train sgd": lambda: L.train(cell(), "adding", optimizer="sgd", steps=8, batch=8, seed=1, progress=False,
                                     task_kwargs=dict(T=10)).loss,
        "train adam": lambda: L.train(cell(), "adding", optimizer="adam", lr=1e-3, steps=8, batch=8, seed=1,
                                      progress=False, task_kwargs=dict(T=10)).loss,
        "train_ensemble": lambda: [h.loss for h in L.train_ensemble(cell, (0, 1), steps=5, batch=8, progress=False,
                                                                    task_kwargs=dict(T=10)).histories],
        "per_example_gradients": lambda: L.per_example_gradients(
            cell(), make_task("adding", 3, T=8, seed=2, dtype=torch.float64).inputs.float(),
            make_task("adding", 3, T=8, seed=2, dtype=torch.float64).targets.float()),
        "lag_profile": lambda: L.lag_profile(
            L.ScalarGateRNN(4, 6, seed=1), make_task("adding", 4, T=12, seed=3).inputs, convention="update").measured,
        "sampled_dmft": lambda: mf.sampled_dmft(3.0, alpha_z=1.0, paths=200, max_iter=4, seed=11).autocorrelation,
        "simulated_autocorrelation": lambda: mf.simulated_autocorrelation(
            lambda seed: net(N=30, seed=seed), seeds=(0, 1), t_transient=5.0, t_measure=20.0, max_lag=5.0).raw,
        "correlation_time_sweep": lambda: gb.correlation_time_sweep(
            lambda g, seed: gb.RandomRateNetwork(20, g, seed=seed), [2.0], seeds=(0,), progress=False).data,
        "spot_check": tiny_diagram_spot_check,
        "random initial state": lambda: gb.simulate(net(), 0.5, 0.1, seed=12).states[0],
    }


def fingerprints() -> dict:
    out = {}
    for name, call in seeded_calls().items():
        out[name] = _digest(call()).hexdigest()
    return out


@pytest.fixture(scope="module")
def here():
    return fingerprints()


def test_there_are_twenty_seeded_calls():
    assert len(seeded_calls()) == 20


def test_seeded_calls_are_identical_within_a_process(here):
    assert fingerprints() == here


def test_seeded_calls_are_identical_in_a_fresh_process_with_two_threads(here):
    env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = ("import json, torch; torch.set_num_threads(2); "
            "from tests.test_reproducibility import fingerprints; print(json.dumps(fingerprints()))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    there = json.loads(run.stdout.strip().splitlines()[-1])
    differing = sorted(k for k in here if here[k] != there.get(k))
    assert not differing, f"different results in a fresh two-thread process: {differing}"


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 1e3])
@pytest.mark.parametrize("beta", [-50.0, 0.0, 50.0])
def test_extreme_gates_give_no_nan(alpha, beta):
    import torch

    import gatebook as gb
    from gatebook import learning as L

    net = gb.GatedNetwork(16, g_h=3.0, alpha_z=alpha, alpha_r=alpha, beta_z=beta, beta_r=beta, seed=0)
    traj = gb.simulate(net, 5.0, 0.1, seed=1)
    assert np.all(np.isfinite(traj.states))
    assert np.all(np.isfinite(gb.jacobian(net, traj.states[-1])))
    lyap = gb.max_lyapunov(net, t_transient=2.0, t_measure=5.0, seed=2)
    assert np.isfinite(lyap.exponents).all()
    # the learning cells: initial gate value sigmoid(beta) (as close to 0 or 1 as float64 allows
    # inside (0, 1)), inputs scaled by alpha (a sharp gate)
    s0 = float(np.clip(1.0 / (1.0 + np.exp(-beta)), 1e-15, 1.0 - 1e-15))
    x = torch.randn(3, 8, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * alpha
    for make in (L.ScalarGateRNN, L.MultiGateRNN):
        c = make(2, 5, gate_bias=s0, seed=0, dtype=torch.float64)
        assert bool(c(x).isfinite().all())
        assert bool(c.jacobians_from_rollout(c.rollout(x)).isfinite().all())
