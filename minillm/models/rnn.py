"""A recurrent neural language model: embed each token, run an RNN/LSTM/GRU, project to the vocabulary.

This is the outline's neural LM, P(w_i | w_<i) = softmax(h_i^T W_e + b_e), with h_i the recurrent
state after reading w_1 … w_{i−1}, used to predict w_i, and W_e the output layer (not tied to the
input embedding here). The interface follows the outline: ``forward(x, h0) -> (out, hn)``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from minillm.utils import evaluating, positive_int

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _check_ids(x: torch.Tensor) -> None:
    if x.dim() != 2 or x.dtype != torch.long:
        raise ValueError(
            f"x must be a (batch, time) tensor of token ids (torch.long), "
            f"got shape {tuple(x.shape)} and dtype {x.dtype}"
        )


class RNNLM(nn.Module):
    """Embedding -> ``num_layers`` recurrent layers -> linear head (W_e, b_e) over the vocabulary.

    The recurrent state ``h0``/``hn`` is a tensor, or an ``(h, c)`` pair for the LSTM; pass ``hn``
    back into ``forward`` to continue a sequence where it stopped.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        hidden_dim: int,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.vocab_size = positive_int("vocab_size", vocab_size)
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, positive_int("embedding_dim", embedding_dim))
        self.rnn = CELLS[cell](
            embedding_dim,
            positive_int("hidden_dim", hidden_dim),
            positive_int("num_layers", num_layers),
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.head = nn.Linear(hidden_dim, vocab_size)  # h_i^T W_e + b_e

    def forward(self, x: torch.Tensor, h0=None):
        """Logits (batch, time, vocab) for ids ``x`` (batch, time), and the state hn to go on."""
        _check_ids(x)
        out, hn = self.rnn(self.embedding(x), h0)
        return self.head(out), hn

    def generate(
        self,
        prompt: torch.Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Sample ``max_new_tokens`` ids after ``prompt`` (batch, time), carrying the hidden state.

        Reading the prompt once and then one token per step costs O(length), not O(length²).
        ``temperature`` ≤ 0 is rejected; ``top_k`` keeps only the k most likely tokens.
        """
        self._check_sampling(prompt, temperature, top_k)
        out = [prompt]
        with evaluating(self):
            logits, state = self(prompt)
            for _ in range(max_new_tokens):
                step = logits[:, -1, :] / temperature
                if top_k is not None:
                    kth = torch.topk(step, top_k).values[:, -1, None]
                    step = step.masked_fill(step < kth, float("-inf"))
                nxt = torch.multinomial(F.softmax(step, dim=-1), 1, generator=generator)
                out.append(nxt)
                logits, state = self(nxt, state)
        return torch.cat(out, dim=1)

    def _check_sampling(self, prompt: torch.Tensor, temperature: float, top_k: int | None) -> None:
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        if top_k is not None and not 1 <= top_k <= self.vocab_size:
            raise ValueError(f"top_k must be in [1, {self.vocab_size}] or None, got {top_k!r}")
        if prompt.dim() != 2 or prompt.shape[1] == 0:
            raise ValueError(
                f"prompt must be a non-empty (batch, time) tensor, got {tuple(prompt.shape)}"
            )
