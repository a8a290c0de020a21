r"""Mean-field theory of the random and gated rate networks (chapters 9-11).

Static mean field (fixed-point statistics), dynamical mean-field theory (DMFT) of the
autocorrelation and the maximal Lyapunov exponent it predicts, and the Gaussian
quadratures they are built on. The public names of the submodules are re-exported here.

Each name is imported on first use (PEP 562), so importing one submodule (say
:mod:`~gatebook.meanfield.static`, as chapter 8's experiments do) does not load the DMFT
solvers, the finite-size simulations or the phase diagrams. ``dir()`` lists every name.
"""


from .._lazy import lazy_names

#: Every public name of the package: ``{name: submodule}``. A name equal to its submodule
#: is the submodule itself.
_LAZY = {
    # _result: results and errors shared by the solvers
    "DMFTResult": "_result",
    "DMFTConvergenceError": "_result",
    "WindowTooShortError": "_result",
    "BRANCHES": "_result",
    # quadrature: Gaussian quadratures and the gate functions
    "correlation_profile": "quadrature",
    "gate": "quadrature",
    "gate_slope": "quadrature",
    "gaussian_nodes": "quadrature",
    "gaussian_average": "quadrature",
    "correlated_average": "quadrature",
    "HERMITE_POINTS": "quadrature",
    "GRID_POINTS": "quadrature",
    "GRID_HALF_WIDTH": "quadrature",
    "SHARPNESS_THRESHOLD": "quadrature",
    "DEFAULT_SHARPNESS": "quadrature",
    "MAX_GRID_POINTS": "quadrature",
    "MAX_CORRELATED_GRID_POINTS": "quadrature",
    "QuadratureGridError": "quadrature",
    "check_variance": "quadrature",
    # lags: even lag profiles (Fourier multipliers, decay)
    "even_filter": "lags",
    "solve_even": "lags",
    "has_decayed": "lags",
    "end_taper": "lags",
    "DECAY_TOL": "lags",
    # static: static mean field (fixed points, chapter 10)
    "zero_state_threshold": "static",
    "tanh_second_moment": "static",
    "gate_second_moment": "static",
    "gate_moment": "static",
    "fixed_point_onset": "static",
    "StaticMeanField": "static",
    "static_mean_field": "static",
    "static_solution_curve": "static",
    # static_input: static solutions under a static input and their stability (chapter 10)
    "StaticInputSolutions": "static_input",
    "static_input_solutions": "static_input",
    # scs: DMFT of the ungated network (Sompolinsky, Crisanti & Sommers; chapter 9)
    "scs_variance": "scs",
    "scs_potential": "scs",
    "scs_dmft": "scs",
    "scs_lambda_max": "scs",
    "schrodinger_potential": "scs",
    "MAX_SCS_GAIN": "scs",
    # gated: DMFT of the gated network (chapters 9-11)
    "gated_dmft": "gated",
    "effective_time_constant": "gated",
    "MAX_LAGS": "gated",
    # gated_lyapunov: lambda_max of the gated network from its DMFT (chapter 10)
    "gated_lambda_max": "gated_lyapunov",
    "spectral_radius": "gated_lyapunov",
    "quiet_lambda_max": "gated_lyapunov",
    # onsets: onsets of chaos and the marginal window (chapters 10-11)
    "chaos_onset": "onsets",
    "is_chaotic": "onsets",
    "open_radius": "onsets",
    "marginal_window": "onsets",
    # solve: one entry point for every DMFT solver
    "dmft": "solve",
    # sampling: DMFT by sampling Gaussian paths (any gate)
    "sampled_dmft": "sampling",
    "single_site_paths": "sampling",
    "SingleSitePaths": "sampling",
    "sampling_grid": "sampling",
    "check_sampling_result": "sampling",
    # sampled_lyapunov: the two-replica exponent at any alpha_z, by sampling (chapter 9)
    "sampled_lambda_max": "sampled_lyapunov",
    "sampled_growth_factor": "sampled_lyapunov",
    "SampledExponent": "sampled_lyapunov",
    "MAX_ITERATIONS": "sampled_lyapunov",
    "MAX_REPLICAS": "sampled_lyapunov",
    "MAX_MAP_WORK": "sampled_lyapunov",
    # paths: stationary Gaussian paths and the single-site integration (chapter 9)
    "stationary_gaussian_paths": "paths",
    "circulant_spectrum": "paths",
    "clip_spectrum": "paths",
    "draw_paths": "paths",
    "exponential_step_coefficients": "paths",
    "integrate_linear": "paths",
    "lagged_products": "paths",
    "MAX_STEPS": "paths",
    # sampling_plan: parameters, clock, window and work of a sampling run (chapter 9)
    "check_sampling_params": "sampling_plan",
    "mean_timescale_gate": "sampling_plan",
    "clock_rate": "sampling_plan",
    "check_transient": "sampling_plan",
    "plan_grid": "sampling_plan",
    "refuse_undecayed": "sampling_plan",
    "MAX_WORK": "sampling_plan",
    "MAX_BETA_Z": "sampling_plan",
    "UNDECAYED": "sampling_plan",
    # simulation: theory against finite-N simulation (chapter 9)
    "SimulatedAutocorrelation": "simulation",
    "simulated_autocorrelation": "simulation",
    "dmft_profile": "simulation",
    "expected_window_variance": "simulation",
    "expected_centred_autocorrelation": "simulation",
    "FiniteSizeLyapunov": "simulation",
    "FiniteSizeFit": "simulation",
    "finite_size_lambda_max": "simulation",
    "fit_finite_size": "simulation",
    "SchrodingerStates": "simulation",
    "schrodinger_states": "simulation",
    "gated_theory": "simulation",
    "SCSTheoryCurve": "simulation",
    "scs_theory_curve": "simulation",
    # phases: phase diagrams and their spot checks (chapter 11)
    "REGIONS": "phases",
    "PhaseBoundaries": "phases",
    "phase_boundaries": "phases",
    "PhaseDiagram": "phases",
    "phase_diagram": "phases",
    "classify_region": "phases",
    "clear_phase_cache": "phases",
    "phase_cache_info": "phases",
    "point_lambda": "phases",
    "grid_index": "phases",
    # onsets: the marginal region on a grid (chapter 11)
    "MarginalRegion": "onsets",
    "marginal_region": "onsets",
    "open_radius_map": "onsets",
    # spot_checks: finite networks against the diagrams (chapter 11)
    "SpotCheck": "spot_checks",
    "spot_check": "spot_checks",
    "MarginalSpotCheck": "spot_checks",
    "marginal_spot_check": "spot_checks",
    # the submodules themselves
    "quadrature": "quadrature",
    "static": "static",
    "static_input": "static_input",
    "scs": "scs",
    "gated": "gated",
    "gated_lyapunov": "gated_lyapunov",
    "lags": "lags",
    "onsets": "onsets",
    "solve": "solve",
    "sampling": "sampling",
    "sampled_lyapunov": "sampled_lyapunov",
    "paths": "paths",
    "sampling_plan": "sampling_plan",
    "simulation": "simulation",
    "phases": "phases",
    "spot_checks": "spot_checks",
}


__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)


__all__ = list(_LAZY)
