"""Chapter-8 self-checks: right answers pass, typical wrong answers get the matching hint."""

import numpy as np
import pytest
from scipy.special import expit

import gatebook as gb
from gatebook.exercises import dimensionality as ex


def test_origin_radius_check():
    g_h, beta_r, beta_z = 3.0, 1.0, 0.5
    s_r, s_z = expit(-beta_r), expit(-beta_z)
    right = g_h * s_r * s_z
    assert ex.check_origin_radius(right, g_h, beta_r, beta_z)
    assert ex.check_origin_radius(right / 2.0, g_h, beta_r, beta_z, tau_h=2.0)
    assert not ex.check_origin_radius(None, g_h, beta_r, beta_z)
    assert not ex.check_origin_radius("0.4", g_h, beta_r, beta_z)
    wrong = ex.check_origin_radius(g_h * s_r, g_h, beta_r, beta_z)  # forgot s_z
    assert not wrong and "timescale gate" in wrong.message
    wrong = ex.check_origin_radius(g_h * s_z, g_h, beta_r, beta_z)  # forgot s_r
    assert not wrong and "output gate" in wrong.message
    wrong = ex.check_origin_radius(right - s_z, g_h, beta_r, beta_z)  # rightmost point instead of radius
    assert not wrong and "centre" in wrong.message
    wrong = ex.check_origin_radius(1.7, g_h, beta_r, beta_z)
    assert not wrong and f"{right:.3f}" not in wrong.message  # the hint does not give the answer away


def test_origin_radius_check_agrees_with_the_eigenvalues():
    """The closed form the check accepts is what the eigenvalues at the origin show (N = 300, 10 %)."""
    net = gb.GatedNetwork(300, 3.0, beta_r=1.0, seed=0)
    centre, radius = net.origin_disk()
    h_block = np.linalg.eigvals(net.jacobian(np.zeros(net.dim))[: net.N, : net.N])
    assert np.abs(h_block - centre).max() == pytest.approx(radius, rel=0.1)
    assert ex.check_origin_radius(radius, 3.0, 1.0)


def test_kaplan_yorke_check():
    lam = np.array([0.3, 0.1, -0.2, -0.5, -1.0])  # sums: 0.3, 0.4, 0.2, -0.3 -> D = 3 + 0.2/0.5
    assert ex.check_kaplan_yorke(3.4, lam)
    assert ex.check_kaplan_yorke(3.4, lam[::-1])  # order does not matter
    assert not ex.check_kaplan_yorke(None, lam)
    wrong = ex.check_kaplan_yorke(3.0, lam)
    assert not wrong and "integer part" in wrong.message
    wrong = ex.check_kaplan_yorke(3 + 0.2 / 0.2, lam)  # divided by |lambda_k|
    assert not wrong and "λ_{k+1}" in wrong.message
    wrong = ex.check_kaplan_yorke(2.0, lam)  # counted positive exponents
    assert not wrong and "lower bound" in wrong.message
    assert not ex.check_kaplan_yorke(7.0, lam)
    res = gb.LyapunovResult(
        exponents=lam, stderr=np.zeros(5), block_exponents=np.zeros((1, 5)), times=np.ones(1), running=lam[None],
        mean_trace=lam.sum(), max_log_growth_ratio=0.0, dt=0.1, reorth_every=1, t_transient=0.0, t_measure=1.0,
        method="rk4", final_state=np.zeros(3), final_vectors=np.zeros((3, 5)),
    )
    assert ex.check_kaplan_yorke(gb.kaplan_yorke_dimension(res), res)


def test_quizzes_are_registered_and_answerable():
    for name in ("dim_which_gate", "dim_sharp_gate"):
        quiz = gb.exercises.QUIZZES[name]
        assert gb.exercises.check_quiz(name, quiz["answer"])
        wrong = next(letter for letter in quiz["options"] if letter != quiz["answer"])
        assert not gb.exercises.check_quiz(name, wrong)
    assert gb.exercises.check_origin_radius is ex.check_origin_radius
    assert gb.exercises.check_kaplan_yorke is ex.check_kaplan_yorke
