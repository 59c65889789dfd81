"""A BERT-style encoder (Devlin et al., 2019) and its two pretraining tasks: masked language
modelling (MLM: predict 15 % of the tokens from both sides) and next-sentence prediction (NSP: is
sentence B the one that follows sentence A?).

``attention_mask`` is (batch, time) with 1 for tokens and 0 for padding, as in HF ``transformers``.
Labels follow ``nn.CrossEntropyLoss``: MLM labels are -100 where no prediction is scored; the NSP
label is 1 when B follows A (IsNext) and 0 when B is random (HF's ``BertForPreTraining`` uses the
opposite numbering).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from minillm.attention import padding_mask
from minillm.models.seq2seq import Encoder
from minillm.utils import positive_int

IGNORE_INDEX = -100  # nn.CrossEntropyLoss's default ignore_index


def _init_weights(module: nn.Module) -> None:
    """BERT's initialisation: Linear and Embedding weights N(0, 0.02), Linear biases 0."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


class BertModel(nn.Module):
    """Token + learned position + segment embeddings, LayerNorm and dropout, then ``num_layers``
    post-LN encoder layers with GELU: (batch, time) ids -> (batch, time, d_model) hidden states.
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        nhead: int,
        num_layers: int,
        max_len: int = 512,
        dim_feedforward: int | None = None,
        dropout: float = 0.1,
        type_vocab_size: int = 2,
        layer_norm_eps: float = 1e-12,
    ):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.vocab_size = positive_int("vocab_size", vocab_size)
        self.max_len = positive_int("max_len", max_len)
        positive_int("d_model", d_model)
        if d_model % positive_int("nhead", nhead):
            raise ValueError(f"d_model ({d_model}) must be divisible by nhead ({nhead})")
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(max_len, d_model)
        self.segment_embedding = nn.Embedding(
            positive_int("type_vocab_size", type_vocab_size), d_model
        )
        self.norm = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout = nn.Dropout(dropout)
        self.encoder = Encoder(
            num_layers,
            d_model,
            nhead,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation="gelu",
            layer_norm_eps=layer_norm_eps,
        )
        self.apply(_init_weights)

    def forward(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Hidden states for ``input_ids``; ``token_type_ids`` (0 = sentence A, 1 = B) default to 0."""
        if input_ids.dim() != 2 or input_ids.dtype != torch.long:
            raise ValueError(
                f"input_ids must be a (batch, time) tensor of token ids (torch.long), "
                f"got shape {tuple(input_ids.shape)} and dtype {input_ids.dtype}"
            )
        if input_ids.size(1) > self.max_len:
            raise ValueError(f"sequence length {input_ids.size(1)} exceeds max_len {self.max_len}")
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        positions = torch.arange(input_ids.size(1), device=input_ids.device)
        x = (
            self.token_embedding(input_ids)
            + self.position_embedding(positions)
            + self.segment_embedding(token_type_ids)
        )
        mask = None if attention_mask is None else padding_mask(attention_mask)
        return self.encoder(self.dropout(self.norm(x)), mask)


class MaskedLMHead(nn.Module):
    """Dense + GELU + LayerNorm, then a projection to the vocabulary that shares its weight matrix
    with the token embedding (a token's input and output vectors are the same), plus a bias.
    """

    def __init__(self, token_embedding: nn.Embedding, layer_norm_eps: float = 1e-12):
        super().__init__()
        vocab_size, d_model = token_embedding.weight.shape
        self.dense = nn.Linear(d_model, d_model)
        self.norm = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.decoder = nn.Linear(d_model, vocab_size)
        self.apply(_init_weights)
        self.decoder.weight = token_embedding.weight  # tied

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """(batch, time, d_model) -> logits (batch, time, vocab_size)."""
        return self.decoder(self.norm(F.gelu(self.dense(hidden))))


class NextSentenceHead(nn.Module):
    """The first token's ([CLS]) hidden state -> dense + tanh (BERT's "pooler") -> 2 logits
    (0 = B is random, 1 = B follows A).
    """

    def __init__(self, d_model: int):
        super().__init__()
        self.pooler = nn.Linear(d_model, d_model)
        self.classifier = nn.Linear(d_model, 2)
        self.apply(_init_weights)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """(batch, time, d_model) -> logits (batch, 2)."""
        return self.classifier(torch.tanh(self.pooler(hidden[:, 0])))


class BertForPretraining(nn.Module):
    """``BertModel`` (arguments as there) with the MLM and NSP heads; the loss is their sum."""

    def __init__(self, vocab_size: int, d_model: int, nhead: int, num_layers: int, **kwargs):
        super().__init__()
        self.bert = BertModel(vocab_size, d_model, nhead, num_layers, **kwargs)
        self.mlm_head = MaskedLMHead(self.bert.token_embedding, self.bert.norm.eps)
        self.nsp_head = NextSentenceHead(d_model)

    def forward(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        mlm_labels: torch.Tensor | None = None,
        nsp_labels: torch.Tensor | None = None,
    ):
        """(mlm_logits (batch, time, vocab), nsp_logits (batch, 2), loss or None).

        ``loss`` is the MLM cross-entropy over positions whose label is not -100 plus the NSP
        cross-entropy, each counted when its labels are given.
        """
        hidden = self.bert(input_ids, token_type_ids, attention_mask)
        mlm_logits, nsp_logits = self.mlm_head(hidden), self.nsp_head(hidden)
        losses = []
        if mlm_labels is not None:
            losses.append(F.cross_entropy(mlm_logits.flatten(0, 1), mlm_labels.flatten()))
        if nsp_labels is not None:
            losses.append(F.cross_entropy(nsp_logits, nsp_labels))
        return mlm_logits, nsp_logits, sum(losses) if losses else None


def mask_tokens(
    ids: torch.Tensor,
    vocab_size: int,
    mask_id: int,
    special_ids,
    mlm_probability: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masking: select each non-special token with ``mlm_probability``; of the selected,
    80 % become ``mask_id``, 10 % a uniformly random token id, 10 % stay unchanged (so the model
    cannot assume the input it sees is never the answer).

    Returns (masked_ids, labels): labels hold the original id at selected positions, -100 elsewhere.
    ``special_ids`` ([CLS], [SEP], [PAD] …) are never selected. Pass a seeded ``torch.Generator``
    (on ``ids``'s device) for reproducible masks.
    """
    if not 0.0 < mlm_probability < 1.0:
        raise ValueError(f"mlm_probability must be in (0, 1), got {mlm_probability!r}")
    positive_int("vocab_size", vocab_size)
    if not 0 <= mask_id < vocab_size:
        raise ValueError(f"mask_id must be in [0, {vocab_size}), got {mask_id!r}")
    if ids.dtype != torch.long:
        raise ValueError(f"ids must be a tensor of token ids (torch.long), got {ids.dtype}")
    special = torch.isin(ids, torch.tensor(list(special_ids), dtype=torch.long, device=ids.device))
    selected = torch.rand(ids.shape, generator=generator, device=ids.device) < mlm_probability
    selected &= ~special
    labels = ids.masked_fill(~selected, IGNORE_INDEX)
    choice = torch.rand(ids.shape, generator=generator, device=ids.device)
    random_ids = torch.randint(vocab_size, ids.shape, generator=generator, device=ids.device)
    masked = ids.masked_fill(selected & (choice < 0.8), mask_id)
    to_random = selected & (choice >= 0.8) & (choice < 0.9)
    masked = torch.where(to_random, random_ids, masked)
    return masked, labels


def make_nsp_pairs(documents, generator: torch.Generator | None = None) -> list[tuple]:
    """Next-sentence examples (sentence A, sentence B, is_next) from ``documents``, a list of
    documents each a list of sentences in order (strings, token id lists: anything).

    Every pair of consecutive sentences in a document gives one example. Exactly half of them
    (rounded up) keep the true next sentence (is_next = 1); the others replace B by a random
    sentence of a different document (is_next = 0), so at least two non-empty documents are needed.
    """
    documents = [list(doc) for doc in documents]
    non_empty = [i for i, doc in enumerate(documents) if doc]
    if len(non_empty) < 2:
        raise ValueError(
            "documents must hold at least two non-empty documents (lists of sentences)"
        )
    pairs = [(d, i) for d, doc in enumerate(documents) for i in range(len(doc) - 1)]
    if not pairs:
        raise ValueError("no document has two consecutive sentences to pair")
    n = len(pairs)
    is_next = torch.zeros(n, dtype=torch.long)
    is_next[torch.randperm(n, generator=generator)[: (n + 1) // 2]] = 1
    examples = []
    for (d, i), label in zip(pairs, is_next.tolist()):
        a, b = documents[d][i], documents[d][i + 1]
        if not label:
            others = [j for j in non_empty if j != d]
            other = documents[others[_randint(len(others), generator)]]
            b = other[_randint(len(other), generator)]
        examples.append((a, b, label))
    return examples


def _randint(high: int, generator: torch.Generator | None) -> int:
    return int(torch.randint(high, (1,), generator=generator))
