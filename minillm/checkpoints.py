"""Small models trained by minillm's own recipes and shipped in ``checkpoints/<name>``: a GPT
(model.safetensors + config.json) and its tokenizer (tokenizer.json). Each folder's README says how
to train it again.
"""

from __future__ import annotations

from pathlib import Path

from minillm.models import GPT
from minillm.tokenizers import Tokenizer

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"


def available_checkpoints() -> list[str]:
    """Names of the checkpoints present in ``CHECKPOINT_DIR``."""
    if not CHECKPOINT_DIR.is_dir():
        return []
    return sorted(p.name for p in CHECKPOINT_DIR.iterdir() if (p / "model.safetensors").is_file())


def load_checkpoint(name: str, device=None) -> tuple[GPT, Tokenizer]:
    """(model in eval mode, tokenizer) of checkpoint ``name``, e.g. "shakespeare-char"."""
    folder = CHECKPOINT_DIR / name
    if not (folder / "model.safetensors").is_file():
        raise ValueError(
            f"no checkpoint {name!r} in {CHECKPOINT_DIR}; available: {available_checkpoints()}. "
            f"Train it with: python -m minillm train --recipe {name} --out checkpoints/{name}"
        )
    return GPT.from_checkpoint(folder, device), Tokenizer.load(folder / "tokenizer.json")
