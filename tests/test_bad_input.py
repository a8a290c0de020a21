"""Bad input gets a clear ValueError/TypeError that names the argument."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.simulate import global_error


@pytest.fixture(scope="module")
def net():
    return gb.RandomRateNetwork(10, 1.5, seed=0)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(N=0, g=1.0), ValueError, "N"),
        (dict(N=-5, g=1.0), ValueError, "N"),
        (dict(N=2.5, g=1.0), TypeError, "N"),
        (dict(N="10", g=1.0), TypeError, "N"),
        (dict(N=True, g=1.0), TypeError, "N"),
        (dict(N=10, g=float("nan")), ValueError, "g"),
        (dict(N=10, g=float("inf")), ValueError, "g"),
        (dict(N=10, g=-1.0), ValueError, "g"),
        (dict(N=10, g="big"), TypeError, "g"),
        (dict(N=10, g=1.0, tau=0.0), ValueError, "tau"),
        (dict(N=10, g=1.0, tau=float("nan")), ValueError, "tau"),
        (dict(N=10, g=1.0, seed=-1), ValueError, "seed"),
        (dict(N=10, g=1.0, seed="abc"), TypeError, "seed"),
    ],
)
def test_network_constructor_rejects_bad_parameters(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        gb.RandomRateNetwork(**kwargs)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(t_max=0.0, dt=0.1), ValueError, "t_max"),
        (dict(t_max=-1.0, dt=0.1), ValueError, "t_max"),
        (dict(t_max=float("nan"), dt=0.1), ValueError, "t_max"),
        (dict(t_max=1.0, dt=0.0), ValueError, "dt"),
        (dict(t_max=1.0, dt=-0.1), ValueError, "dt"),
        (dict(t_max=1.0, dt=float("inf")), ValueError, "dt"),
        (dict(t_max=1.0, dt=2.0), ValueError, "dt"),
        (dict(t_max=1.0, dt=0.1, method="midpoint"), ValueError, "method"),
        (dict(t_max=1.0, dt=0.1, method=None), TypeError, "method"),
        (dict(t_max=1.0, dt=0.1, record_every=0), ValueError, "record_every"),
        (dict(t_max=1.0, dt=0.1, dtype=np.int32), ValueError, "dtype"),
        (dict(t_max=1.0, dt=0.1, x0=np.zeros(9)), ValueError, "x0"),
        (dict(t_max=1.0, dt=0.1, x0=np.zeros((2, 3, 10))), ValueError, "x0"),
        (dict(t_max=1.0, dt=0.1, x0=np.full(10, np.nan)), ValueError, "x0"),
        (dict(t_max=1.0, dt=0.1, x0="zeros"), TypeError, "x0"),
    ],
)
def test_simulate_rejects_bad_arguments(net, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        gb.simulate(net, **kwargs)


def test_simulate_rejects_a_non_model():
    with pytest.raises(TypeError, match="model"):
        gb.simulate(np.eye(3), 1.0, 0.1)


def test_jacobian_and_jvp_reject_wrong_shapes(net):
    x = np.zeros(10)
    with pytest.raises(ValueError, match="x"):
        gb.jacobian(net, np.zeros(11))
    with pytest.raises(ValueError, match="x"):
        gb.jacobian(net, np.zeros((2, 10)))
    with pytest.raises(ValueError, match="V"):
        gb.jvp(net, x, np.zeros(9))
    with pytest.raises(ValueError, match="V"):
        gb.jvp(net, x, np.zeros((10, 2, 2)))
    with pytest.raises(ValueError, match="V"):
        gb.jvp(net, x, np.full(10, np.inf))
    with pytest.raises(ValueError, match="x"):
        gb.jvp(net, np.full(10, np.nan), np.zeros(10))


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(k=0), ValueError, "k"),
        (dict(k=11), ValueError, "k"),
        (dict(k=2, dt=0.0), ValueError, "dt"),
        (dict(k=2, t_measure=0.0), ValueError, "t_measure"),
        (dict(k=2, t_transient=-1.0), ValueError, "t_transient"),
        (dict(k=2, reorth_every=0), ValueError, "reorth_every"),
        (dict(k=2, method="rk45"), ValueError, "method"),
        (dict(k=2, x0=np.zeros(3)), ValueError, "x0"),
        (dict(k=2, t_measure=1.0, reorth_every=10), ValueError, "t_measure"),
    ],
)
def test_lyapunov_rejects_bad_arguments(net, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        gb.lyapunov_spectrum(net, **kwargs)


def test_other_entry_points_reject_bad_arguments(net):
    with pytest.raises(ValueError, match="states"):
        gb.autocorrelation(np.zeros(5), 0.1)
    with pytest.raises(ValueError, match="dt"):
        gb.autocorrelation(np.zeros((5, 2)), 0.0)
    with pytest.raises(ValueError, match="max_lag"):
        gb.autocorrelation(np.zeros((5, 2)), 0.1, max_lag=5)
    with pytest.raises(ValueError, match="level"):
        gb.decay_time([0, 1], [1, 0.5], level=1.5)
    with pytest.raises(ValueError, match="C"):
        gb.decay_time([0, 1], [0.0, 0.0])
    with pytest.raises(ValueError, match="dts"):
        global_error(net, np.zeros(10), 1.0, [0.3])
    with pytest.raises(ValueError, match="couplings"):
        gb.RandomRateNetwork.from_couplings(np.zeros((3, 4)), g=1.0)
    with pytest.raises(TypeError, match="measure"):
        gb.sweep(3, [1.0])
    with pytest.raises(ValueError, match="values"):
        gb.sweep(lambda v, s: v, [])
