"""Seeding, device choice, Chinese plots and the Colab first cell."""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch

from minillm import utils

matplotlib.use("Agg")
NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("ch*.ipynb"))


def test_seed_everything_repeats_every_generator():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    utils.seed_everything(123)
    first = draw()
    utils.seed_everything(123)
    assert draw() == first
    utils.seed_everything(124)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "7", None, True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        utils.seed_everything(bad)


def test_get_device_order(monkeypatch):
    monkeypatch.delenv("MINILLM_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert utils.get_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert utils.get_device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert utils.get_device().type == "cpu"


def test_get_device_override(monkeypatch):
    monkeypatch.setenv("MINILLM_DEVICE", "cpu")
    assert utils.get_device() == torch.device("cpu")
    with pytest.raises(ValueError, match="device must be"):
        utils.get_device("tpu")


@pytest.mark.parametrize("training", [True, False])
def test_evaluating_switches_to_eval_without_grad_and_restores(training):
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5)).train(training)
    with utils.evaluating(model) as inside:
        assert inside is model and not model.training and not model[1].training
        assert not torch.is_grad_enabled()
        assert not model(torch.ones(1, 2)).requires_grad
    assert model.training is training and model[1].training is training
    assert torch.is_grad_enabled()
    with pytest.raises(RuntimeError, match="boom"), utils.evaluating(model):
        raise RuntimeError("boom")
    assert model.training is training and torch.is_grad_enabled()


def test_chinese_renders_without_missing_glyphs(tmp_path):
    """A figure with Chinese text draws with no 'Glyph … missing' warning, and ink where the text is."""
    assert utils.setup_matplotlib() == "Noto Sans CJK SC"
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning: make it fail the test
        fig, ax = plt.subplots(figsize=(3, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "自然语言处理：注意力机制", ha="center", va="center", fontsize=14)
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]
        fig.savefig(tmp_path / "zh.png")
        plt.close(fig)
    assert (pixels < 128).any(), "no dark pixels: the text was not drawn"
    assert (tmp_path / "zh.png").stat().st_size > 1000


def test_missing_glyph_would_be_caught():
    """The same check fails with a Latin-only font, so the test above could fail."""
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.text(0.1, 0.5, "注意力")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.canvas.draw()
        plt.close(fig)


def test_colab_cell_is_a_no_op_here():
    namespace: dict = {}
    exec(utils.COLAB_CELL, namespace)  # outside Colab: nothing is cloned or installed
    assert not utils.in_colab()
    assert utils.REPOSITORY_URL in utils.COLAB_CELL


def test_repository_url_matches_the_book_config():
    config = (Path(__file__).parent.parent / "_config.yml").read_text(encoding="utf-8")
    assert f"url: {utils.REPOSITORY_URL}" in config


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_starts_with_the_colab_cell(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert "".join(first_code["source"]) == utils.COLAB_CELL
