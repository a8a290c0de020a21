r"""Summaries of the book's committed full-scale runs, shipped inside the package (chapters 3-5 and 8-11).

Foundations layer: plain JSON, no torch, so Part III (chapters 9-11) and a reader without the
``learning`` extra read them too (``gatebook.committed_summary``; Part II's chapters use the
same function through ``gatebook.learning.committed_summary``).

The chapters execute at laptop sizes in under a minute. The numbers they quote at the paper's
scale, or over more seeds than a page can afford, come from runs made once and committed to the
repository: one JSON per job under ``data/`` (settings, seed, versions, numbers) and a small
summary. The summaries are copied into the package by

.. code-block:: shell

    python scripts/committed_summaries.py --write   # --check: the copies equal their sources

so that a chapter opened in Colab, or run against an installed wheel, finds them with
:func:`committed_summary` rather than a path into a repository the reader may not have.

====================================  ==============================================================  =======
name                                  what (made by)                                                  chapter
====================================  ==============================================================  =======
``"s1-paper"``                        Sec. VII-A at the paper's scale: :math:`\kappa`, :math:`R^2`    3
                                      and its lag-alone null for the leaky, scalar and multi-gate
                                      cells (``python -m gatebook reproduce s1 --scale paper``)
``"appB-paper"``                      App. B at the paper's scale: the slope of the remainder of      4
                                      the first-order expansion (``reproduce appB --scale paper``)
``"s2-paper"``                        Sec. VII-B at the paper's sizes (T = 120, 1200 steps, five      5
                                      tasks) and its 20 seeds: propagation and update anisotropy,
                                      seed-paired contrasts (``reproduce s2 --scale paper``)
``"quirks-paper"``                    the reference code's choices switched on together at the        5
                                      paper's sizes: per-seed headline numbers of s1 and of s2
                                      (adding, AR(2)), seeds 0-2, with and without them
                                      (``python scripts/quirks_table.py --run paper``)
``"optimiser_study"``                 the 2x2 {plain, multi-gate} x {SGD, Adam} study on adding,      4
                                      T = 40, 10 seeds, step sizes chosen on 5 held-out seeds
                                      (``python scripts/optimiser_study.py --write --task adding``)
``"optimiser_study_moving_average"``  the same study on ``moving_average`` (the mean of the last      4
                                      8 inputs), a task every arm learns (``--task moving_average``)
``"census"``                          fixed-point census of the gated network (Part III): counts,     10
                                      indices and variances over 12 gains x N = 10-60 x 10 seeds at
                                      alpha_r = 20 (``python scripts/census.py --write``)
``"finite-size-lambda"``              finite-N lambda_max of the gated network (g_h = 3, alpha_r = 5   9
                                      and 20, N = 250-2000, 4 seeds), its 1/N fit and the DMFT value
                                      (``python scripts/finite_size_lambda.py --write``)
``"marginal"``                        fixed points of networks (N = 400, 1000) followed through       11
                                      g_h = 3-7, their spectra at alpha_z = 0, 50, 1000
                                      (``python scripts/marginal_fixed_points.py --write``)
``"phase-diagrams"``                  40 x 40 phase diagrams with the DMFT exponent: (g_h, alpha_r)    11
                                      at beta_r = 0 and (g_h, beta_r) at alpha_r = 20
                                      (``python scripts/phase_diagrams.py --write``)
``"dimension-controls"``              PR/N and D_KY/N of the gated network against soft-gate          8
                                      controls matched in DMFT variance or lambda_max, and against
                                      beta_r and alpha_z; N = 200, 6 seeds
                                      (``python scripts/dimension_controls.py --write``)
``"sampled-lambda"``                  lambda_max at alpha_z != 0 from the sampled two-replica map:    9, 11
                                      its alpha_z = 0 cross-check, finite networks (N = 250-2000,
                                      4 seeds) and a (g_h, alpha_z) grid at alpha_r = 20
                                      (``python scripts/sampled_lambda.py --write``)
====================================  ==============================================================  =======
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ._validation import check_choice

__all__ = ["COMMITTED", "committed_path", "committed_summary"]

#: name -> (source in the repository, relative to its root; what it holds)
COMMITTED = {
    "s1-paper": ("data/reproductions/s1-paper/summary.json", "Sec. VII-A at the paper's scale (chapter 3)"),
    "appB-paper": ("data/reproductions/appB-paper/summary.json", "App. B at the paper's scale (chapter 4)"),
    "s2-paper": ("data/reproductions/s2-paper/summary.json",
                 "Sec. VII-B at the paper's sizes and seed count (chapter 5)"),
    "quirks-paper": ("data/reproductions/quirks-paper/quirks.json",
                     "the reference code's quirks at the paper's sizes, s1 and s2 (adding, AR(2)), seeds 0-2 "
                     "(chapter 5, Reproductions)"),
    "optimiser_study": ("data/optimiser_study/adding.json", "the 2x2 gates x optimisers study on adding (chapter 4)"),
    "optimiser_study_moving_average": ("data/optimiser_study/moving_average.json",
                                       "the 2x2 gates x optimisers study on moving_average (chapter 4)"),
    "census": ("data/census/alpha_r20.json", "fixed-point census of the sharply gated network (chapter 10)"),
    "finite-size-lambda": ("data/finite_size/gated_lambda.json",
                           "finite-N lambda_max of the gated network against the DMFT (chapter 9)"),
    "marginal": ("data/marginal/fixed_points.json",
                 "fixed points of networks becoming marginally stable as alpha_z grows (chapter 11)"),
    "phase-diagrams": ("data/phase_diagrams/diagrams.json",
                       "40 x 40 phase diagrams with lambda_max, (g_h, alpha_r) and (g_h, beta_r) (chapter 11)"),
    "sampled-lambda": ("data/sampled_lambda/sampled_lambda.json",
                       "lambda_max with a dynamic timescale gate: sampled theory against finite networks "
                       "(chapters 9, 11)"),
    "dimension-controls": ("data/dimension/controls.json",
                           "dimension of gated networks against matched soft-gate controls, beta_r and alpha_z "
                           "(chapter 8)"),
}


def committed_path(name: str) -> Path:
    """The packaged copy of the committed summary ``name`` (one of :data:`COMMITTED`)."""
    name = check_choice(name, "name", set(COMMITTED))
    path = Path(str(resources.files("gatebook") / "committed_runs" / f"{name}.json"))
    if not path.is_file():
        raise FileNotFoundError(f"the packaged summary {name!r} is missing ({path}); in a clone of the "
                                f"repository run `python scripts/committed_summaries.py --write`")
    return path


def committed_summary(name: str) -> dict:
    """The committed summary ``name`` (one of :data:`COMMITTED`) as a dict, read from the package.

    Examples
    --------
    >>> s1 = committed_summary("s1-paper")
    >>> sorted(s1["table"])
    ['leaky', 'multi', 'scalar']
    """
    return json.loads(committed_path(name).read_text(encoding="utf-8"))
