"""Part II benchmarks (issue 3): Jacobian products, per-example gradients, training steps
and the cost of the ``s2`` preset. Imported by ``benchmarks/run.py``; see
``benchmarks/README.md`` for what each one measures.

Every function here takes the runner's configuration ``cfg`` and a ``tools`` namespace
holding the runner's ``timed``, ``result`` and ``skipped`` helpers, and returns a list
of table rows. Thread settings are the runner's: its ``--threads`` value is pinned in
the environment before torch is imported, and set again here with
``torch.set_num_threads`` so both sides of every ratio use the same number of threads.

Two *prototypes* live here as well, clearly labelled: ``proposed_forward`` (the lean
forward pass of ``gatebook/learning/cells.py`` with the per-step slices taken by
``unbind``) and ``contracted_per_example_gradients`` (per-example gradients from one
batched backward pass, contracted over time). They are not library code: they measure
what a change in a file outside ``benchmarks/`` would buy, and each is checked against
the library before it is timed.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import heapq
import os
import statistics
import time

import numpy as np
import torch

import gatebook.anisotropy as anisotropy
import gatebook.learning as learning
import gatebook.tasks as tasks

__all__ = [
    "bench_lag_probe",
    "bench_per_example_grads",
    "bench_train_step",
    "bench_s2_preset",
    "naive_pair_singular_values",
    "looped_per_example_gradients",
    "contracted_per_example_gradients",
    "proposed_forward",
    "proposed_forward_installed",
]


# --------------------------------------------------------------------------- timing


class Estimated:
    """A result whose time is an estimate (e.g. a subset of the work, scaled up)."""

    def __init__(self, seconds, value):
        self.seconds = float(seconds)
        self.value = value


def interleaved(fns: dict, repeats: int, timed) -> tuple[dict, dict]:
    """Time every function of ``fns`` once per round, ``repeats`` rounds.

    The order inside a round alternates (forward, reversed, forward, ...) so slow drifts
    of the machine hit every side equally. A function returning :class:`Estimated`
    contributes its estimated seconds instead of its wall time. Returns the samples
    (name -> list of seconds) and the outputs of the last round.
    """
    names = list(fns)
    samples = {name: [] for name in names}
    last = {}
    for i in range(repeats):
        for name in (names if i % 2 == 0 else names[::-1]):
            seconds, out = timed(fns[name])
            if isinstance(out, Estimated):
                seconds, out = out.seconds, out.value
            samples[name].append(seconds)
            last[name] = out
    return samples, last


def compare(cand: list, base: list) -> dict:
    """The runner's ``paired`` statistics from two lists of interleaved samples."""
    ratios = [c / b for c, b in zip(cand, base)]
    return {
        "ratio": statistics.median(ratios),
        "ratio_of_medians": statistics.median(cand) / statistics.median(base),
        "ratios": ratios,
        "candidate_s": statistics.median(cand),
        "baseline_s": statistics.median(base),
        "candidate_samples_s": list(cand),
        "baseline_samples_s": list(base),
    }


def _threads(cfg) -> None:
    torch.set_num_threads(int(cfg.get("threads", 1)))


# ------------------------------------------------------------- 1. all-pairs lag probe


def _pair_product(factors, k: int, h: int) -> torch.Tensor:
    """``factors[k+h-1] @ ... @ factors[k]`` (``factors[j]`` is :math:`J_{j+1}`): :math:`\Phi(k+h,k)`."""
    P = factors[k]
    for j in range(k + 1, k + h):
        P = factors[j] @ P  # new factors on the left
    return P


def naive_pair_singular_values(J: torch.Tensor, pairs_by_lag: dict) -> tuple[dict, dict]:
    r"""The per-pair reference: for every chosen pair, :math:`\Phi(k+h,k)=J_{k+h}\cdots J_{k+1}`
    by repeated matrix products (new factors on the left), then its singular values.

    Batched over examples (one ``(batch, n, n)`` product per pair), not over pairs. This
    is ``gatebook.learning.propagator``'s arithmetic without its per-call validation of
    the whole ``J`` and without its initial multiplication by the identity (exact), so
    the loop pays only for the products and the SVDs.

    Parameters
    ----------
    J : Tensor, shape (batch, T, n, n)
    pairs_by_lag : dict
        Lag ``h`` -> sequence of starts ``k`` (``0 <= k <= T-h``).

    Returns
    -------
    singular_values : dict
        ``(h, k)`` -> tensor ``(batch, n)``, raw (not renormalised: may underflow).
    seconds_by_lag : dict
        ``h`` -> wall time spent on that lag's pairs.
    """
    factors = J.unbind(1)  # factors[j] is J_{j+1}
    out, seconds = {}, {}
    for h, starts in pairs_by_lag.items():
        start = time.perf_counter()
        for k in starts:
            out[(h, k)] = torch.linalg.svdvals(_pair_product(factors, k, h))
        seconds[h] = time.perf_counter() - start
    return out, seconds


def _lag_probe_pairs(T: int, max_lag: int, per_lag, seed: int) -> dict:
    """Starts ``k`` to time at each lag: all of them, or ``per_lag`` drawn without replacement."""
    rng = np.random.default_rng(seed)
    pairs = {}
    for h in range(1, max_lag + 1):
        every = np.arange(T - h + 1)
        if per_lag is None or per_lag >= every.size:
            pairs[h] = [int(k) for k in every]
        else:
            pairs[h] = sorted(int(k) for k in rng.choice(every, size=per_lag, replace=False))
    return pairs


def _lag_probe_agreement(lib: learning.JacobianProducts, naive: dict) -> dict:
    """Compare the library's log-singular values with the naive raw ones, pair by pair.

    ``normwise``: max over pairs and indices of :math:`|\\sigma_i^{\\rm naive}-\\sigma_i^{\\rm lib}|/\\sigma_1^{\\rm naive}`
    (the accuracy an SVD guarantees); ``log_top``: max :math:`|\\Delta\\ln\\sigma_i|` over the values
    with :math:`\\sigma_i\\ge10^{-6}\\sigma_1`. Pairs whose naive :math:`\\sigma_1` is below
    ``1e-280`` (too close to underflow to be representable with all their values) are
    skipped and counted.
    """
    normwise, log_top, skipped_pairs, compared = 0.0, 0.0, 0, 0
    for (h, k), sv in naive.items():
        log_lib = lib.log_singular_values[h - 1][:, k]  # (batch, n)
        top = sv[:, :1]
        ok = (top[:, 0] > 1e-280)
        skipped_pairs += int((~ok).sum())
        if not ok.any():
            continue
        sv, log_lib, top = sv[ok], log_lib[ok], top[ok]
        compared += int(ok.sum())
        lib_rel = torch.exp(log_lib - torch.log(top))  # sigma_i^lib / sigma_1^naive, no overflow
        normwise = max(normwise, float((sv / top - lib_rel).abs().max()))
        big = sv >= 1e-6 * top
        log_top = max(log_top, float((torch.log(sv[big]) - log_lib[big]).abs().max()))
    return {"max_normwise_rel_diff": normwise, "max_abs_log_diff_sv_ge_1e-6_top": log_top,
            "pairs_compared_x_examples": compared, "pairs_skipped_underflow_x_examples": skipped_pairs}


def bench_lag_probe(cfg, tools):
    """``jacobian_products(J, T)`` (all pairs, by lag) against a per-pair loop of products + SVDs."""
    _threads(cfg)
    batch, T, n, m = cfg["batch"], cfg["T"], cfg["n"], cfg["m"]
    cell = learning.MultiGateRNN(m, n, seed=0, dtype=torch.float64)
    data = tasks.make_task("adding", batch, T=T, m=m, seed=1, dtype=torch.float64)
    J = cell.state_jacobians(data.inputs)
    per_lag = cfg["pairs_per_lag"]
    pairs = _lag_probe_pairs(T, T, per_lag, seed=2)
    n_all = T * (T + 1) // 2
    n_timed = sum(len(v) for v in pairs.values())

    # The loop's arithmetic is propagator's: check it on a few pairs (identical numbers).
    factors = J.unbind(1)
    for h, k in ((1, 0), (min(5, T), T - min(5, T)), (T, 0)):
        if not torch.equal(_pair_product(factors, k, h), learning.propagator(J, k + h, k)):
            raise AssertionError(f"the per-pair loop differs from propagator at (h={h}, k={k})")

    svd_seconds = []  # seconds inside svdvals during each timed library call

    def library():
        spent, out = _seconds_in_svdvals(lambda: learning.jacobian_products(J, T))
        svd_seconds.append(spent)
        return out

    def per_pair():
        sv, seconds = naive_pair_singular_values(J, pairs)
        # Scale each lag's time to all T-h+1 starts (every start at one lag costs the same work).
        estimate = sum(seconds[h] * (T - h + 1) / len(pairs[h]) for h in pairs)
        return Estimated(estimate, sv)

    def library_products_only():
        P = J
        for h in range(2, T + 1):
            P = J[:, h - 1:] @ P[:, :-1]
        return P

    def per_pair_products_only():
        total = 0.0
        for h, starts in pairs.items():
            start = time.perf_counter()
            for k in starts:
                _pair_product(factors, k, h)
            total += (time.perf_counter() - start) * (T - h + 1) / len(starts)
        return Estimated(total, None)

    library()  # warm up both paths
    naive_pair_singular_values(J, {1: [0], T: [0]})
    samples, last = interleaved({"library": library, "per_pair": per_pair}, cfg["repeats"], tools.timed)
    agree = _lag_probe_agreement(last["library"], last["per_pair"])
    timing = compare(samples["per_pair"], samples["library"])  # ratio = naive / library = speed-up
    speedup = timing["ratio"]
    prod_samples, _ = interleaved({"library": library_products_only, "per_pair": per_pair_products_only},
                                  cfg["repeats"], tools.timed)
    prod = compare(prod_samples["per_pair"], prod_samples["library"])
    # Where the library's time goes: the share of each timed call spent inside svdvals.
    svd_share = statistics.median(s / t for s, t in zip(svd_seconds[-cfg["repeats"]:], samples["library"]))
    svd_s = svd_share * timing["baseline_s"]
    same = agree["max_normwise_rel_diff"] <= 1e-10
    sampled = "" if n_timed == n_all else f" (loop timed on {n_timed} of {n_all} pairs, scaled per lag)"
    row = tools.result(
        "lag_probe", value=speedup, target=10.0, op=">=", unit="x faster",
        times={"jacobian_products": timing["baseline_s"], "per-pair loop": timing["candidate_s"]},
        details={**timing, "speedup": speedup, **agree, "batch": batch, "T": T, "n": n, "m": m,
                 "dtype": "float64", "pairs_all": n_all, "pairs_timed": n_timed, "pairs_per_lag": per_lag,
                 "products_only_speedup": prod["ratio"], "products_only": prod,
                 "library_svd_seconds": svd_s, "library_svd_share": svd_share,
                 "matrices_svd_per_run": batch * T * (T + 1) // 2},
        note=(f"batch {batch}, T={T}, n={n}, float64, all {n_all} pairs{sampled}; "
              f"max |dσ|/σ1 = {agree['max_normwise_rel_diff']:.1e}; SVDs ≈ {100 * svd_share:.0f}% "
              f"of the library's time; products alone {prod['ratio']:.1f}x faster"),
    )
    if not same:
        row["status"], row["passed"] = "FAIL", False
        row["note"] += " -- NUMBERS DIFFER (> 1e-10)"
    prod_row = tools.result(
        "lag_probe[products only]", value=prod["ratio"], target=None, op=">=", unit="x faster",
        times={"library products": prod["baseline_s"], "per-pair products": prod["candidate_s"]},
        details=prod,
        note="the same two loops without renormalisation and SVDs: the O(T^3) -> O(T^2) product count alone",
    )
    return [row, prod_row]


def _seconds_in_svdvals(fn) -> tuple[float, object]:
    """Run ``fn()`` with ``torch.linalg.svdvals`` wrapped by a stopwatch: (seconds inside it, result)."""
    original = torch.linalg.svdvals
    spent = [0.0]

    def timed_svdvals(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    torch.linalg.svdvals = timed_svdvals
    try:
        out = fn()
    finally:
        torch.linalg.svdvals = original
    return spent[0], out


# ------------------------------------------------------------ 2. per-example gradients


def looped_per_example_gradients(cell, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Reference: one forward + backward pass per example, rows stacked: ``(M, P)``.

    Row :math:`i` is :math:`\nabla_\theta (f_\theta(u^{(i)}) - y^{(i)})^2`, parameters in
    ``named_parameters`` order, as ``gatebook.learning.per_example_gradients``.
    """
    params = [p for _, p in cell.named_parameters()]
    rows = []
    for i in range(inputs.shape[0]):
        loss = ((cell(inputs[i:i + 1]) - targets[i:i + 1]) ** 2).sum()
        grads = torch.autograd.grad(loss, params)
        rows.append(torch.cat([g.reshape(-1) for g in grads]))
    return torch.stack(rows)


def contracted_per_example_gradients(cell, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""PROTOTYPE (not library code): per-example gradients from one batched backward pass.

    The weights are shared over time, so example :math:`i`'s gradient of a weight matrix
    is a sum over steps of outer products, e.g.

    .. math::

        \frac{\partial\ell_i}{\partial W_r} = \sum_t \delta^{(i)}_t\, x^{(i)\top}_{t-1},\qquad
        \delta^{(i)}_t = \frac{\partial\ell_i}{\partial a^{(i)}_t},

    and since example :math:`j\neq i` does not depend on :math:`a^{(i)}_t`, the
    :math:`\delta^{(i)}_t` of all examples come from one backward pass of
    :math:`\sum_i\ell_i` with respect to zero offsets added to the pre-activations
    :math:`a_t` and :math:`a^g_t`. The sums over :math:`t` are then single ``einsum``
    contractions. Same ``(M, P)`` matrix as ``per_example_gradients``, without the
    ``(M, n, n)``-per-step accumulations of vmap-over-grad.
    """
    B, T, _ = inputs.shape
    n = cell.hidden_size
    W = {name: p.detach() for name, p in cell.named_parameters()}
    u = inputs.to(W["W_r"].dtype)
    y = targets.to(u.dtype)
    gated = "W_rg" in W
    with torch.enable_grad():
        E = torch.zeros(B, T, n, dtype=u.dtype, requires_grad=True)
        drive = u @ W["W_i"].T + E
        if "b" in W:
            drive = drive + W["b"]
        offsets = [E]
        if gated:
            F = torch.zeros(B, T, W["W_rg"].shape[0], dtype=u.dtype, requires_grad=True)
            gate_drive = u @ W["W_ig"].T + F
            if "b_g" in W:
                gate_drive = gate_drive + W["b_g"]
            offsets.append(F)
            gate_steps = gate_drive.unbind(1)
        else:
            gate_steps = [None] * T
        x = torch.zeros(B, n, dtype=u.dtype)
        previous = []
        alpha = getattr(cell, "alpha", None)
        for d, gd in zip(drive.unbind(1), gate_steps):
            previous.append(x)
            cand = cell.phi(torch.addmm(d, x, W["W_r"].T))
            if gd is not None:
                x = x + torch.sigmoid(torch.addmm(gd, x, W["W_rg"].T)) * (cand - x)
            elif alpha is not None:
                x = x + alpha * (cand - x)
            else:
                x = cand
        out = x @ W["W_o"].T
        grads = torch.autograd.grad(((out - y) ** 2).sum(), offsets)
    X = torch.stack(previous, dim=1).detach()
    dE = grads[0]
    rows = {"W_r": torch.einsum("btn,btk->bnk", dE, X), "W_i": torch.einsum("btn,btk->bnk", dE, u),
            "W_o": (2.0 * (out.detach() - y))[:, :, None] * x.detach()[:, None, :]}
    if "b" in W:
        rows["b"] = dE.sum(1)
    if gated:
        dF = grads[1]
        rows["W_rg"] = torch.einsum("btn,btk->bnk", dF, X)
        rows["W_ig"] = torch.einsum("btn,btk->bnk", dF, u)
        if "b_g" in W:
            rows["b_g"] = dF.sum(1)
    return torch.cat([rows[name].reshape(B, -1) for name in W], dim=1)


def bench_per_example_grads(cfg, tools):
    """``per_example_gradients`` (vmap of grad) against a loop of single-example backward passes."""
    _threads(cfg)
    M, T, n, m = cfg["M"], cfg["T"], cfg["n"], cfg["m"]
    cell = learning.MultiGateRNN(m, n, seed=0, dtype=torch.float64, gate_bias=0.5)
    data = tasks.make_task("adding", M, T=T, m=m, seed=1, dtype=torch.float64)
    u, y = data.inputs, data.targets

    def library():
        return learning.per_example_gradients(cell, u, y)

    def loop():
        return looped_per_example_gradients(cell, u, y)

    def contracted():
        return contracted_per_example_gradients(cell, u, y)

    G_lib = library()  # warm up (and compare: the three must give the same matrix)
    G_loop = loop()
    G_con = contracted()
    scale = float(G_loop.abs().max())
    diff = float((G_lib - G_loop).abs().max()) / scale
    diff_con = float((G_con - G_loop).abs().max()) / scale
    samples, _ = interleaved({"library": library, "loop": loop, "contracted": contracted}, cfg["repeats"], tools.timed)
    timing = compare(samples["loop"], samples["library"])
    proto = compare(samples["loop"], samples["contracted"])
    vs_lib = compare(samples["library"], samples["contracted"])
    row = tools.result(
        "per_example_grads", value=timing["ratio"], target=5.0, op=">=", unit="x faster",
        times={"per_example_gradients": timing["baseline_s"], "loop of backward passes": timing["candidate_s"]},
        details={**timing, "max_rel_diff": diff, "M": M, "T": T, "n": n, "m": m, "P": int(G_lib.shape[1]),
                 "cell": "MultiGateRNN(gate_bias=0.5)", "dtype": "float64"},
        note=f"MultiGateRNN n={n}, T={T}, M={M}, P={G_lib.shape[1]}, float64; max |dG|/max|G| = {diff:.1e}",
    )
    if diff > 1e-10:
        row["status"], row["passed"] = "FAIL", False
        row["note"] += " -- NUMBERS DIFFER (> 1e-10)"
    proto_row = tools.result(
        "per_example_grads[proposed: contracted]", value=proto["ratio"], target=None, op=">=", unit="x faster",
        times={"contracted prototype": proto["baseline_s"], "loop": proto["candidate_s"]},
        details={**proto, "max_rel_diff": diff_con, "speedup_over_library": vs_lib["ratio"]},
        note=(f"prototype in benchmarks/learning.py (one batched backward + einsum over time): "
              f"{vs_lib['ratio']:.1f}x faster than the library, max |dG|/max|G| = {diff_con:.1e}"),
    )
    if diff_con > 1e-10:
        proto_row["note"] += " -- NUMBERS DIFFER (> 1e-10)"
    return [row, proto_row]


# ------------------------------------------------------------------- 3. training step


def proposed_forward(self, u, x0=None, _unchecked=False, drive_offset=None):
    """PROTOTYPE of ``RecurrentCell.forward`` with the per-step slices taken by ``unbind``.

    Identical arithmetic to ``gatebook/learning/cells.py``'s lean forward; the only
    change is ``drive.unbind(1)`` / ``u.unbind(1)`` instead of ``drive[:, t]`` /
    ``u[:, t]``. Indexing one step of a tensor that requires grad makes autograd
    allocate and fill a zero tensor the size of the *whole* ``drive`` for every step in
    the backward pass (O(T^2 B n) memory traffic); ``unbind``'s backward stacks the T
    step gradients once.
    """
    if not _unchecked:
        u = self._check_inputs(u)
    x = torch.zeros(u.shape[0], self.hidden_size, dtype=u.dtype) if x0 is None else x0.to(u.dtype)
    drive = self._drive(u, drive_offset)
    W_rT = self.W_r.T
    for d, u_t in zip(drive.unbind(1), u.unbind(1)):
        cand = self.phi(torch.addmm(d, x, W_rT))
        gamma, _ = self.write_factor(x, u_t)
        if isinstance(gamma, float) and gamma == 1.0:
            x = cand
        else:
            x = x + gamma * (cand - x)
    return x @ self.W_o.T


@contextlib.contextmanager
def proposed_forward_installed():
    """Temporarily make :func:`proposed_forward` the forward of every gatebook cell."""
    cls = learning.RecurrentCell
    saved = cls.__dict__["forward"]
    cls.forward = proposed_forward
    try:
        yield
    finally:
        cls.forward = saved


def _check_proposed_forward(cell, u, y) -> str | None:
    """None if the prototype gives bit-identical outputs and gradients, else the reason."""
    try:
        params = list(cell.parameters())
        out = cell(u)
        g = torch.autograd.grad(((out - y) ** 2).mean(), params)
        with proposed_forward_installed():
            out2 = cell(u)
        g2 = torch.autograd.grad(((out2 - y) ** 2).mean(), params)
    except Exception as err:  # the library's forward changed its signature
        return f"prototype no longer runs ({type(err).__name__}: {err})"
    if not torch.equal(out, out2) or not all(torch.equal(a, b) for a, b in zip(g, g2)):
        return "prototype no longer matches the library's forward bit for bit"
    return None


def bench_train_step(cfg, tools):
    """One SGD step of ``PlainRNN`` against ``torch.nn.RNN`` + ``nn.Linear`` of the same size."""
    from torch import nn

    _threads(cfg)
    batch, T, n, m, k = cfg["batch"], cfg["T"], cfg["n"], cfg["m"], cfg["steps_per_sample"]
    data = tasks.make_task("adding", batch, T=T, m=m, seed=1)
    u, y = data.inputs, data.targets
    cell = learning.PlainRNN(m, n, seed=0)
    proto = learning.PlainRNN(m, n, seed=0)
    rnn = nn.RNN(m, n, batch_first=True, bias=False)
    readout = nn.Linear(n, 1, bias=False)
    with torch.no_grad():  # same weights: the two compute the same function (checked below)
        rnn.weight_hh_l0.copy_(cell.W_r)
        rnn.weight_ih_l0.copy_(cell.W_i)
        readout.weight.copy_(cell.W_o)

    def torch_predict(v):
        return readout(rnn(v)[1][0])

    out_diff = float((torch_predict(u) - cell(u)).abs().max().detach())
    if out_diff > 1e-5:
        raise AssertionError(f"nn.RNN and PlainRNN disagree by {out_diff:.1e} with copied weights")
    reason = _check_proposed_forward(proto, u, y)
    opt_cell = torch.optim.SGD(cell.parameters(), lr=1e-2)
    opt_torch = torch.optim.SGD([*rnn.parameters(), *readout.parameters()], lr=1e-2)
    opt_proto = torch.optim.SGD(proto.parameters(), lr=1e-2)

    def sgd_steps(opt, predict):
        def run():
            for _ in range(k):
                opt.zero_grad(set_to_none=True)
                loss = torch.mean((predict(u) - y) ** 2)
                loss.backward()
                opt.step()
        return run

    fns = {"gatebook": sgd_steps(opt_cell, cell), "torch": sgd_steps(opt_torch, torch_predict)}
    if reason is None:
        fns["proposed"] = sgd_steps(opt_proto, lambda v: proposed_forward(proto, v))
    for fn in fns.values():
        fn()
    repeats = max(cfg["repeats"], cfg["min_repeats"])
    samples, _ = interleaved(fns, repeats, tools.timed)
    per_step = {name: [s / k for s in v] for name, v in samples.items()}
    timing = compare(per_step["gatebook"], per_step["torch"])
    ratio = timing["ratio_of_medians"]  # as the issue asks: ratio of the medians
    rows = [tools.result(
        "train_step", value=ratio, target=3.0, op="<=", unit="x",
        times={"PlainRNN step": timing["candidate_s"], "nn.RNN step": timing["baseline_s"]},
        details={**timing, "batch": batch, "T": T, "n": n, "m": m, "dtype": "float32", "steps_per_sample": k,
                 "repeats": repeats, "max_output_diff": out_diff, "bias": False},
        note=(f"batch {batch}, T={T}, n={n}, float32, SGD; ratio of medians of {repeats} interleaved samples "
              f"of {k} steps; both bias-free, same weights (max |dy| = {out_diff:.0e})"),
    )]
    if reason is None:
        prop = compare(per_step["proposed"], per_step["torch"])
        rows.append(tools.result(
            "train_step[proposed: unbind]", value=prop["ratio_of_medians"], target=None, op="<=", unit="x",
            times={"prototype step": prop["candidate_s"], "nn.RNN step": prop["baseline_s"]},
            details=prop,
            note="prototype forward (cells.py with drive.unbind(1) instead of drive[:, t]); bit-identical results",
        ))
    else:
        rows.append(tools.skipped("train_step[proposed: unbind]", reason))
    return rows


# --------------------------------------------------------------- 4. the s2 preset cost


def _make_cell(model: str, m: int, n: int, dtype):
    classes = {"plain": learning.PlainRNN, "leaky": learning.LeakyRNN,
               "scalar": learning.ScalarGateRNN, "multi": learning.MultiGateRNN}
    cls = classes[model]
    return lambda seed: cls(m, n, seed=int(seed), dtype=dtype)


def _clock() -> tuple[float, float]:
    """(wall, process CPU) seconds now."""
    return time.perf_counter(), time.process_time()


def _cpu_timed(fn):
    """Wall and process-CPU seconds of one call of ``fn`` (after a garbage collection), and its result."""
    gc.collect()
    w0, c0 = _clock()
    out = fn()
    w1, c1 = _clock()
    return {"wall": w1 - w0, "cpu": c1 - c0}, out


def _per_step_seconds(run, steps: int) -> dict:
    """Run ``run(steps, on_checkpoint)`` with checkpoints (1, steps); return the wall and
    process-CPU seconds per step between the two. The first step (tracing, allocations)
    and the set-up before it are excluded."""
    stamps = {}

    def on_checkpoint(cell, step):
        stamps.setdefault(step, _clock())

    run(steps, on_checkpoint)
    (w1, c1), (w2, c2) = stamps[1], stamps[steps]
    return {"wall": (w2 - w1) / (steps - 1), "cpu": (c2 - c1) / (steps - 1)}


def _makespan(durations, workers: int) -> float:
    """Wall time of independent jobs on ``workers`` processes (longest job first, greedy)."""
    loads = [0.0] * workers
    heapq.heapify(loads)
    for d in sorted(durations, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + d)
    return max(loads)


def _analysis_seconds(cell, preset, task: str) -> dict:
    """One checkpoint's analysis, each part timed once (wall and CPU seconds).

    Current: propagation on the probe batch (state Jacobians in float64,
    ``pair_log_singular_values`` for ``triples_per_lag`` sampled pairs at every lag, AI and
    CE of each pair) and updates (``per_example_gradients`` of ``grad_samples`` sequences,
    ``gradient_anisotropy``). Also timed, for the proposed variant: one ``isfinite`` check
    of the probe's ``J`` (which ``pair_log_singular_values`` repeats at every lag) and
    :func:`contracted_per_example_gradients`. And the cost the propagation probe would
    have with *all* pairs (``jacobian_products``), measured on a few probe examples and
    scaled to the probe batch.
    """
    T, m, lags = preset["T"], preset["m"], preset["lags"]
    top, r, K = preset["top_k"], preset["r"], preset["triples_per_lag"]
    cell64 = copy.deepcopy(cell).to(torch.float64)
    probe = tasks.make_task(task, preset["probe_batch"], T=T, m=m, seed=11, dtype=torch.float64)
    grads = tasks.make_task(task, preset["grad_samples"], T=T, m=m, seed=12, dtype=torch.float64)
    rng = np.random.default_rng(13)

    t = {}
    t["state_jacobians"], J = _cpu_timed(lambda: cell64.state_jacobians(probe.inputs))

    def sampled_pairs():
        out = []
        for h in lags:
            b = rng.integers(0, J.shape[0], size=K)
            k = rng.integers(0, T - h + 1, size=K)
            logsv = learning.pair_log_singular_values(J, b, k, h, top=top)
            sv = torch.exp(logsv - logsv[:, :1]).numpy()  # scale-free: the metrics are ratios
            out.append((float(np.median(anisotropy.anisotropy_index(sv, r))),
                        float(np.median(anisotropy.energy_concentration(sv, r, top)))))
        return out

    t["sampled_pairs"], _ = _cpu_timed(sampled_pairs)
    t["per_example_gradients"], G = _cpu_timed(
        lambda: learning.per_example_gradients(cell64, grads.inputs, grads.targets))
    t["gradient_anisotropy"], _ = _cpu_timed(lambda: anisotropy.gradient_anisotropy(G, r=r, seed=0))
    t["isfinite_J_once"], _ = _cpu_timed(lambda: bool(torch.isfinite(J).all()))
    t["contracted_gradients"], G2 = _cpu_timed(
        lambda: contracted_per_example_gradients(cell64, grads.inputs, grads.targets))
    if float((G2 - G).abs().max()) > 1e-10 * float(G.abs().max()):
        raise AssertionError("contracted_per_example_gradients differs from per_example_gradients")
    few = min(preset["probe_batch"], 4)
    all_pairs, _ = _cpu_timed(lambda: learning.jacobian_products(J[:few], max(lags), top=top))
    out = {}
    for clock in ("wall", "cpu"):
        c = {name: v[clock] for name, v in t.items()}
        current = c["state_jacobians"] + c["sampled_pairs"] + c["per_example_gradients"] + c["gradient_anisotropy"]
        proposed = (current - (len(lags) - 1) * c["isfinite_J_once"]
                    - c["per_example_gradients"] + c["contracted_gradients"])
        out[clock] = {**c, "total[current]": current, "total[proposed]": proposed,
                      "all_pairs_jacobian_products_estimate": all_pairs[clock] * preset["probe_batch"] / few}
    return out


PROPOSED = ("cells.py forward with drive.unbind(1); per-example gradients contracted over time; "
            "pair_log_singular_values validating J once, not once per lag")


def bench_s2_preset(cfg, tools):
    """Extrapolated wall time of the full ``s2`` preset on ``workers`` single-thread
    processes, from measured per-step training costs, task draws and one checkpoint's
    analysis per arm. Costs are process-CPU seconds (what a run would take on an idle
    core; wall-clock figures on a shared machine include the other users' load); the
    wall-clock extrapolation is in the JSON."""
    _threads(cfg)
    preset = tasks.get_preset(cfg["preset"])
    T, n, m, batch = preset["T"], preset["n"], preset["m"], preset["batch"]
    seeds, steps, n_ckpt = preset["seeds"], preset["steps"], len(preset["checkpoints"])
    n_tasks = len(preset["tasks"])
    dtype = getattr(torch, preset["dtype"])
    workers = cfg["workers"]
    s_train, s_ens = cfg["train_steps"], cfg["ensemble_steps"]
    ensemble_seeds = list(range(seeds))
    have_ensemble = hasattr(learning, "train_ensemble")
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else None

    # Task draws (the per-step data cost), per task: median of a few draws.
    draw = {"wall": {}, "cpu": {}}
    for task in preset["tasks"]:
        times = [_cpu_timed(lambda s=s: tasks.make_task(task, batch, T=T, m=m, seed=s, dtype=dtype))[0]
                 for s in range(cfg["draws"])]
        for clock in draw:
            draw[clock][task] = statistics.median(x[clock] for x in times)
    base_task = "adding"

    arms, notes = [], []
    for arm in preset["arms"]:
        make = _make_cell(arm["model"], m, n, dtype)
        opt = dict(optimizer=arm["optimizer"], lr=arm["lr"], batch=batch, task_kwargs={"T": T}, progress=False)
        label = f"{arm['model']}+{arm['optimizer']}"
        rec = {"arm": label}
        cell = make(0)

        def single(k, cb, cell=cell, opt=opt):
            learning.train(cell, base_task, steps=k, checkpoints=(1, k), on_checkpoint=cb, **opt)

        def ensemble(k, cb, make=make, opt=opt):
            learning.train_ensemble(make, ensemble_seeds, base_task, steps=k, checkpoints=(1, k),
                                    on_checkpoint=cb, **opt)

        check = _check_proposed_forward(make(0), *_xy(base_task, batch, T, m, dtype))
        variants = [("current", False)] + ([("proposed", True)] if check is None else [])
        if check is not None:
            notes.append(f"{label}: {check}")
        for variant, patched in variants:
            with proposed_forward_installed() if patched else contextlib.nullcontext():
                rec[f"train[{variant}]"] = _per_step_seconds(single, s_train)
                if have_ensemble:
                    rec[f"ensemble[{variant}]"] = _per_step_seconds(ensemble, s_ens)
        rec["analysis"] = _analysis_seconds(cell, preset, base_task)
        arms.append(rec)
        print(f"    {label} (CPU s per step / per analysis): "
              + ", ".join(f"{k} {v['cpu']:.3f}" for k, v in rec.items() if k not in ("arm", "analysis"))
              + f", analysis[current] {rec['analysis']['cpu']['total[current]']:.2f}"
              + f", analysis[proposed] {rec['analysis']['cpu']['total[proposed]']:.2f}", flush=True)

    def extrapolate(variant: str, mode: str, clock: str):
        """Total seconds of work and its wall time on ``workers`` processes."""
        jobs, analysis_total = [], 0.0
        d = draw[clock]
        for rec in arms:
            key = f"{mode}[{variant}]"
            if key not in rec:
                return None
            per_seed_draws = 1 if mode == "train" else seeds
            compute = rec[key][clock] - per_seed_draws * d[base_task]
            analysis = n_ckpt * rec["analysis"][clock][f"total[{variant}]"]  # one seed, all checkpoints
            analysis_total += seeds * n_tasks * analysis
            for task in preset["tasks"]:
                if mode == "train":  # one job per seed
                    jobs += [steps * (compute + d[task]) + analysis] * seeds
                else:  # one job per (arm, task): all seeds trained at once, analysed one by one
                    jobs.append(steps * (compute + seeds * d[task]) + seeds * analysis)
        return {"total_s": float(sum(jobs)), "wall_s": _makespan(jobs, workers), "jobs": len(jobs),
                "analysis_s": analysis_total}

    est = {f"{mode}[{variant}]": {clock: extrapolate(variant, mode, clock) for clock in ("cpu", "wall")}
           for mode in ("train", "ensemble") for variant in ("current", "proposed")}
    details = {"preset": cfg["preset"], "arms": arms, "draw_s": draw, "estimates": est, "workers": workers,
               "train_steps_measured": s_train, "ensemble_steps_measured": s_ens, "seeds": seeds,
               "steps": steps, "checkpoints": n_ckpt, "proposed_changes": PROPOSED, "notes": notes,
               "loadavg_start": load_start,
               "loadavg_end": os.getloadavg() if hasattr(os, "getloadavg") else None}
    size = (f"{cfg['preset']}: {len(preset['arms'])} arms x {n_tasks} tasks x {seeds} seeds, "
            f"{steps} steps, {n_ckpt} checkpoints")
    rows = []
    for mode, what in (("train", f"train() one seed at a time (per step from {s_train} steps)"),
                       ("ensemble", f"train_ensemble() of {seeds} seeds per (arm, task) (per step from {s_ens} steps)")):
        for variant in ("current", "proposed"):
            e = est[f"{mode}[{variant}]"]
            name = f"s2_preset[{mode}]" + ("" if variant == "current" else "[proposed]")
            if e["cpu"] is None:
                reason = ("train_ensemble not in gatebook.learning" if mode == "ensemble" and not have_ensemble
                          else "; ".join(notes) or "not measured")
                rows.append(tools.skipped(name, reason))
                continue
            cpu, wall = e["cpu"], e["wall"]
            rows.append(tools.result(
                name, value=cpu["wall_s"], target=cfg["target_s"] if variant == "current" else None,
                op="<=", unit="s",
                times={"work": cpu["total_s"], "of which analysis": cpu["analysis_s"],
                       "from wall clocks": wall["wall_s"]},
                details={**details, "this": e, "mode": mode, "variant": variant},
                note=(f"EXTRAPOLATED from CPU times to {workers} processes x 1 thread: {size}; {what}"
                      + ("" if variant == "current" else f"; with the proposed changes ({PROPOSED})")),
            ))
    return rows


def _xy(task, batch, T, m, dtype):
    d = tasks.make_task(task, batch, T=T, m=m, seed=0, dtype=dtype)
    return d.inputs, d.targets.to(dtype)
