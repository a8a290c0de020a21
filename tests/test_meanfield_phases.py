"""Phase diagrams of the gated network (chapter 11): boundaries, labels, caching, spot checks.

Every label is checked against boundaries computed independently (static mean field,
the chaotic-onset root search, the closed-form quiet threshold); variances against an
independent solver; the cache by counting solver calls, not by timing.
"""

import numpy as np
import pytest

from gatebook.meanfield import onsets, phases as ph, spot_checks
from gatebook.meanfield.gated import gated_dmft, gated_lambda_max
from gatebook.meanfield.onsets import open_radius
from gatebook.meanfield.scs import scs_dmft, scs_lambda_max, scs_variance
from gatebook.meanfield.static import fixed_point_onset

FAST = dict(n_lags=256, s_max=40.0, progress=False)
ONSET_TOL = 0.02


#: Why the worker comparisons skip under ``--perturb-fp``: the perturbation patches the quadratures of
#: this process only, so worker processes compute on the unperturbed path.
_WORKERS_UNPERTURBED = "--perturb-fp perturbs this process only; joblib workers run the unperturbed path"


@pytest.fixture(scope="module")
def sharp_row():
    """alpha_r = 20, beta_r = 0 (g_topo = 1.628, g_chaos in (1.75, 1.80), g_quiet = 2), and alpha_r = 0."""
    g = [1.3, 1.55, 1.70, 1.85, 2.0, 2.05, 2.4]
    return ph.phase_diagram(g, alpha_r=[0.0, 20.0], lambda_max=True, **FAST)


@pytest.fixture(scope="module")
def sharp_boundaries():
    return ph.phase_boundaries(alpha_r=[0.0, 20.0], tol=ONSET_TOL, n=256, s_max=40.0)


# ------------------------------------------------------------------ boundaries


@pytest.mark.parametrize("beta_r", [-1.0, 0.0, 2.0])
def test_soft_gate_boundaries_coincide_at_the_quiet_threshold(beta_r):
    b = ph.phase_boundaries(alpha_r=[0.0], beta_r=beta_r)
    exact = 1.0 + np.exp(beta_r)
    assert b.g_quiet[0] == pytest.approx(exact, rel=1e-14)
    assert b.g_topo[0] == pytest.approx(exact, rel=1e-9)
    assert b.g_chaos[0] == pytest.approx(exact, rel=1e-9)
    assert b.bistable_width[0] == pytest.approx(0.0, abs=1e-9)


def test_sharp_gate_ordering_and_static_limit(sharp_boundaries):
    topo, chaos, quiet = sharp_boundaries.g_topo[1], sharp_boundaries.g_chaos[1], sharp_boundaries.g_quiet[1]
    assert topo < chaos < quiet
    # the science note's bracket (1.75, 1.80) for alpha_r = 20, beta_r = 0, up to the root search's half-width
    assert 1.75 - ONSET_TOL / 2 < chaos < 1.80 + ONSET_TOL / 2
    # static onset decreases towards the step-gate limit sqrt(2) and stays above it
    many = ph.phase_boundaries(alpha_r=[0.0, 5.0, 20.0, 100.0, 1000.0], chaos=False)
    assert np.all(np.diff(many.g_topo) < 0)
    assert np.all(many.g_topo > np.sqrt(2)) and many.g_topo[-1] < np.sqrt(2) + 0.05
    assert np.all(np.isnan(many.g_chaos))


def test_boundaries_along_beta_r_axis():
    b = ph.phase_boundaries(alpha_r=20.0, beta_r=np.array([-5.0, 0.0, 5.0]), chaos=False)
    assert b.parameter == "beta_r" and b.fixed["alpha_r"] == 20.0
    np.testing.assert_allclose(b.g_quiet, 1.0 + np.exp(b.values), rtol=1e-14)
    assert np.all(np.isfinite(b.g_topo)) and np.all(b.g_topo <= b.g_quiet + 1e-12)
    # the marginal window's upper edge sits above the quiet threshold, where rho_open = 1
    assert np.all(b.g_marginal > b.g_quiet)
    for beta, g_star in zip(b.values, b.g_marginal):
        assert open_radius(g_star, beta) == pytest.approx(1.0, abs=1e-7)


def test_marginal_window_edges():
    region = onsets.marginal_region([0.0, 1.0, 2.0])
    np.testing.assert_allclose(region.lower, 1.0 + np.exp(region.beta_r), rtol=1e-14)
    assert np.all(region.upper > region.lower)
    for b, hi in zip(region.beta_r, region.upper):  # rho_open = 1 at the upper edge (independent evaluation)
        assert open_radius(hi, b) == pytest.approx(1.0, abs=1e-7)
    g = np.array([1.5, 2.5, region.upper[0] * 1.05])
    rho = onsets.open_radius_map(g, [0.0])
    assert np.isnan(rho[0, 0])  # no nonzero fixed point below 1 + e^0
    assert rho[0, 1] < 1.0 < rho[0, 2]
    assert region.contains(2.5, 0.0) and not region.contains(1.5, 0.0) and not region.contains(g[2], 0.0)


# ------------------------------------------------------------------ labels


def _label_from_boundaries(g, topo, chaos, quiet):
    if g > quiet:
        return "chaotic"
    if g >= chaos:
        return "bistable"
    return "fixed points, no chaos" if g > topo else "quiescent"


def test_labels_agree_with_boundaries(sharp_row, sharp_boundaries):
    for i in range(2):
        topo, chaos, quiet = sharp_boundaries.g_topo[i], sharp_boundaries.g_chaos[i], sharp_boundaries.g_quiet[i]
        for j, g in enumerate(sharp_row.g_h):
            expected = _label_from_boundaries(g, topo, chaos, quiet)
            if i == 0 and g == quiet:
                expected = "quiescent"  # soft gate exactly at the threshold: no chaotic branch, marginal quiet state
            assert sharp_row.region[i, j] == expected, (sharp_row.values[i], g)
    # every region of the sharp-gate row appears, including the decoupled "fixed points, no chaos"
    assert set(sharp_row.region[1]) == {"quiescent", "fixed points, no chaos", "bistable", "chaotic"}
    # the bracket from the grid holds the root-search onset
    lo, hi = sharp_row.g_chaos_bracket[1]
    assert lo < sharp_boundaries.g_chaos[1] <= hi


def test_grid_touching_the_thresholds_exactly(sharp_row):
    j = int(np.flatnonzero(sharp_row.g_h == 2.0)[0])
    assert sharp_row.quiet_lambda[0, j] == pytest.approx(0.0, abs=1e-15)  # (s_z/tau_h)(g_h s_r - 1) = 0
    assert sharp_row.region[0, j] == "quiescent"  # soft gate: chaos only for g_h s_r > 1
    assert sharp_row.region[1, j] == "bistable"  # sharp gate: the chaotic branch exists before the threshold
    assert "unresolved" not in set(sharp_row.region.ravel())
    # a grid point exactly at g_topo: nonzero fixed points need g_h > g_topo
    topo = fixed_point_onset(20.0)
    d = ph.phase_diagram([topo], alpha_r=[20.0], lambda_max=False, **FAST)
    assert d.region[0, 0] == "quiescent"


def test_variance_and_lambda_against_independent_solvers(sharp_row):
    # soft gate: the exact path (potential method, Schroedinger lambda) against chapter 1's
    # Fourier iteration and the gated two-replica operator
    j = int(np.flatnonzero(sharp_row.g_h == 2.4)[0])
    fourier = scs_dmft(1.2, tau=2.0, method="iteration", s_max=60.0, n=2049, damping=1.0, tol=1e-8, max_iter=4000)
    assert sharp_row.variance[0, j] == pytest.approx(fourier.variance, rel=2e-4)
    assert sharp_row.variance[0, j] == pytest.approx(scs_variance(1.2), rel=1e-12)
    assert sharp_row.lambda_max[0, j] == pytest.approx(scs_lambda_max(1.2, tau=2.0), rel=1e-9)
    gated = gated_dmft(2.4, alpha_r=0.0)  # the window grows until the slow autocorrelation has decayed
    assert gated.params["s_max"] > 80.0
    assert sharp_row.lambda_max[0, j] == pytest.approx(gated_lambda_max(gated), abs=2e-3)
    # sharp gate: continuation on the coarse grid against a cold start on a refined grid
    fine = gated_dmft(2.05, alpha_r=20.0, n=512, s_max=80.0, tol=1e-8)
    k = int(np.flatnonzero(sharp_row.g_h == 2.05)[0])
    assert sharp_row.variance[1, k] == pytest.approx(fine.variance, rel=1e-3)
    assert sharp_row.lambda_max[1, k] == pytest.approx(gated_lambda_max(fine), abs=2e-3)
    # lambda_max of the chaotic branch is positive, the quiet state's exponent is negative below 2
    chaotic = sharp_row.chaotic
    assert np.all(sharp_row.lambda_max[chaotic] > 0)
    assert np.all(np.isnan(sharp_row.lambda_max[~chaotic]))
    below = sharp_row.g_h < 2.0
    assert np.all(sharp_row.quiet_lambda[:, below] < 0)


def test_extreme_gates_give_finite_results():
    d = ph.phase_diagram([3.0], alpha_r=[20.0, 100.0, 1000.0], lambda_max=False, tol=1e-4, **FAST)
    assert np.all(np.isfinite(d.variance)) and np.all(d.region == "chaotic")
    # approaching the step-gate limit: the chaotic variance converges as the gate sharpens
    v20, v100, v1000 = d.variance[:, 0]
    assert abs(v1000 - v100) < abs(v100 - v20) and v1000 == pytest.approx(v100, rel=0.01)
    e = ph.phase_diagram([1.5, 3.0], alpha_r=20.0, beta_r=[-5.0, 5.0], lambda_max=False, **FAST)
    assert np.all(np.isfinite(e.variance))
    assert "unresolved" not in set(e.region.ravel())
    assert list(e.region[0]) == ["chaotic", "chaotic"]  # 1 + e^-5 = 1.007: the quiet state is unstable
    assert e.region[1, 0] in ("quiescent", "fixed points, no chaos")  # a nearly closed gate silences g_h = 1.5


def test_static_input_creates_chaos_where_the_quiet_state_is_stable():
    """V13: sharp gate, beta_r = 2, g_h = 2 < 1 + e^2: no chaos without input, chaos with sigma_I = 0.5."""
    quiet = ph.phase_diagram([2.0], alpha_r=[20.0], beta_r=2.0, lambda_max=False, **FAST)
    driven = ph.phase_diagram([2.0], alpha_r=[20.0], beta_r=2.0, input_std=0.5, lambda_max=True, **FAST)
    assert quiet.region[0, 0] == "fixed points, no chaos" and quiet.quiet_stable[0, 0]
    assert driven.region[0, 0] == "chaotic" and driven.lambda_max[0, 0] > 0
    assert not driven.quiet_stable[0, 0] and np.isnan(driven.quiet_lambda[0, 0])


# ------------------------------------------------------------------ cache


def test_cache_memory_disk_and_misses(tmp_path):
    ph.clear_phase_cache()
    grid = dict(g_h=[1.5, 2.5, 3.5], alpha_r=[0.0], beta_r=0.0, lambda_max=True, **FAST)
    first = ph.phase_diagram(**grid)
    solves = ph.phase_cache_info()["solves"]
    assert solves > 0
    second = ph.phase_diagram(**grid)
    assert ph.phase_cache_info()["solves"] == solves  # served from memory
    np.testing.assert_array_equal(first.variance, second.variance)
    np.testing.assert_array_equal(first.lambda_max, second.lambda_max)
    # disk: stored, then loaded with an empty memory cache and no solve
    ph.phase_diagram(**grid, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    ph.clear_phase_cache()
    loaded = ph.phase_diagram(**grid, cache_dir=tmp_path)
    info = ph.phase_cache_info()
    assert info["solves"] == 0 and info["disk_hits"] == 1
    np.testing.assert_array_equal(loaded.variance, first.variance)
    np.testing.assert_array_equal(loaded.lambda_max, first.lambda_max)
    np.testing.assert_array_equal(loaded.region, first.region)
    assert loaded.fixed == first.fixed and loaded.parameter == first.parameter
    # any changed setting misses both caches
    ph.phase_diagram(**dict(grid, tol=1e-6), cache_dir=tmp_path)
    assert ph.phase_cache_info()["solves"] > 0
    assert len(list(tmp_path.glob("*.npz"))) == 2
    # cache=False recomputes
    before = ph.phase_cache_info()["solves"]
    ph.phase_diagram(**grid, cache=False)
    assert ph.phase_cache_info()["solves"] > before


# ------------------------------------------------------------------ spot checks


def test_spot_checks_agree_inside_regions(sharp_row):
    checks = spot_checks.spot_check(sharp_row, [(1.3, 20.0), (2.4, 20.0)], N=100, seeds=(0, 1, 2),
                           t_transient=20.0, t_measure=20.0)
    assert checks.g_h.size == 6
    assert np.all(checks.agrees), checks.rows()
    quiet = checks.region == "quiescent"
    # started at mean square 4: the quiet networks have decayed, the chaotic ones stay active
    assert np.all(checks.activity[quiet] < 1e-2) and np.all(checks.activity[~quiet] > 0.05)
    # the measured exponent of the quiet networks is close to the exact quiet-state value
    np.testing.assert_allclose(checks.lambda_max[quiet], checks.dmft_lambda[quiet], atol=0.05)


# ------------------------------------------------------------------ bad input


def test_bad_input():
    with pytest.raises(ValueError, match="not both"):
        ph.phase_diagram([2.0], alpha_r=[0.0, 1.0], beta_r=[0.0, 1.0])
    with pytest.raises(ValueError, match="g_h"):
        ph.phase_diagram([-1.0, 2.0], alpha_r=[0.0])
    with pytest.raises(ValueError, match="unknown solver option"):
        ph.phase_diagram([2.0], alpha_r=[0.0], dampin=0.5)
    with pytest.raises(ValueError, match="alpha_r"):
        ph.phase_boundaries(alpha_r=[-1.0])
    with pytest.raises(ValueError, match="n_lags"):
        ph.phase_diagram([2.0], alpha_r=[0.0], n_lags=0)
    d = ph.phase_diagram([1.5], alpha_r=[0.0], progress=False)
    with pytest.raises(ValueError, match="not on the diagram's grid"):
        spot_checks.spot_check(d, [(1.6, 0.0)])
    with pytest.raises(TypeError, match="PhaseDiagram"):
        spot_checks.spot_check("diagram", [(1.5, 0.0)])
    with pytest.raises(ValueError, match="beta_r"):
        onsets.marginal_region([np.nan])


def test_classify_region_table():
    got = ph.classify_region([True, True, False, False, False, True], [True, False, True, True, False, True],
                             [True, True, True, False, True, True], [True, True, True, True, True, False])
    assert list(got) == ["bistable", "chaotic", "fixed points, no chaos", "quiescent", "unresolved", "unresolved"]


def test_marginal_spot_check_closes_gates_and_flags_the_window():
    m = spot_checks.marginal_spot_check(3.0, [0.0, 40.0], N=40, seeds=(0, 1, 2), t_transient=10.0, t_measure=10.0)
    assert m.lambda_max.shape == (2, 3) and m.in_window  # 2 < 3 < g_h*(0) ~ 6.5
    # alpha_z = 0: every timescale gate sits at 1/2; alpha_z = 40: about half the units are closed
    assert np.all(m.closed_fraction[0] == 0.0)
    assert np.all(m.closed_fraction[1] > 0.25)
    far = spot_checks.marginal_spot_check(8.0, [0.0], N=20, seeds=(0,), t_transient=5.0, t_measure=5.0)
    assert not far.in_window


# ---------------------------------------------------------------- bad input (issue 13)


def test_phase_functions_name_their_arguments():
    with pytest.raises(TypeError, match="alpha_r"):
        ph.phase_boundaries(alpha_r="abc")  # was float('abc')'s error
    with pytest.raises(TypeError, match="chaos"):
        ph.phase_boundaries(chaos=None)  # used to give g_chaos = nan silently
    with pytest.raises(TypeError, match="lambda_max"):
        ph.phase_diagram([1.5], lambda_max=0, progress=False)
    with pytest.raises(ValueError, match="chaotic"):
        ph.classify_region([True, False], [True], [True, False, True])
    with pytest.raises(TypeError, match="quiet_stable"):
        ph.classify_region([True], "abc", [True])
    with pytest.raises(TypeError, match="diagram"):
        ph.grid_index(None, 1.5, 0.0)


# ---------------------------------------------------------------- workers (issue 15)


def _same_diagram(a, b):
    for field in ("g_h", "values", "variance", "lambda_max", "quiet_lambda", "quiet_stable", "chaotic", "region",
                  "g_topo", "g_quiet"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert a.fixed == b.fixed and a.parameter == b.parameter and a.settings == b.settings


def test_phase_diagram_rows_on_two_workers_give_the_same_diagram_and_counters(perturbed_floating_point_path):
    if perturbed_floating_point_path:
        pytest.skip(_WORKERS_UNPERTURBED)
    grid = dict(g_h=[1.5, 2.5, 3.5], alpha_r=[0.0, 5.0, 20.0], lambda_max=True, n_lags=128, s_max=40.0,
                progress=False)
    for cache in (True, False):
        ph.clear_phase_cache()
        one = ph.phase_diagram(**grid, cache=cache)
        serial = ph.phase_cache_info()
        ph.clear_phase_cache()
        two = ph.phase_diagram(**grid, cache=cache, n_jobs=2)
        _same_diagram(one, two)
        # the workers' solver calls are counted here, as if the rows had been solved in this process
        assert {k: ph.phase_cache_info()[k] for k in ("solves", "lambda_solves")} == \
            {k: serial[k] for k in ("solves", "lambda_solves")}
    assert set(two.region.ravel()) >= {"quiescent", "chaotic"}  # the grid crosses the transition


def test_spot_checks_on_two_workers_equal_one(sharp_row):
    args = dict(N=40, seeds=(0, 1), t_transient=5.0, t_measure=5.0)
    one = spot_checks.spot_check(sharp_row, [(1.3, 20.0), (2.4, 20.0)], **args)
    two = spot_checks.spot_check(sharp_row, [(1.3, 20.0), (2.4, 20.0)], **args, n_jobs=2)
    for field in ("g_h", "value", "seed", "region", "dmft_lambda", "lambda_max", "lambda_stderr", "activity", "agrees"):
        np.testing.assert_array_equal(getattr(one, field), getattr(two, field), err_msg=field)
    m1 = spot_checks.marginal_spot_check(3.0, [0.0, 40.0], N=30, seeds=(0, 1), t_transient=5.0, t_measure=5.0)
    m2 = spot_checks.marginal_spot_check(3.0, [0.0, 40.0], N=30, seeds=(0, 1), t_transient=5.0, t_measure=5.0,
                                         n_jobs=2)
    for field in ("lambda_max", "lambda_stderr", "rms_speed", "decay_time", "closed_fraction"):
        np.testing.assert_array_equal(getattr(m1, field), getattr(m2, field), err_msg=field)


def test_phase_boundaries_on_two_workers_equal_one(sharp_boundaries, perturbed_floating_point_path):
    """The axis values are independent jobs: two workers give the same boundaries, bit for bit."""
    if perturbed_floating_point_path:
        pytest.skip(_WORKERS_UNPERTURBED)
    two = ph.phase_boundaries(alpha_r=[0.0, 20.0], tol=ONSET_TOL, n=256, s_max=40.0, n_jobs=2)
    for field in ("values", "g_topo", "g_chaos", "g_quiet", "g_marginal"):
        np.testing.assert_array_equal(getattr(two, field), getattr(sharp_boundaries, field))
    with pytest.raises(ValueError, match="n_jobs"):
        ph.phase_boundaries(alpha_r=[0.0], chaos=False, n_jobs=0)
