"""Gates as effective learning rates (Part II, chapters 2–5): torch cells, Jacobian products,
lag profiles, anisotropy, per-example gradients and training loops.

Chapter modules: :mod:`~gatebook.learning.kernels` (chapter 2, the leaky integrator),
:mod:`~gatebook.learning.tracking` (chapter 3, lag profiles through training),
:mod:`~gatebook.learning.preconditioning` (chapter 4, per-neuron gates and Adam),
:mod:`~gatebook.learning.anisotropy` (chapter 5), :mod:`~gatebook.learning.reproduce` (the
paper's three studies in one call, resumable; ``python -m gatebook reproduce``), and their figures in
:mod:`gatebook.plots` (one plotting package since 0.2). They are imported on first use (PEP 562), so
``import gatebook.learning`` loads torch and the tools every chapter shares, but no
experiment and no matplotlib.
"""


try:
    import torch as _torch
except ImportError as _err:  # tests/test_packaging.py, scripts/reader-routes.sh minimum
    raise ImportError(
        "gatebook.learning (Part II, chapters 2-5) needs PyTorch, which is an optional extra: "
        'pip install "gatebook[learning]" (or pip install torch). Chapter 1 and Part III need no torch.'
    ) from _err
del _torch

from .arms import Arm, make_arms
from .cells import MODELS, LeakyRNN, MultiGateRNN, PlainRNN, RecurrentCell, Rollout, ScalarGateRNN
from .expansion import (
    APPB_EPS,
    ExpansionCheck,
    appB_inputs,
    expansion_check,
    first_order_expansion,
    jacobian_split,
    scaled_product,
    truncation_error,
)
from .frozen import check_gates, frozen_gate_cell
from .gradients import per_example_gradients
from .lag_profile import CONVENTIONS, LagProfile, lag_profile, lag_profiles, log_gate_products
from .products import JacobianProducts, jacobian_products, pair_log_singular_values, propagator
from .step_jacobians import autograd_state_jacobians, step_function
from .train import OPTIMIZERS, Ensemble, TrainingHistory, batch_seeds, make_optimizer, train, train_ensemble

from .._lazy import lazy_names

#: The chapters' experiment modules and their figures, imported on first use:
#: ``{name: module}`` (each name is the module itself).
_LAZY = {
    "kernels": "kernels",  # chapter 2
    "tracking": "tracking",  # chapter 3
    "preconditioning": "preconditioning",  # chapter 4
    "anisotropy": "anisotropy",  # chapter 5
    "tasks": "tasks",  # the tasks of the paper's experiments
    "presets": "presets",  # the paper's experiment settings
    "reproduce": "reproduce",  # the paper's three studies in one call (chapters 3-5; python -m gatebook reproduce)
    # measurements the chapters share, split out of the experiment modules
    "cell_anisotropy": "cell_anisotropy",  # propagation and update anisotropy (chapter 5)
    "diagonal_preconditioner": "diagonal_preconditioner",  # carry products as a preconditioner (chapter 4)
    "gate_credit": "gate_credit",  # credit per step through the gates (chapter 3)
    "gate_level": "gate_level",  # lag profiles against the gate's level (chapter 3)
    "common": "common",  # shared checks and the single-thread context
    "alignment": "alignment",  # credit transport along the readout direction, with its exact null
    "readout_alignment_study": "alignment",  # A/N before and after training (chapter 5)
    "ReadoutAlignmentStudy": "alignment",
    "reference_quirks": "reference_quirks",  # the reference code's choices one by one (chapters 3-5)
    "QUIRKS": "reference_quirks",
    "check_quirks": "reference_quirks",
    "committed": "committed",  # summaries of the committed full-scale runs (chapters 3-5)
    "committed_summary": "committed",
    "optimiser_study": "optimiser_study",  # the 2x2 {plain, multi-gate} x {SGD, Adam} study (chapter 4)
    "adam_update": "adam_update",  # Adam's actual update read from its state, and the probe (chapter 4)
    "optimiser_grid": "optimiser_study",
    "OptimiserGrid": "optimiser_study",
    "paired": "paired",  # paired comparison of two arms over the same seeds (chapter 4)
    "paired_contrast": "paired",
    "adam_step": "adam_update",
    "AdamProbe": "adam_update",
    "network_cells": "network_cells",  # Part III's networks as Euler-step torch cells (chapter 12)
    "EulerCell": "network_cells",
}


#: kept for one release: Part II's figures moved to gatebook.plots (the package warns per name)
_DEPRECATED = {"plots": "plots"}

__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY, _DEPRECATED)


__all__ = [
    "APPB_EPS",
    "Arm",
    "CONVENTIONS",
    "ExpansionCheck",
    "MODELS",
    "appB_inputs",
    "check_gates",
    "expansion_check",
    "frozen_gate_cell",
    "lag_profiles",
    "make_arms",
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
    "batch_seeds",
    "first_order_expansion",
    "autograd_state_jacobians",
    "jacobian_products",
    "jacobian_split",
    "lag_profile",
    "log_gate_products",
    "make_optimizer",
    "pair_log_singular_values",
    "per_example_gradients",
    "propagator",
    "scaled_product",
    "step_function",
    "train",
    "train_ensemble",
    "truncation_error",
    *_LAZY,
]
