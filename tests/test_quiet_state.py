"""The closed forms of the quiet state (gatebook.quiet_state) against independent computations.

References: eigenvalues of the dense 3N x 3N Jacobian of a GatedNetwork at the origin (N = 400),
the resting gates of the model, and plain numpy arithmetic. The old names (one release of
deprecation shims) must still work, warn with the new location and return the same value.
"""

import ast
import doctest
import inspect
import warnings
from pathlib import Path

import numpy as np
import pytest

import gatebook as gb
from gatebook import meanfield, quiet_state, r_gate, transitions
from gatebook.meanfield import gated as mf_gated
from gatebook.meanfield import static as mf_static
from gatebook.quiet_state import effective_gain, origin_disk, quiet_growth_rate, quiet_lambda_max, quiet_threshold

N = 400
#: gains, gates and time constants of the dense-Jacobian checks: distinct tau's, so every block is visible
CASES = [
    dict(g_h=1.5, alpha_z=2.0, alpha_r=3.0, beta_z=0.0, beta_r=0.0, tau_h=1.0, tau_z=0.5, tau_r=0.4),
    dict(g_h=5.0, alpha_z=1.0, alpha_r=20.0, beta_z=-0.7, beta_r=1.2, tau_h=2.0, tau_z=0.3, tau_r=0.6, r_gate="post"),
]


def _params(case):
    return {k: case[k] for k in ("beta_r", "beta_z", "tau_h")}


@pytest.fixture(scope="module", params=range(len(CASES)))
def dense(request):
    case = CASES[request.param]
    net = gb.GatedNetwork(N, seed=7 + request.param, **case)
    J = net.jacobian(np.zeros(net.dim))
    return case, net, J, np.linalg.eigvals(J)


# -- the spectrum at the origin ---------------------------------------------------------------
def test_h_block_fills_the_disk_up_to_the_finite_N_edge(dense):
    case, net, J, _ = dense
    centre, radius = origin_disk(case["g_h"], **_params(case))
    lam_h = np.linalg.eigvals(J[:N, :N])
    # the hh block is (s_z/tau_h)(-1 + g_h s_r J^h): exactly the disk's map of the spectrum of J^h
    w = np.linalg.eigvals(net.couplings_h)
    np.testing.assert_allclose(np.sort_complex(lam_h), np.sort_complex(centre + radius * w), atol=1e-9)
    # circular law: inside the disk up to the O(N^-1/2) edge of J^h (within 10 % at N = 400)
    distance = np.abs(lam_h - centre)
    assert distance.max() <= 1.1 * radius
    assert distance.max() == pytest.approx(radius, rel=0.1)
    assert np.mean(distance <= radius) > 0.9
    # the right edge is the growth rate, up to the same finite-N slack
    assert lam_h.real.max() == pytest.approx(quiet_growth_rate(case["g_h"], **_params(case)), abs=0.1 * radius)
    assert quiet_growth_rate(case["g_h"], **_params(case)) == pytest.approx(centre + radius, rel=1e-14)


def test_gate_blocks_sit_at_minus_one_over_tau(dense):
    case, net, J, eig = dense
    assert np.all(J[:N, N:] == 0)  # the hz and hr blocks vanish at the origin: block lower triangular
    for tau in (case["tau_z"], case["tau_r"]):
        assert np.sum(np.isclose(eig, -1.0 / tau, rtol=0.0, atol=1e-8)) == N


def test_leading_exponent_is_the_rightmost_eigenvalue(dense):
    case, net, J, eig = dense
    _, radius = origin_disk(case["g_h"], **_params(case))
    network = quiet_lambda_max(case["g_h"], **_params(case), tau_r=case["tau_r"], tau_z=case["tau_z"])
    assert eig.real.max() == pytest.approx(network, abs=0.1 * radius)
    assert (eig.real.max() < 0) == (case["g_h"] < quiet_threshold(case["beta_r"]))


def test_a_slow_gate_leads_and_only_the_network_counts_the_z_block():
    net = gb.GatedNetwork(N, 0.5, alpha_z=2.0, tau_z=20.0, tau_r=4.0, seed=3)
    eig = np.linalg.eigvals(net.jacobian(np.zeros(net.dim)))
    assert eig.real.max() == pytest.approx(-1 / 20.0, abs=1e-9)  # the z relaxation is the slowest direction
    assert quiet_lambda_max(0.5, tau_r=4.0, tau_z=20.0) == -1 / 20.0  # the network
    assert quiet_lambda_max(0.5, tau_r=4.0) == -1 / 4.0  # the alpha_z = 0 DMFT: no z block
    # where the disk's edge leads, the two agree
    assert quiet_lambda_max(1.9, tau_z=1.0) == quiet_lambda_max(1.9) == quiet_growth_rate(1.9)


def test_the_dmft_quiescent_branch_has_the_dmft_value():
    res = meanfield.gated_dmft(1.5, beta_z=0.4, tau_r=3.0)
    assert res.branch == "quiescent"
    expected = quiet_lambda_max(1.5, beta_z=0.4, tau_r=3.0)
    assert expected == max(quiet_growth_rate(1.5, beta_z=0.4), -1 / 3.0)
    assert meanfield.gated_lambda_max(res) == expected


# -- the threshold and the gain -----------------------------------------------------------
def test_threshold_is_one_plus_exp_beta_r_over_the_whole_bias_range():
    betas = np.linspace(-50.0, 50.0, 201)
    for b in betas:
        g_q = quiet_threshold(b)
        assert isinstance(g_q, float) and g_q == 1.0 + np.exp(b)
        assert effective_gain(g_q, beta_r=b) == pytest.approx(1.0, rel=1e-12)
        assert quiet_growth_rate(g_q, beta_r=b) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_array_equal(quiet_threshold(betas), 1.0 + np.exp(betas))
    assert quiet_threshold() == 2.0


def test_threshold_refuses_an_overflowing_bias_and_gates_that_underflow_give_the_limit():
    assert np.isfinite(quiet_threshold(quiet_state.MAX_BETA_R))
    for bad in (800.0, [0.0, 710.0]):
        with pytest.raises(ValueError, match="beta_r"):
            quiet_threshold(bad)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        # a closed output gate: no coupling at rest
        assert effective_gain(3.0, beta_r=800.0) == 0.0
        # a closed timescale gate (s_z underflows): the disk shrinks to the origin, rates to 0
        centre, radius = origin_disk(3.0, beta_z=800.0)
        assert centre == 0.0 and radius == 0.0
        assert quiet_growth_rate(3.0, beta_z=800.0) == 0.0
        assert quiet_lambda_max(0.5, beta_z=800.0, tau_z=1.0) == 0.0
        # nearly closed, still representable: full relative accuracy, s_z/tau_h = 1/(tau_h (1 + e^beta_z))
        rate = 1.0 / (2.0 * (1.0 + np.exp(600.0)))
        assert quiet_growth_rate(3.0, beta_z=600.0, tau_h=2.0) == pytest.approx(rate * (1.5 - 1.0), rel=1e-12)
        assert origin_disk(3.0, beta_z=600.0, tau_h=2.0)[1] == pytest.approx(1.5 * rate, rel=1e-12)


def test_effective_gain_and_disk_match_the_model():
    net = gb.GatedNetwork(3, 2.5, alpha_r=4.0, beta_r=0.8, beta_z=-1.3, tau_h=0.7, seed=0)
    soft = gb.GatedNetwork(3, 2.5, beta_r=0.8, beta_z=-1.3, tau_h=0.7, seed=0)  # alpha = 0: chapter 1's network
    assert effective_gain(2.5, beta_r=0.8) == 2.5 * soft.s_r == soft.reduced_network().g
    centre, radius = origin_disk(2.5, beta_r=0.8, beta_z=-1.3, tau_h=0.7)
    assert centre == -net.s_z / net.tau_h
    assert radius == 2.5 * net.s_r * net.s_z / net.tau_h


# -- the GatedNetwork conveniences delegate, without a warning ------------------------------
def test_model_methods_are_the_closed_forms_without_warnings():
    net = gb.GatedNetwork(4, 3.0, beta_r=1.5, beta_z=0.3, tau_h=2.0, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert net.zero_state_threshold == quiet_threshold(1.5)
        assert net.origin_disk() == origin_disk(3.0, beta_r=1.5, beta_z=0.3, tau_h=2.0)


# -- signatures, vectorisation, validation --------------------------------------------------
def test_one_signature_each_gain_first_and_keywords():
    for name in quiet_state.__all__:
        params = list(inspect.signature(getattr(quiet_state, name)).parameters.values())
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), name
    with pytest.raises(TypeError):
        quiet_lambda_max(1.5, 0.0)
    with pytest.raises(TypeError):
        origin_disk(3.0, 0.0)


def test_vectorised_over_arrays_and_floats_for_scalars():
    g = np.linspace(0.0, 4.0, 5)
    b = np.array([[0.0], [1.0]])
    lam = quiet_lambda_max(g, beta_r=b, tau_z=2.0)
    assert lam.shape == (2, 5)
    for i in range(2):
        for j in range(5):
            assert lam[i, j] == quiet_lambda_max(g[j], beta_r=b[i, 0], tau_z=2.0)
    centre, radius = origin_disk(g)
    assert centre.shape == radius.shape == (5,) and np.all(centre == -0.5)
    assert effective_gain(g, beta_r=b).shape == (2, 5)
    scalars = (quiet_threshold(0.3), effective_gain(2, beta_r=1), quiet_growth_rate(2.0),
               quiet_lambda_max(np.float32(2.0)), *origin_disk(2.0))
    for value in scalars:
        assert type(value) is float


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: quiet_threshold(np.inf), ValueError, "beta_r"),
        (lambda: quiet_threshold("1"), TypeError, "beta_r"),
        (lambda: effective_gain(-1.0), ValueError, "g_h"),
        (lambda: effective_gain(True), TypeError, "g_h"),
        (lambda: effective_gain(2.0, beta_r=np.nan), ValueError, "beta_r"),
        (lambda: origin_disk([1.0, -2.0]), ValueError, "g_h"),
        (lambda: origin_disk(1.0, beta_z=None), TypeError, "beta_z"),
        (lambda: origin_disk(1.0, tau_h=0.0), ValueError, "tau_h"),
        (lambda: quiet_growth_rate(1j), TypeError, "g_h"),
        (lambda: quiet_lambda_max("net"), TypeError, "g_h"),
        (lambda: quiet_lambda_max(np.nan), ValueError, "g_h"),
        (lambda: quiet_lambda_max(1.0, tau_r=-1.0), ValueError, "tau_r"),
        (lambda: quiet_lambda_max(1.0, tau_z=0.0), ValueError, "tau_z"),
        (lambda: quiet_lambda_max(1.0, tau_z=[1.0, np.inf]), ValueError, "tau_z"),
        # issue 13: these gave ZeroDivisionError, -0.25 and nan
        (lambda: quiet_lambda_max(1.0, tau_r=0), ValueError, "tau_r"),
        (lambda: quiet_lambda_max(1.0, tau_h=-1), ValueError, "tau_h"),
        (lambda: quiet_lambda_max(None), TypeError, "g_h"),
    ],
)
def test_bad_arguments_are_named(call, error, name):
    with pytest.raises(error, match=name):
        call()


# -- the old names: one release of shims --------------------------------------------------------
NET = gb.GatedNetwork(4, 3.0, beta_r=1.0, beta_z=0.5, tau_h=1.5, tau_z=3.0, tau_r=0.8, seed=0)
G = np.array([0.5, 1.9, 3.0])
SHIMS = [
    ("meanfield.static.zero_state_threshold", lambda: mf_static.zero_state_threshold(1.3),
     "quiet_threshold", lambda: quiet_threshold(1.3)),
    ("meanfield.zero_state_threshold", lambda: meanfield.zero_state_threshold(-0.4),
     "quiet_threshold", lambda: quiet_threshold(-0.4)),
    ("meanfield.gated.quiet_lambda_max", lambda: mf_gated.quiet_lambda_max(G, 0.5, 0.2, 2.0, 0.7),
     "quiet_lambda_max", lambda: quiet_lambda_max(G, beta_r=0.5, beta_z=0.2, tau_h=2.0, tau_r=0.7)),
    ("meanfield.quiet_lambda_max", lambda: meanfield.quiet_lambda_max(1.5),
     "quiet_lambda_max", lambda: quiet_lambda_max(1.5)),
    ("r_gate.effective_gain", lambda: r_gate.effective_gain(3.0, 1.0),
     "effective_gain", lambda: effective_gain(3.0, beta_r=1.0)),
    ("r_gate.origin_spectral_radius", lambda: r_gate.origin_spectral_radius(3.0, 1.0, 0.5, 2.0),
     "origin_disk", lambda: origin_disk(3.0, beta_r=1.0, beta_z=0.5, tau_h=2.0)[1]),
    ("r_gate.quiet_lambda_max", lambda: r_gate.quiet_lambda_max(NET),
     "quiet_lambda_max", lambda: quiet_lambda_max(3.0, beta_r=1.0, beta_z=0.5, tau_h=1.5, tau_r=0.8, tau_z=3.0)),
    ("transitions.quiet_exponent", lambda: transitions.quiet_exponent(G, 0.5, 0.2, 1.5, 2.0, 0.8),
     "quiet_lambda_max", lambda: quiet_lambda_max(G, beta_r=0.5, beta_z=0.2, tau_h=1.5, tau_z=2.0, tau_r=0.8)),
]


@pytest.mark.parametrize("old, old_call, new, new_call", SHIMS, ids=[s[0] for s in SHIMS])
def test_old_names_warn_with_the_new_location_and_return_the_same_value(old, old_call, new, new_call):
    with pytest.warns(DeprecationWarning, match=rf"gatebook\.quiet_state\.{new}") as record:
        value = old_call()
    assert len(record) == 1 and record[0].filename == __file__  # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = new_call()
    np.testing.assert_array_equal(value, expected)
    assert type(value) is type(expected)


def test_old_values_are_kept():
    """What the old definitions computed, written out (the shims must not change a number that matters)."""
    s_r, s_z = 1.0 / (1.0 + np.exp(1.0)), 1.0 / (1.0 + np.exp(0.5))
    with pytest.warns(DeprecationWarning):
        assert r_gate.quiet_lambda_max(NET) == pytest.approx(max(s_z / 1.5 * (3.0 * s_r - 1.0), -1 / 3.0, -1 / 0.8),
                                                             rel=1e-14)
    with pytest.warns(DeprecationWarning):
        assert transitions.quiet_exponent(1.9) == pytest.approx(-0.025, rel=1e-12)
    with pytest.warns(DeprecationWarning):
        assert mf_static.zero_state_threshold(0.0) == 2.0
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="model"):
        r_gate.quiet_lambda_max("net")


# -- the module itself ---------------------------------------------------------------------------
def test_the_module_imports_only_foundations():
    tree = ast.parse(Path(quiet_state.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported <= {"__future__", "numbers", "numpy", "scipy.special", "._validation"}, imported


def test_every_closed_form_is_documented_with_its_equation_chapter_and_example():
    for name in quiet_state.__all__:
        doc = inspect.getdoc(getattr(quiet_state, name))
        assert ".. math::" in doc and "chapter" in doc.lower() and ">>>" in doc, name
    assert doctest.testmod(quiet_state, verbose=False).failed == 0
