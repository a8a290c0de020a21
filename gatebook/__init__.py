"""Gatebook: how gates in recurrent neural networks shape their dynamics and their learning.

The package behind the executable book. Chapters import it; the science lives here,
tested. The common data path is parameters → model → simulate or solve → measure → figure.
"""

from . import exercises, plots
from .correlations import autocorrelation, decay_time
from .dynamical_system import DynamicalSystem, jacobian, jacobian_trace, jvp, vector_field
from .explore import Explorable, explorable
from .gated_network import GatedNetwork
from .inputs import pulses
from .integrators import global_error
from .lyapunov import LyapunovResult, lyapunov_from_separation, lyapunov_spectrum, max_lyapunov
from .random_network import RandomRateNetwork
from .simulate import Trajectory, simulate
from .sweeps import Sweep, correlation_time_sweep, max_lyapunov_sweep, sweep

__version__ = "0.1.0"

# Imported on first use: Part II modules need torch, and each chapter's experiment module
# is only needed by its chapter, so chapter 1 starts quickly.
_LAZY_SUBMODULES = (
    "anisotropy",
    "learning",
    "tasks",
    "quiescent",  # chapter 6
    "memory",  # chapter 7
    "slow_modes",  # chapter 7
    "r_gate",  # chapter 8
    "meanfield",  # chapters 9-11
)


# Part III measurements, by module (numpy only; resolved on first use).
_PART3 = {
    "fixed_points": ("FixedPoint", "find_fixed_point", "find_fixed_points"),
    "spectral_support": ("SupportBoundary", "support_function", "support_boundary", "inside_support"),
    "dimension": ("kaplan_yorke_dimension", "participation_ratio", "covariance_spectrum"),
    "timescales": ("speed", "rms_speed", "local_timescales", "closed_fraction"),
}
_PART3_NAMES = {name: mod for mod, names in _PART3.items() for name in names}


def __getattr__(name):
    import importlib

    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _PART3_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_PART3_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DynamicalSystem",
    "Explorable",
    "GatedNetwork",
    "LyapunovResult",
    "RandomRateNetwork",
    "Sweep",
    "Trajectory",
    "autocorrelation",
    "correlation_time_sweep",
    "decay_time",
    "exercises",
    "explorable",
    "global_error",
    "jacobian",
    "jacobian_trace",
    "jvp",
    "lyapunov_from_separation",
    "lyapunov_spectrum",
    "max_lyapunov",
    "max_lyapunov_sweep",
    "plots",
    "pulses",
    "simulate",
    "sweep",
    "vector_field",
]
