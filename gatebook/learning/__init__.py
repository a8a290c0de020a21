"""Gates as effective learning rates (Part II, chapters 2–5): torch cells, Jacobian products,
lag profiles, anisotropy, per-example gradients and training loops.
"""

from . import anisotropy, plots
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
    "propagator",
    "scaled_product",
    "train",
    "train_ensemble",
    "truncation_error",
]
