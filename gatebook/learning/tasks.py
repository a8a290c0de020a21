r"""Seeded sequence-regression tasks and experiment presets (Part II, chapters 3–5).

Every task returns a :class:`TaskBatch` whose ``inputs`` have shape ``(batch, T, m)``
and whose ``targets`` have shape ``(batch, 1)``: a recurrent network reads the whole
sequence and is scored with the mean-squared error of its *final* output. The chapters
on effective-learning-rate profiles (chapter 3), the first-order expansion (chapter 4)
and anisotropy and preconditioning (chapter 5) train on these batches.

Every generator takes ``seed`` (``None``, an ``int`` or a :class:`numpy.random.Generator`):
the same seed gives the same batch, bit for bit. Pass one Generator to successive calls
to draw a fresh training batch per step, and keep a *separate* seed for a fixed probe
batch (the reference code rebuilt an unseeded generator per call and so trained on one
batch over and over).

Tasks
-----
Unless noted, the last input channel is a 0/1 marker and the others carry content.

==================  ===============================================================  ==============
name                target                                                           mean-predictor
                                                                                     MSE
==================  ===============================================================  ==============
``adding``          sum of channel 0 at two marked steps, one in each half           :math:`1/6`
``recall``          sum of channel 0 at 5 distinct marked steps in the first third   :math:`5/12`
``sinmix``          late-minus-early change of one sinusoid plus early-minus-late    by quadrature
                    of another (no marker)
``short``           sum of channel 0 over the last 6 steps (no marker)               :math:`1/2`
``moving_average``  mean of the last 8 values of channel 0                           :math:`1/96`
``delay_sum``       :math:`\tfrac14\sum_{d\in\{4,12,24,36\}}u_{T-1-d}`               :math:`1/48`
``ar2``             standardised final value of a damped oscillatory AR(2)           :math:`1`
``narma10``         standardised final output of the NARMA-10 system                 :math:`\approx1`
==================  ===============================================================  ==============

The mean-predictor MSE is the variance of the target: the loss of a network that has
learned nothing about the inputs. Every batch stores it in ``info["mean_predictor_mse"]``
next to the population mean ``info["target_mean"]``.

Presets
-------
:data:`PRESETS` (the paper's settings ``s1``, ``s2``, ``appB`` and small ``laptop``
versions) and :func:`get_preset` live in :mod:`gatebook.presets` and are re-exported here.

The original settings are reproduced *with* the fixes of the science note: seeded
batches, informative AR(2) inputs and a divergence guard for NARMA-10.
"""

from __future__ import annotations

import numbers
import warnings
import numpy as np
import torch

from .._validation import as_generator, check_choice, check_memory, check_positive_int
from .presets import PRESETS, get_preset
from .task_batch import MARKER_WHY, TaskBatch, check_task_sizes, make_batch, task_dtype

__all__ = [
    "TaskBatch",
    "adding",
    "recall",
    "sinmix",
    "sinmix_variance",
    "short",
    "moving_average",
    "delay_sum",
    "ar2",
    "narma10",
    "make_task",
    "get_preset",
    "ar2_impulse_response",
    "TASKS",
    "PRESETS",
    "RECALL_MARKERS",
    "SHORT_WINDOW",
    "SINMIX_FREQUENCIES",
    "SINMIX_NOISE_STD",
    "DELAY_SUM_DELAYS",
    "AR2_COEFFICIENTS",
    "AR2_NOISE_STD",
    "NARMA10_MEAN",
    "NARMA10_STD",
]

#: Number of marked positions in the ``recall`` task.
RECALL_MARKERS = 5
#: Window :math:`L` of :func:`short` (the reference code's value).
SHORT_WINDOW = 6
#: Range of the frequencies of :func:`sinmix`, and the s.d. of its noise channels.
SINMIX_FREQUENCIES = (1.0, 7.0)
SINMIX_NOISE_STD = 0.1
#: Delays of the ``delay_sum`` task.
DELAY_SUM_DELAYS = (4, 12, 24, 36)
#: :math:`(\phi_1, \phi_2)` of the AR(2) latent :math:`x_t=\phi_1x_{t-1}+\phi_2x_{t-2}+\varepsilon_t`.
AR2_COEFFICIENTS = (1.6, -0.7)
#: Standard deviation of the AR(2) innovations :math:`\varepsilon_t`.
AR2_NOISE_STD = 0.05
#: Mean of the NARMA-10 output in its stationary regime (see :func:`narma10`).
NARMA10_MEAN = 0.388
#: Standard deviation of the NARMA-10 output in its stationary regime (see :func:`narma10`).
NARMA10_STD = 0.109
#: A NARMA-10 sequence whose output ever exceeds this magnitude is treated as diverged.
NARMA10_DIVERGENCE_BOUND = 2.0

_AR2_MODES = ("innovations", "observations", "distractor")


# ---------------------------------------------------------------------------
# tasks
# ---------------------------------------------------------------------------


def adding(batch, T=80, m=4, *, seed=None, dtype=torch.float32) -> TaskBatch:
    r"""The adding problem (Part II, chapters 3 and 5).

    Content channels ``0 … m-2`` are i.i.d. :math:`\mathcal U(0,1)`; channel ``m-1`` is a
    marker equal to 1 at exactly two steps, :math:`p_1` drawn uniformly from
    :math:`[0, \lfloor T/2\rfloor)` and :math:`p_2` from :math:`[\lfloor T/2\rfloor, T)`,
    and 0 elsewhere. The target is

    .. math::

        y = u_{p_1,0} + u_{p_2,0}.

    Predicting the mean :math:`\mathbb E\,y=1` costs

    .. math::

        \mathbb E(y-1)^2=\operatorname{Var}u_{p_1,0}+\operatorname{Var}u_{p_2,0}
        =\tfrac1{12}+\tfrac1{12}=\tfrac16,

    since the two values are independent :math:`\mathcal U(0,1)` draws, each of variance
    :math:`\int_0^1(u-\tfrac12)^2\,du=1/12`. Solving the task requires carrying the first
    marked value across up to :math:`T` steps.

    Parameters
    ----------
    batch : int
        Number of sequences.
    T : int, optional
        Sequence length (``>= 2``).
    m : int, optional
        Number of input channels (``>= 2``: content channels plus the marker).
    seed : int, numpy.random.Generator or None, optional
        Source of randomness; the same seed gives the same batch.
    dtype : torch.dtype, optional
        ``torch.float32`` (default) or ``torch.float64``.

    Returns
    -------
    TaskBatch
        ``info`` holds ``"markers"`` (int array ``(batch, 2)``), ``"target_mean"`` (1) and
        ``"mean_predictor_mse"`` (1/6).

    Examples
    --------
    >>> b = adding(8, T=20, m=3, seed=0)
    >>> tuple(b.inputs.shape), tuple(b.targets.shape)
    ((8, 20, 3), (8, 1))
    >>> b.inputs[:, :, -1].sum(dim=1).tolist()
    [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    """
    batch, T, m = check_task_sizes("adding", batch, T, m, min_T=2, min_m=2, why_T=" (one marker per half)", why_m=MARKER_WHY)
    dtype = task_dtype(dtype)
    rng = as_generator(seed)
    half = T // 2
    x = np.zeros((batch, T, m))
    x[:, :, : m - 1] = rng.random((batch, T, m - 1))
    markers = np.stack([rng.integers(0, half, size=batch), rng.integers(half, T, size=batch)], axis=1)
    rows = np.arange(batch)[:, None]
    x[rows, markers, m - 1] = 1.0
    y = x[rows, markers, 0].sum(axis=1)
    info = {"T": T, "m": m, "markers": markers, "target_mean": 1.0, "mean_predictor_mse": 1.0 / 6.0}
    return make_batch("adding", x, y, dtype, info)


def recall(batch, T=80, m=4, *, seed=None, dtype=torch.float32) -> TaskBatch:
    r"""Copy-like recall: sum the values at 5 marked steps early in the sequence (chapters 3, 5).

    Content channels are :math:`\mathcal U(0,1)`; the marker channel ``m-1`` equals 1 at
    :math:`K=5` *distinct* steps drawn uniformly without replacement from the first
    :math:`P=\max(3,\lfloor T/3\rfloor)` steps. The target is the sum of channel 0 at the
    marked steps,

    .. math::

        y=\sum_{k=1}^{K}u_{p_k,0},\qquad \mathbb E\,y=K/2,\qquad
        \operatorname{Var}y=K/12=5/12 .

    The network must hold the running sum for at least :math:`T-P` steps after the last
    marker.

    Parameters
    ----------
    batch, T, m, seed, dtype
        As in :func:`adding`. ``T >= 15`` so that the first :math:`\lfloor T/3\rfloor`
        steps hold 5 distinct markers; ``m >= 2``.

    Returns
    -------
    TaskBatch
        ``info`` holds ``"markers"`` (sorted int array ``(batch, 5)``), ``"window"``
        (:math:`P`), ``"target_mean"`` (2.5) and ``"mean_predictor_mse"`` (5/12).
    """
    K = RECALL_MARKERS
    batch, T, m = check_task_sizes(
        "recall", batch, T, m, min_T=3 * K, min_m=2,
        why_T=f" ({K} distinct markers in the first max(3, T//3) steps)", why_m=MARKER_WHY,
    )
    dtype = task_dtype(dtype)
    rng = as_generator(seed)
    window = max(3, T // 3)
    x = np.zeros((batch, T, m))
    x[:, :, : m - 1] = rng.random((batch, T, m - 1))
    # a random permutation per row (argsort of i.i.d. keys); its first K entries are distinct
    markers = np.sort(np.argsort(rng.random((batch, window)), axis=1)[:, :K], axis=1)
    rows = np.arange(batch)[:, None]
    x[rows, markers, m - 1] = 1.0
    y = x[rows, markers, 0].sum(axis=1)
    info = {"T": T, "m": m, "markers": markers, "window": window, "target_mean": K / 2, "mean_predictor_mse": K / 12}
    return make_batch("recall", x, y, dtype, info)


def short(batch, T=80, m=4, *, window=SHORT_WINDOW, seed=None, dtype=torch.float32) -> TaskBatch:
    r"""A myopic control: the sum of channel 0 over the last ``window`` steps (chapter 3).

    Content channels ``0 … m-2`` are i.i.d. :math:`\mathcal U(0,1)`; the marker channel
    ``m-1`` stays zero (nothing needs marking). With :math:`L` the window (6 by default,
    as in the reference code),

    .. math::

        y=\sum_{s=T-L}^{T-1}u_{s,0},\qquad \mathbb E\,y=L/2,\qquad \operatorname{Var}y=L/12 .

    Credit never needs to travel more than :math:`L` steps: a task on which gates have no
    long memory to protect.

    Parameters
    ----------
    batch, T, m, seed, dtype
        As in :func:`adding`; here ``T >= window`` and ``m >= 2``.
    window : int, optional
        :math:`L` (default :data:`SHORT_WINDOW` = 6).
    """
    window = check_positive_int(window, "window")
    batch, T, m = check_task_sizes("short", batch, T, m, min_T=window, min_m=2, why_T=f" with window={window}",
                               why_m=MARKER_WHY)
    dtype = task_dtype(dtype)
    rng = as_generator(seed)
    x = np.zeros((batch, T, m))
    x[:, :, : m - 1] = rng.random((batch, T, m - 1))
    y = x[:, T - window :, 0].sum(axis=1)
    info = {"T": T, "m": m, "window": window, "target_mean": window / 2, "mean_predictor_mse": window / 12}
    return make_batch("short", x, y, dtype, info)


def _sinmix_windows(T: int) -> np.ndarray:
    r"""Weights :math:`w_t` with :math:`\bar s^{\rm late}-\bar s^{\rm early}=\sum_tw_ts_t` (quarters of ``T`` steps)."""
    q = T // 4
    w = np.zeros(T)
    w[:q] = -1.0 / q
    w[T - q :] += 1.0 / q
    return w


def sinmix_variance(T: int) -> float:
    r"""Variance of the :func:`sinmix` target, by quadrature over the frequency.

    With :math:`S(f)=\sum_tw_te^{2\pi i f t_t}` the window weights' transform, a uniform
    phase gives :math:`\mathbb E_p[(\sum_tw_t\sin(2\pi ft_t+p))^2]=|S(f)|^2/2`; the two
    independent signals add, so :math:`\operatorname{Var}y=\mathbb E_{f\sim\mathcal U(1,7)}|S(f)|^2`.
    """
    from scipy.integrate import quad

    T = check_positive_int(T, "T")
    if T < 4:
        raise ValueError(f"T must be >= 4 (quarters of the sequence), got {T}")
    check_memory(2 * T, "T", what="the window weights and times")
    w, t = _sinmix_windows(T), np.linspace(0.0, 1.0, T)

    def power(f):
        return float(np.abs(np.dot(w, np.exp(2j * np.pi * f * t))) ** 2)

    lo, hi = SINMIX_FREQUENCIES
    return quad(power, lo, hi, limit=200)[0] / (hi - lo)


def sinmix(batch, T=80, m=4, *, noise_std=SINMIX_NOISE_STD, seed=None, dtype=torch.float32) -> TaskBatch:
    r"""Two sinusoids: the late-minus-early change of one plus the early-minus-late change of the other.

    On :math:`T` evenly spaced times :math:`t\in[0,1]`, channels 0 and 1 carry
    :math:`s_i(t)=\sin(2\pi f_it+p_i)` with :math:`f_i\sim\mathcal U(1,7)` and
    :math:`p_i\sim\mathcal U(0,2\pi)`; channels ``2 … m-2`` are :math:`\mathcal N(0,0.1^2)`
    noise and the marker channel ``m-1`` stays zero. With :math:`\bar s^{\rm early}`,
    :math:`\bar s^{\rm late}` the means over the first and last quarters,

    .. math::

        y=(\bar s_1^{\rm late}-\bar s_1^{\rm early})+(\bar s_2^{\rm early}-\bar s_2^{\rm late}),
        \qquad \mathbb E\,y=0,\qquad \operatorname{Var}y=\mathbb E_f|S(f)|^2

    (:func:`sinmix_variance`). The network must compare the start with the end of each signal.

    Parameters
    ----------
    batch, T, m, seed, dtype
        As in :func:`adding`; here ``T >= 4`` and ``m >= 3`` (two signals and the marker).
    noise_std : float, optional
        Standard deviation of the noise channels (default 0.1).

    Returns
    -------
    TaskBatch
        ``info`` holds ``"frequencies"`` and ``"phases"`` (arrays ``(batch, 2)``),
        ``"target_mean"`` (0) and ``"mean_predictor_mse"`` (:func:`sinmix_variance`).
    """
    batch, T, m = check_task_sizes("sinmix", batch, T, m, min_T=4, min_m=3, why_T=" (quarters of the sequence)",
                               why_m=" (two signal channels and the marker)")
    if (isinstance(noise_std, bool) or not isinstance(noise_std, numbers.Real) or not np.isfinite(noise_std)
            or noise_std < 0):
        raise ValueError(f"noise_std must be a finite number >= 0, got {noise_std!r}")
    dtype = task_dtype(dtype)
    rng = as_generator(seed)
    lo, hi = SINMIX_FREQUENCIES
    freqs = rng.uniform(lo, hi, size=(batch, 2))
    phases = rng.uniform(0.0, 2 * np.pi, size=(batch, 2))
    t = np.linspace(0.0, 1.0, T)
    x = np.zeros((batch, T, m))
    x[:, :, :2] = np.sin(2 * np.pi * freqs[:, None, :] * t[None, :, None] + phases[:, None, :])
    if m > 3:
        x[:, :, 2 : m - 1] = noise_std * rng.standard_normal((batch, T, m - 3))
    change = x[:, :, :2].transpose(0, 2, 1) @ _sinmix_windows(T)  # (batch, 2): late minus early
    y = change[:, 0] - change[:, 1]
    info = {"T": T, "m": m, "frequencies": freqs, "phases": phases, "noise_std": float(noise_std),
            "target_mean": 0.0, "mean_predictor_mse": sinmix_variance(T)}
    return make_batch("sinmix", x, y, dtype, info)


def moving_average(batch, T=80, m=4, *, window=8, seed=None, dtype=torch.float32) -> TaskBatch:
    r"""Mean of the last ``window`` inputs: a short, smooth memory kernel (chapter 5).

    Channel 0 carries :math:`u_t\sim\mathcal U(0,1)` i.i.d.; the other channels are zero
    (there is no marker). The target and its mean-predictor loss are

    .. math::

        y=\frac1W\sum_{s=T-W}^{T-1}u_s,\qquad \operatorname{Var}y=\frac{1}{12W}
        \;(=1/96\text{ for }W=8).

    Parameters
    ----------
    batch, T, m, seed, dtype
        As in :func:`adding`; here ``m >= 1`` and ``T >= window``.
    window : int, optional
        Averaging window :math:`W` (default 8).
    """
    window = check_positive_int(window, "window")
    batch, T, m = check_task_sizes("moving_average", batch, T, m, min_T=window, why_T=f" with window={window}")
    dtype = task_dtype(dtype)
    rng = as_generator(seed)
    x = np.zeros((batch, T, m))
    x[:, :, 0] = rng.random((batch, T))
    y = x[:, T - window :, 0].mean(axis=1)
    info = {"T": T, "m": m, "window": window, "target_mean": 0.5, "mean_predictor_mse": 1.0 / (12 * window)}
    return make_batch("moving_average", x, y, dtype, info)


def delay_sum(batch, T=80, m=4, *, seed=None, dtype=torch.float32) -> TaskBatch:
    r"""Average of four delayed inputs: a sparse, multi-lag memory kernel (chapter 5).

    As :func:`moving_average` (channel 0 :math:`\mathcal U(0,1)`, other channels zero), but

    .. math::

        y=\frac14\sum_{d\in\{4,12,24,36\}}u_{T-1-d},\qquad
        \operatorname{Var}y=\frac{4}{16}\cdot\frac1{12}=\frac1{48}.

    Parameters
    ----------
    batch, T, m, seed, dtype
        As in :func:`adding`; here ``m >= 1`` and ``T > 36`` (the largest delay).
    """
    dmax = max(DELAY_SUM_DELAYS)
    batch, T, m = check_task_sizes("delay_sum", batch, T, m, min_T=dmax + 1, why_T=f" (largest delay {dmax})")
    dtype = task_dtype(dtype)
    rng = as_generator(seed)
    x = np.zeros((batch, T, m))
    x[:, :, 0] = rng.random((batch, T))
    idx = T - 1 - np.asarray(DELAY_SUM_DELAYS)
    y = x[:, idx, 0].mean(axis=1)
    n = len(DELAY_SUM_DELAYS)
    info = {"T": T, "m": m, "delays": DELAY_SUM_DELAYS, "target_mean": 0.5, "mean_predictor_mse": 1.0 / (12 * n)}
    return make_batch("delay_sum", x, y, dtype, info)


def ar2_impulse_response(T) -> np.ndarray:
    r"""Impulse response :math:`\psi_0,\dots,\psi_{T-1}` of the AR(2) latent of :func:`ar2`.

    .. math::

        \psi_0=1,\quad\psi_1=\phi_1,\quad\psi_h=\phi_1\psi_{h-1}+\phi_2\psi_{h-2},

    with :math:`(\phi_1,\phi_2)=(1.6,-0.7)`. The characteristic roots have modulus
    :math:`\sqrt{0.7}`, so :math:`\psi_h` oscillates and decays like :math:`0.837^h`.
    """
    T = check_positive_int(T, "T")
    check_memory(T, "T", what="the impulse response")
    p1, p2 = AR2_COEFFICIENTS
    impulse = np.zeros(T)
    impulse[0] = 1.0
    from scipy.signal import lfilter  # imported here: scipy.signal takes seconds to import

    return lfilter([1.0], [1.0, -p1, -p2], impulse)


def ar2(
    batch, T=80, m=4, *, inputs="innovations", obs_noise=0.1, standardize=True, seed=None, dtype=torch.float32
) -> TaskBatch:
    r"""Final value of a damped oscillatory AR(2) process, with *informative* inputs (chapter 5).

    The latent starts at rest (:math:`x_{-1}=x_{-2}=0`) and follows

    .. math::

        x_t=1.6\,x_{t-1}-0.7\,x_{t-2}+\varepsilon_t,\qquad
        \varepsilon_t\sim\mathcal N(0,0.05^2),\quad t=0,\dots,T-1,

    so that :math:`x_{T-1}=\sum_{k=0}^{T-1}\psi_{T-1-k}\,\varepsilon_k` with the impulse
    response :math:`\psi` of :func:`ar2_impulse_response`. Its exact variance at finite
    :math:`T` is

    .. math::

        s_T^2=\sigma^2\sum_{h=0}^{T-1}\psi_h^2
        \;\xrightarrow[T\to\infty]{}\;
        \sigma^2\,\frac{1-\phi_2}{(1+\phi_2)\,[(1-\phi_2)^2-\phi_1^2]}
        =\sigma^2\cdot 17.17\ldots,

    and the target is :math:`x_{T-1}/s_T` (variance exactly 1) when ``standardize`` is
    true, otherwise :math:`x_{T-1}`.

    The reference code fed i.i.d. :math:`\mathcal U(0,1)` inputs that are *independent*
    of the latent, so no network could beat the mean predictor. Here ``inputs`` selects
    what channel 0 carries (the other channels are zero unless stated):

    - ``"innovations"`` (default): :math:`\varepsilon_t/\sigma`, i.e. standard normals.
      Every innovation that enters the target is shown, so the target is an exact
      linear function of the inputs (a linear filter with kernel :math:`\psi/s_T`).
    - ``"observations"``: noisy observations :math:`x_t/s_T+\nu_t` with
      :math:`\nu_t\sim\mathcal N(0,\texttt{obs\_noise}^2)`; a filtering problem.
    - ``"distractor"``: the reference code's i.i.d. :math:`\mathcal U(0,1)` on every
      channel, kept only to reproduce it; emits a :class:`UserWarning`.

    Parameters
    ----------
    batch, T, m, seed, dtype
        As in :func:`adding`; here ``m >= 1``.
    inputs : {"innovations", "observations", "distractor"}, optional
        What the network sees (above).
    obs_noise : float, optional
        Observation-noise s.d. in units of :math:`s_T` (``"observations"`` only).
    standardize : bool, optional
        Divide the target by :math:`s_T` (default).

    Returns
    -------
    TaskBatch
        ``info`` holds ``"psi"``, ``"noise_std"`` (:math:`\sigma`), ``"target_std"``
        (:math:`s_T`), ``"stationary_std"`` (:math:`s_\infty`), ``"inputs"`` and the
        mean-predictor MSE (1 when standardised, :math:`s_T^2` otherwise).
    """
    batch, T, m = check_task_sizes("ar2", batch, T, m)
    mode = check_choice(inputs, "inputs", _AR2_MODES)
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize must be True or False, got {standardize!r}")
    if isinstance(obs_noise, bool) or not isinstance(obs_noise, numbers.Real) or not np.isfinite(obs_noise) or obs_noise < 0:
        raise ValueError(f"obs_noise must be a finite number >= 0, got {obs_noise!r}")
    dtype = task_dtype(dtype)
    rng = as_generator(seed)
    if mode == "distractor":
        warnings.warn(
            "ar2(inputs='distractor') reproduces the reference code: the inputs are independent "
            "of the latent AR(2) process, so the target is unpredictable (no model beats the "
            "mean predictor). Use inputs='innovations' or 'observations' for a learnable task.",
            UserWarning,
            stacklevel=2,
        )

    sigma = AR2_NOISE_STD
    p1, p2 = AR2_COEFFICIENTS
    psi = ar2_impulse_response(T)
    target_std = sigma * np.sqrt(np.sum(psi**2))
    stationary_std = sigma * np.sqrt((1 - p2) / ((1 + p2) * ((1 - p2) ** 2 - p1**2)))

    z = rng.standard_normal((batch, T))  # standardised innovations eps_t / sigma
    from scipy.signal import lfilter

    latent = lfilter([1.0], [1.0, -p1, -p2], sigma * z, axis=1)  # the AR(2) recursion along time
    x = np.zeros((batch, T, m))
    if mode == "innovations":
        x[:, :, 0] = z
    elif mode == "observations":
        x[:, :, 0] = latent / target_std + obs_noise * rng.standard_normal((batch, T))
    else:
        x[:, :, :] = rng.random((batch, T, m))
    scale = target_std if standardize else 1.0
    y = latent[:, -1] / scale
    info = {
        "T": T,
        "m": m,
        "inputs": mode,
        "psi": psi,
        "coefficients": AR2_COEFFICIENTS,
        "noise_std": sigma,
        "target_std": float(target_std),
        "stationary_std": float(stationary_std),
        "standardized": bool(standardize),
        "target_mean": 0.0,
        "mean_predictor_mse": 1.0 if standardize else float(target_std**2),
    }
    if mode == "observations":
        info["obs_noise"] = float(obs_noise)
    return make_batch("ar2", x, y, dtype, info)


def _narma10_outputs(u: np.ndarray) -> np.ndarray:
    """Run the NARMA-10 recursion on ``u`` of shape ``(rows, T)``; return ``y_0 … y_T``."""
    rows, T = u.shape
    y = np.zeros((rows, T + 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):  # the recursion is sequential in time; rows are vectorised
            window_sum = y[:, max(0, t - 9) : t + 1].sum(axis=1)
            u_lag = u[:, t - 9] if t >= 9 else 0.0
            y[:, t + 1] = 0.3 * y[:, t] + 0.05 * y[:, t] * window_sum + 1.5 * u_lag * u[:, t] + 0.1
    return y


def _diverged(y: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return ~np.all(np.abs(y) <= NARMA10_DIVERGENCE_BOUND, axis=1)  # NaN compares False


class _Diverged(RuntimeError, ValueError):
    """NARMA-10 sequences that keep diverging: a RuntimeError (as documented) and a ValueError
    (the arguments ``T``, ``u_high`` and ``max_tries`` make divergence near certain)."""


def narma10(
    batch, T=80, m=4, *, standardize=True, u_high=0.5, max_tries=20, seed=None, dtype=torch.float32
) -> TaskBatch:
    r"""The NARMA-10 system identification task (chapter 5).

    Channel 0 carries :math:`u_t\sim\mathcal U(0,0.5)` i.i.d. (other channels zero). The
    output starts at :math:`y_0=0` (and :math:`y_t=0` for :math:`t<0`) and follows

    .. math::

        y_{t+1}=0.3\,y_t+0.05\,y_t\sum_{i=0}^{9}y_{t-i}+1.5\,u_{t-9}\,u_t+0.1,
        \qquad t=0,\dots,T-1,

    with :math:`u_{t-9}=0` for :math:`t<9`. The target is the final output :math:`y_T`,
    which depends on :math:`u_{T-1}` and on :math:`u_{T-10}`.

    **Divergence.** The quadratic term makes the system explode on rare input sequences
    (about 3 in :math:`10^4` at :math:`T=120`, more for longer :math:`T`). Once :math:`|y|`
    exceeds about 1.5 it has never been seen to come back, so a sequence whose output ever
    leaves :math:`[-2, 2]` (or is not finite) is redrawn, up to ``max_tries`` times;
    a :class:`RuntimeError` (also a :class:`ValueError`: ``T`` or ``u_high`` is too large)
    is raised if some sequence still diverges.

    **Standardisation.** With ``standardize`` true the target is
    :math:`(y_T-0.388)/0.109`. The constants :data:`NARMA10_MEAN` and :data:`NARMA10_STD`
    are the mean and s.d. of the non-diverged :math:`y_T` in the stationary regime,
    measured on :math:`4\times10^5` sequences at :math:`T=80` and 120 and
    :math:`2\times10^5` at :math:`T=400` (they agree to :math:`\pm0.001`). The start from
    rest is forgotten within a few tens of steps: at :math:`T=40` the standardised target
    has mean :math:`-0.025` and s.d. :math:`0.99`.

    Parameters
    ----------
    batch, T, m, seed, dtype
        As in :func:`adding`; here ``m >= 1``.
    standardize : bool, optional
        Standardise the target with the constants above (default).
    u_high : float, optional
        Upper end of the input distribution :math:`\mathcal U(0, u_{\rm high})`. The
        constants above hold only for the standard value 0.5.
    max_tries : int, optional
        How many times diverged sequences are redrawn before giving up.

    Returns
    -------
    TaskBatch
        ``info`` holds ``"resampled"`` (how many sequences were redrawn), ``"mean"`` and
        ``"std"`` used for standardisation, ``"target_mean"`` and ``"mean_predictor_mse"``
        (approximate for this task).
    """
    batch, T, m = check_task_sizes("narma10", batch, T, m)
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize must be True or False, got {standardize!r}")
    if isinstance(u_high, bool) or not isinstance(u_high, numbers.Real) or not np.isfinite(u_high) or u_high <= 0:
        raise ValueError(f"u_high must be a finite number > 0, got {u_high!r}")
    max_tries = check_positive_int(max_tries, "max_tries")
    dtype = task_dtype(dtype)
    rng = as_generator(seed)

    u = u_high * rng.random((batch, T))
    y = _narma10_outputs(u)
    bad = np.flatnonzero(_diverged(y))
    resampled = 0
    tries = 0
    while bad.size and tries < max_tries:
        tries += 1
        resampled += bad.size
        u[bad] = u_high * rng.random((bad.size, T))
        y[bad] = _narma10_outputs(u[bad])
        bad = bad[_diverged(y[bad])]
    if bad.size:
        raise _Diverged(
            f"narma10: {bad.size} of {batch} sequences still diverged (|y| > {NARMA10_DIVERGENCE_BOUND}) "
            f"after max_tries={max_tries} redraws; use a smaller T or u_high (got T={T}, u_high={u_high})"
        )
    x = np.zeros((batch, T, m))
    x[:, :, 0] = u
    mean, std = (NARMA10_MEAN, NARMA10_STD) if standardize else (0.0, 1.0)
    target = (y[:, -1] - mean) / std
    info = {
        "T": T,
        "m": m,
        "u_high": float(u_high),
        "resampled": int(resampled),
        "standardized": bool(standardize),
        "mean": mean,
        "std": std,
        "target_mean": 0.0 if standardize else NARMA10_MEAN,
        "mean_predictor_mse": 1.0 if standardize else NARMA10_STD**2,
    }
    return make_batch("narma10", x, target, dtype, info)


#: Task generators by name.
TASKS = {
    "adding": adding,
    "recall": recall,
    "sinmix": sinmix,
    "short": short,
    "moving_average": moving_average,
    "delay_sum": delay_sum,
    "ar2": ar2,
    "narma10": narma10,
}


def make_task(name, batch, **kwargs) -> TaskBatch:
    """Draw a batch of the task called ``name`` (a key of :data:`TASKS`).

    Examples
    --------
    >>> make_task("delay_sum", 4, T=40, seed=1).targets.shape
    torch.Size([4, 1])
    """
    name = check_choice(name, "task name", TASKS)
    return TASKS[name](batch, **kwargs)
