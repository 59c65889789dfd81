"""Trainer: schedules, gradient accumulation, best checkpoints and exact resume on CPU."""

from __future__ import annotations

import math

import pytest
import torch
from safetensors.torch import load_model

from minillm.data import RandomWindows
from minillm.models import GPT, RNNLM, GPTConfig
from minillm.training import TrainConfig, Trainer, evaluate, param_groups, train

DATA = torch.randint(0, 20, (2000,), generator=torch.Generator().manual_seed(0))


def _setup(seed: int = 0, batch: int = 8):
    torch.manual_seed(seed)
    model = RNNLM(20, 8, 16, 1, "gru")
    batches = RandomWindows(DATA[:1800], 12, batch, seed=seed)
    val = RandomWindows(DATA[1800:], 12, 8, seed=seed + 1)
    return model, batches, val


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_runs_in_eval_mode_and_restores_the_mode(training):
    torch.manual_seed(0)
    model = RNNLM(20, 8, 16, 2, "gru", dropout=0.5).train(training)  # train mode would vary
    losses = [evaluate(model, RandomWindows(DATA, 12, 8, seed=1), iters=2) for _ in range(2)]
    assert model.training is training and torch.is_grad_enabled()
    assert losses[0] == losses[1]


def test_warmup_then_cosine():
    config = TrainConfig(max_steps=110, lr=1.0, min_lr=0.1, warmup_steps=10, schedule="cosine")
    lrs = [config.lr_at(s) for s in range(110)]
    assert [round(x, 9) for x in lrs[:3]] == [0.1, 0.2, 0.3] and lrs[9] == 1.0
    assert lrs[10] == 1.0 and math.isclose(lrs[60], 0.55) and lrs[-1] > 0.1
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))  # non-increasing after warmup
    assert TrainConfig(max_steps=5).lr_at(3) == 3e-3  # constant by default


def test_resume_gives_the_uninterrupted_loss_curve(tmp_path):
    config = TrainConfig(max_steps=30, lr=1e-2, warmup_steps=5, schedule="cosine", eval_every=10)
    model, batches, val = _setup()
    full = Trainer(model, batches, config, val).fit()

    model, batches, val = _setup()
    first = Trainer(model, batches, config, val)
    first.fit(until=13)  # stop in the middle of the run, between two evaluations
    first.save(tmp_path / "run.pt")

    model, batches, val = _setup(seed=99)  # different weights and data position: all restored
    resumed = Trainer(model, batches, config, val)
    resumed.load(tmp_path / "run.pt")
    history = resumed.fit()
    assert history.train_loss == full.train_loss  # exactly, not approximately
    assert history.val_steps == full.val_steps and history.val_loss == full.val_loss


def test_gradient_accumulation_equals_a_bigger_batch():
    a_model, a_batches, _ = _setup(batch=8)
    b_model, b_batches, _ = _setup(batch=4)
    a = Trainer(a_model, a_batches, TrainConfig(max_steps=3, lr=1e-2))
    b = Trainer(b_model, b_batches, TrainConfig(max_steps=3, lr=1e-2, grad_accum=2))
    a.fit(), b.fit()
    for p, q in zip(a_model.parameters(), b_model.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_best_checkpoint_is_saved_as_safetensors(tmp_path):
    model, batches, val = _setup()
    config = TrainConfig(max_steps=20, lr=1e-2, eval_every=5, checkpoint_dir=str(tmp_path))
    trainer = Trainer(model, batches, config, val)
    history = trainer.fit()
    assert trainer.best_val == min(history.val_loss)
    fresh = RNNLM(20, 8, 16, 1, "gru")
    load_model(fresh, str(tmp_path / "model.safetensors"))
    assert (tmp_path / "config.json").read_text(encoding="utf-8").count('"val_loss"') == 1


def test_weight_decay_only_on_matrices():
    model, _, _ = _setup()
    decay, no_decay = param_groups(model, 0.1)
    assert all(p.dim() >= 2 for p in decay["params"]) and decay["weight_decay"] == 0.1
    assert all(p.dim() == 1 for p in no_decay["params"]) and no_decay["weight_decay"] == 0.0
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


def test_train_is_the_trainer_at_constant_lr():
    model_a, batches_a, val_a = _setup()
    model_b, batches_b, val_b = _setup()
    h_a = train(model_a, batches_a, steps=10, lr=1e-2, val_batches=val_a, eval_every=5)
    config = TrainConfig(max_steps=10, lr=1e-2, eval_every=5, precision="fp32")
    h_b = Trainer(model_b, batches_b, config, val_b).fit()
    assert h_a == h_b


def test_moving_average_matches_torch_averaged_model(tmp_path):
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    model, batches, _ = _setup()
    trainer = Trainer(model, batches, TrainConfig(max_steps=25, lr=1e-2, ema_decay=0.9))
    reference = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True)
    for _ in range(25):
        trainer.fit(until=trainer.step + 1)
        reference.update_parameters(model)
    last = [p.detach().clone() for p in model.parameters()]
    trainer.save(tmp_path / "run.pt")
    trainer.use_ema()
    for p, q, r in zip(model.parameters(), reference.module.parameters(), last):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)
        assert not torch.allclose(p, r)  # the average is not the last weights

    resumed = Trainer(*_setup(seed=99)[:2], TrainConfig(max_steps=25, lr=1e-2, ema_decay=0.9))
    resumed.load(tmp_path / "run.pt")  # the average travels with the run
    resumed.use_ema()
    for p, q in zip(resumed.model.parameters(), model.parameters()):
        assert torch.equal(p, q)
    with pytest.raises(ValueError, match="ema_decay"):
        Trainer(*_setup()[:2], TrainConfig(max_steps=2)).use_ema()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_steps": 0}, "max_steps"),
        ({"max_steps": 5, "lr": 0}, "lr"),
        ({"max_steps": 5, "warmup_steps": 6}, "warmup_steps"),
        ({"max_steps": 5, "schedule": "linear"}, "schedule"),
        ({"max_steps": 5, "precision": "fp8"}, "precision"),
        ({"max_steps": 5, "grad_accum": 0}, "grad_accum"),
        ({"max_steps": 5, "min_lr": 1.0}, "min_lr"),
        ({"max_steps": 5, "ema_decay": 1.0}, "ema_decay"),
    ],
)
def test_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_gpt_checkpoint_loads_back_with_its_config(tmp_path):
    torch.manual_seed(0)
    model = GPT(GPTConfig(20, 8, 1, 2, 8))
    data = torch.randint(20, (400,))
    config = TrainConfig(max_steps=4, lr=1e-2, eval_every=4, checkpoint_dir=str(tmp_path))
    Trainer(model, RandomWindows(data, 8, 4), config, RandomWindows(data, 8, 4, seed=1)).fit()
    loaded = GPT.from_checkpoint(tmp_path)
    assert loaded.config == model.config
    x = torch.randint(20, (2, 8))
    torch.testing.assert_close(loaded(x)[0], model.eval()(x)[0], rtol=0, atol=0)
    (tmp_path / "config.json").write_text('{"step": 1}', encoding="utf-8")
    with pytest.raises(ValueError, match="no model_config"):
        GPT.from_checkpoint(tmp_path)
