"""Valid base calls for the fuzz test: the callables defined under the 'meanfield' part of gatebook.

``BASES`` maps a callable's full name to a function returning the keyword arguments of a small,
fast, valid call (fresh objects each time). ``SKIP`` maps a name to {argument: reason} for
arguments that are not fuzzed; ``ALIASES`` to {argument: (other words that name it,)};
``EXCLUDED`` maps a name to the reason the callable is not fuzzed at all; ``ALLOWED`` maps
``(name, argument, battery value or "*")`` to the reason a failing outcome is accepted.

Solver results passed to other functions (a DMFTResult, a PhaseDiagram) are computed once
(``functools.lru_cache``) on small grids and shared: the functions that take them only read them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

M = "gatebook.meanfield."


# --------------------------------------------------------------------------- shared results


@lru_cache(maxsize=None)
def _scs_result():
    """A chaotic solution of chapter 1's DMFT at g = 2 on a small grid."""
    from gatebook.meanfield import scs_dmft

    return scs_dmft(2.0, s_max=20.0, n=201)


@lru_cache(maxsize=None)
def _gated_result():
    """A chaotic gated-DMFT solution from the Fourier iteration (sharp output gate), small grid."""
    from gatebook.meanfield import gated_dmft

    return gated_dmft(3.0, alpha_r=2.0, n=64, window=20.0)


@lru_cache(maxsize=None)
def _diagram():
    """A 2-point phase diagram on the exact soft-gate path (one chaotic, one quiescent point)."""
    from gatebook.meanfield import phase_diagram

    return phase_diagram(np.array([1.5, 2.5]), alpha_r=0.0, progress=False, cache=False, n_lags=64)


@lru_cache(maxsize=None)
def _sampled_result():
    """A small chaotic sampling-DMFT solution with a dynamic timescale gate (short window, few paths)."""
    from gatebook.meanfield import sampled_dmft

    return sampled_dmft(3.0, alpha_z=1.0, paths=20, s_max=4.0, dt=0.5, max_iter=4, min_iter=1, tol=1e3, average=1,
                        t_transient=2.0, t_measure=8.0, start="large", seed=0)


def _params(**kw):
    """A fresh parameter dict as check_sampling_params returns it."""
    from gatebook.meanfield import check_sampling_params

    args = dict(g_h=3.0, alpha_z=1.0, alpha_r=0.0, beta_z=0.0, beta_r=0.0, g_z=1.0, g_r=1.0, tau_h=1.0,
                tau_z=1.0, tau_r=1.0, input_std=0.0)
    args.update(kw)
    return check_sampling_params(**args)


def _covariance(k: int = 10):
    return np.exp(-0.5 * np.arange(k))


def _spectrum():
    from gatebook.meanfield import circulant_spectrum

    return circulant_spectrum(_covariance(), 32)


def _lorentzian(w):
    return 1.0 / (1.0 + w**2)


def _make_random_network(seed):
    import gatebook as gb

    return gb.RandomRateNetwork(8, 1.5, seed=seed)


def _make_sized_network(N, seed):
    import gatebook as gb

    return gb.RandomRateNetwork(N, 1.5, seed=seed)


# --------------------------------------------------------------------------- the base calls

BASES = {
    # quadrature
    M + "quadrature.check_variance": lambda: dict(variance=np.array([0.5, 1.0])),
    M + "quadrature.correlated_average": lambda: dict(f=np.tanh, g=np.tanh, variance=1.0, c=np.array([0.0, 0.5])),
    M + "quadrature.correlation_profile": lambda: dict(
        f=np.tanh, autocorrelation=np.array([1.0, 0.6, 0.2, 0.05]), sharpness=2.0),
    M + "quadrature.gate": lambda: dict(x=np.array([-1.0, 0.0, 1.0]), alpha=2.0, beta=0.5),
    M + "quadrature.gate_slope": lambda: dict(x=np.array([-1.0, 0.0, 1.0]), alpha=2.0, beta=0.5),
    M + "quadrature.gaussian_average": lambda: dict(f=np.tanh, variance=1.0, mean=0.1, n=None, method="auto",
                                                     sharpness=2.0),
    M + "quadrature.gaussian_nodes": lambda: dict(n=20, method="hermite"),
    # static
    M + "static.zero_state_threshold": lambda: dict(beta_r=0.5),
    M + "static.tanh_second_moment": lambda: dict(delta=np.array([0.5, 1.0])),
    M + "static.gate_second_moment": lambda: dict(delta_r=1.0, alpha_r=2.0, beta_r=0.5),
    M + "static.gate_moment": lambda: dict(delta=1.0, alpha=2.0, beta=0.5, power=2, name="alpha"),
    M + "static.fixed_point_onset": lambda: dict(alpha_r=2.0, beta_r=0.0, g_r=1.0),
    M + "static.static_solution_curve": lambda: dict(g_max=2.0, alpha_r=20.0, beta_r=0.0, g_r=1.0,
                                                     delta_range=(1e-3, 1.0), n=20),
    M + "static_input.static_input_solutions": lambda: dict(sigma_I=0.1, g_h=2.0, alpha_r=2.0, beta_r=0.0, g_r=1.0,
                                                            n_grid=60),
    M + "static.static_mean_field": lambda: dict(g_h=3.0, alpha_r=2.0, beta_r=0.0, g_r=1.0, input_std=0.1),
    # scs
    M + "scs.scs_variance": lambda: dict(g=2.0),
    M + "scs.scs_potential": lambda: dict(delta=np.array([0.0, 0.5, 1.0]), delta0=1.0, g=2.0),
    M + "scs.scs_dmft": lambda: dict(g=2.0, tau=1.0, s_max=20.0, n=201),
    M + "scs.scs_lambda_max": lambda: dict(g=2.0, tau=1.0, result=_scs_result(), h=0.1),
    M + "scs.schrodinger_potential": lambda: dict(g=2.0, result=_scs_result()),
    # gated
    M + "gated.gated_dmft": lambda: dict(g_h=3.0, n=64, window=20.0),
    M + "gated.effective_time_constant": lambda: dict(beta_z=0.5, tau_h=1.0),
    M + "gated_lyapunov.gated_lambda_max": lambda: dict(result=_gated_result(), tol=1e-6),
    M + "gated_lyapunov.spectral_radius": lambda: dict(result=_gated_result(), kappa=0.1),
    M + "gated_lyapunov.quiet_lambda_max": lambda: dict(g_h=1.5),
    # lags
    M + "lags.even_filter": lambda: dict(values=np.exp(-0.3 * np.arange(16)), ds=0.5, multiplier=_lorentzian),
    M + "lags.solve_even": lambda: dict(rhs=np.exp(-0.3 * np.arange(16)), ds=0.5, tau=1.0),
    M + "lags.end_taper": lambda: dict(n=10),
    M + "lags.has_decayed": lambda: dict(dh=np.exp(-0.3 * np.arange(40))),
    # onsets
    M + "onsets.chaos_onset": lambda: dict(alpha_r=0.0, beta_r=0.5, n=64, max_iter=100),
    M + "onsets.is_chaotic": lambda: dict(result=_gated_result()),
    M + "onsets.open_radius": lambda: dict(g_h=3.0, beta_r=0.0, f_open=0.5),
    M + "onsets.marginal_window": lambda: dict(beta_r=0.0, f_open=0.5),
    M + "onsets.marginal_region": lambda: dict(beta_r=np.array([0.0, 0.5]), f_open=0.5),
    M + "onsets.open_radius_map": lambda: dict(g_h=np.array([1.5, 3.0]), beta_r=np.array([0.0, 0.2]), f_open=0.5),
    # solve
    M + "solve.dmft": lambda: dict(g_h=3.0, n=64, window=20.0),
    # sampling and its plan
    M + "sampling.sampled_dmft": lambda: dict(
        g_h=3.0, alpha_z=1.0, paths=20, s_max=4.0, dt=0.5, max_iter=4, min_iter=1, tol=1e3, average=1,
        t_transient=2.0, t_measure=8.0, start="small", seed=0),
    M + "sampling.single_site_paths": lambda: dict(result=_sampled_result(), paths=3, seed=0),
    M + "sampling.sampling_grid": lambda: dict(result=_sampled_result()),
    M + "sampling.check_sampling_result": lambda: dict(result=_sampled_result()),
    M + "sampled_lyapunov.sampled_growth_factor": lambda: dict(result=_sampled_result(), kappa=0.1, paths=5,
                                                                 iterations=2, seed=0),
    M + "sampled_lyapunov.sampled_lambda_max": lambda: dict(result=_sampled_result(), paths=5, replicas=2,
                                                              iterations=2, xtol=0.01, seed=0),
    M + "sampling_plan.check_sampling_params": lambda: dict(
        g_h=3.0, alpha_z=1.0, alpha_r=0.0, beta_z=0.0, beta_r=0.0, g_z=1.0, g_r=1.0, tau_h=1.0, tau_z=1.0,
        tau_r=1.0, input_std=0.0),
    M + "sampling_plan.check_transient": lambda: dict(p=_params(), variance_z=0.5, t_transient=20.0),
    M + "sampling_plan.clock_rate": lambda: dict(p=_params(beta_z=1.0)),
    M + "sampling_plan.mean_timescale_gate": lambda: dict(p=_params(), variance_z=0.5),
    M + "sampling_plan.plan_grid": lambda: dict(
        p=_params(), rate=0.5, paths=20, s_max=4.0, dt=0.5, t_transient=2.0, t_measure=8.0,
        given=(True, True, True)),
    M + "sampling_plan.refuse_undecayed": lambda: dict(
        p=_params(), dh=np.exp(-np.arange(9.0)), dh_se=np.full(9, 0.01), s_max=4.0, user_s_max=True,
        mean_sigma_z=0.5),
    # paths
    M + "paths.circulant_spectrum": lambda: dict(covariance=_covariance(), length=32, margin=4),
    M + "paths.clip_spectrum": lambda: dict(lam=_spectrum()[0], m=_spectrum()[1], tail=0.0),
    M + "paths.draw_paths": lambda: dict(lam=_spectrum()[0], m=_spectrum()[1], tail=0.1, length=32, n=3,
                                         rng=np.random.default_rng(0)),
    M + "paths.exponential_step_coefficients": lambda: dict(
        rate=np.full((3, 8), 0.5), forcing=np.random.default_rng(0).standard_normal((3, 8)), dt=0.1),
    M + "paths.integrate_linear": lambda: dict(e=np.full((3, 7), 0.9), b=np.full((3, 7), 0.1), h0=np.zeros(3)),
    M + "paths.lagged_products": lambda: dict(x=np.random.default_rng(0).standard_normal((3, 16)), n_lags=4),
    M + "paths.stationary_gaussian_paths": lambda: dict(covariance=_covariance(), length=32, paths=2, seed=0),
    # phases
    M + "phases.phase_boundaries": lambda: dict(alpha_r=0.0, beta_r=np.array([0.0, 0.5]), g_r=1.0, tol=1e-2),
    M + "phases.phase_diagram": lambda: dict(g_h=np.array([1.5, 2.5]), alpha_r=0.0, beta_r=0.0, progress=False,
                                             cache=False, n_lags=64),
    M + "phases.classify_region": lambda: dict(
        chaotic=np.array([True, False, False]), quiet_stable=np.array([False, True, True]),
        fixed_points=np.array([True, True, False]), resolved=np.array([True, True, True])),
    M + "phases.point_lambda": lambda: dict(diagram=_diagram(), g_h=2.5, value=0.0),
    M + "phases.grid_index": lambda: dict(diagram=_diagram(), g_h=2.5, value=0.0),
    # spot checks
    M + "spot_checks.spot_check": lambda: dict(
        diagram=_diagram(), points=[(2.5, 0.0)], N=8, seeds=(0,), dt=0.1, t_transient=1.0, t_measure=2.0),
    M + "spot_checks.marginal_spot_check": lambda: dict(
        g_h=3.0, alpha_z=np.array([1.0]), beta_r=0.0, N=8, seeds=(0,), t_transient=1.0, t_measure=5.0),
    # simulation
    M + "simulation.simulated_autocorrelation": lambda: dict(
        make_model=_make_random_network, seeds=(0,), t_transient=1.0, t_measure=4.0, dt=0.1, max_lag=1.0),
    M + "simulation.dmft_profile": lambda: dict(result=_scs_result(), lags=np.array([0.0, 1.0, 50.0])),
    M + "simulation.expected_window_variance": lambda: dict(result=_scs_result(), window=10.0, sample_interval=0.5),
    M + "simulation.expected_centred_autocorrelation": lambda: dict(
        result=_scs_result(), window=10.0, sample_interval=0.5, max_lag=2.0),
    M + "simulation.finite_size_lambda_max": lambda: dict(
        make_model=_make_sized_network, sizes=[6, 8], seeds=[0], dt=0.1, t_transient=1.0, t_measure=2.0),
    M + "simulation.fit_finite_size": lambda: dict(sizes=[50, 100, 200, 400], values=[0.1, 0.15, 0.17, 0.18]),
    M + "simulation.schrodinger_states": lambda: dict(result=_scs_result(), n_states=2, h=0.1),
    M + "simulation.gated_theory": lambda: dict(g_h=3.0),
    M + "simulation.scs_theory_curve": lambda: dict(gains=[0.5, 1.5, 3.0], tau=1.0),
}

SKIP = {
    M + "phases.phase_diagram": {"cache_dir": "covered by the cache tests (tests/test_phase_cache.py)"},
}
ALIASES = {}
EXCLUDED = {}
ALLOWED = {}
