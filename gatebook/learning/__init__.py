"""Gates as effective learning rates (Part II): torch cells, Jacobian products, lag profiles.

Work in progress for issue 3; the chapters that use it are not written yet.
"""

from .cells import LeakyRNN, MultiGateRNN, PlainRNN, RecurrentCell, Rollout, ScalarGateRNN
from .expansion import first_order_expansion, jacobian_split, scaled_product, truncation_error
from .gradients import per_example_gradients
from .lag_profile import CONVENTIONS, LagProfile, lag_profile, log_gate_products
from .products import JacobianProducts, jacobian_products, propagator

__all__ = [
    "CONVENTIONS",
    "JacobianProducts",
    "LagProfile",
    "first_order_expansion",
    "jacobian_split",
    "lag_profile",
    "scaled_product",
    "truncation_error",
    "log_gate_products",
    "per_example_gradients",
    "LeakyRNN",
    "MultiGateRNN",
    "PlainRNN",
    "RecurrentCell",
    "Rollout",
    "ScalarGateRNN",
    "jacobian_products",
    "propagator",
]
