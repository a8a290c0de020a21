r"""The rate network and the gated network on torch: several networks stepped together.

A *stack* holds :math:`S` networks of one kind and one size — typically the same parameters
with different seeds — as batched torch tensors on one device (CPU or GPU), in float32 or
float64. It follows the protocol of :mod:`gatebook.dynamical_system` with one extra leading
axis for the network, so :mod:`gatebook.integrators` steps it unchanged:

.. math::

    x \in \mathbb R^{S\times B\times d}, \qquad
    F(x)_{s} = F^{(s)}(x_s), \qquad \big(\mathcal J(x)V\big)_s = \mathcal J^{(s)}(x_s)\,V_s ,

where :math:`F^{(s)}` is the vector field of network :math:`s` (chapter 1's
:math:`\tau\dot x=-x+gJ\phi(x)` or Part III's gated network, exactly as in
:class:`gatebook.RandomRateNetwork` and :class:`gatebook.GatedNetwork`) and :math:`B` the
trajectories per network. Every product with the couplings is one batched matrix product
(``torch.matmul`` over the stack), so a step costs :math:`O(SBN^2)` arithmetic and the
stack :math:`O(SN^2)` memory.

Users rarely build a stack themselves: :func:`gatebook.simulate`,
:func:`gatebook.max_lyapunov` and :func:`gatebook.lyapunov_spectrum` build one when they are
given ``device=`` (:mod:`gatebook.backend`) and a model or a list of models. The research-scale
route is in the user's guide (*Research scale*, ``execution.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import check_memory
from .backend import resolve_device, torch_dtype
from .gated_network import GatedNetwork
from .random_network import RandomRateNetwork

__all__ = ["RateNetworkStack", "GatedNetworkStack", "stack_networks", "as_model_list"]


def as_model_list(models, name: str = "models") -> list:
    """``models`` (one network or a non-empty sequence of them) as a list of networks of one kind and size."""
    if isinstance(models, (RandomRateNetwork, GatedNetwork)):
        return [models]
    if isinstance(models, (str, bytes)) or not isinstance(models, Sequence):
        raise TypeError(
            f"{name} must be a RandomRateNetwork or GatedNetwork, or a list of them, got {type(models).__name__}"
        )
    models = list(models)
    if not models:
        raise ValueError(f"{name} must hold at least one network, got an empty sequence")
    kind = type(models[0])
    for i, m in enumerate(models):
        if not isinstance(m, (RandomRateNetwork, GatedNetwork)):
            raise TypeError(f"{name}[{i}] must be a RandomRateNetwork or GatedNetwork, got {type(m).__name__}")
        if type(m) is not kind or m.N != models[0].N:
            raise ValueError(
                f"{name} must hold networks of one kind and size to be stepped together; {name}[0] is a "
                f"{kind.__name__} with N={models[0].N}, {name}[{i}] a {type(m).__name__} with N={m.N}"
            )
    if kind is GatedNetwork:
        first = models[0]
        for i, m in enumerate(models):
            if m.r_gate != first.r_gate or m.input_placement != first.input_placement:
                raise ValueError(
                    f"{name} must share r_gate and input_placement to be stepped together; "
                    f"{name}[{i}] differs from {name}[0]"
                )
    return models


def stack_networks(models, device="cpu", dtype=np.float32):
    """Copy one network, or several of one kind and size, onto ``device`` as a torch stack.

    Parameters
    ----------
    models : RandomRateNetwork, GatedNetwork or sequence of them
        The networks (their couplings and parameters are copied; later changes to them are
        not seen by the stack).
    device : str or torch.device, optional
        A torch device (:func:`gatebook.backend.resolve_device`); default the CPU.
    dtype : {numpy.float32, numpy.float64}, optional
        Precision of the couplings and of the states the stack will be given.

    Returns
    -------
    RateNetworkStack or GatedNetworkStack

    Examples
    --------
    >>> import gatebook
    >>> nets = [gatebook.RandomRateNetwork(50, 1.5, seed=s) for s in range(3)]
    >>> stack = stack_networks(nets, "cpu")
    >>> stack.n_networks, stack.dim
    (3, 50)
    """
    models = as_model_list(models, "models")
    device = resolve_device(device)
    if device is None:
        raise ValueError("device must name a torch device (e.g. 'cpu' or 'cuda') for a stack, got numpy")
    cls = RateNetworkStack if isinstance(models[0], RandomRateNetwork) else GatedNetworkStack
    return cls(models, device, torch_dtype(dtype))


class _Stack:
    """What both stacks share: the device, the precision and the protocol's shape handling."""

    def __init__(self, models, device, dtype):
        import torch

        self.torch = torch
        self.models = models
        self.n_networks = len(models)
        self.N = models[0].N
        self.dim = models[0].dim
        self.device = device
        self.dtype = dtype
        n_matrices = self.n_networks * self._matrices_per_network * self.N**2
        check_memory(n_matrices, "model", itemsize=dtype.itemsize, what="the stacked coupling matrices")

    def _matrix_stack(self, get):
        """``(S, rows, N)`` tensor filled network by network (no host-side copy of the whole stack)."""
        first = get(self.models[0])
        out = self.torch.empty((self.n_networks,) + first.shape, dtype=self.dtype, device=self.device)
        for s, model in enumerate(self.models):
            out[s] = self.torch.from_numpy(np.ascontiguousarray(get(model))).to(self.device, self.dtype)
        return out

    def _per_network(self, values, width: int = 1):
        """``(S, 1, width)`` tensor of one scalar per network, repeated ``width`` times."""
        v = np.repeat(np.asarray(values, dtype=np.float64)[:, None], width, axis=1)
        return self.torch.as_tensor(v[:, None, :], dtype=self.dtype, device=self.device)

    def tensor(self, x):
        """``x`` (numpy or torch) as a tensor of this stack's device and precision."""
        if isinstance(x, self.torch.Tensor):
            return x.to(self.device, self.dtype)
        return self.torch.as_tensor(np.asarray(x), dtype=self.dtype, device=self.device)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_networks={self.n_networks}, N={self.N}, device={self.device}, dtype={self.dtype})"


class RateNetworkStack(_Stack):
    r"""Chapter 1's networks :math:`\tau\dot x=-x+gJ\tanh x` as one torch batch (see the module notes)."""

    _matrices_per_network = 1

    def __init__(self, models, device, dtype):
        super().__init__(models, device, dtype)
        self.weights = self._matrix_stack(lambda m: m.weights)  # (S, N, N): g J
        self.inv_tau = self._per_network([1.0 / m.tau for m in models])  # (S, 1, 1)

    def vector_field(self, x, t: float = 0.0):
        r""":math:`F(x)=\tau^{-1}[-x+gJ\tanh x]` for ``x`` of shape ``(S, B, N)`` or ``(S, N)``."""
        flat = x.ndim == 2
        xb = x.unsqueeze(1) if flat else x
        out = (self.torch.tanh(xb) @ self.weights.mT - xb) * self.inv_tau
        return out.squeeze(1) if flat else out

    def vector_field_and_jvp(self, x, V, t: float = 0.0):
        r"""``(F(x), J(x) V)`` for ``x`` ``(S, N)`` and ``V`` ``(S, N, k)``, from one batched product."""
        phi = self.torch.tanh(x)
        rows = self.torch.cat([phi.unsqueeze(1), V.mT * (1.0 - phi * phi).unsqueeze(1)], dim=1)
        product = rows @ self.weights.mT  # (S, 1 + k, N)
        F = (product[:, 0] - x) * self.inv_tau[:, 0]
        JV = (product[:, 1:].mT - V) * self.inv_tau
        return F, JV

    def jvp(self, x, V, t: float = 0.0):
        """:math:`\\mathcal J(x)V` (shapes as :meth:`vector_field_and_jvp`)."""
        return self.vector_field_and_jvp(x, V, t)[1]

    def jacobian_trace(self, x, t: float = 0.0):
        r""":math:`\operatorname{tr}\mathcal J=\tau^{-1}[-N+g\sum_iJ_{ii}\phi'(x_i)]` per network, shape ``(S,)``."""
        dphi = 1.0 - self.torch.tanh(x) ** 2
        diag = self.torch.diagonal(self.weights, dim1=-2, dim2=-1)
        return ((diag * dphi).sum(-1) - self.N) * self.inv_tau[:, 0, 0]


class GatedNetworkStack(_Stack):
    r"""Part III's gated networks as one torch batch; the same equations as :class:`gatebook.GatedNetwork`.

    Parameters (gains, biases, time constants, inputs) may differ between the networks of a
    stack; ``r_gate`` and ``input_placement`` must be shared.
    """

    _matrices_per_network = 3

    def __init__(self, models, device, dtype):
        super().__init__(models, device, dtype)
        N = self.N
        self.weights_h = self._matrix_stack(lambda m: m.weights_h)  # (S, N, N)
        self.weights_gates = self._matrix_stack(lambda m: m.weights_gates)  # (S, 2N, N)
        self.diag_h = self.torch.diagonal(self.weights_h, dim1=-2, dim2=-1).unsqueeze(1)  # (S, 1, N)
        cat = np.concatenate
        gains = [cat([np.full(N, m.alpha_z), np.full(N, m.alpha_r)]) for m in models]
        biases = [cat([np.full(N, m.beta_z), np.full(N, m.beta_r)]) for m in models]
        self.gain = self.torch.as_tensor(np.stack(gains)[:, None], dtype=dtype, device=device)  # (S, 1, 2N)
        self.bias = self.torch.as_tensor(np.stack(biases)[:, None], dtype=dtype, device=device)
        taus = [cat([np.full(N, m.tau_h), np.full(N, m.tau_z), np.full(N, m.tau_r)]) for m in models]
        self.inv_tau = self.torch.as_tensor(1.0 / np.stack(taus)[:, None], dtype=dtype, device=device)  # (S,1,3N)
        self.pre = models[0].r_gate == "pre"
        self.inside = models[0].input_placement == "inside"
        self.has_inputs = any(m.has_inputs for m in models)
        self.time_dependent = any(m.has_time_dependent_inputs for m in models)
        self._constant_inputs = None if self.time_dependent or not self.has_inputs else self._inputs_at(0.0)

    def _inputs_at(self, t):
        """``(I_h, I_zr)`` of every network at time ``t``, each ``(S, 1, N)``/``(S, 1, 2N)`` (zeros when absent)."""
        N = self.N
        I = np.zeros((self.n_networks, 1, 3 * N))
        for s, model in enumerate(self.models):
            for block, value in enumerate(model.inputs(t)):
                if value is not None:
                    I[s, 0, block * N : (block + 1) * N] = value
        I = self.torch.as_tensor(I, dtype=self.dtype, device=self.device)
        return I[..., :N], I[..., N:]

    def _inputs(self, t):
        if not self.has_inputs:
            return None, None
        return self._constant_inputs if self._constant_inputs is not None else self._inputs_at(float(t))

    def _gates(self, x):
        N = self.N
        h = x[..., :N]
        s = self.torch.sigmoid(x[..., N:] * self.gain - self.bias)
        return h, self.torch.tanh(h), s

    def _finish(self, x, sz, rec_h, rec_g, t):
        """``(F, u)`` from the recurrent inputs, as :meth:`gatebook.GatedNetwork._finish` (``x`` is ``(S, B, 3N)``)."""
        N = self.N
        I_h, I_zr = self._inputs(t)
        u = rec_h - x[..., :N]
        if I_h is not None and self.inside:
            u = u + I_h
        F_h = sz * u
        if I_h is not None and not self.inside:
            F_h = F_h + I_h
        F_zr = rec_g - x[..., N:]
        if I_zr is not None:
            F_zr = F_zr + I_zr
        return self.torch.cat([F_h, F_zr], dim=-1) * self.inv_tau, u

    def vector_field(self, x, t: float = 0.0):
        """:math:`F(x)` for ``x`` of shape ``(S, B, 3N)`` or ``(S, 3N)``."""
        flat = x.ndim == 2
        xb = x.unsqueeze(1) if flat else x
        N = self.N
        h, phi, s = self._gates(xb)
        sz, sr = s[..., :N], s[..., N:]
        if self.pre:
            rec_h = (sr * phi) @ self.weights_h.mT
        else:
            rec_h = sr * (phi @ self.weights_h.mT)
        out = self._finish(xb, sz, rec_h, phi @ self.weights_gates.mT, t)[0]
        return out.squeeze(1) if flat else out

    def vector_field_and_jvp(self, x, V, t: float = 0.0):
        r"""``(F(x), J(x) V)`` for ``x`` ``(S, 3N)`` and ``V`` ``(S, 3N, k)``: one product with each coupling stack.

        Row 0 of each product is the state, rows ``1..k`` the tangent vectors, as in
        :meth:`gatebook.GatedNetwork.vector_field_and_jvp`.
        """
        torch, N = self.torch, self.N
        xb = x.unsqueeze(1)  # (S, 1, 3N)
        h, phi, s = self._gates(xb)
        dphi = 1.0 - phi * phi
        ds = self.gain * s * (1.0 - s)
        sz, sr, dsz, dsr = s[..., :N], s[..., N:], ds[..., :N], ds[..., N:]
        Vt = V.mT  # (S, k, 3N)
        Vh, Vz, Vr = Vt[..., :N], Vt[..., N : 2 * N], Vt[..., 2 * N :]
        rows_g = torch.cat([phi, Vh * dphi], dim=1)  # (S, 1 + k, N)
        if self.pre:
            rows_h = torch.cat([sr * phi, Vh * (sr * dphi) + Vr * (dsr * phi)], dim=1)
        else:
            rows_h = rows_g
        prod_h = rows_h @ self.weights_h.mT
        prod_g = rows_g @ self.weights_gates.mT
        if self.pre:
            rec_h, d_rec = prod_h[:, :1], prod_h[:, 1:]
        else:
            rec_h = sr * prod_h[:, :1]
            d_rec = sr * prod_h[:, 1:] + Vr * (dsr * prod_h[:, :1])
        F, u = self._finish(xb, sz, rec_h, prod_g[:, :1], t)
        jv_h = sz * (d_rec - Vh) + Vz * (dsz * u)
        JV = torch.cat([jv_h, prod_g[:, 1:] - Vt[..., N:]], dim=-1) * self.inv_tau
        return F[:, 0], JV.mT

    def jvp(self, x, V, t: float = 0.0):
        """:math:`\\mathcal J(x)V` (shapes as :meth:`vector_field_and_jvp`)."""
        return self.vector_field_and_jvp(x, V, t)[1]

    def jacobian_trace(self, x, t: float = 0.0):
        r""":math:`\operatorname{tr}\mathcal J` per network, shape ``(S,)`` (the formula of :meth:`gatebook.GatedNetwork.jacobian_trace`)."""
        N = self.N
        h, phi, s = self._gates(x.unsqueeze(1))
        sz, sr = s[..., :N], s[..., N:]
        inv = self.inv_tau
        hh = (sz * (self.diag_h * sr * (1.0 - phi * phi) - 1.0) * inv[..., :N]).sum(-1)
        return (hh - N * inv[..., N] - N * inv[..., 2 * N])[:, 0]
