r"""One entry point for the dynamical mean-field theory of the gated network (chapters 9-11).

:func:`dmft` takes the network's parameters, picks the solver — the deterministic Fourier
iteration when the timescale gate is constant (:math:`\alpha_z=0`, where :math:`h` is a
Gaussian process), the Monte Carlo solver otherwise — and returns a
:class:`~gatebook.meanfield.DMFTResult` with the autocorrelation, its variance, the maximal
Lyapunov exponent and the solver's diagnostics. Chapter 1's network is the case
:math:`\alpha_z=\alpha_r=0`, with :math:`g=g_hs_r` and :math:`\tau=\tau_h/s_z`.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect

from .._validation import check_bool, check_choice, check_finite_float, check_nonnegative_float, check_positive_float
from ._result import DMFTResult
from ._signature import gate_keywords
from .gated import gated_dmft, gated_lambda_max

__all__ = ["dmft"]

#: solver names accepted by :func:`dmft`
METHODS = ("auto", "iteration", "sampling")


#: the arguments :func:`dmft` itself passes on to each solver (not solver options)
_PASSED = {"g_h", "alpha_r", "beta_r", "alpha_z", "beta_z", "g_r", "g_z", "tau_h", "tau_r", "tau_z", "input_std",
           "start"}


def _check_options(solver, options, method, alpha_z):
    """Refuse solver options that ``solver`` does not take, naming the option and why that solver was chosen."""
    accepted = sorted(set(inspect.signature(solver).parameters) - _PASSED)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        why = f"method={method!r}" + (f", chosen for alpha_z={alpha_z:g}" if method == "sampling" and alpha_z else "")
        raise TypeError(
            f"dmft: solver option(s) {unknown} are not options of the {method} solver ({why}); it takes "
            f"{accepted}" + (" (the iteration needs alpha_z = 0)" if method == "sampling" else "")
        )


def _sampling_solver():
    try:
        module = importlib.import_module(f"{__package__}.sampling")
    except ModuleNotFoundError as err:  # pragma: no cover - only while the module is missing
        raise NotImplementedError("the sampling DMFT solver (gatebook.meanfield.sampling) is not available") from err
    return module.sampled_dmft


@gate_keywords("alpha_r", "beta_r")
def dmft(
    g_h,
    *,
    alpha_r=0.0,
    beta_r=0.0,
    alpha_z=0.0,
    beta_z=0.0,
    g_r=1.0,
    g_z=1.0,
    tau_h=1.0,
    tau_r=1.0,
    tau_z=1.0,
    input_std=0.0,
    start="large",
    lambda_max=True,
    method="auto",
    **solver_options,
) -> DMFTResult:
    r"""Solve the DMFT of the gated network and predict its maximal Lyapunov exponent (chapter 9).

    The single-site process (presynaptic output gate, static input :math:`I\sim\mathcal N(0,\sigma_I^2)`)

    .. math::

        \tau_h\dot h=\sigma_z(z)\,[-h+\eta_h+I],\qquad \tau_z\dot z=-z+\eta_z,\qquad
        \tau_r\dot r=-r+\eta_r,

    with Gaussian fields of covariances :math:`g_h^2C_{\sigma_r}C_\phi`, :math:`g_z^2C_\phi` and
    :math:`g_r^2C_\phi`, is solved self-consistently for the stationary autocorrelation
    :math:`\Delta_h(s)=\langle h(t)h(t+s)\rangle`.

    * ``method="iteration"`` (the default for :math:`\alpha_z=0`):
      :func:`~gatebook.meanfield.gated.gated_dmft` (exact for a soft output gate without
      input, the Fourier iteration finished by Newton's method otherwise, on a lag window
      that grows with :math:`\tau_{\rm eff}=\tau_h(1+e^{\beta_z})`), then, with ``lambda_max=True``,
      :func:`~gatebook.meanfield.gated.gated_lambda_max` (chapter 10's two-replica operator; on
      the quiescent branch the exact value at the origin). ``alpha_z`` must be 0.
    * ``method="sampling"`` (the default for :math:`\alpha_z\neq0`): the Monte Carlo solver
      :func:`~gatebook.meanfield.sampling.sampled_dmft`. The book has no DMFT formula for
      :math:`\lambda_{\max}` at :math:`\alpha_z\neq0`, so ``lambda_max`` stays ``nan`` there.

    Parameters
    ----------
    g_h : float
        Coupling gain (``>= 0``), the only positional argument.
    alpha_r, beta_r : float, optional
        Output gate gain (``>= 0``) and bias, keyword-only (by position they still work for
        one release, with a :class:`DeprecationWarning`).
    alpha_z, beta_z, g_r, g_z, tau_h, tau_r, tau_z, input_std : float, optional
        The other parameters of :class:`gatebook.GatedNetwork`; ``input_std`` is
        :math:`\sigma_I`. ``g_z`` and ``tau_z`` only matter when :math:`\alpha_z\neq0`.
    start : {"large", "small"} or DMFTResult, optional
        Branch selection: a large start reaches the chaotic branch, a small one the quiet state
        where both exist (chapter 10); a previous result warm-starts a continuation.
    lambda_max : bool, optional
        Also compute :math:`\lambda_{\max}` (about half the cost of the solve).
    method : {"auto", "iteration", "sampling"}, optional
    **solver_options
        Passed to the solver (e.g. ``n``, ``s_max``, ``damping``, ``tol``, ``max_iter`` for the
        iteration; ``paths``, ``seed``, ``dt`` for sampling). Names the chosen solver does not take
        raise a ``TypeError`` that names them and says which solver was chosen (and why: a nonzero
        ``alpha_z`` selects sampling).

    Returns
    -------
    DMFTResult
        ``autocorrelation``, ``variance``, ``lambda_max``, ``branch``, ``relaxation_time``, and
        the convergence history (``iterations``, ``residuals``).

    Raises
    ------
    DMFTConvergenceError
        When the solver does not converge; its ``diagnostics`` hold the residual history, the
        last iterate's summary and a suggestion.

    Examples
    --------
    With soft gates at zero bias, :math:`g_{\rm eff}=g_h/2` and :math:`\tau_{\rm eff}=2\tau_h`:
    chapter 1's network at :math:`g=2` (:math:`\Delta_0=1.9248`, :math:`\lambda_{\max}\tau=0.1125`)
    on a clock twice as slow.

    >>> res = dmft(4.0)
    >>> round(res.variance, 4), round(2 * res.lambda_max, 4)
    (1.9248, 0.1125)
    >>> dmft(1.5).branch                  # below the quiet threshold 1 + e^0 = 2
    'quiescent'
    """
    g_h = check_nonnegative_float(g_h, "g_h")
    alpha_z = check_nonnegative_float(alpha_z, "alpha_z")
    method = check_choice(method, "method", METHODS)
    lambda_max = check_bool(lambda_max, "lambda_max")
    if method == "auto":
        method = "iteration" if alpha_z == 0.0 else "sampling"
    if method == "iteration":
        if alpha_z != 0.0:
            raise ValueError(
                f"method='iteration' needs alpha_z = 0 (h is Gaussian only then), got alpha_z={alpha_z}; "
                "use method='sampling'"
            )
        check_positive_float(tau_z, "tau_z")
        check_nonnegative_float(g_z, "g_z")
        _check_options(gated_dmft, solver_options, method, alpha_z)
        result = gated_dmft(
            g_h, alpha_r=alpha_r, beta_r=beta_r, beta_z=beta_z, g_r=g_r, tau_h=tau_h, tau_r=tau_r,
            input_std=input_std, start=start, **solver_options
        )
        if lambda_max:
            result = dataclasses.replace(result, lambda_max=gated_lambda_max(result))
        return result
    check_finite_float(beta_z, "beta_z")
    solver = _sampling_solver()
    _check_options(solver, solver_options, method, alpha_z)
    return solver(
        g_h,
        alpha_z=alpha_z,
        alpha_r=alpha_r,
        beta_z=beta_z,
        beta_r=beta_r,
        g_z=g_z,
        g_r=g_r,
        tau_h=tau_h,
        tau_z=tau_z,
        tau_r=tau_r,
        input_std=input_std,
        start=start,
        **solver_options,
    )
