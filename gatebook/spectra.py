r"""Spectra of singular values: anisotropy of Jacobian products and of per-example gradients (chapter 5).

The one home of the participation ratio of a spectrum (:func:`participation_ratio`), which
chapter 8 also uses for the covariance of the activity
(:func:`gatebook.dimension.state_participation_ratio`).

Two kinds of matrices are measured through their singular values
:math:`\sigma_1\ge\sigma_2\ge\dots\ge0`:

* **propagation**: the Jacobian product :math:`\Phi(t,k)=J_t\cdots J_{k+1}` that carries
  credit back over a lag :math:`h=t-k` (:func:`matrix_anisotropy`, batched over
  :math:`(b,t,k)`);
* **update (GradCov)**: the matrix :math:`G\in\mathbb R^{M\times P}` whose rows are
  per-example gradients of all parameters (:func:`gradient_anisotropy`).

Four numbers summarise how concentrated a spectrum is:

.. math::

    \mathrm{AI}_r = \frac{\sigma_1}{\sigma_r},\qquad
    \mathrm{CE}_r = \frac{\sum_{i\le r}\sigma_i^2}{\sum_{i\le \mathrm{top}}\sigma_i^2},\qquad
    \mathrm{PR} = \frac{\big(\sum_i\sigma_i^2\big)^2}{\sum_i\sigma_i^4},\qquad
    r_{\mathrm{eff}} = \exp\Big(-\sum_i p_i\ln p_i\Big),\quad p_i=\frac{\sigma_i^2}{\sum_j\sigma_j^2}.

The anisotropy index :math:`\mathrm{AI}_r` and the energy concentration
:math:`\mathrm{CE}_r` follow the reference experiments (:math:`r=10`; the CE denominator
runs over the top 16 singular values for propagation and over all of them for GradCov).
The participation ratio PR and the effective rank :math:`r_{\mathrm{eff}}` are our
additions. A flat spectrum of :math:`n` equal values gives :math:`\mathrm{AI}_r=1`,
:math:`\mathrm{CE}_r=r/n` and :math:`\mathrm{PR}=r_{\mathrm{eff}}=n`; a rank-one matrix
gives :math:`\mathrm{CE}_r=\mathrm{PR}=r_{\mathrm{eff}}=1` and :math:`\mathrm{AI}_r=\infty`
for :math:`r\ge2`.

**Scale invariance and renormalised products.** All four metrics are ratios of
homogeneous functions of the singular values, so they do not change when the matrix is
multiplied by any non-zero scalar :math:`a` (the singular values of :math:`aM` are
:math:`|a|\sigma_i`). This is what allows long Jacobian products to be accumulated with
renormalisation, :math:`P\leftarrow J P/\lVert J P\rVert`, keeping the logarithm of the
scale separately: the renormalised product has exactly the metrics of the raw one, while
the raw product of a contracting network underflows to zero at large lags, where every
metric is undefined (an all-zero spectrum raises a :class:`ValueError` here rather than
returning a regularised, meaningless number). Internally each spectrum is divided by its
largest value before squaring, so :math:`\sigma^2` and :math:`\sigma^4` neither overflow
nor underflow for any representable scale.

All computations are in float64. Inputs may be numpy arrays, nested sequences or torch
tensors (detached and moved to the CPU).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float64, as_generator, check_nonnegative_float, check_positive_int

__all__ = [
    "AnisotropyMetrics",
    "singular_values",
    "anisotropy_index",
    "energy_concentration",
    "participation_ratio",
    "effective_rank",
    "matrix_anisotropy",
    "gradient_anisotropy",
]

#: Default threshold below which a GradCov column counts as constant (see
#: :func:`gradient_anisotropy`): the column's standard deviation over the examples, in the
#: units of unit-norm rows.
COLUMN_TOL = 1e-10


def _check_spectrum(s, name: str = "s") -> np.ndarray:
    """Validate singular values (last axis) and return them sorted in descending order."""
    arr = as_float64(s, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (singular values along the last), got a scalar")
    if arr.shape[-1] == 0 or arr.size == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative (singular values), got a minimum of {arr.min()}")
    arr = -np.sort(-arr, axis=-1)
    if np.any(arr[..., 0] == 0):
        raise ValueError(
            f"{name} contains an all-zero spectrum, for which the anisotropy metrics are undefined "
            "(an underflowed product? accumulate it with renormalisation)"
        )
    return arr


def _check_rank(r, n: int, name: str = "r", what: str = "singular values") -> int:
    r = check_positive_int(r, name)
    if r > n:
        raise ValueError(f"{name} ({r}) is larger than the number of available {what} ({n})")
    return r


def _normalised_squares(s: np.ndarray) -> np.ndarray:
    r""":math:`(\sigma_i/\sigma_1)^2` for a sorted, validated spectrum (scale-free)."""
    return (s / s[..., :1]) ** 2


def singular_values(M, top: int | None = None) -> np.ndarray:
    r"""Singular values of a matrix or a stack of matrices, in descending order, in float64.

    Parameters
    ----------
    M : array_like or torch.Tensor, shape (..., a, b)
        One matrix or a batch of them (e.g. Jacobian products :math:`\Phi(t,k)` stacked
        over :math:`(b,t,k)`). Converted to float64 before the SVD.
    top : int, optional
        Keep only the ``top`` largest values (the reference keeps 16 for propagation).
        Must not exceed :math:`\min(a,b)`. Default: all of them.

    Returns
    -------
    ndarray, shape (..., min(a, b)) or (..., top)
    """
    M = as_float64(M, "M")
    if M.ndim < 2:
        raise ValueError(f"M must be a matrix or a stack of matrices of shape (..., a, b), got shape {M.shape}")
    if M.size == 0:
        raise ValueError(f"M is empty: shape {M.shape}")
    k = min(M.shape[-2], M.shape[-1])
    if top is not None:
        top = _check_rank(top, k, "top", f"singular values of a {M.shape[-2]}x{M.shape[-1]} matrix")
    s = np.linalg.svd(M, compute_uv=False)
    return s if top is None else s[..., :top]


def anisotropy_index(s, r: int = 10):
    r"""Anisotropy index :math:`\mathrm{AI}_r=\sigma_1/\sigma_r` of a spectrum.

    Parameters
    ----------
    s : array_like, shape (..., k)
        Non-negative singular values along the last axis (sorted here if they are not);
        leading axes are a batch.
    r : int
        Rank of the comparison value, :math:`1\le r\le k` (default 10, as in the reference).

    Returns
    -------
    float or ndarray of shape (...)
        :math:`\ge1`; ``inf`` when :math:`\sigma_r=0<\sigma_1` (fewer than ``r``
        independent directions).
    """
    s = _check_spectrum(s)
    r = _check_rank(r, s.shape[-1])
    first, rth = s[..., 0], s[..., r - 1]
    out = np.full(first.shape, np.inf)
    np.divide(first, rth, out=out, where=rth > 0)
    return out[()] if out.ndim == 0 else out


def energy_concentration(s, r: int = 10, top: int | None = None):
    r"""Energy concentration :math:`\mathrm{CE}_r=\sum_{i\le r}\sigma_i^2/\sum_{i\le\mathrm{top}}\sigma_i^2`.

    Parameters
    ----------
    s : array_like, shape (..., k)
        Non-negative singular values along the last axis; leading axes are a batch.
    r : int
        Number of leading directions counted in the numerator (default 10).
    top : int, optional
        Number of leading values in the denominator, :math:`r\le\mathrm{top}\le k`.
        The propagation metric of the reference uses 16; GradCov uses all (``None``).

    Returns
    -------
    float or ndarray of shape (...)
        In :math:`[r/\mathrm{top},\,1]`.
    """
    s = _check_spectrum(s)
    k = s.shape[-1]
    r = _check_rank(r, k)
    if top is None:
        top = k
    else:
        top = _check_rank(top, k, "top")
        if r > top:
            raise ValueError(f"r ({r}) must not exceed top ({top}), the number of values in the denominator")
    e = _normalised_squares(s)
    out = e[..., :r].sum(axis=-1) / e[..., :top].sum(axis=-1)
    return out[()] if out.ndim == 0 else out


def participation_ratio(values):
    r"""Participation ratio :math:`\mathrm{PR}=(\sum_iv_i)^2/\sum_iv_i^2` of a non-negative spectrum.

    The number of directions that carry the weight :math:`v_i`, counted with the
    inverse-Simpson index: :math:`n` for :math:`n` equal values, 1 for a single non-zero one.
    For singular values :math:`\sigma_i` the spectrum is the energies :math:`v_i=\sigma_i^2`
    (``participation_ratio(s**2)``, chapter 5); for the activity of a network it is the
    eigenvalues of its covariance (:func:`gatebook.dimension.state_participation_ratio`,
    chapter 8). The values are divided by the largest one first, so nothing overflows.

    Parameters
    ----------
    values : array_like, shape (..., k)
        Non-negative values along the last axis (not all zero); leading axes are a batch.

    Returns
    -------
    float or ndarray of shape (...)
        In :math:`[1,k]`.
    """
    v = _check_spectrum(values, "values")
    v = v / v[..., :1]
    out = v.sum(axis=-1) ** 2 / (v * v).sum(axis=-1)
    return out[()] if out.ndim == 0 else out


def effective_rank(s):
    r"""Effective rank :math:`\exp(-\sum_ip_i\ln p_i)` with :math:`p_i=\sigma_i^2/\sum_j\sigma_j^2`.

    The exponential of the Shannon entropy of the energy distribution (with
    :math:`0\ln0=0`): :math:`n` for :math:`n` equal values, 1 for rank one, and never
    below the participation ratio.

    Parameters
    ----------
    s : array_like, shape (..., k)
        Non-negative singular values along the last axis; leading axes are a batch.

    Returns
    -------
    float or ndarray of shape (...)
        In :math:`[1,k]`.
    """
    e = _normalised_squares(_check_spectrum(s))
    p = e / e.sum(axis=-1, keepdims=True)
    positive = p > 0
    plogp = np.where(positive, p * np.log(np.where(positive, p, 1.0)), 0.0)
    out = np.exp(-plogp.sum(axis=-1))
    return out[()] if out.ndim == 0 else out


@dataclass(frozen=True)
class AnisotropyMetrics:
    r"""The four anisotropy metrics of one matrix (scalars) or of a batch (arrays).

    Attributes
    ----------
    ai : float or ndarray
        Anisotropy index :math:`\sigma_1/\sigma_r`.
    ce : float or ndarray
        Energy concentration :math:`\mathrm{CE}_r` (denominator over the top ``top`` values).
    pr : float or ndarray
        Participation ratio, over all singular values.
    effective_rank : float or ndarray
        Entropy effective rank, over all singular values.
    r : int
        The ``r`` of AI and CE.
    top : int
        Number of values in the CE denominator.
    singular_values : ndarray, shape (..., k)
        All singular values used, in descending order.
    columns_kept : int or None
        GradCov only: number of columns of :math:`G` left after dropping constant ones.
    """

    ai: float | np.ndarray
    ce: float | np.ndarray
    pr: float | np.ndarray
    effective_rank: float | np.ndarray
    r: int
    top: int
    singular_values: np.ndarray
    columns_kept: int | None = None

    def as_dict(self) -> dict:
        """The four metrics by name (``AI``, ``CE``, ``PR``, ``effective_rank``)."""
        return {"AI": self.ai, "CE": self.ce, "PR": self.pr, "effective_rank": self.effective_rank}


def _metrics_from_spectrum(s: np.ndarray, r: int, top: int | None, columns_kept=None) -> AnisotropyMetrics:
    k = s.shape[-1]
    r = _check_rank(r, k)
    top_used = k if top is None else top
    return AnisotropyMetrics(
        ai=anisotropy_index(s, r),
        ce=energy_concentration(s, r, top),
        pr=participation_ratio(_normalised_squares(s)),  # the energies sigma_i^2, scaled to sigma_1 = 1
        effective_rank=effective_rank(s),
        r=r,
        top=top_used,
        singular_values=s,
        columns_kept=columns_kept,
    )


def matrix_anisotropy(M, r: int = 10, top: int | None = 16) -> AnisotropyMetrics:
    r"""Propagation anisotropy of a matrix or of a batch of matrices.

    For the Jacobian product :math:`\Phi(t,k)` over a lag :math:`h`, the reference recipe
    computes the singular values in float64, :math:`\mathrm{AI}_{10}=\sigma_1/\sigma_{10}`
    and :math:`\mathrm{CE}_{10}` relative to the top 16 values, then takes the median over
    sampled :math:`(b,t,k)`; pass the whole stack here and take the median of the result.
    PR and the effective rank use the full spectrum.

    The metrics are invariant under :math:`M\to aM` for any scalar :math:`a\ne0`, so a
    product accumulated with renormalisation (and its log-scale kept aside) gives the same
    numbers as the raw product, and stays usable where the raw one underflows.

    For frozen per-neuron gates (:math:`W_r=0`, constant :math:`g_i`) the product is
    :math:`\mathrm{diag}(c_i^h)` with carries :math:`c_i=1-g_i`, and this returns
    :math:`\mathrm{AI}_{10}=(c_{(1)}/c_{(10)})^h` and
    :math:`\mathrm{CE}_r=\sum_{i\le r}c_{(i)}^{2h}/\sum_{i\le16}c_{(i)}^{2h}`.

    Parameters
    ----------
    M : array_like or torch.Tensor, shape (..., a, b)
        One matrix or a stack.
    r : int
        Rank used by AI and CE (default 10).
    top : int or None
        Number of leading singular values in the CE denominator (default 16, the
        reference's choice); ``None`` uses all of them. Must satisfy
        :math:`r\le\mathrm{top}\le\min(a,b)`.

    Returns
    -------
    AnisotropyMetrics
        Scalars for one matrix, arrays of shape ``M.shape[:-2]`` for a stack.
    """
    s = singular_values(M)
    k = s.shape[-1]
    r = _check_rank(r, k)
    if top is not None:
        top = _check_rank(top, k, "top", "singular values")
        if r > top:
            raise ValueError(f"r ({r}) must not exceed top ({top})")
    return _metrics_from_spectrum(_check_spectrum(s, "M (its singular values)"), r, top)


def gradient_anisotropy(
    G,
    r: int = 10,
    *,
    column_tol: float = COLUMN_TOL,
    jitter: float = 1e-8,
    seed=0,
) -> AnisotropyMetrics:
    r"""Update anisotropy (GradCov) of a matrix of per-example gradients.

    The recipe, in float64:

    1. normalise every row of :math:`G` to unit Euclidean norm (only the *direction* of
       each example's gradient counts);
    2. drop near-constant columns: a column is dropped when its standard deviation over
       the :math:`M` examples is :math:`\le` ``column_tol`` (default :math:`10^{-10}`, on
       the scale of unit-norm rows, whose entries lie in :math:`[-1,1]`). This removes
       parameters that receive the same (usually zero) gradient from every example, for
       instance unused inputs, and does nothing else;
    3. centre the remaining columns (subtract the mean gradient);
    4. add ``jitter`` (default :math:`10^{-8}`) times a standard normal matrix drawn from
       a generator seeded with ``seed``, so the result is reproducible; it lifts exactly
       degenerate directions off zero without changing any leading value noticeably;
    5. take all singular values and compute :math:`\mathrm{AI}_r`,
       :math:`\mathrm{CE}_r=\sum_{i\le r}s_i^2/\sum_i s_i^2` (denominator over *all*
       values), PR and the effective rank.

    The squared singular values are :math:`M` times the eigenvalues of the covariance of
    the normalised gradients, so the metrics describe how concentrated that covariance is.
    Multiplying :math:`G` (or any row) by a positive scalar changes nothing.

    Parameters
    ----------
    G : array_like or torch.Tensor, shape (M, P)
        One row per example (the reference uses :math:`M=256`), each the flattened
        gradient of all parameters. No row may be zero.
    r : int
        Rank used by AI and CE (default 10); at most :math:`\min(M, P_{\rm kept})`.
    column_tol : float
        Threshold of step 2 (non-negative).
    jitter : float
        Amplitude of step 4 (non-negative; 0 disables it).
    seed : None, int or numpy.random.Generator
        Seed of the jitter.

    Returns
    -------
    AnisotropyMetrics
        With ``singular_values`` (all of them, descending), ``top`` equal to their number
        and ``columns_kept``.
    """
    G = as_float64(G, "G")
    if G.ndim != 2:
        raise ValueError(f"G must be a matrix of shape (M examples, P parameters), got shape {G.shape}")
    n_rows, n_cols = G.shape
    if n_rows < 2 or n_cols < 1:
        raise ValueError(f"G needs at least two rows (examples) and one column, got shape {G.shape}")
    r = check_positive_int(r, "r")
    column_tol = check_nonnegative_float(column_tol, "column_tol")
    jitter = check_nonnegative_float(jitter, "jitter")
    rng = as_generator(seed, "seed")

    norms = np.linalg.norm(G, axis=1)
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise ValueError(f"G has {zero.size} all-zero row(s) (first: row {zero[0]}); their direction is undefined")
    X = G / norms[:, None]
    keep = X.std(axis=0) > column_tol
    n_kept = int(keep.sum())
    if n_kept == 0:
        raise ValueError(f"every column of G is constant across examples (standard deviation <= column_tol={column_tol})")
    X = X[:, keep]
    X = X - X.mean(axis=0)
    if jitter > 0:
        X = X + jitter * rng.standard_normal(X.shape)
    s = singular_values(X)
    r = _check_rank(r, s.shape[-1], "r", f"singular values of G after dropping constant columns ({n_rows}x{n_kept})")
    return _metrics_from_spectrum(_check_spectrum(s, "G (its singular values)"), r, None, columns_kept=n_kept)
