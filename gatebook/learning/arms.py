"""Arms of the Part II training experiments: a cell type, an optimiser and a step size (chapters 4, 5).

An *arm* is what the side-by-side experiments vary: chapter 4 trains gated cells with SGD
next to a plain cell with Adam or RMSProp (:func:`~gatebook.learning.preconditioning.compare_optimisers`),
chapter 5 measures how anisotropic the same kinds of arms become
(:func:`~gatebook.learning.anisotropy.anisotropy_experiment`). Both describe their arms
with :class:`Arm` and validate them with :func:`make_arms`; every arm of one experiment
sees the same seeded batches, so arms are compared seed by seed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from .._validation import check_choice, check_positive_float
from .presets import PRESETS
from .cells import MODELS, RecurrentCell
from .train import OPTIMIZERS

__all__ = ["Arm", "make_arms"]

#: How the optimisers are written in arm labels.
_OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "momentum", "rmsprop": "RMSProp", "adam": "Adam"}

#: The keys an arm given as a dict may have (``label`` is optional).
_ARM_KEYS = ("model", "optimizer", "lr", "label")


@dataclass(frozen=True)
class Arm:
    """One arm of an experiment: a cell type trained with a named optimiser and step size.

    Attributes
    ----------
    model : {"plain", "leaky", "scalar", "multi"}
        A key of :data:`~gatebook.learning.cells.MODELS`.
    optimizer : {"sgd", "momentum", "rmsprop", "adam"}
    lr : float
        Step size (positive).
    label : str, optional
        Name in tables and legends; default ``"<model> + <optimiser>"``, e.g. ``"multi + SGD"``.

    Examples
    --------
    >>> Arm("multi", "sgd", 1e-2).label
    'multi + SGD'
    >>> Arm("plain", "adam", 1e-3, label="plain + Adam (paper)").label
    'plain + Adam (paper)'
    """

    model: str
    optimizer: str
    lr: float
    label: str | None = None

    def __post_init__(self):
        check_choice(self.model, "arm model", MODELS)
        check_choice(self.optimizer, "arm optimizer", set(OPTIMIZERS))
        object.__setattr__(self, "lr", check_positive_float(self.lr, "arm lr"))
        if self.label is not None and not isinstance(self.label, str):
            raise TypeError(f"arm label must be a string, got {type(self.label).__name__}")
        if not self.label:
            object.__setattr__(self, "label", f"{self.model} + {_OPTIMIZER_LABELS[self.optimizer]}")

    def make_cell(self, m: int, n: int, seed: int, init: str = "uniform") -> RecurrentCell:
        """A fresh float32 cell of this arm's model, weights seeded with ``seed``."""
        kw = {"alpha": 0.8} if self.model == "leaky" else {}
        return MODELS[self.model](m, n, seed=seed, init=init, **kw)

    def __getitem__(self, key: str):
        """Deprecated dict-style access (``arm["model"]``), kept for one release: use ``arm.model``."""
        if key not in _ARM_KEYS:
            raise KeyError(key)
        warnings.warn(f"arm[{key!r}] is deprecated: arms are Arm objects now, use arm.{key}",
                      DeprecationWarning, stacklevel=2)
        return getattr(self, key)


def _arm_from_dict(arm: dict, k: int) -> Arm:
    unknown = set(arm) - set(_ARM_KEYS)
    if unknown:
        raise ValueError(f"arms[{k}] has unknown keys {sorted(unknown)}; an arm has the keys 'model', "
                         "'optimizer', 'lr' and optionally 'label'")
    missing = [key for key in _ARM_KEYS[:3] if key not in arm]
    if missing:
        raise ValueError(f"arms[{k}] lacks the keys {missing}; an arm needs the keys 'model', 'optimizer' and 'lr' "
                         "(and may have a 'label')")
    return Arm(arm["model"], arm["optimizer"], arm["lr"], arm.get("label"))


def make_arms(arms=None) -> list:
    """Validate arms given as :class:`Arm` objects or dicts ``{"model", "optimizer", "lr"[, "label"]}``.

    ``None`` gives the three arms of the ``s2`` preset: plain + Adam (:math:`10^{-3}`),
    scalar + SGD and multi + SGD (:math:`10^{-2}`). Labels must be distinct.

    Examples
    --------
    >>> [a.label for a in make_arms()]
    ['plain + Adam', 'scalar + SGD', 'multi + SGD']
    >>> make_arms([{"model": "multi", "optimizer": "sgd", "lr": 1e-2, "label": "multi-gate + SGD"}])[0].label
    'multi-gate + SGD'
    """
    if arms is None:
        arms = PRESETS["s2"]["arms"]
    if isinstance(arms, (Arm, dict, str)) or not hasattr(arms, "__iter__"):
        raise TypeError("arms must be a sequence of Arm objects or dicts with the keys 'model', 'optimizer', 'lr' "
                        "(and optionally 'label')")
    out = []
    for k, a in enumerate(arms):
        if isinstance(a, Arm):
            out.append(a)
        elif isinstance(a, dict):
            out.append(_arm_from_dict(a, k))
        else:
            raise TypeError(f"arms[{k}] must be an Arm or a dict, got {type(a).__name__}")
    if not out:
        raise ValueError("arms must not be empty")
    labels = [a.label for a in out]
    if len(set(labels)) != len(labels):
        raise ValueError(f"arm labels must be distinct (arms must differ in model, optimizer or label), got {labels}")
    return out
