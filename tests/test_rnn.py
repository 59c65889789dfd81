"""RNNLM against the textbook recurrences, state carry-over, sampling, and the shared training loop."""

from __future__ import annotations

import math

import pytest
import torch

from minillm.data import RandomWindows
from minillm.models import RNNLM
from minillm.training import evaluate, lm_loss, train


def _model(cell: str, layers: int = 1) -> RNNLM:
    torch.manual_seed(0)
    return RNNLM(vocab_size=11, embedding_dim=6, hidden_dim=8, num_layers=layers, cell=cell)


def test_rnn_cell_is_the_textbook_recurrence():
    """h_t = tanh(W_ih e_t + b_ih + W_hh h_{t-1} + b_hh);  logits_t = W_e^T h_t + b_e."""
    model = _model("rnn")
    x = torch.randint(0, 11, (3, 7))
    r = model.rnn
    h = torch.zeros(3, 8)
    expected = []
    for e in model.embedding(x).unbind(1):
        h = torch.tanh(e @ r.weight_ih_l0.T + r.bias_ih_l0 + h @ r.weight_hh_l0.T + r.bias_hh_l0)
        expected.append(model.head(h))
    logits, hn = model(x)
    torch.testing.assert_close(logits, torch.stack(expected, 1), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(hn[0], h, rtol=1e-5, atol=1e-6)


def test_lstm_cell_is_the_textbook_recurrence():
    """Gates i, f, g, o from one affine map; c_t = f*c + i*g; h_t = o*tanh(c_t)."""
    model = _model("lstm")
    x = torch.randint(0, 11, (2, 5))
    r = model.rnn
    h, c = torch.zeros(2, 8), torch.zeros(2, 8)
    for e in model.embedding(x).unbind(1):
        gates = e @ r.weight_ih_l0.T + r.bias_ih_l0 + h @ r.weight_hh_l0.T + r.bias_hh_l0
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    logits, (hn, cn) = model(x)
    torch.testing.assert_close(hn[0], h, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(logits[:, -1], model.head(h), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(cn[0], c, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_state_carries_a_sequence_across_calls(cell):
    model = _model(cell, layers=2)
    x = torch.randint(0, 11, (2, 12))
    full, _ = model(x)
    first, state = model(x[:, :5])
    rest, _ = model(x[:, 5:], state)
    torch.testing.assert_close(torch.cat([first, rest], 1), full, rtol=1e-5, atol=1e-6)


def test_generate_is_seeded_and_top1_is_greedy():
    model = _model("gru")
    prompt = torch.tensor([[1, 2, 3]])
    a = model.generate(prompt, 10, generator=torch.Generator().manual_seed(5))
    b = model.generate(prompt, 10, generator=torch.Generator().manual_seed(5))
    assert a.shape == (1, 13) and torch.equal(a, b) and torch.equal(a[:, :3], prompt)
    model.train()  # sampling runs in eval mode and gives the mode back
    c = model.generate(prompt, 10, generator=torch.Generator().manual_seed(5))
    assert model.training and torch.equal(a, c)
    model.eval()
    greedy = model.generate(prompt, 6, top_k=1)
    ids = prompt
    for _ in range(6):
        ids = torch.cat([ids, model(ids)[0][:, -1].argmax(-1, keepdim=True)], 1)
    assert torch.equal(greedy, ids)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cell": "transformer"}, "cell must be one of"),
        ({"hidden_dim": 0}, "hidden_dim must be a positive int"),
        ({"vocab_size": 2.5}, "vocab_size must be a positive int"),
        ({"dropout": 1.0}, "dropout"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"vocab_size": 5, "embedding_dim": 4, "hidden_dim": 4, "num_layers": 1} | kwargs
    with pytest.raises(ValueError, match=match):
        RNNLM(**args)


def test_bad_inputs():
    model = _model("lstm")
    with pytest.raises(ValueError, match="token ids"):
        model(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="temperature"):
        model.generate(torch.tensor([[1]]), 3, temperature=0)
    with pytest.raises(ValueError, match="top_k"):
        model.generate(torch.tensor([[1]]), 3, top_k=99)
    with pytest.raises(ValueError, match="non-empty"):
        model.generate(torch.zeros(1, 0, dtype=torch.long), 3)


def test_training_learns_a_periodic_sequence():
    """The shared loop drives the loss of a fully predictable sequence close to zero."""
    torch.manual_seed(0)
    data = torch.arange(5).repeat(200)
    model = RNNLM(5, 8, 32, 1, "lstm")
    batches = RandomWindows(data, 16, 8, seed=0)
    before = evaluate(model, RandomWindows(data, 16, 8, seed=1), iters=5)
    history = train(
        model,
        batches,
        steps=150,
        lr=1e-2,
        val_batches=RandomWindows(data, 16, 8, seed=1),
        eval_every=50,
    )
    assert before > math.log(5) * 0.8
    assert history.val_steps == [50, 100, 150] and history.val_loss[-1] < 0.05
    assert len(history.train_loss) == 150 and history.val_perplexity[-1] < 1.06


def test_lm_loss_is_cross_entropy():
    model = _model("rnn")
    x, y = torch.randint(0, 11, (2, 4)), torch.randint(0, 11, (2, 4))
    logits = model(x)[0]
    manual = -torch.log_softmax(logits, -1).gather(-1, y[..., None]).mean()
    torch.testing.assert_close(lm_loss(model, x, y), manual)


def test_train_rejects_bad_settings():
    model = _model("rnn")
    batches = RandomWindows(torch.arange(11).repeat(5), 4, 2)
    with pytest.raises(ValueError, match="steps"):
        train(model, batches, steps=0)
    with pytest.raises(ValueError, match="lr"):
        train(model, batches, steps=1, lr=0)
