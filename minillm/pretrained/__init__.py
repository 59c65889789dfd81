"""Small models trained by minillm's own recipes and shipped with the package, one folder each: a GPT
(model.safetensors + config.json) and its tokenizer (tokenizer.json). README.md says how to train
each of them again.
"""

from __future__ import annotations

from pathlib import Path

from minillm.models import GPT
from minillm.tokenizers import Tokenizer

PRETRAINED_DIR = Path(__file__).resolve().parent


def available() -> list[str]:
    """Names of the shipped models."""
    return sorted(p.name for p in PRETRAINED_DIR.iterdir() if (p / "model.safetensors").is_file())


def load(name: str, device=None) -> tuple[GPT, Tokenizer]:
    """(model in eval mode, tokenizer) of the shipped model ``name``, e.g. "shakespeare-char".
    Only the names ``available()`` lists are accepted: a folder of your own loads with
    ``GPT.from_checkpoint`` and ``Tokenizer.load``."""
    if name not in available():
        raise ValueError(f"no pretrained model {name!r}; available: {available()}")
    folder = PRETRAINED_DIR / name
    return GPT.from_checkpoint(folder, device), Tokenizer.load(folder / "tokenizer.json")
