"""Chapter 10 science: three thresholds, continuous vs discontinuous onset, bistability, input-induced chaos."""

import numpy as np
import pytest

import gatebook as gb
from gatebook import meanfield, transitions
from gatebook.quiet_state import quiet_lambda_max, quiet_threshold

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def sharp():
    return transitions.thresholds(20.0, 0.0, tol=0.02)


# -- thresholds ------------------------------------------------------------------------
def test_sharp_gate_thresholds_are_ordered(sharp):
    assert sharp.ordered
    assert sharp.g_topo < sharp.g_chaos - 0.05  # decoupled by more than the bracket
    assert sharp.g_chaos < sharp.g_quiet - 0.1
    assert sharp.g_quiet == pytest.approx(2.0, abs=1e-12)
    assert sharp.g_topo > np.sqrt(2.0)  # static onset bound for beta_r >= 0
    assert sharp.bistable_window == (sharp.g_chaos, sharp.g_quiet)
    assert "| 20 | 0 |" in sharp.table()


def test_thresholds_ordered_with_a_bias():
    th = transitions.thresholds(20.0, 1.0, tol=0.03)
    assert th.ordered
    assert th.g_topo < th.g_chaos < th.g_quiet
    assert th.g_quiet == pytest.approx(1.0 + np.e, rel=1e-12)


@pytest.mark.parametrize("beta_r", [0.0, 1.0])
def test_soft_gate_thresholds_coincide(beta_r):
    th = transitions.thresholds(0.0, beta_r)
    exact = 1.0 + np.exp(beta_r)
    assert th.g_topo == pytest.approx(exact, rel=1e-9)
    assert th.g_chaos == pytest.approx(exact, rel=1e-9)
    assert th.g_quiet == pytest.approx(exact, rel=1e-12)
    assert th.ordered and th.decoupling == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("beta_r", [-0.5, 0.0, 1.0, 2.0])
def test_quiet_exponent_is_exact_and_vanishes_at_the_threshold(beta_r):
    g_q = quiet_threshold(beta_r)
    assert quiet_lambda_max(g_q, beta_r=beta_r, tau_z=1.0) == pytest.approx(0.0, abs=1e-12)
    # the closed form matches the model's resting gates (centre + radius of the disk), any alpha_r
    for g in (0.5 * g_q, 0.9 * g_q, 1.2 * g_q):
        net = gb.GatedNetwork(4, g, alpha_r=7.0, beta_r=beta_r)
        edge = -net.s_z / net.tau_h + g * net.s_r * net.s_z / net.tau_h
        expected = max(edge, -1.0 / net.tau_z, -1.0 / net.tau_r)
        assert quiet_lambda_max(g, beta_r=beta_r, tau_z=net.tau_z) == pytest.approx(expected, abs=1e-12)
    assert np.all(np.diff(quiet_lambda_max(np.linspace(0.5, 3, 6), beta_r=beta_r, tau_z=1.0)) > 0)


def test_quiet_exponent_matches_the_finite_network_spectrum():
    # rightmost eigenvalue of the hh block at the origin, N = 400: the circular-law edge within finite-N slack
    g = 1.9
    net = gb.GatedNetwork(400, g, alpha_r=20.0, seed=3)
    eig = np.linalg.eigvals(net.jacobian(np.zeros(net.dim))[: net.N, : net.N])
    assert eig.real.max() == pytest.approx(quiet_lambda_max(g, tau_z=1.0), abs=0.04)


# -- the static loop gain ------------------------------------------------------------------
def test_loop_gain_limits_and_maximum():
    s_r = 0.5
    for alpha in (0.0, 20.0):
        assert transitions.loop_gain(1e-7, 1.7, alpha) == pytest.approx((1.7 * s_r) ** 2, rel=1e-4)
    delta = np.geomspace(1e-5, 1e2, 600)
    soft = transitions.loop_gain(delta, 1.0, 0.0)
    assert np.all(np.diff(soft) < 0)  # soft gate: only the tanh saturation, G falls
    sharp = transitions.loop_gain(delta, 1.0, 20.0)
    k = int(np.argmax(sharp))
    assert 0 < k < delta.size - 1 and sharp[k] > 1.3 * sharp[0]  # the loop: G rises before it falls
    # the hump reaches 1 at g_topo (independent 1-D optimiser in meanfield.fixed_point_onset)
    assert 1.0 / np.sqrt(sharp[k]) == pytest.approx(meanfield.fixed_point_onset(20.0), rel=2e-3)


# -- DMFT branches ---------------------------------------------------------------------------
def test_sharp_gate_branch_jumps_at_g_chaos(sharp):
    g = sharp.g_chaos
    curve = transitions.branch_curve([g - 0.03, g + 0.02, 1.9], 20.0)
    assert curve.branch == ("quiescent", "chaotic", "chaotic")
    assert curve.variance[0] == 0.0
    assert curve.onset_variance > 0.02  # finite right above the onset: a jump
    assert curve.variance[1] > 0.15 * curve.variance[2]
    assert curve.lambda_chaotic[1] > 0.05  # the exponent jumps too ...
    assert curve.lambda_quiet[1] < -0.04  # ... while the quiet state is still stable: bistable


def test_soft_gate_branch_grows_continuously_from_zero():
    curve = transitions.branch_curve([1.98, 2.01, 2.02, 2.04], 0.0)
    assert curve.branch == ("quiescent", "chaotic", "chaotic", "chaotic")
    v = curve.variance[1:]
    assert v[0] < 0.02
    # Delta_0 grows linearly in g_eff - 1 at the onset: doubling the distance doubles it
    assert v[2] / v[1] == pytest.approx(2.0, rel=0.1)
    assert v[1] / v[0] == pytest.approx(2.0, rel=0.1)
    # the exponent starts from zero too (it grows like (g_eff - 1)^2; the solver resolves ~1e-4)
    assert np.all(np.abs(curve.lambda_chaotic[1:]) < 1e-3)


def test_soft_gate_branch_agrees_with_the_gated_dmft():
    # the reduction (chapter 1's theory at g_eff = g_h / 2, tau_eff = 2) is the fine-grid limit
    # of the gated Fourier iteration: on its default grid (2048 lags, the window grown until the
    # autocorrelation has decayed) they agree to 1e-4
    curve = transitions.branch_curve([2.6], 0.0)
    res = meanfield.gated_dmft(2.6, alpha_r=0.0, route="iteration")
    assert res.method == "gated-fourier-iteration" and res.params["s_max"] > 80
    assert curve.method == "scs-reduction"
    assert curve.variance[0] == pytest.approx(res.variance, rel=1e-4)
    assert curve.lambda_chaotic[0] == pytest.approx(meanfield.gated_lambda_max(res), rel=2e-3)


# -- simulations ---------------------------------------------------------------------------
def test_sharp_gate_is_bistable_in_simulation(sharp):
    g = 1.9
    assert sharp.g_chaos < g < sharp.g_quiet
    hs = transitions.hysteresis_sweep([g], 20.0, N=400, seeds=SEEDS, t_transient=100, t_measure=30)
    small, large = hs.variance[:, 0, 0], hs.variance[:, 0, 1]
    assert np.all(small < 1e-6), small  # decays to the quiet state (lambda_0 = -0.025)
    assert np.all(hs.final_rms[:, 0, 0] < 0.01)
    assert np.all(large > 0.02), large  # stays chaotic (DMFT Delta_h(0) = 0.177)
    assert hs.bistable.tolist() == [True] and hs.bistable_window == (g, g)


def test_hysteresis_exponents_from_the_final_states():
    # g_h = 1.5 < g_topo: both starts end at the quiet state, whose exponent is the edge of the
    # origin's hh disk (finite N = 60: within 0.06 of the large-N value -0.125)
    hs = transitions.hysteresis_sweep([1.5], 20.0, N=60, seeds=(0,), t_transient=40, t_measure=10,
                                      lyapunov_t_measure=20)
    assert not hs.active.any()
    assert np.all(np.isfinite(hs.lambda_max))
    np.testing.assert_allclose(hs.lambda_max, quiet_lambda_max(1.5, tau_z=1.0), atol=0.06)


def test_onsets_by_gain_soft_gate_is_exact():
    (th,) = transitions.onsets_by_gain([0.0], beta_r=1.0)
    assert th == transitions.thresholds(0.0, 1.0)


def test_soft_gate_has_no_hysteresis():
    hs = transitions.hysteresis_sweep([1.7, 2.5], 0.0, N=300, seeds=SEEDS, t_transient=60, t_measure=20)
    act = hs.active
    assert not act[:, 0, :].any(), hs.variance[:, 0]  # below 2: both starts decay
    assert act[:, 1, :].all(), hs.variance[:, 1]  # above 2: both starts active
    assert not hs.bistable.any()


def test_static_input_pushes_a_quiet_network_into_chaos():
    """Each network starts at the quiet state h = z = r = 0 with the input switched on (start="quiet")."""
    res = transitions.input_induced_chaos([0.0, 0.5], alpha_r=20.0, beta_r=2.0, g_h=2.0, N=200, seeds=SEEDS,
                                          t_transient=30, t_measure=40, theory=True)
    lam = res.lambda_max
    assert np.all(res.second_moment[:, 0] == 0.0)  # started at the quiet state without input: it stays there
    assert np.all(lam[:, 0] < -0.2), lam[:, 0]  # quiet: lambda_0 = (2 s_r - 1)/2 = -0.38
    assert np.all(lam[:, 1] > 0.0), lam[:, 1]  # chaotic with sigma_I = 0.5
    assert res.theory_branch == ("quiescent", "chaotic")
    assert res.theory_lambda[0] == pytest.approx(quiet_lambda_max(2.0, beta_r=2.0), abs=1e-9)  # DMFT: no z block
    assert res.theory_lambda[1] > 0.05
    # <h^2> over units and time against the DMFT Delta_h(0) (finite N: within 35 %)
    assert res.second_moment[:, 1].mean() == pytest.approx(res.theory_second_moment[1], rel=0.35)


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: transitions.thresholds(-1.0), "alpha_r"),
        (lambda: transitions.thresholds(20.0, np.nan), "beta_r"),
        (lambda: transitions.thresholds(20.0, tol=0.0), "tol"),
        (lambda: transitions.branch_curve([2.0, 1.9], 20.0), "increasing"),
        (lambda: transitions.branch_curve([], 20.0), "g_values"),
        (lambda: transitions.branch_curve([2.0], 20.0, n=0), "n"),
        (lambda: transitions.hysteresis_sweep([1.9], 20.0, N=0), "N"),
        (lambda: transitions.hysteresis_sweep([1.9], 20.0, N=10, seeds=()), "seeds"),
        (lambda: transitions.hysteresis_sweep([1.9], 20.0, N=10, seeds=(-1,)), "seeds"),
        (lambda: transitions.hysteresis_sweep([1.9], 20.0, N=10, initial_scales=(0.0, 1.0)), "initial_scales"),
        (lambda: transitions.hysteresis_sweep([1.9], 20.0, N=10, dt=-0.1), "dt"),
        (lambda: transitions.input_induced_chaos([-0.5]), "sigma_values"),
        (lambda: transitions.input_induced_chaos([0.5], N=10, t_measure=0), "t_measure"),
        (lambda: transitions.loop_gain(0.0, 2.0), "delta"),
        (lambda: transitions.loop_gain(1.0, -2.0), "g_h"),
        (lambda: quiet_lambda_max(np.nan, tau_z=1.0), "g_h"),
        (lambda: transitions.onsets_by_gain([]), "alpha_values"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_threshold_table_type_error():
    with pytest.raises(TypeError, match="Thresholds"):
        transitions.threshold_table([1.0])


# -- run outcomes: decayed / fixed point / active ----------------------------------------------
def test_run_outcome_labels_each_case_from_variance_and_amplitude():
    ro = transitions.run_outcome
    v = np.array([1e-12, 1e-12, 1e-12, 1e-12, 0.3])
    a1 = np.array([1e-5, 0.8, 0.05, 0.2, 0.7])
    a0 = np.array([1e-3, 0.8 * (1 + 1e-4), 0.08, 0.1, 0.9])
    # without the start amplitude: judged by the final amplitude only
    assert ro(v, a1).tolist() == ["decayed", "fixed point", "fixed point", "fixed point", "active"]
    # with it: a run whose amplitude still shrinks (0.08 -> 0.05) or grows (0.1 -> 0.2) has not settled
    assert ro(v, a1, a0).tolist() == ["decayed", "fixed point", "decayed", "decayed", "active"]
    assert ro(v, a1, a0, settled_rtol=2.0)[3] == "fixed point"
    assert ro([[1e-3]], [[0.0]]).shape == (1, 1) and ro([[1e-3]], [[0.0]])[0, 0] == "active"
    assert ro([1e-3], [0.5], active_variance=1e-2).tolist() == ["fixed point"]
    assert ro([0.0], [0.5], quiet_rms=1.0).tolist() == ["decayed"]
    assert set(transitions.OUTCOMES) == {"decayed", "fixed point", "active"}


def test_run_outcome_rejects_bad_input():
    ro = transitions.run_outcome
    for call, exc, word in [
        (lambda: ro([0.1, 0.2], [0.1]), ValueError, "final_rms"),
        (lambda: ro([0.1], [0.1], [0.1, 0.2]), ValueError, "start_rms"),
        (lambda: ro([-0.1], [0.1]), ValueError, "variance"),
        (lambda: ro([np.nan], [0.1]), ValueError, "variance"),
        (lambda: ro([0.1], [np.inf]), ValueError, "final_rms"),
        (lambda: ro([0.1], [0.1], [-1.0]), ValueError, "start_rms"),
        (lambda: ro("abc", [0.1]), TypeError, "variance"),
        (lambda: ro([0.1], ["a"]), TypeError, "final_rms"),
        (lambda: ro([True], [0.1]), TypeError, "variance"),
        (lambda: ro([0.1], [0.1], active_variance=0.0), ValueError, "active_variance"),
        (lambda: ro([0.1], [0.1], quiet_rms=-1.0), ValueError, "quiet_rms"),
        (lambda: ro([0.1], [0.1], settled_rtol=np.nan), ValueError, "settled_rtol"),
    ]:
        with pytest.raises(exc, match=word):
            call()
    hs = transitions.hysteresis_sweep([1.5], 0.0, N=4, seeds=(0,), t_transient=1.0, t_measure=2.0)
    with pytest.raises(ValueError, match="outcome"):
        hs.fraction("chaotic")


def test_hysteresis_sweep_labels_a_network_of_each_outcome():
    """One network per outcome, each checked independently of the label.

    - decayed: g_h = 1.5 < g_topo (alpha_r = 20, N = 60): the quiet state is the only attractor;
    - fixed point: a small network (N = 8, seed 3, alpha_r = 0, g_h = 2.6 > 2) whose quiet state is
      unstable and that comes to rest on a *stable nonzero* fixed point from both starts (found
      by a scan of seeds 0-5; checked below: residual ~0 and every eigenvalue of the Jacobian
      in the left half-plane). The temporal variance alone calls it decayed;
    - active: g_h = 3, alpha_r = 0, N = 100: chaotic.
    """
    decayed = transitions.hysteresis_sweep([1.5], 20.0, N=60, seeds=(0,), t_transient=40, t_measure=10)
    assert (decayed.outcome == "decayed").all(), decayed.final_rms
    fixed = transitions.hysteresis_sweep([2.6], 0.0, N=8, seeds=(3,), t_transient=100, t_measure=20)
    assert (fixed.variance < transitions.ACTIVE_VARIANCE).all() and not fixed.active.any()
    assert (fixed.outcome == "fixed point").all(), (fixed.final_rms, fixed.start_rms)
    assert fixed.fraction("fixed point").tolist() == [[1.0, 1.0]] and not fixed.bistable.any()
    # the independent check: integrate the same network from the same start and inspect the end state
    net = gb.GatedNetwork(8, 2.6, alpha_r=0.0, seed=3)
    x0 = 2.0 * net.initial_state(seed=4, trials=1, scale=1.0)[0]
    x = gb.simulate(net, 120.0, 0.2, x0=x0, record_every=600).states[-1]
    assert np.sqrt(np.mean(x[:8] ** 2)) == pytest.approx(fixed.final_rms[0, 0, 1], rel=1e-9)
    assert np.sqrt(np.mean(x[:8] ** 2)) > 0.1
    assert np.linalg.norm(net.vector_field(x)) < 1e-6
    assert np.linalg.eigvals(gb.jacobian(net, x)).real.max() < 0
    active = transitions.hysteresis_sweep([3.0], 0.0, N=100, seeds=(0,), t_transient=30, t_measure=20)
    assert (active.outcome == "active").all(), active.variance
