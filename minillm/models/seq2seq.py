"""The encoder-decoder Transformer of "Attention Is All You Need" (Vaswani et al., 2017), the
outline's 5.2.1 model: ``Seq2SeqTransformer(vocab_size, d_model, nhead, num_layers)`` with
``forward(src, tgt, src_mask, tgt_mask) -> logits``, all tensors batch-first.

Masks follow ``minillm.attention``: bool tensors broadcastable to (batch, heads, queries, keys),
True = "may attend". ``nn.Transformer`` uses the opposite (bool True = "masked out", or float
masks added to the scores), so a torch mask converts with ``~mask`` (bool) or ``mask == 0`` (float).
``create_src_mask`` gives (batch, 1, 1, src_len) hiding source padding; ``create_tgt_mask`` gives
(batch, 1, tgt_len, tgt_len), causal and hiding target padding.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from minillm.attention import MultiHeadAttention, causal_mask
from minillm.models.transformer import FeedForward
from minillm.utils import evaluating, positive_int


def _check_ids(name: str, ids: torch.Tensor) -> None:
    if ids.dim() != 2 or ids.dtype != torch.long:
        raise ValueError(
            f"{name} must be a (batch, time) tensor of token ids (torch.long), "
            f"got shape {tuple(ids.shape)} and dtype {ids.dtype}"
        )


def _check_mask(name: str, mask: torch.Tensor | None) -> None:
    if mask is not None and mask.dtype != torch.bool:
        raise ValueError(
            f"{name} must be a bool tensor with True = attend (nn.Transformer masks are the "
            f"opposite: pass ~mask for a bool one, mask == 0 for a float one), got {mask.dtype}"
        )


def create_src_mask(src: torch.Tensor, pad_id: int) -> torch.Tensor:
    """(batch, 1, 1, src_len) bool mask: every query may attend to every non-padding source token."""
    _check_ids("src", src)
    return (src != pad_id)[:, None, None, :]


def create_tgt_mask(tgt: torch.Tensor, pad_id: int) -> torch.Tensor:
    """(batch, 1, tgt_len, tgt_len) bool mask: position i sees non-padding positions <= i only."""
    _check_ids("tgt", tgt)
    return causal_mask(tgt.size(1), device=tgt.device) & (tgt != pad_id)[:, None, None, :]


def create_masks(src: torch.Tensor, tgt: torch.Tensor, pad_id: int):
    """(src_mask, tgt_mask) for ``Seq2SeqTransformer.forward``, as the outline's training loop uses."""
    return create_src_mask(src, pad_id), create_tgt_mask(tgt, pad_id)


class PositionalEncoding(nn.Module):
    """Adds PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)), then
    dropout: fixed sinusoids let the model attend by relative position (PE(pos+k) is linear in PE(pos)).
    """

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0):
        super().__init__()
        position = torch.arange(positive_int("max_len", max_len)).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div)
        pe[:, 1::2] = torch.cos(position * div)[:, : d_model // 2]
        self.register_buffer("pe", pe, persistent=False)  # recomputed, so not in the state dict
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, time, d_model) -> same shape, with PE(0..time-1) added."""
        if x.size(1) > self.pe.size(0):
            raise ValueError(f"sequence length {x.size(1)} exceeds max_len {self.pe.size(0)}")
        return self.dropout(x + self.pe[: x.size(1)])


class Residual(nn.Module):
    """A sub-layer's residual connection and LayerNorm, shared by EncoderLayer and DecoderLayer.

    Post-LN (``norm_first=False``, the paper and ``nn.Transformer``'s default):
    x = LN(x + Dropout(Sublayer(x))). Pre-LN (``norm_first=True``):
    x = x + Dropout(Sublayer(LN(x))), which keeps the residual path an identity and trains deep
    stacks without long warm-up.
    """

    def __init__(self, dropout: float = 0.1, norm_first: bool = False):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.norm_first = norm_first
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, sublayer, norm: nn.LayerNorm) -> torch.Tensor:
        """x with ``sublayer``'s output added, normalised by ``norm`` before or after."""
        if self.norm_first:
            return x + self.dropout(sublayer(norm(x)))
        return norm(x + self.dropout(sublayer(x)))


class EncoderLayer(nn.Module):
    """Self-attention then a position-wise FFN, each inside a ``Residual`` (LayerNorm ``norm1``,
    ``norm2``, named as in ``nn.TransformerEncoderLayer``)."""

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int | None = None,
        dropout: float = 0.1,
        activation: str = "relu",
        norm_first: bool = False,
        layer_norm_eps: float = 1e-5,
    ):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, nhead, dropout)
        # the FFN's output is dropped by the Residual, as the attention's is
        self.ffn = FeedForward(d_model, dim_feedforward or 4 * d_model, activation, 0.0)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.residual = Residual(dropout, norm_first)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, src_len, d_model) -> same shape; ``mask`` is bool, True = attend."""
        x = self.residual(x, lambda h: self.self_attn(h, mask=mask)[0], self.norm1)
        return self.residual(x, self.ffn, self.norm2)


class DecoderLayer(nn.Module):
    """Masked self-attention over the target, cross-attention from the target (queries) to the
    encoder output ``memory`` (keys and values), then a position-wise FFN, each inside a
    ``Residual`` (LayerNorm ``norm1``..``norm3`` as in ``nn.TransformerDecoderLayer``).
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int | None = None,
        dropout: float = 0.1,
        activation: str = "relu",
        norm_first: bool = False,
        layer_norm_eps: float = 1e-5,
    ):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, nhead, dropout)
        self.cross_attn = MultiHeadAttention(d_model, nhead, dropout)
        self.ffn = FeedForward(d_model, dim_feedforward or 4 * d_model, activation, 0.0)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm3 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.residual = Residual(dropout, norm_first)

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        tgt_mask: torch.Tensor | None = None,
        memory_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(batch, tgt_len, d_model) -> same shape; ``tgt_mask`` (causal) masks the self-attention,
        ``memory_mask`` (source padding) the cross-attention; bool, True = attend."""
        x = self.residual(x, lambda h: self.self_attn(h, mask=tgt_mask)[0], self.norm1)
        x = self.residual(
            x, lambda h: self.cross_attn(h, memory, memory, mask=memory_mask)[0], self.norm2
        )
        return self.residual(x, self.ffn, self.norm3)


def _final_norm(d_model: int, norm_first: bool = False, layer_norm_eps: float = 1e-5, **_):
    """The LayerNorm that ends a pre-LN stack, whose residual stream is never normalised
    otherwise; a post-LN stack needs none."""
    return nn.LayerNorm(d_model, eps=layer_norm_eps) if norm_first else nn.Identity()


class Encoder(nn.Module):
    """``num_layers`` EncoderLayers (keyword arguments as EncoderLayer), then ``_final_norm``."""

    def __init__(self, num_layers: int, d_model: int, nhead: int, **layer_kwargs):
        super().__init__()
        positive_int("num_layers", num_layers)
        self.layers = nn.ModuleList(
            EncoderLayer(d_model, nhead, **layer_kwargs) for _ in range(num_layers)
        )
        self.norm = _final_norm(d_model, **layer_kwargs)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)


class Decoder(nn.Module):
    """``num_layers`` DecoderLayers (keyword arguments as DecoderLayer), then ``_final_norm``."""

    def __init__(self, num_layers: int, d_model: int, nhead: int, **layer_kwargs):
        super().__init__()
        positive_int("num_layers", num_layers)
        self.layers = nn.ModuleList(
            DecoderLayer(d_model, nhead, **layer_kwargs) for _ in range(num_layers)
        )
        self.norm = _final_norm(d_model, **layer_kwargs)

    def forward(self, x, memory, tgt_mask=None, memory_mask=None) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask)
        return self.norm(x)


class Seq2SeqTransformer(nn.Module):
    """Embedding (shared by source and target, scaled by √d_model) + positional encoding ->
    Encoder -> Decoder (attending to the encoder output) -> ``fc`` to vocabulary logits.

    Weight matrices start Xavier-uniform, as in ``nn.Transformer``.
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        nhead: int,
        num_layers: int,
        dim_feedforward: int | None = None,
        dropout: float = 0.1,
        max_len: int = 512,
        activation: str = "relu",
        norm_first: bool = False,
    ):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.vocab_size = positive_int("vocab_size", vocab_size)
        self.d_model = positive_int("d_model", d_model)
        positive_int("nhead", nhead)
        if d_model % nhead:
            raise ValueError(f"d_model ({d_model}) must be divisible by nhead ({nhead})")
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_encoding = PositionalEncoding(d_model, max_len, dropout)
        layer_kwargs = dict(
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation=activation,
            norm_first=norm_first,
        )
        self.encoder = Encoder(num_layers, d_model, nhead, **layer_kwargs)
        self.decoder = Decoder(num_layers, d_model, nhead, **layer_kwargs)
        self.fc = nn.Linear(d_model, vocab_size)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids (batch, time) -> embedding · √d_model + PE, (batch, time, d_model)."""
        return self.pos_encoding(self.embedding(ids) * math.sqrt(self.d_model))

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Source ids (batch, src_len) -> ``memory`` (batch, src_len, d_model)."""
        _check_ids("src", src)
        _check_mask("src_mask", src_mask)
        return self.encoder(self.embed(src), src_mask)

    def decode(
        self,
        tgt: torch.Tensor,
        memory: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        tgt_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Target ids (batch, tgt_len) and ``memory`` -> logits (batch, tgt_len, vocab_size).

        ``tgt_mask`` None means causal (no target padding); ``src_mask`` hides source padding.
        """
        _check_ids("tgt", tgt)
        _check_mask("src_mask", src_mask)
        _check_mask("tgt_mask", tgt_mask)
        if tgt_mask is None:
            tgt_mask = causal_mask(tgt.size(1), device=tgt.device)
        return self.fc(self.decoder(self.embed(tgt), memory, tgt_mask, src_mask))

    def forward(
        self,
        src: torch.Tensor,
        tgt: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        tgt_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Logits (batch, tgt_len, vocab_size): position i predicts tgt token i + 1, so feed the
        target shifted right (starting with BOS) and score against the target shifted left.
        """
        return self.decode(tgt, self.encode(src, src_mask), src_mask, tgt_mask)


def greedy_decode(
    model: Seq2SeqTransformer,
    src: torch.Tensor,
    src_mask: torch.Tensor | None,
    max_len: int,
    bos_id: int,
    eos_id: int,
) -> torch.Tensor:
    """Ids (batch, 1 + steps) from ``bos_id``, the most probable token each step, until ``eos_id``.

    The encoder runs once and its ``memory`` is reused at every step; a finished sequence is padded
    with ``eos_id``; at most ``max_len`` tokens are added. Runs in eval mode without gradients.
    """
    positive_int("max_len", max_len)
    with evaluating(model):
        memory = model.encode(src, src_mask)
        ys = torch.full((src.size(0), 1), bos_id, dtype=torch.long, device=src.device)
        done = torch.zeros(src.size(0), dtype=torch.bool, device=src.device)
        for _ in range(max_len):
            next_id = model.decode(ys, memory, src_mask)[:, -1].argmax(-1)
            next_id = next_id.masked_fill(done, eos_id)
            ys = torch.cat([ys, next_id[:, None]], dim=1)
            done |= next_id == eos_id
            if done.all():
                break
    return ys
