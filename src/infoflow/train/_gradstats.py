"""Per-epoch gradient statistics of each parameter group (train layer, private).

The dynamics stage splits learning into drift (norm of the mean minibatch gradient) and diffusion
(norm of the elementwise standard deviation across minibatches), following Shwartz-Ziv & Tishby
(2017, arXiv:1703.00810). Storing raw gradients would cost epochs x batches x parameters, so only a
running sum and sum of squares per group are kept (float64, against cancellation in
``E[g^2] - E[g]^2``), plus each minibatch's gradient norm.
"""

from __future__ import annotations

import numpy as np
import torch

from infoflow.models import GROUPS, RecurrentModel


class GradientStatistics:
    """Accumulate minibatch gradients of each parameter group over one epoch.

    Call :meth:`update` after every ``backward()`` and :meth:`finish` at the end of the epoch.
    The std is the population one (divide by the number of minibatches).
    """

    def __init__(self, groups: dict[str, list[torch.nn.Parameter]]):
        self.groups = {g: groups.get(g, []) for g in GROUPS}
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.sum: dict[str, torch.Tensor | None] = dict.fromkeys(GROUPS)
        self.sumsq: dict[str, torch.Tensor | None] = dict.fromkeys(GROUPS)
        self.batch_norms: list[list[float]] = []

    def _flat(self, params: list[torch.nn.Parameter]) -> torch.Tensor:
        parts = [(p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1) for p in params]
        if not parts:
            return torch.zeros(0, dtype=torch.float64)
        return torch.cat(parts).to(device="cpu", dtype=torch.float64)

    def update(self) -> None:
        """Add the gradients currently stored in ``.grad`` as one minibatch."""
        norms = []
        for g, params in self.groups.items():
            flat = self._flat(params)
            total, total_sq = self.sum[g], self.sumsq[g]
            if total is None or total_sq is None:
                self.sum[g], self.sumsq[g] = flat.clone(), flat * flat
            else:
                total += flat  # in place: the tensors stored in self.sum / self.sumsq
                total_sq += flat * flat
            norms.append(float(torch.linalg.vector_norm(flat)))
        self.batch_norms.append(norms)
        self.n += 1

    def finish(self) -> dict[str, np.ndarray]:
        """Return ``grad_mean_norm`` (group,), ``grad_std_norm`` (group,), ``grad_batch_norm`` (batch, group)."""
        mean_norm = np.full(len(GROUPS), np.nan)
        std_norm = np.full(len(GROUPS), np.nan)
        for i, g in enumerate(GROUPS):
            total, total_sq = self.sum[g], self.sumsq[g]
            if self.n and total is not None and total_sq is not None:
                mean = total / self.n
                var = torch.clamp(total_sq / self.n - mean * mean, min=0.0)
                mean_norm[i] = float(torch.linalg.vector_norm(mean))
                std_norm[i] = float(torch.linalg.vector_norm(torch.sqrt(var)))
        batch = np.asarray(self.batch_norms, dtype=np.float64).reshape(self.n, len(GROUPS))
        return {"grad_mean_norm": mean_norm, "grad_std_norm": std_norm, "grad_batch_norm": batch}


def fixed_weight_statistics(model: RecurrentModel, x: torch.Tensor, y: torch.Tensor, read_idx: int, *,
                            batch_size: int, n_batches: int, generator: torch.Generator) -> dict[str, np.ndarray]:
    """Gradient statistics of `n_batches` random minibatches at the model's current weights, no update.

    The per-batch statistics of an epoch (:class:`GradientStatistics` fed during training) take each
    minibatch's gradient at different weights, because the optimiser moves them between batches, so
    weight drift counts as batch-to-batch noise. Here the weights are fixed: disjoint minibatches
    drawn by `generator` (its own stream, so training's random numbers are untouched), the same
    loss as training, gradients accumulated by :class:`GradientStatistics`. The ``.grad`` buffers
    are zeroed afterwards. Returns ``grad_fixed_mean_norm`` and ``grad_fixed_std_norm`` (group,).
    """
    groups = model.parameter_groups()
    stats = GradientStatistics(groups)
    n = x.shape[0]
    order = torch.randperm(n, generator=generator).to(x.device)
    k = max(1, min(n_batches, n // max(1, batch_size)))
    was_training = model.training
    model.train()
    try:
        for b in range(k):
            idx = order[b * batch_size:(b + 1) * batch_size]
            model.zero_grad(set_to_none=False)
            pred, _ = model(x[idx])
            torch.mean((pred[:, read_idx, :] - y[idx]) ** 2).backward()
            stats.update()
    finally:
        model.zero_grad(set_to_none=False)
        model.train(was_training)
    out = stats.finish()
    return {"grad_fixed_mean_norm": out["grad_mean_norm"], "grad_fixed_std_norm": out["grad_std_norm"]}
