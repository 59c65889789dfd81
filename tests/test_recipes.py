"""`python -m minillm train`: recipes from a name or a JSON file, alone and under torchrun."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from minillm.__main__ import main
from minillm.data import CORPORA, CorpusSpec, corpus_available
from minillm.recipes import RECIPES, Recipe, get_recipe

TINY = {
    "corpus": "tinyshakespeare",
    "model": {"block_size": 16, "n_layer": 1, "n_head": 2, "n_embd": 16},
    "train": {"max_steps": 20, "lr": 1e-2, "eval_every": 10, "eval_iters": 2},
    "batch_size": 4,
}


@pytest.fixture
def tiny_corpus(http_server, data_home, monkeypatch):
    text = ("To be, or not to be, that is the question.\n" * 200).encode()
    http_server.routes["/input.txt"] = text
    spec = CorpusSpec(
        "tinyshakespeare",
        "tinyshakespeare.txt",
        hashlib.sha256(text).hexdigest(),
        (http_server.url + "/input.txt",),
        "test",
    )
    monkeypatch.setitem(CORPORA, "tinyshakespeare", spec)


def test_train_from_a_json_recipe(tiny_corpus, tmp_path, capsys):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "--recipe", str(path), "--device", "cpu", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("step 10: val loss") and lines[-1].startswith("done: step 20")
    assert {p.name for p in out.iterdir()} == {"model.safetensors", "config.json", "tokenizer.json"}


def test_stop_at_val(tiny_corpus, tmp_path, capsys):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    assert main(["train", "--recipe", str(path), "--device", "cpu", "--stop-at-val", "100"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("done: step 10")


def test_bad_recipes(tmp_path, capsys):
    assert main(["train", "--recipe", "no-such-recipe"]) == 2
    assert "shakespeare-char" in capsys.readouterr().err
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"corpus": "tinyshakespeare"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a recipe"):
        Recipe.from_file(path)


def test_named_recipes_are_valid():
    for name in RECIPES:
        recipe = get_recipe(name)
        assert recipe.corpus in CORPORA and recipe.train["max_steps"] > 0


def test_torchrun_two_processes(tmp_path):
    if not corpus_available("tinyshakespeare"):
        pytest.skip("tinyshakespeare not cached (set MINILLM_DATA_DIR)")
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            "-m",
            "minillm",
            "train",
            "--recipe",
            str(path),
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("done: step 20") == 1  # only rank 0 reports
