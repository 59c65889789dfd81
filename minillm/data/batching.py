"""Train/validation split and random (x, y) windows for next-token training, as nanoGPT does.

``y`` is ``x`` shifted by one position: the model learns to predict every next token of a window.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T", bound=Sequence)


def train_val_split(data: T, train_fraction: float = 0.9) -> tuple[T, T]:
    """The first ``train_fraction`` of ``data`` for training and the rest for validation.

    A contiguous split (not a shuffle) keeps validation text unseen, as in nanoGPT.
    """
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")
    if len(data) < 2:
        raise ValueError(f"data must hold at least 2 items to split, got {len(data)}")
    cut = min(max(int(len(data) * train_fraction), 1), len(data) - 1)
    return data[:cut], data[cut:]


class RandomWindows:
    """Endless batches of random windows ``(x, y)`` of ``block_size`` tokens from a 1-D token tensor.

    Draws from its own ``torch.Generator``: the same seed gives the same batches, and
    ``state_dict``/``load_state_dict`` let a resumed run continue with exactly the next batch.
    """

    def __init__(self, data, block_size: int, batch_size: int, seed: int = 0, device=None):
        import torch

        data = torch.as_tensor(data, dtype=torch.long)
        if data.dim() != 1:
            raise ValueError(
                f"data must be a 1-D sequence of token ids, got shape {tuple(data.shape)}"
            )
        if not isinstance(block_size, int) or block_size < 1:
            raise ValueError(f"block_size must be a positive int, got {block_size!r}")
        if block_size >= len(data):
            raise ValueError(
                f"block_size ({block_size}) must be smaller than the data ({len(data)} tokens)"
            )
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.data, self.block_size, self.batch_size = data, block_size, batch_size
        self.device = device
        self.generator = torch.Generator().manual_seed(seed)
        self._offsets = torch.arange(block_size + 1)

    def next_batch(self):
        """One batch: ``x`` and ``y`` of shape (batch_size, block_size), ``y`` shifted by one."""
        import torch

        starts = torch.randint(
            len(self.data) - self.block_size, (self.batch_size,), generator=self.generator
        )
        windows = self.data[starts[:, None] + self._offsets]
        x, y = windows[:, :-1], windows[:, 1:]
        if self.device is not None and torch.device(self.device).type != "cpu":
            x = x.pin_memory().to(self.device, non_blocking=True)
            y = y.pin_memory().to(self.device, non_blocking=True)
        return x, y

    def __iter__(self):
        while True:
            yield self.next_batch()

    def state_dict(self) -> dict:
        """The generator state: enough to resume the exact batch sequence."""
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        """Continue the batch sequence from a saved ``state_dict``."""
        self.generator.set_state(state["generator"])
