"""Chapter-11 figures: each returns a Figure that shows the data it was given, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import io  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gatebook import plots  # noqa: E402
from gatebook.meanfield import onsets, phases as ph, spot_checks  # noqa: E402
from gatebook.plots import phase_diagrams as pp  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


def _render(fig):
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    return fig


@pytest.fixture(scope="module")
def soft():
    """alpha_r = 0 rows only: the exact soft-gate path, cheap."""
    return ph.phase_diagram([1.5, 2.5, 3.5], alpha_r=[0.0], beta_r=0.0, progress=False)


@pytest.fixture(scope="module")
def soft_beta():
    return ph.phase_diagram([1.5, 2.5, 3.5, 4.5], alpha_r=0.0, beta_r=[0.0, 1.0], progress=False)


@pytest.fixture(scope="module")
def fake_spot(soft_beta):
    """A SpotCheck built by hand (no simulation): one agreeing and one disagreeing run."""
    return spot_checks.SpotCheck(
        g_h=np.array([1.5, 4.5]), value=np.array([0.0, 1.0]), seed=np.array([0, 0]),
        region=np.array(["quiescent", "chaotic"], dtype=object), predicted_active=np.array([False, True]),
        dmft_lambda=np.array([-0.25, 0.05]), lambda_max=np.array([-0.2, -0.01]), lambda_stderr=np.array([0.01, 0.02]),
        activity=np.array([1e-8, 1e-6]), active=np.array([False, False]), agrees=np.array([True, False]), N=50,
        parameter="beta_r",
    )


def test_phase_diagram_regions_and_boundaries(soft_beta, fake_spot):
    fig = _render(plots.plot_phase_diagram({"soft": soft_beta}, spot_checks={"soft": fake_spot}))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    mesh = ax.collections[0]
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(soft_beta.region.shape), soft_beta.region_code())
    lines = {line.get_label(): line for line in ax.get_lines()}
    quiet = next(v for k, v in lines.items() if "quiet" in k)
    np.testing.assert_allclose(quiet.get_xdata(), 1 + np.exp(soft_beta.values))
    topo = next(v for k, v in lines.items() if "topo" in k)
    np.testing.assert_allclose(topo.get_xdata(), soft_beta.g_topo)
    chaos = next(v for k, v in lines.items() if "chaos" in k)
    lo, hi = soft_beta.g_chaos_bracket.T
    np.testing.assert_allclose(chaos.get_xdata(), 0.5 * (lo + hi))
    # the two spot-check markers: one agreeing circle, one disagreeing cross, at their g_h
    offsets = np.concatenate([c.get_offsets() for c in ax.collections[1:]])
    np.testing.assert_allclose(np.sort(offsets[:, 0]), [1.5, 4.5])
    # spot checks on the first of two panels still reach the figure legend
    fig = _render(plots.plot_phase_diagram({"a": soft_beta, "b": soft_beta}, spot_checks={"a": fake_spot}))
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "simulation agrees" in texts and "simulation disagrees" in texts


def test_phase_diagram_quantities(soft, soft_beta):
    fig = _render(plots.plot_phase_diagram(soft_beta, quantity="variance", g_chaos=[2.0, 1 + np.e]))
    data = np.ma.masked_invalid(np.asarray(fig.axes[0].collections[0].get_array(), dtype=float))
    expected = np.where(soft_beta.chaotic, soft_beta.variance, np.nan).ravel()
    np.testing.assert_allclose(np.ma.filled(data, np.nan), expected)
    chaos = [line for line in fig.axes[0].get_lines() if "chaos" in line.get_label()][0]
    np.testing.assert_allclose(chaos.get_xdata(), [2.0, 1 + np.e])
    fig = _render(plots.plot_phase_diagram(soft, quantity="lambda_max"))
    data = np.asarray(fig.axes[0].collections[0].get_array(), dtype=float)
    expected = np.where(soft.chaotic, soft.lambda_max, np.nan).ravel()
    np.testing.assert_allclose(data, expected)
    with pytest.raises(ValueError, match="quantity"):
        plots.plot_phase_diagram(soft, quantity="colour")
    with pytest.raises(TypeError, match="PhaseDiagram"):
        plots.plot_phase_diagram({"x": 1})


def test_spot_check_figure(fake_spot):
    fig = _render(plots.plot_spot_checks(fake_spot))
    ax = fig.axes[0]
    xs = np.sort(np.concatenate([np.atleast_1d(line.get_xdata()) for line in ax.get_lines()
                                 if line.get_label() != "theory = simulation" and line.get_linestyle() == "None"]))
    np.testing.assert_allclose(xs, np.sort(fake_spot.dmft_lambda))
    diag = [line for line in ax.get_lines() if line.get_label() == "theory = simulation"][0]
    np.testing.assert_allclose(diag.get_xdata(), diag.get_ydata())
    with pytest.raises(TypeError, match="SpotCheck"):
        plots.plot_spot_checks({"a": 3})


def test_marginal_region_figure():
    region = onsets.marginal_region([0.0, 1.0])
    g = np.linspace(1.5, 12.0, 12)
    rho = onsets.open_radius_map(g, region.beta_r)
    spot = spot_checks.MarginalSpotCheck(3.0, 0.0, np.array([0.0, 20.0]), np.array([0, 1]),
                                lambda_max=np.array([[0.1, 0.12], [0.01, 0.0]]), lambda_stderr=np.zeros((2, 2)),
                                rms_speed=np.array([[0.5, 0.6], [0.01, 0.02]]), decay_time=np.ones((2, 2)),
                                closed_fraction=np.zeros((2, 2)), in_window=True, N=50)
    fig = _render(plots.plot_marginal_region(region, rho, g, spot))
    ax = fig.axes[0]
    upper = [line for line in ax.get_lines() if "rho" in line.get_label() and "=1" in line.get_label().replace(" ", "")][0]
    np.testing.assert_allclose(upper.get_xdata(), region.upper)
    lam_line = [line for line in fig.axes[1].get_lines() if line.get_linestyle() != "None" and len(line.get_xdata()) == 2]
    assert any(np.allclose(line.get_ydata(), [0.11, 0.005]) for line in lam_line)
    speed = [line for line in fig.axes[2].get_lines() if len(line.get_xdata()) == 2]
    assert any(np.allclose(line.get_ydata(), [0.55, 0.015]) for line in speed)
    with pytest.raises(ValueError, match="g_h"):
        plots.plot_marginal_region(region, rho)
    _render(plots.plot_marginal_region(region))  # window only


def test_explorer_frame_reads_its_diagram(monkeypatch):
    small = {0.0: ((1.5, 2.5, 3.5), (0.0,))}
    monkeypatch.setattr(pp, "EXPLORER_GRIDS", small)
    pp._explorer_diagram.cache_clear()
    fig = _render(pp.phase_row_explorer(0.0, 0.0))
    d = pp._explorer_diagram(0.0)
    line = [ln for ln in fig.axes[0].get_lines() if "Delta" in ln.get_label()][0]
    np.testing.assert_allclose(line.get_xdata(), d.g_h)
    np.testing.assert_allclose(line.get_ydata(), d.variance[0])
    quiet = [ln for ln in fig.axes[0].get_lines() if "quiet" in ln.get_label()][0]
    np.testing.assert_allclose(quiet.get_xdata(), [2.0, 2.0])
    with pytest.raises(ValueError, match="beta_r"):
        pp.phase_row_explorer(0.0, 7.0)
    with pytest.raises(ValueError, match="alpha_r"):
        pp.phase_row_explorer(3.0, 0.0)
    pp._explorer_diagram.cache_clear()


def test_bad_input_names_the_argument(soft):
    with pytest.raises(TypeError, match=r"\balpha_r\b"):
        pp.phase_row_explorer("abc", 0.0)  # used to fail deep in numpy
    with pytest.raises(TypeError, match=r"\bbeta_r\b"):
        pp.phase_row_explorer(0.0, np.zeros(3))
    with pytest.raises(TypeError, match=r"\bspot_checks\b"):
        plots.plot_phase_diagram(soft, spot_checks=1.0)
    with pytest.raises(TypeError, match=r"\bg_chaos\b"):
        plots.plot_phase_diagram(soft, g_chaos="abc")
    region = onsets.marginal_region([0.0, 1.0])
    with pytest.raises(TypeError, match=r"\bspot\b"):
        plots.plot_marginal_region(region, spot=1.0)
    with pytest.raises(TypeError, match=r"\bg_h\b"):
        plots.plot_marginal_region(region, np.ones((2, 3)), g_h="abc")


def test_marginal_fixed_points_figure_and_its_edge_panel():
    import gatebook as gb

    res = gb.MarginalFixedPoints.from_dict(gb.committed_summary("marginal")["results"]["400"])
    fig = _render(plots.plot_marginal_fixed_points({"N = 400": res}))
    assert len(fig.axes) == 2
    edge = {"per_N": {"200": {"km_median": 5.1, "km_median_se": 0.3, "km_q25": 4.6, "km_q75": 5.8},
                      "1000": {"km_median": 5.4, "km_median_se": None, "km_q25": 5.0, "km_q75": None},
                      "2000": {"km_median": None}},
            "fit": {"intercept": 5.5, "intercept_se": 0.2, "slope": -80.0}}
    fig = _render(plots.plot_marginal_fixed_points({"N = 400": res}, edge=edge))
    ax = fig.axes[2]
    points = [ln for ln in ax.get_lines() if ln.get_linestyle() == "None"][0]
    np.testing.assert_allclose(points.get_xdata(), [1 / 200, 1 / 1000])  # sizes without a median are left out
    np.testing.assert_allclose(points.get_ydata(), [5.1, 5.4])
    fit = [ln for ln in ax.get_lines() if "fit" in ln.get_label()][0]
    assert fit.get_ydata()[0] == pytest.approx(5.5)
    g_star = [ln for ln in ax.get_lines() if "g_h^*" in ln.get_label()][0]
    assert g_star.get_ydata()[0] == pytest.approx(gb.meanfield.marginal_window(0.0)[1])
    with pytest.raises(TypeError, match=r"\bedge\b"):
        plots.plot_marginal_fixed_points({"N = 400": res}, edge={"a": 1})
    with pytest.raises(ValueError, match=r"\bedge\b"):
        plots.plot_marginal_fixed_points({"N = 400": res}, edge={"per_N": {"200": {"km_median": None}}})
