"""Run the whole book on this machine: execute every chapter notebook (the notebooks choose their
bigger settings when CUDA is present), time each one, run the decoding and training benchmarks,
and write the table to bench/results/ with the machine and the date.

    python bench/gpu_check.py          # on a CUDA GPU (make gpu-check); goal: whole book ≤ 3 min
    python bench/gpu_check.py --cpu    # the same table on the CPU; goal: ≤ 90 s per chapter
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import torch
from _machine import cpu_name
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def run_notebook(path: Path, timeout: int = 900) -> tuple[float, str | None]:
    """Seconds to execute the notebook at ``path`` in a fresh kernel (outputs are not saved), and
    the first error (``None`` when every cell ran)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": path.parent}},
    )
    start = time.perf_counter()
    try:
        client.execute()
        error = None
    except CellExecutionError as err:
        error = str(err).strip().splitlines()[-1][:200]
    except (CellTimeoutError, DeadKernelError) as err:  # a cell over the limit, a crashed kernel
        error = f"{type(err).__name__}: {str(err).strip().splitlines()[0][:160]}"
    return time.perf_counter() - start, error


def run_bench(args: list[str]) -> str:
    """The printed table of one benchmark script (its last lines), or why it failed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    lines = (result.stdout + (result.stderr if result.returncode else "")).strip().splitlines()
    return "\n".join(lines[-14:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cpu", action="store_true", help="run on the CPU even without CUDA")
    parser.add_argument("--notebooks", default="notebooks/ch*.ipynb", help="which notebooks")
    parser.add_argument("--no-bench", action="store_true", help="time the notebooks only")
    args = parser.parse_args()
    cuda = torch.cuda.is_available() and not args.cpu
    if not cuda and not args.cpu:
        sys.exit("no CUDA device here: run this on a GPU machine, or pass --cpu for the CPU table")
    if not cuda:
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # the kernels must not find a GPU either
    machine = torch.cuda.get_device_name() if cuda else f"{cpu_name()}, {os.cpu_count()} cores"
    today = datetime.date.today().isoformat()
    budget = 180 if cuda else 720
    threads = "" if cuda else f", {os.environ.get('OMP_NUM_THREADS', 'all')} threads"
    lines = [
        f"# The whole book on {machine}",
        "",
        f"{today}; torch {torch.__version__}; {'CUDA' if cuda else 'CPU'}{threads}",
        "",
        "| chapter | seconds | result |",
        "|---|---:|---|",
    ]
    total = 0.0
    for path in sorted(ROOT.glob(args.notebooks)):
        seconds, error = run_notebook(path)
        total += seconds
        lines.append(f"| {path.stem} | {seconds:.1f} | {'error: ' + error if error else 'ok'} |")
        print(lines[-1], flush=True)
    goal = "met" if total <= budget else "missed"
    lines += ["", f"Whole book: {total:.0f} s (goal ≤ {budget} s: {goal})."]
    if not args.no_bench:
        device = ["--device", "cuda"] if cuda else ["--device", "cpu"]
        for name, bench_args in [
            ("Decoding (bench/generate.py)", ["generate.py", *device]),
            (
                "Training (bench/train_vs_nanogpt.py)",
                ["train_vs_nanogpt.py", *(["--gpu"] if cuda else [])],
            ),
        ]:
            lines += ["", f"## {name}", "", "```", run_bench(bench_args), "```"]
    report = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", machine.lower()).strip("-")[:40]
    out = RESULTS / f"book-{today}-{slug}.md"
    out.write_text(report, encoding="utf-8")
    print(report + f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
