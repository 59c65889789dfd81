"""Greedy generation speed: minillm (KV cache, static cache, no cache) next to HF ``generate`` (and
nanoGPT's ``generate`` when a checkout is given), same weights, batch 1, in the same run.

The model is the 10.65M-parameter character GPT (6 layers, 6 heads, 384 wide, vocabulary 65,
context 256). 500 new tokens do not fit in 256 positions: minillm slides its window (both paths
see the same windows, so cached and uncached tokens must be equal); HF's GPT-2 cannot slide, so
its copy gets 512 positions and is timed only. A second run of 255 tokens stays in context, where
minillm's tokens must equal HF's.

    .venv/bin/python bench/generate.py [--tokens 500] [--device cpu|cuda] [--compile] [--nanogpt DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch
from _machine import cpu_name

from minillm.generation import generate
from minillm.interop import gpt_to_hf
from minillm.models import GPT, GPTConfig

CONFIG = GPTConfig(vocab_size=65, block_size=256, n_layer=6, n_head=6, n_embd=384)


def timed(fn, repeats: int, device: str):
    """(best seconds of ``repeats`` runs, last output) after one warm-up run."""
    out = fn()
    best = float("inf")
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        out = fn()
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best, out


def hf_copy(model: GPT, positions: int):
    """HF GPT2LMHeadModel with our weights and ``positions`` position rows (extra rows random)."""
    hf = gpt_to_hf(GPT(GPTConfig(**{**CONFIG.__dict__, "block_size": positions})))
    own = gpt_to_hf(model).state_dict()
    state = hf.state_dict()
    for name, tensor in own.items():
        if name.endswith("wpe.weight"):
            state[name][: tensor.size(0)] = tensor
        else:
            state[name] = tensor
    hf.load_state_dict(state)
    return hf.eval()


def nanogpt_model(directory: str, device: str):
    """nanoGPT's GPT at the same size (its own random weights; timed only)."""
    sys.path.insert(0, directory)
    from model import GPT as NanoGPT
    from model import GPTConfig as NanoConfig

    return (
        NanoGPT(
            NanoConfig(block_size=256, vocab_size=65, n_layer=6, n_head=6, n_embd=384, dropout=0.0)
        )
        .to(device)
        .eval()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--compile",
        action="store_true",
        help='also time static cache + torch.compile(mode="reduce-overhead")',
    )
    parser.add_argument("--nanogpt", help="a nanoGPT checkout, to time its generate too")
    args = parser.parse_args()
    device = args.device
    torch.manual_seed(0)
    model = GPT(CONFIG).to(device).eval()
    prompt = torch.zeros(1, 1, dtype=torch.long, device=device)  # token 0: "\n" in the char vocab
    n = args.tokens
    where = (
        torch.cuda.get_device_name()
        if device == "cuda"
        else f"{cpu_name()}, {os.cpu_count()} cores"
    )
    print(
        f"greedy, batch 1, {model.num_parameters() / 1e6:.2f}M parameters, {where}, torch {torch.__version__}"
    )

    rows = []

    def ours(use_cache=True, static=False, tokens=n):
        return lambda: generate(
            model, prompt, max_new_tokens=tokens, use_cache=use_cache, static_cache=static
        )

    t_cache, out_cache = timed(ours(), args.repeats, device)
    rows.append(("minillm, KV cache", t_cache))
    t_static, out_static = timed(ours(static=True), args.repeats, device)
    rows.append(("minillm, static KV cache", t_static))
    t_plain, out_plain = timed(ours(use_cache=False), 1, device)
    rows.append(("minillm, no cache", t_plain))
    same = torch.equal(out_cache, out_plain) and torch.equal(out_cache, out_static)
    if args.compile:
        model.forward = torch.compile(model.forward, mode="reduce-overhead", dynamic=False)
        t_comp, out_comp = timed(ours(static=True), args.repeats, device)
        rows.append(("minillm, static cache + compile", t_comp))
        same = same and torch.equal(out_cache, out_comp)
        del model.forward  # back to the eager forward for the runs below

    hf = hf_copy(model, 512).to(device)
    mask = torch.ones_like(prompt)
    t_hf, _ = timed(
        lambda: hf.generate(prompt, attention_mask=mask, max_new_tokens=n, do_sample=False,
                            pad_token_id=0, eos_token_id=None),
        args.repeats, device,
    )  # fmt: skip
    rows.append(("HF generate (KV cache)", t_hf))
    if args.nanogpt:
        nano = nanogpt_model(args.nanogpt, device)
        t_nano, _ = timed(lambda: nano.generate(prompt, n, top_k=1), 1, device)
        rows.append(("nanoGPT generate (no cache)", t_nano))

    print(f"\n{n} new tokens from a 1-token prompt (context 256: minillm slides its window)")
    print(f"{'':34}{'seconds':>9}{'tokens/s':>11}{'vs HF':>8}")
    for name, seconds in rows:
        print(f"{name:34}{seconds:9.3f}{n / seconds:11.0f}{t_hf / seconds:7.2f}×")
    print(f"minillm tokens identical with and without cache: {same}")

    k = CONFIG.block_size - 1  # in context: minillm's tokens must equal HF's
    ours_in = generate(model, prompt, max_new_tokens=k)
    hf_in = hf.generate(prompt, attention_mask=mask, max_new_tokens=k, do_sample=False,
                        pad_token_id=0, eos_token_id=None)  # fmt: skip
    print(f"{k} new tokens (in context): minillm tokens equal HF's: {torch.equal(ours_in, hf_in)}")


if __name__ == "__main__":
    main()
