"""Gatebook: how gates in recurrent neural networks shape their dynamics and their learning.

The package behind the executable book. Chapters import it; the science lives here,
tested. The common data path is parameters → model → simulate or solve → measure → figure.

``import gatebook`` loads only the models and the chapter-1 measurements (numpy and
scipy). Everything else is imported on first use (PEP 562): the figures and exercises
(matplotlib), Part II's :mod:`~gatebook.learning` (torch), the mean-field theory
:mod:`~gatebook.meanfield` and each chapter's experiment module. ``dir(gatebook)`` lists
them all.
"""


from .correlations import autocorrelation, decay_time
from .dynamical_system import DynamicalSystem, jacobian, jacobian_trace, jvp, vector_field
from .gated_network import GatedNetwork
from .inputs import pulses
from .lyapunov import LyapunovResult, lyapunov_from_separation, lyapunov_spectrum, max_lyapunov
from .random_network import RandomRateNetwork
from .simulate import Trajectory, global_error, simulate
from .sweeps import Sweep, correlation_time_sweep, max_lyapunov_sweep, sweep

__version__ = "0.1.0"

from ._lazy import lazy_names

#: Public names imported on first use: ``{name: submodule}``. A name equal to its
#: submodule is the submodule itself.
_LAZY = {
    # the committed full-scale runs the chapters quote (no torch)
    "committed_summary": "committed",
    # interactive figures (matplotlib)
    "Explorable": "explore",
    "explorable": "explore",
    # Part III measurements (chapters 6-8)
    "FixedPoint": "fixed_points",
    "find_fixed_point": "fixed_points",
    "newton_root": "fixed_points",
    "find_fixed_points": "fixed_points",
    "CensusSweep": "complexity",
    "FixedPointCensus": "complexity",
    "MarginalFixedPoints": "marginal_stability",
    "census_sweep": "complexity",
    "fixed_point_census": "complexity",
    "marginal_fixed_points": "marginal_stability",
    "SupportBoundary": "spectral_support",
    "support_function": "spectral_support",
    "support_boundary": "spectral_support",
    "inside_support": "spectral_support",
    "kaplan_yorke_dimension": "dimension",
    "state_participation_ratio": "dimension",
    "covariance_spectrum": "dimension",
    "speed": "timescales",
    "rms_speed": "timescales",
    "local_timescales": "timescales",
    "closed_fraction": "timescales",
    # the sweep engine: independent jobs on one core, several, or a cluster
    "run_jobs": "jobs",
    "jobs": "jobs",
    # the torch route: one device convention, networks stacked over seeds (research scale)
    "resolve_device": "backend",
    "stack_networks": "torch_networks",
    "backend": "backend",
    "torch_networks": "torch_networks",
    # on-disk cache of named arrays (atomic writes, defensive reads)
    "ArrayStore": "_cache",
    "CacheWarning": "_cache",
    # subpackages: figures and self-checks (matplotlib), Part II (torch), theory
    "plots": "plots",
    "exercises": "exercises",
    "learning": "learning",
    "meanfield": "meanfield",
    # modules: the closed forms of the quiet state, metrics, tasks and experiments
    "quiet_state": "quiet_state",  # chapters 6, 8, 10, 11
    "explore": "explore",
    "fixed_points": "fixed_points",
    "spectral_support": "spectral_support",
    "dimension": "dimension",
    "timescales": "timescales",
    "spectra": "spectra",  # singular-value metrics, chapter 5 (numpy)
    "quiescent": "quiescent",  # chapter 6
    "memory": "memory",  # chapter 7
    "slow_modes": "slow_modes",  # chapter 7
    "r_gate": "r_gate",  # chapter 8
    "dimension_controls": "dimension_controls",  # chapter 8: matched controls and gate-parameter sweeps
    "transitions": "transitions",  # chapter 10
    "committed": "committed",  # the committed full-scale runs (chapters 3-5, 8-11)
    "complexity": "complexity",  # chapter 10: the fixed-point census
    "marginal_stability": "marginal_stability",  # chapter 11: fixed points turning marginal
}


#: Old names kept for one release; each warns with its new home. Not in ``__all__``.
_DEPRECATED = {
    "anisotropy": "anisotropy",  # now gatebook.spectra
    "tasks": "tasks",  # now gatebook.learning.tasks
    "presets": "presets",  # now gatebook.learning.presets
    # the participation ratio of the states (chapter 8): now dimension.state_participation_ratio;
    # the one participation_ratio, of a spectrum, is gatebook.spectra.participation_ratio
    "participation_ratio": "dimension",
}


__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY, _DEPRECATED)


__all__ = [
    "DynamicalSystem",
    "GatedNetwork",
    "LyapunovResult",
    "RandomRateNetwork",
    "Sweep",
    "Trajectory",
    "autocorrelation",
    "correlation_time_sweep",
    "decay_time",
    "global_error",
    "jacobian",
    "jacobian_trace",
    "jvp",
    "lyapunov_from_separation",
    "lyapunov_spectrum",
    "max_lyapunov",
    "max_lyapunov_sweep",
    "pulses",
    "simulate",
    "sweep",
    "vector_field",
    *_LAZY,
]
