"""The training loop every model in the book shares: draw a batch, take the next-token loss, step the
optimizer, and now and then measure the loss on held-out data.

A model is anything whose ``model(x)`` returns ``(logits, ...)`` with logits of shape (batch, time,
vocab): the RNN LM today, the Transformer later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch.nn import functional as F


@dataclass
class History:
    """Losses recorded during training, ready to plot: every step's train loss, periodic val loss."""

    train_steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)

    @property
    def val_perplexity(self) -> list[float]:
        """exp(val loss): the perplexity at each evaluation."""
        return [math.exp(loss) for loss in self.val_loss]


def lm_loss(model, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the model's next-token predictions for ``x`` against targets ``y``."""
    logits = model(x)[0]
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))


@torch.no_grad()
def evaluate(model, batches, iters: int = 20) -> float:
    """Mean loss over ``iters`` batches from ``batches`` (a ``RandomWindows``), in eval mode."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total = 0.0
    for _ in range(iters):
        x, y = batches.next_batch()
        total += lm_loss(model, x.to(device), y.to(device)).item()
    model.train(was_training)
    return total / iters


def train(
    model,
    train_batches,
    steps: int,
    lr: float = 3e-3,
    val_batches=None,
    eval_every: int = 100,
    eval_iters: int = 20,
    grad_clip: float | None = 1.0,
    weight_decay: float = 0.0,
    progress: bool = False,
) -> History:
    """Train ``model`` for ``steps`` AdamW steps on batches from ``train_batches``.

    Evaluates on ``val_batches`` every ``eval_every`` steps and after the last one; clips the
    gradient norm to ``grad_clip`` (None: no clipping). Returns the loss ``History``.
    """
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if eval_every < 1:
        raise ValueError(f"eval_every must be >= 1, got {eval_every!r}")
    device = next(model.parameters()).device
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = History()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc="training")
    model.train()
    for step in range(1, steps + 1):
        x, y = train_batches.next_batch()
        loss = lm_loss(model, x.to(device), y.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        history.train_steps.append(step)
        history.train_loss.append(loss.item())
        if val_batches is not None and (step % eval_every == 0 or step == steps):
            history.val_steps.append(step)
            history.val_loss.append(evaluate(model, val_batches, eval_iters))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}")
    if bar is not None:
        bar.close()
    return history
