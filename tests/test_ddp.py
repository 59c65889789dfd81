"""Two processes under torchrun (gloo, CPU) train exactly like one process with twice the batch."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import torch
from safetensors.torch import load_file

COMMON = """
import torch
from minillm.models import RNNLM
from minillm.training import TrainConfig, Trainer


class FixedBatches:
    '''Batch k of process r is seeded by (k, r); `ranks` interleaves several processes' batches.'''

    def __init__(self, ranks):
        self.ranks, self.i = ranks, 0

    def next_batch(self):
        rank, k = self.ranks[self.i % len(self.ranks)], self.i // len(self.ranks)
        self.i += 1
        x = torch.randint(0, 20, (4, 12), generator=torch.Generator().manual_seed(1000 * k + rank))
        return x, torch.roll(x, -1, dims=1)


def model():
    torch.manual_seed(0)
    return RNNLM(20, 8, 16, 1, "lstm")
"""

WORKER = (
    COMMON
    + """
import sys
import torch.distributed as dist
from safetensors.torch import save_file

dist.init_process_group("gloo")
rank = dist.get_rank()
net = model()
Trainer(net, FixedBatches([rank]), TrainConfig(max_steps=4, lr=1e-2)).fit()
if rank == 0:
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, sys.argv[1])
dist.destroy_process_group()
"""
)


def test_two_processes_equal_one_with_accumulation(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER), encoding="utf-8")
    out = tmp_path / "ddp.safetensors"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            str(script),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    namespace: dict = {}
    exec(COMMON, namespace)
    net = namespace["model"]()
    config = namespace["TrainConfig"](max_steps=4, lr=1e-2, grad_accum=2)
    namespace["Trainer"](net, namespace["FixedBatches"]([0, 1]), config).fit()
    ddp = load_file(str(out))
    for name, value in net.state_dict().items():
        torch.testing.assert_close(ddp[name], value, rtol=1e-5, atol=1e-6)
