"""Time to a target validation loss on tinyshakespeare (character level, 90/10 split): minillm's
``shakespeare-char`` recipe next to nanoGPT's own train.py, back to back on the same machine.

nanoGPT is not part of this project: point --nanogpt (or $NANOGPT_DIR) at a checkout kept outside
the repository. Its data folder is prepared from the cached corpus (no download).

    .venv/bin/python bench/train_vs_nanogpt.py --nanogpt ../nanoGPT            # CPU, target 1.88
    .venv/bin/python bench/train_vs_nanogpt.py --nanogpt ../nanoGPT --gpu      # CUDA, target 1.47
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch
from _machine import cpu_name

from minillm.data import corpus_available, corpus_path
from minillm.recipes import RECIPES, run_recipe

NANOGPT_ARGS = {  # nanoGPT's documented CPU run, and its GPU baby GPT (config file defaults)
    "cpu": [
        "--device=cpu",
        "--compile=False",
        "--eval_iters=20",
        "--log_interval=100",
        "--block_size=64",
        "--batch_size=12",
        "--n_layer=4",
        "--n_head=4",
        "--n_embd=128",
        "--max_iters=2000",
        "--lr_decay_iters=2000",
        "--dropout=0.0",
    ],
    "gpu": [],
}
STEP_LINE = re.compile(r"step (\d+): train loss [\d.]+, val loss ([\d.]+)")


def prepare_nanogpt(root: Path) -> None:
    """Put the cached corpus where nanoGPT's prepare.py looks for it, and run it once."""
    folder = root / "data" / "shakespeare_char"
    if not (folder / "train.bin").exists():
        shutil.copy(corpus_path("tinyshakespeare"), folder / "input.txt")
        subprocess.run([sys.executable, "prepare.py"], cwd=folder, check=True)


def run_nanogpt(root: Path, kind: str, target: float) -> tuple[list, float]:
    """Run nanoGPT's train.py; returns its (step, val, seconds) evaluations and its total time."""
    command = [
        sys.executable,
        "train.py",
        "config/train_shakespeare_char.py",
        "--always_save_checkpoint=False",
        *NANOGPT_ARGS[kind],
    ]
    start = time.perf_counter()
    evals = []
    with subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) as proc:
        for line in proc.stdout:
            if match := STEP_LINE.search(line):
                evals.append((int(match[1]), float(match[2]), time.perf_counter() - start))
                print(
                    f"  nanoGPT step {evals[-1][0]}: val {evals[-1][1]:.4f} ({evals[-1][2]:.1f} s)"
                )
    if proc.returncode:
        raise SystemExit(f"nanoGPT exited with {proc.returncode}")
    return evals, time.perf_counter() - start


def first_at(evals: list, target: float) -> tuple[int, float, float] | None:
    """The first evaluation at or below target, or None."""
    return next((e for e in evals if e[1] <= target), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nanogpt", default=os.environ.get("NANOGPT_DIR"), help="nanoGPT checkout")
    parser.add_argument("--gpu", action="store_true", help="GPU configs (needs CUDA)")
    parser.add_argument("--target", type=float, default=None, help="val loss (1.88 CPU, 1.47 GPU)")
    args = parser.parse_args()
    kind = "gpu" if args.gpu else "cpu"
    target = args.target or (1.47 if args.gpu else 1.88)
    if not corpus_available("tinyshakespeare"):
        print("tinyshakespeare is not cached: set MINILLM_DATA_DIR or call load_corpus first")
        return
    if args.gpu and not torch.cuda.is_available():
        print("--gpu needs a CUDA device; none is available here")
        return
    device = "cuda" if args.gpu else "cpu"
    machine = torch.cuda.get_device_name() if args.gpu else f"{cpu_name()}, {os.cpu_count()} cores"
    print(f"machine: {machine}; torch {torch.__version__}; target val loss {target}")

    recipe = RECIPES["shakespeare-char-gpu" if args.gpu else "shakespeare-char"]
    print(f"minillm recipe: {recipe.model} batch {recipe.batch_size}, {recipe.train}")
    ours = run_recipe(recipe, device=device, log=lambda line: print("  minillm " + line))["evals"]
    ours_hit = first_at(ours, target)

    rows = [("minillm", ours_hit, ours[-1], ours[-1][2])]
    if args.nanogpt:
        root = Path(args.nanogpt)
        prepare_nanogpt(root)
        nano, nano_total = run_nanogpt(root, kind, target)
        rows.append(("nanoGPT", first_at(nano, target), nano[-1], nano_total))
    else:
        print("no --nanogpt checkout given: reporting minillm alone")

    print(f"\n{'run':<9}{'time to target':>16}{'step':>7}{'final val':>11}{'total s':>9}")
    for name, hit, last, total in rows:
        reached = f"{hit[2]:.1f} s" if hit else "not reached"
        print(f"{name:<9}{reached:>16}{hit[0] if hit else '-':>7}{last[1]:>11.4f}{total:>9.1f}")
    if len(rows) == 2 and ours_hit:
        nano_hit, nano_total = rows[1][1], rows[1][3]
        reference = nano_hit[2] if nano_hit else nano_total
        label = (
            "nanoGPT's time to target" if nano_hit else "nanoGPT's whole run (target not reached)"
        )
        print(f"\nminillm time to target / {label}: {ours_hit[2] / reference:.2f}")


if __name__ == "__main__":
    main()
