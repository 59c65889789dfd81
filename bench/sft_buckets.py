"""SFT step time: minillm's length-bucketed SFTBatches next to uniformly random batches (buckets=1,
what a plain random sampler gives), training the chat-zh architecture on the same dialogues (train_chat_zh's "reviews" recipe).

Both draw every example uniformly; bucketing only groups examples of similar length into a batch,
so fewer padded positions are computed. The table gives the share of computed positions that are
real tokens, the time per optimizer step and the time per real (unpadded) token.

    .venv/bin/python bench/sft_buckets.py [--steps 60] [--buckets 8]
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from _machine import cpu_name

from minillm.data.dialogue import chat_corpus
from minillm.finetune import IGNORE, SFTBatches
from minillm.models import GPT, GPTConfig
from minillm.pretrained.train_chat_zh import RECIPES
from minillm.tokenizers import SPECIAL_TOKENS, BPETokenizer
from minillm.tokenizers.bpe import HAN_CHAR_PATTERN
from minillm.training import lm_loss

SETTINGS = RECIPES["reviews"]  # the recipe that buckets its SFT batches


def run(batches: SFTBatches, vocab_size: int, steps: int) -> tuple[float, float, int]:
    """(seconds per step, share of real positions, real tokens) over ``steps`` training steps."""
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=vocab_size, **SETTINGS["model"]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    real = cells = 0
    for step in range(steps + 3):
        if step == 3:  # the first steps warm up the allocator and kernels
            start, real, cells = time.perf_counter(), 0, 0
        x, y = batches.next_batch()
        kept = (y != IGNORE).int().flip(1).cummax(1).values.flip(1) > 0  # up to the last label
        real, cells = real + kept.sum().item(), cells + kept.numel()
        loss = lm_loss(model, x, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return (time.perf_counter() - start) / steps, real / cells, real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--buckets", type=int, default=SETTINGS["sft"]["buckets"])
    args = parser.parse_args()

    texts = chat_corpus(3000, seed=0, composed=True).splitlines()
    tokenizer = BPETokenizer(HAN_CHAR_PATTERN).train(
        "\n".join(texts), SETTINGS["vocab_size"], SPECIAL_TOKENS
    )
    batch, max_len = SETTINGS["sft"]["batch_size"], SETTINGS["model"]["block_size"]
    results = {}
    for name, buckets in (("minillm SFTBatches, buckets", args.buckets), ("uniform batches", 1)):
        batches = SFTBatches(texts, tokenizer, max_len, batch, seed=0, buckets=buckets)
        results[name] = run(batches, tokenizer.vocab_size, args.steps)

    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(
        f"chat-zh model and batch {batch}, {len(texts)} composed training dialogues, "
        f"{args.steps} steps each"
    )
    ref_step, _, ref_real = results["uniform batches"]
    ref_per_token = ref_step * args.steps / ref_real
    print(
        f"{'batches':<34} {'real share':>10} {'ms / step':>10} {'µs / real token':>16} {'ratio':>6}"
    )
    for name, (step, share, real) in results.items():
        label = f"{name}={args.buckets}" if name.startswith("minillm") else name
        per_token = step * args.steps / real
        print(
            f"{label:<34} {share:>10.2f} {step * 1e3:>10.1f} {per_token * 1e6:>16.1f} "
            f"{per_token / ref_per_token:>6.2f}"
        )


if __name__ == "__main__":
    main()
