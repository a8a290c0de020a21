"""Chapter 2 figures: each returns a Figure, leaves no pyplot figure open, and draws the right numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import gatebook as gb  # noqa: E402
from gatebook.learning import kernels as K  # noqa: E402
from gatebook import plots  # noqa: E402
from gatebook.learning import lag_profile  # noqa: E402
from gatebook.plots import leaky_integrator as leaky_plots  # noqa: E402


pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


def _line_with(ax, y, atol=1e-12):
    """The lines of ``ax`` whose y data equal ``y``."""
    y = np.asarray(y, dtype=float)
    return [ln for ln in ax.get_lines()
            if len(ln.get_ydata()) == y.size and np.allclose(np.asarray(ln.get_ydata(), float), y, rtol=0, atol=atol)]


def test_functions_are_reexported():
    for name in leaky_plots.__all__:
        assert getattr(plots, name) is getattr(leaky_plots, name)


def test_impulse_responses_show_closed_form_measurement_and_half_life():
    alphas = (0.1, 0.5, 1.0)
    fig = plots.plot_impulse_responses(alphas, max_lag=12)
    assert isinstance(fig, Figure)
    left, right = fig.get_axes()
    for a in alphas:
        closed = (a * (1 - a) ** np.arange(13))  # independent of the package
        lines = _line_with(left, closed)
        assert {ln.get_linestyle() for ln in lines} == {"-", "None"}  # the line and the measured circles
        assert _line_with(right, (1 - a) ** np.arange(13))
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert len(labels) == 3 and "0.5" in labels[1]
    dots = [ln for ln in right.get_lines() if len(ln.get_xdata()) == 1]
    assert len(dots) == 2  # alpha = 1 has half-life 0 and no dot
    for a, dot in zip((0.1, 0.5), dots):
        assert dot.get_xdata()[0] == pytest.approx(np.log(2) / -np.log(1 - a), rel=1e-12)
        assert dot.get_ydata()[0] == 0.5


def test_ema_identity_draws_kernel_lines_and_measured_markers():
    gen = torch.Generator().manual_seed(0)
    u = torch.rand(3, 15, 4, generator=gen, dtype=torch.float64)
    y = torch.rand(3, 1, generator=gen, dtype=torch.float64)
    measured = {a: K.measured_lag_weights(a, u, y) for a in (0.2, 0.8)}
    fig = plots.plot_ema_identity(measured)
    ax = fig.get_axes()[0]
    for a, w in measured.items():
        kernel = (1 - (1 - a)) * (1 - a) ** np.arange(15)  # (1 - beta) beta^l with beta = 1 - alpha
        assert [ln.get_linestyle() for ln in _line_with(ax, kernel, atol=1e-12)] == ["-", "None"]
        marker = [ln for ln in ax.get_lines() if ln.get_marker() == "o" and np.array_equal(ln.get_ydata(), w)]
        assert len(marker) == 1
    worst = float(ax.get_title().split("=")[1])
    assert worst < 1e-14
    # a deliberate error shows up in the title
    off = {0.5: K.ema_kernel(0.5, 9) + np.r_[0.0, 2e-3, np.zeros(8)]}
    fig = plots.plot_ema_identity(off)
    assert "2.0e-03" in fig.get_axes()[0].get_title()


def test_lag_schedule_shows_measured_norms_carry_power_and_bounds():
    probe = gb.learning.tasks.make_task("adding", 3, T=15, m=4, seed=1, dtype=torch.float64)
    sens, profs = [], []
    for a in (0.2, 0.8):
        cell = K.leaky_cell(a, input_size=4, hidden_size=8, seed=0)
        sens.append(K.lag_sensitivity(cell, probe.inputs))
        profs.append(lag_profile(cell, probe.inputs, convention="carry"))
    fig = plots.plot_lag_schedule(sens, profs)
    axes = fig.get_axes()
    assert len(axes) == 2
    for ax, s, p, a in zip(axes, sens, profs, (0.2, 0.8)):
        assert _line_with(ax, s.median, atol=0)
        assert _line_with(ax, s.maximum, atol=0) and _line_with(ax, s.minimum, atol=0)
        assert _line_with(ax, (1 - a) ** np.arange(16))
        upper = (1 - a + a * s.weight_norm) ** np.arange(16)
        assert _line_with(ax, upper)
        assert f"s = {p.slope:.2f}" in ax.get_title() and f"{a:g}" in ax.get_title()
    # alpha = 0.2 with this ||W_rec|| has a lower bound, alpha = 0.8 has none
    assert 1 - 0.2 > 0.2 * sens[0].weight_norm and 1 - 0.8 < 0.8 * sens[1].weight_norm
    assert _line_with(axes[0], (1 - 0.2 - 0.2 * sens[0].weight_norm) ** np.arange(16))
    assert len(axes[1].get_lines()) == len(axes[0].get_lines()) - 1
    # one panel without profiles
    assert len(plots.plot_lag_schedule(sens[0]).get_axes()) == 1


def test_lag_schedule_rejects_mismatched_profiles():
    probe = gb.learning.tasks.make_task("adding", 2, T=8, m=4, seed=1, dtype=torch.float64)
    cell = K.leaky_cell(0.3, input_size=4, hidden_size=4, seed=0)
    s = K.lag_sensitivity(cell, probe.inputs)
    upd = lag_profile(cell, probe.inputs, convention="update")
    with pytest.raises(ValueError, match="carry"):
        plots.plot_lag_schedule([s], [upd])
    with pytest.raises(ValueError, match="one LagProfile"):
        plots.plot_lag_schedule([s, s], [lag_profile(cell, probe.inputs, convention="carry")])
    with pytest.raises(TypeError, match="LagSensitivity"):
        plots.plot_lag_schedule([])


def test_explorer_frame_data_and_fixed_axes():
    fig = plots.leaky_explorer(alpha=0.4, recurrence=1.0)
    assert isinstance(fig, Figure)
    left, right = fig.get_axes()
    p = leaky_plots._EXPLORER
    cell = K.leaky_cell(0.4, input_size=p["input_size"], hidden_size=p["hidden_size"], recurrence=1.0, seed=p["seed"])
    probe = gb.learning.tasks.make_task("adding", p["batch"], T=p["T"], m=p["input_size"], seed=1, dtype=torch.float64)
    expected = K.lag_sensitivity(cell, probe.inputs)  # recomputed, not from the cache
    assert _line_with(right, expected.median, atol=1e-12)
    assert _line_with(right, 0.6 ** np.arange(p["T"] + 1))
    assert _line_with(left, K.pulse_response(cell, p["T"], amplitude=p["amplitude"]))
    assert _line_with(left, 0.4 * 0.6 ** np.arange(p["T"] + 1))
    assert "α = 0.4" in fig._suptitle.get_text()
    other = plots.leaky_explorer(alpha=1.0, recurrence=0.0)
    for a, b in zip(fig.get_axes(), other.get_axes()):
        assert a.get_ylim() == b.get_ylim() and a.get_xlim() == b.get_xlim()


def test_explorer_without_recurrence_is_exactly_geometric():
    fig = plots.leaky_explorer(alpha=0.2, recurrence=0.0)
    left, right = fig.get_axes()
    L = leaky_plots._EXPLORER["T"]
    # tanh with a small pulse: the response is the closed form up to the cubic term of tanh
    pulse = [ln for ln in left.get_lines() if ln.get_marker() == "o"][0].get_ydata()
    np.testing.assert_allclose(pulse, 0.2 * 0.8 ** np.arange(L + 1), rtol=5e-3)
    assert len(_line_with(right, 0.8 ** np.arange(L + 1), atol=1e-12)) >= 3  # median, carry power, both bounds


@pytest.mark.parametrize("call, err", [
    (lambda: plots.plot_impulse_responses([]), TypeError),
    (lambda: plots.plot_impulse_responses([0.5, 1.2]), ValueError),
    (lambda: plots.plot_impulse_responses([0.5], max_lag=0), ValueError),
    (lambda: plots.plot_ema_identity([0.1, 0.2]), TypeError),
    (lambda: plots.plot_ema_identity({0.5: [0.5, np.nan]}), ValueError),
    (lambda: plots.plot_ema_identity({0.0: [0.5, 0.25]}), ValueError),
    (lambda: plots.leaky_explorer(alpha=0.0), ValueError),
    (lambda: plots.leaky_explorer(alpha=0.5, recurrence=-1.0), ValueError),
    (lambda: plots.leaky_explorer(alpha=0.5, recurrence="strong"), TypeError),
    (lambda: plots.plot_impulse_responses(["0.5"]), TypeError),
])
def test_bad_input(call, err):
    with pytest.raises(err, match="alpha|measured|recurrence|max_lag|lag weights"):
        call()


def test_absurd_sizes_and_slider_values_are_refused_up_front():
    with pytest.raises(ValueError, match=r"\bmax_lag\b"):
        plots.plot_impulse_responses((0.5,), max_lag=10**12)  # would allocate terabytes
    with pytest.raises(ValueError, match=r"\brecurrence\b"):
        plots.leaky_explorer(recurrence=1e12)  # used to draw NaN
    with pytest.raises(TypeError, match=r"\bprofiles\b"):
        plots.plot_lag_schedule([K.lag_sensitivity(K.leaky_cell(0.3, input_size=2, hidden_size=2, seed=0),
                                                   torch.zeros(1, 4, 2, dtype=torch.float64))], profiles=1.0)
