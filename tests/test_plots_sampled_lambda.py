"""plots.plot_lambda_over_alpha_z (chapter 11's alpha_z axis): what it draws and what it refuses."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from gatebook import plots

G, A = [2.0, 3.0, 4.0], [0.0, 5.0, 20.0]
LAM = np.array([[0.1, 0.12, np.nan], [0.2, 0.22, 0.27], [0.3, 0.33, 0.4]])


def test_draws_every_finite_cell_and_one_curve_per_gain():
    fig = plots.plot_lambda_over_alpha_z(G, A, LAM, stderr=np.full((3, 3), 0.01))
    heat, curves = fig.axes[0], fig.axes[1]
    labels = [t.get_text() for t in heat.texts]
    assert labels == [f"{v:.2f}" for v in LAM[np.isfinite(LAM)]]
    assert [t.get_text() for t in curves.get_legend().get_texts()] == ["$g_h=2$", "$g_h=3$", "$g_h=4$"]
    first = curves.lines[0].get_ydata()
    np.testing.assert_allclose(first, [0.1, 0.12])  # the missing point is left out, not drawn at 0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="lambda_max"):
        plots.plot_lambda_over_alpha_z(G, A, LAM[:2])
    with pytest.raises(ValueError, match="stderr"):
        plots.plot_lambda_over_alpha_z(G, A, LAM, stderr=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="increasing"):
        plots.plot_lambda_over_alpha_z([3.0, 2.0, 4.0], A, LAM)
    with pytest.raises(ValueError, match="alpha_z"):
        plots.plot_lambda_over_alpha_z(G, [-1.0, 5.0, 20.0], LAM)
