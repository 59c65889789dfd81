"""BERT: the masking statistics, next-sentence pairs, the pretraining heads and their loss."""

from __future__ import annotations

import pytest
import torch

from minillm.models.bert import (
    BertForPretraining,
    BertModel,
    MaskedLMHead,
    NextSentenceHead,
    make_nsp_pairs,
    mask_tokens,
)

VOCAB, PAD, CLS, SEP, MASK = 50, 0, 1, 2, 3
SPECIALS = (PAD, CLS, SEP, MASK)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def _batch(n=200, t=100, generator=None):
    """[CLS] tokens… [SEP] [PAD]…: rows of random ordinary tokens with specials around them."""
    ids = torch.randint(4, VOCAB, (n, t), generator=generator)
    ids[:, 0], ids[:, -1], ids[:, -5:-1] = CLS, PAD, SEP
    return ids


def test_mask_tokens_statistics():
    g = torch.Generator().manual_seed(0)
    ids = _batch(generator=g)
    masked, labels = mask_tokens(ids, VOCAB, MASK, SPECIALS, generator=g)
    special = torch.isin(ids, torch.tensor(SPECIALS))
    selected = labels != -100
    assert not (selected & special).any() and torch.equal(masked[special], ids[special])
    assert torch.equal(labels[selected], ids[selected])
    assert torch.equal(masked[~selected], ids[~selected])
    assert selected.sum() / (~special).sum() == pytest.approx(0.15, abs=0.01)
    n = selected.sum()
    to_mask = (masked[selected] == MASK).sum() / n
    unchanged = (masked[selected] == ids[selected]).sum() / n
    assert to_mask == pytest.approx(0.8, abs=0.02)
    # a random replacement equals the original 1 time in VOCAB: 10 % + 10 % / VOCAB unchanged
    assert unchanged == pytest.approx(0.1 + 0.1 / VOCAB, abs=0.02)
    assert 1 - to_mask - unchanged == pytest.approx(0.1 - 0.1 / VOCAB, abs=0.02)


def test_mask_tokens_is_deterministic_with_a_generator():
    ids = _batch(4, 30)
    first = mask_tokens(ids, VOCAB, MASK, SPECIALS, generator=torch.Generator().manual_seed(7))
    again = mask_tokens(ids, VOCAB, MASK, SPECIALS, generator=torch.Generator().manual_seed(7))
    assert all(torch.equal(a, b) for a, b in zip(first, again))


def test_mask_tokens_bad_inputs():
    ids = _batch(2, 10)
    for p in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"mlm_probability must be in \(0, 1\)"):
            mask_tokens(ids, VOCAB, MASK, SPECIALS, mlm_probability=p)
    with pytest.raises(ValueError, match="mask_id"):
        mask_tokens(ids, VOCAB, VOCAB, SPECIALS)
    with pytest.raises(ValueError, match="token ids"):
        mask_tokens(ids.float(), VOCAB, MASK, SPECIALS)


def test_nsp_pairs():
    documents = [[f"d{d}s{i}" for i in range(5 + d)] for d in range(6)]  # sentence i of document d
    examples = make_nsp_pairs(documents, generator=torch.Generator().manual_seed(0))
    assert len(examples) == sum(len(doc) - 1 for doc in documents)
    labels = [label for _, _, label in examples]
    assert sum(labels) == (len(labels) + 1) // 2
    for a, b, label in examples:
        doc_a, i = a[1:].split("s")
        doc_b, j = b[1:].split("s")
        if label == 1:
            assert doc_a == doc_b and int(j) == int(i) + 1
        else:
            assert doc_a != doc_b
    with pytest.raises(ValueError, match="two non-empty documents"):
        make_nsp_pairs([["a", "b", "c"], []])
    with pytest.raises(ValueError, match="consecutive"):
        make_nsp_pairs([["a"], ["b"]])


def test_heads_shapes_and_tying():
    bert = BertModel(VOCAB, d_model=32, nhead=4, num_layers=1, max_len=16)
    ids = _batch(3, 16)
    hidden = bert(ids, torch.zeros_like(ids), (ids != PAD).long())
    assert hidden.shape == (3, 16, 32)
    mlm = MaskedLMHead(bert.token_embedding)
    assert mlm.decoder.weight is bert.token_embedding.weight
    assert mlm(hidden).shape == (3, 16, VOCAB)
    assert NextSentenceHead(32)(hidden).shape == (3, 2)


def test_pretraining_loss_decreases(one_thread):
    g = torch.Generator().manual_seed(0)
    model = BertForPretraining(VOCAB, d_model=32, nhead=4, num_layers=2, max_len=32, dropout=0.0)
    ids = _batch(16, 32, generator=g)
    segments = (torch.arange(32) >= 16).long().expand(16, 32)
    masked, mlm_labels = mask_tokens(ids, VOCAB, MASK, SPECIALS, generator=g)
    nsp_labels = torch.randint(2, (16,), generator=g)
    mlm_logits, nsp_logits, loss = model(
        masked, segments, (ids != PAD).long(), mlm_labels, nsp_labels
    )
    assert mlm_logits.shape == (16, 32, VOCAB) and nsp_logits.shape == (16, 2)
    assert model(masked)[2] is None
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(20):
        loss = model(masked, segments, (ids != PAD).long(), mlm_labels, nsp_labels)[2]
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def test_bert_bad_inputs():
    with pytest.raises(ValueError, match="divisible by nhead"):
        BertModel(VOCAB, d_model=30, nhead=4, num_layers=1)
    with pytest.raises(ValueError, match="dropout"):
        BertModel(VOCAB, d_model=32, nhead=4, num_layers=1, dropout=-0.1)
    bert = BertModel(VOCAB, d_model=32, nhead=4, num_layers=1, max_len=8)
    with pytest.raises(ValueError, match="max_len"):
        bert(torch.ones(1, 9, dtype=torch.long))
    with pytest.raises(ValueError, match="token ids"):
        bert(torch.ones(9))
