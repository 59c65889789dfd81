"""Batch sampling speed: minillm's RandomWindows (one gather) next to the stack-of-slices sampler
that nanoGPT's training loop uses, on the same tokens, in the same run.

    .venv/bin/python bench/batching.py [--batch 64] [--block 256] [--iters 2000]
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from _machine import cpu_name

from minillm.data import RandomWindows, corpus_available, load_corpus


def stack_of_slices(data: torch.Tensor, block: int, batch: int, generator: torch.Generator):
    """The reference: draw start positions, slice each window, stack (as nanoGPT's get_batch)."""
    ix = torch.randint(len(data) - block, (batch,), generator=generator)
    x = torch.stack([data[i : i + block] for i in ix])
    y = torch.stack([data[i + 1 : i + 1 + block] for i in ix])
    return x, y


def timed(fn, iters: int) -> float:
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - start) / iters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--block", type=int, default=256)
    parser.add_argument("--iters", type=int, default=2000)
    args = parser.parse_args()

    if corpus_available("tinyshakespeare"):
        text, source = load_corpus("tinyshakespeare"), "tinyshakespeare (characters)"
        vocab = {c: i for i, c in enumerate(sorted(set(text)))}
        data = torch.tensor([vocab[c] for c in text], dtype=torch.long)
    else:
        source = "1,115,394 random tokens (tinyshakespeare not cached)"
        data = torch.randint(0, 65, (1_115_394,), generator=torch.Generator().manual_seed(0))

    ours = RandomWindows(data, args.block, args.batch, seed=0)
    generator = torch.Generator().manual_seed(0)
    t_ours = timed(ours.next_batch, args.iters)
    t_ref = timed(lambda: stack_of_slices(data, args.block, args.batch, generator), args.iters)

    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(f"data: {source}; batch {args.batch} x block {args.block}; {args.iters} batches each")
    print(f"{'sampler':<38} {'µs / batch':>12} {'time / reference':>18}")
    print(f"{'minillm RandomWindows (gather)':<38} {t_ours * 1e6:>12.1f} {t_ours / t_ref:>18.2f}")
    print(f"{'stack of slices (nanoGPT get_batch)':<38} {t_ref * 1e6:>12.1f} {1.0:>18.2f}")


if __name__ == "__main__":
    main()
