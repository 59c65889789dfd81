"""Loading checkpoints that cannot be trusted: every broken config or weights file is one ValueError
naming the file and what is wrong, found before any weight is allocated; the CLI prints it."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from safetensors.torch import save_file

from minillm import pretrained
from minillm.__main__ import main
from minillm.models import GPT


@pytest.fixture
def folder(tmp_path):
    """A copy of the shipped shakespeare-char checkpoint that a test may break."""
    return shutil.copytree(pretrained.PRETRAINED_DIR / "shakespeare-char", tmp_path / "model")


def edit_config(folder, **changes):
    path = folder / "config.json"
    info = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            del info["model_config"][key]
        else:
            info["model_config"][key] = value
    path.write_text(json.dumps(info), encoding="utf-8")


def test_a_sound_copy_loads(folder):
    model = GPT.from_checkpoint(folder)
    shipped, _ = pretrained.load("shakespeare-char")
    x = torch.randint(model.config.vocab_size, (1, 16))
    torch.testing.assert_close(model(x)[0], shipped(x)[0], rtol=0, atol=0)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        # 2e9 x 128 floats would be a terabyte: the header check must come first
        ({"vocab_size": 2_000_000_000}, r"'lm_head.weight' has shape \[66, 128\], but the config"),
        ({"n_layer": 5}, r"'blocks.4.ln_1.weight' is not|lacks the tensor 'blocks.4"),
        ({"n_embdd": 3}, r"config.json: model_config has unknown settings \['n_embdd'\]"),
        ({"n_layer": None}, r"config.json: model_config is invalid: .*'n_layer'"),
        ({"n_head": 5}, r"config.json: model_config is invalid: n_embd \(128\) must be divisible"),
    ],
)
def test_config_and_weights_must_agree(folder, changes, match):
    edit_config(folder, **changes)
    with pytest.raises(ValueError, match=match):
        GPT.from_checkpoint(folder)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (lambda data: data[:-100], "is truncated or padded: its header describes"),
        (lambda data: data + b"\0", "is truncated or padded"),
        (lambda data: b"<html>please log in</html>", "is not a safetensors file: its header len"),
        (lambda data: b"", "is not a safetensors file"),
        (lambda data: data[:8] + b"[" + data[9:], "is not a safetensors file"),
    ],
)
def test_broken_weight_files_are_named(folder, content, match):
    path = folder / "model.safetensors"
    path.write_bytes(content(path.read_bytes()))
    with pytest.raises(ValueError, match=r"model\.safetensors " + match):
        GPT.from_checkpoint(folder)


def test_weights_of_another_model_or_dtype_are_refused(folder):
    state = GPT.from_checkpoint(folder).state_dict()
    weights = {k: v for k, v in state.items() if k != "lm_head.weight"}  # saved once, tied
    save_file({k: v for k, v in weights.items() if k != "ln_f.bias"}, folder / "model.safetensors")
    with pytest.raises(ValueError, match=r"lacks the tensor 'ln_f\.bias'"):
        GPT.from_checkpoint(folder)
    save_file({**weights, "extra": torch.zeros(2)}, folder / "model.safetensors")
    with pytest.raises(ValueError, match="tensor 'extra' is not a weight of this model"):
        GPT.from_checkpoint(folder)
    weights["ln_f.bias"] = weights["ln_f.bias"].long()
    save_file(weights, folder / "model.safetensors")
    with pytest.raises(ValueError, match=r"'ln_f.bias' has a malformed entry .*dtype must be one"):
        GPT.from_checkpoint(folder)


def test_config_files_that_are_not_json_or_missing(folder):
    (folder / "config.json").write_text('{"model_config": ', encoding="utf-8")
    with pytest.raises(ValueError, match=r"config\.json is not valid JSON"):
        GPT.from_checkpoint(folder)
    (folder / "config.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match=r"config\.json must hold a JSON object, got list"):
        GPT.from_checkpoint(folder)
    (folder / "config.json").unlink()
    with pytest.raises(ValueError, match=r"config\.json does not exist"):
        GPT.from_checkpoint(folder)


@pytest.mark.parametrize("name", [None, 123, "../pretrained/shakespeare-char", "/etc", ""])
def test_pretrained_load_accepts_only_shipped_names(name):
    with pytest.raises(ValueError, match=r"no pretrained model .*; available: "):
        pretrained.load(name)


def test_cli_reports_a_broken_checkpoint_without_a_traceback(folder, capsys):
    edit_config(folder, vocab_size=2_000_000_000)
    assert main(["chat", "--model", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "model.safetensors: tensor 'lm_head.weight'" in err
    assert "Traceback" not in err
