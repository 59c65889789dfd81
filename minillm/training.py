"""The training loop every model in the book shares: draw a batch, take the next-token loss, step the
optimizer, and now and then measure the loss on held-out data.

A model is anything whose ``model(x)`` returns ``(logits, ...)`` with logits of shape (batch, time,
vocab): the RNN LM, the GPT. ``Trainer`` adds what real runs need (learning-rate warmup and cosine
decay, gradient accumulation, mixed precision on GPU, a moving average of the weights,
best-checkpoint saving, exact resume); ``train`` is the one-call form the early chapters use.
"""

from __future__ import annotations

import json
import math
import random
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

import torch
from torch import distributed as dist
from torch.nn import functional as F

from minillm.utils import evaluating, positive_int


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


@dataclass
class TrainConfig:
    """How to train: steps, optimizer, schedule, evaluation and checkpoints."""

    max_steps: int
    lr: float = 3e-3
    min_lr: float = 0.0  # the cosine schedule decays from lr to min_lr
    warmup_steps: int = 0
    schedule: str = "constant"  # "constant" or "cosine"
    weight_decay: float = 0.0  # applied to matrices only, never to biases, norms or gains
    betas: tuple[float, float] = (0.9, 0.999)
    grad_clip: float | None = 1.0
    grad_accum: int = 1  # micro-batches per optimizer step
    eval_every: int = 100
    eval_iters: int = 20
    precision: str = "auto"  # "auto" (bf16 autocast on CUDA when supported), "fp32" or "bf16"
    compile: bool = False
    checkpoint_dir: str | None = None  # where the best (lowest val loss) model is saved
    ema_decay: float | None = None  # keep ema = decay * ema + (1 - decay) * weights after each step
    progress: bool = False

    def __post_init__(self):
        for name in ("max_steps", "grad_accum", "eval_every", "eval_iters"):
            positive_int(name, getattr(self, name))
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if not 0 <= self.min_lr <= self.lr:
            raise ValueError(f"min_lr must be in [0, lr={self.lr}], got {self.min_lr!r}")
        if not isinstance(self.warmup_steps, int) or not 0 <= self.warmup_steps <= self.max_steps:
            raise ValueError(
                f"warmup_steps must be an int in [0, max_steps], got {self.warmup_steps!r}"
            )
        if self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine', got {self.schedule!r}")
        if self.precision not in ("auto", "fp32", "bf16"):
            raise ValueError(f"precision must be 'auto', 'fp32' or 'bf16', got {self.precision!r}")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in (0, 1) or None, got {self.ema_decay!r}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"grad_clip must be > 0 or None, got {self.grad_clip!r}")

    def lr_at(self, step: int) -> float:
        """The learning rate of optimizer step ``step`` (0-based): linear warmup, then the schedule."""
        if step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        if self.schedule == "constant":
            return self.lr
        progress = (step - self.warmup_steps) / max(1, self.max_steps - self.warmup_steps)
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * progress))


def lm_loss(model, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the model's next-token predictions for ``x`` against targets ``y``."""
    logits = model(x)[0]
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), y.reshape(-1))


def evaluate(model, batches, iters: int = 20) -> float:
    """Mean loss over ``iters`` batches from ``batches`` (a ``RandomWindows``), in eval mode."""
    device = next(model.parameters()).device
    total = 0.0
    with evaluating(model):
        for _ in range(iters):
            x, y = batches.next_batch()
            total += lm_loss(model, x.to(device), y.to(device)).item()
    return total / iters


def param_groups(model, weight_decay: float) -> list[dict]:
    """AdamW groups: weight decay on matrices (dim ≥ 2), none on biases, norm gains and scalars."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


class Trainer:
    """Trains ``model`` on batches from ``train_batches`` (a ``RandomWindows``) as ``config`` says.

    ``fit()`` runs up to ``config.max_steps`` (``fit(until=k)`` stops early); ``save(path)`` writes
    everything a run is made of (model, optimizer, schedule position, RNG and data position,
    history, moving average), and ``load(path)`` on a fresh Trainer continues it so that the loss
    curve is the one an uninterrupted run gives. With ``config.ema_decay`` set, ``use_ema()``
    puts the exponential moving average of the weights into the model at the end of a run.
    """

    def __init__(self, model, train_batches, config: TrainConfig, val_batches=None):
        self.model, self.config = model, config
        self.train_batches, self.val_batches = train_batches, val_batches
        self.device = next(model.parameters()).device
        cuda = self.device.type == "cuda"
        self.optimizer = torch.optim.AdamW(
            param_groups(model, config.weight_decay),
            lr=config.lr_at(0),
            betas=config.betas,
            **({"fused": True} if cuda else {}),
        )
        bf16 = config.precision == "bf16" or (
            config.precision == "auto" and cuda and torch.cuda.is_bf16_supported()
        )
        self.autocast = (
            torch.autocast(self.device.type, dtype=torch.bfloat16)
            if bf16 and cuda
            else nullcontext()
        )
        self.distributed = dist.is_available() and dist.is_initialized()
        self.is_main = not self.distributed or dist.get_rank() == 0
        forward = model
        if self.distributed:
            from torch.nn.parallel import DistributedDataParallel

            forward = DistributedDataParallel(
                model, device_ids=[self.device.index] if cuda else None
            )
        self.forward = torch.compile(forward) if config.compile else forward
        self.step = 0
        self.history = History()
        self.best_val = math.inf
        self.ema = None  # float copies of the floating-point parameters and buffers, once stepped

    def _ema_tensors(self) -> list[torch.Tensor]:
        state = self.model.state_dict(keep_vars=True)
        return [t.detach() for t in state.values() if t.is_floating_point()]

    @torch.no_grad()
    def _update_ema(self) -> None:
        """Fold the weights after this step into the average (the first step copies them)."""
        tensors = self._ema_tensors()
        if self.ema is None:
            self.ema = [t.float().clone() for t in tensors]
        else:
            for average, t in zip(self.ema, tensors):
                average.lerp_(t.float(), 1 - self.config.ema_decay)

    @torch.no_grad()
    def use_ema(self) -> None:
        """Replace the model's weights by their moving average (evaluate or save it afterwards)."""
        if self.ema is None:
            raise ValueError(
                "no moving average: set TrainConfig.ema_decay and train at least a step"
            )
        for t, average in zip(self._ema_tensors(), self.ema):
            t.copy_(average)

    def _set_lr(self) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr_at(self.step)

    def train_step(self) -> float:
        """One optimizer step over ``grad_accum`` micro-batches; returns the mean loss."""
        self._set_lr()
        total, accum = 0.0, self.config.grad_accum
        for micro in range(accum):
            x, y = self.train_batches.next_batch()
            # Under DDP, gradients are averaged across processes only on the last micro-batch.
            sync = not self.distributed or micro == accum - 1
            with self.autocast, nullcontext() if sync else self.forward.no_sync():
                loss = lm_loss(self.forward, x.to(self.device), y.to(self.device))
                (loss / accum).backward()
            total += loss.item()
        if self.config.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.config.ema_decay is not None:
            self._update_ema()
        self.step += 1
        return total / self.config.grad_accum

    def fit(self, until: int | None = None) -> History:
        """Train until step ``until`` (default ``config.max_steps``), evaluating every
        ``eval_every`` steps and after the last step of the run."""
        config, bar = self.config, None
        until = config.max_steps if until is None else min(until, config.max_steps)
        if config.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=config.max_steps, initial=self.step, desc="training")
        self.model.train()
        while self.step < until:
            loss = self.train_step()
            self.history.train_steps.append(self.step)
            self.history.train_loss.append(loss)
            if self.val_batches is not None and (
                self.step % config.eval_every == 0 or self.step == config.max_steps
            ):
                self._evaluate()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}")
        if bar is not None:
            bar.close()
        return self.history

    def _evaluate(self) -> None:
        with self.autocast:
            val = evaluate(self.model, self.val_batches, self.config.eval_iters)
        self.history.val_steps.append(self.step)
        self.history.val_loss.append(val)
        if val < self.best_val:
            self.best_val = val
            if self.config.checkpoint_dir is not None and self.is_main:
                self.save_model(self.config.checkpoint_dir)

    def save_model(self, folder: str | Path) -> None:
        """The model's weights as ``model.safetensors`` and the run's settings as ``config.json``."""
        from safetensors.torch import save_model

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_model(self.model, str(folder / "model.safetensors"))
        info = {"step": self.step, "val_loss": self.best_val, "train_config": asdict(self.config)}
        model_config = getattr(self.model, "config", None)
        if is_dataclass(model_config):  # lets GPT.from_checkpoint rebuild the model
            info["model_config"] = asdict(model_config)
        (folder / "config.json").write_text(json.dumps(info, indent=2), encoding="utf-8")

    def state_dict(self) -> dict:
        """Everything needed to continue this run exactly (tensors, numbers and lists only)."""
        cuda = self.device.type == "cuda"
        return {
            "step": self.step,
            "best_val": self.best_val,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "train_batches": self.train_batches.state_dict(),
            "val_batches": self.val_batches.state_dict() if self.val_batches is not None else None,
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if cuda else None,
            "python_rng": random.getstate(),
            "history": asdict(self.history),
            "ema": self.ema,
        }

    def save(self, path: str | Path) -> None:
        """Write ``state_dict()`` to ``path`` (read back with ``torch.load(weights_only=True)``)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        torch.save(self.state_dict(), path)

    def load(self, path: str | Path) -> None:
        """Continue the run saved at ``path``: the next ``fit()`` picks up at the saved step."""
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.train_batches.load_state_dict(state["train_batches"])
        if self.val_batches is not None and state["val_batches"] is not None:
            self.val_batches.load_state_dict(state["val_batches"])
        torch.set_rng_state(state["torch_rng"].cpu())
        if state["cuda_rng"] is not None:
            torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
        random.setstate(state["python_rng"])
        self.step, self.best_val = state["step"], state["best_val"]
        self.history = History(**state["history"])
        self.ema = state.get("ema")


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
    """Train ``model`` for ``steps`` AdamW steps at a constant ``lr``; returns the loss ``History``.

    Evaluates on ``val_batches`` every ``eval_every`` steps and after the last one. The one-call
    form of ``Trainer``, for runs that need no schedule, checkpoints or resume.
    """
    config = TrainConfig(
        max_steps=steps,
        lr=lr,
        grad_clip=grad_clip,
        weight_decay=weight_decay,
        eval_every=eval_every,
        eval_iters=eval_iters,
        precision="fp32",
        progress=progress,
    )
    return Trainer(model, train_batches, config, val_batches).fit()
