"""Gates as effective learning rates (Part II, chapters 2–5): torch cells, Jacobian products,
lag profiles, anisotropy, per-example gradients and training loops.

Chapter modules: :mod:`~gatebook.learning.kernels` (chapter 2, the leaky integrator),
:mod:`~gatebook.learning.tracking` (chapter 3, lag profiles through training),
:mod:`~gatebook.learning.preconditioning` (chapter 4, per-neuron gates and Adam),
:mod:`~gatebook.learning.anisotropy` (chapter 5), and their figures in
:mod:`~gatebook.learning.plots`.
"""

from . import anisotropy, kernels, plots, preconditioning, tracking
from .cells import LeakyRNN, MultiGateRNN, PlainRNN, RecurrentCell, Rollout, ScalarGateRNN
from .expansion import first_order_expansion, jacobian_split, scaled_product, truncation_error
from .gradients import per_example_gradients
from .lag_profile import CONVENTIONS, LagProfile, lag_profile, log_gate_products
from .products import JacobianProducts, jacobian_products, pair_log_singular_values, propagator
from .train import OPTIMIZERS, Ensemble, TrainingHistory, batch_seeds, make_optimizer, train, train_ensemble

__all__ = [
    "CONVENTIONS",
    "Ensemble",
    "OPTIMIZERS",
    "JacobianProducts",
    "LagProfile",
    "LeakyRNN",
    "MultiGateRNN",
    "PlainRNN",
    "RecurrentCell",
    "Rollout",
    "ScalarGateRNN",
    "TrainingHistory",
    "anisotropy",
    "kernels",
    "batch_seeds",
    "first_order_expansion",
    "jacobian_products",
    "jacobian_split",
    "lag_profile",
    "log_gate_products",
    "make_optimizer",
    "pair_log_singular_values",
    "per_example_gradients",
    "plots",
    "preconditioning",
    "propagator",
    "scaled_product",
    "tracking",
    "train",
    "train_ensemble",
    "truncation_error",
]
