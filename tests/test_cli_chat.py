"""``python -m minillm chat`` in a real pseudo-terminal: greets, streams, and exits cleanly."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_model

from minillm.data.dialogue import chat_corpus
from minillm.models import GPT, GPTConfig
from minillm.tokenizers import SPECIAL_TOKENS, BPETokenizer

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("chat-model")
    tokenizer = BPETokenizer().train(chat_corpus(50), 256 + 16, special_tokens=SPECIAL_TOKENS)
    torch.manual_seed(0)
    config = GPTConfig(tokenizer.vocab_size, 64, 1, 2, 16)
    save_model(GPT(config), str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps({"model_config": config.__dict__}))
    tokenizer.save(folder / "tokenizer.json")
    return folder


class Terminal:
    """A child process on the slave side of a pty; ``expect`` reads until a text shows up."""

    def __init__(self, args):
        master, slave = pty.openpty()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        # A background job starts with SIGINT ignored, and Python then never raises
        # KeyboardInterrupt: give the child the default disposition, as a terminal would.
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        os.close(slave)
        self.master, self.output = master, b""

    def expect(self, text: str, times: int = 1, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while self.output.count(text.encode()) < times:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not in {self.output.decode(errors='replace')!r}")
            if not select.select([self.master], [], [], 0.5)[0]:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the child closed the terminal
                chunk = b""
            if not chunk and self.proc.poll() is not None:
                raise AssertionError(
                    f"exited before {text!r}: {self.output.decode(errors='replace')!r}"
                )
            self.output += chunk
        return self.output.decode(errors="replace")

    def send(self, data: str | bytes) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def close(self) -> int:
        code = self.proc.wait(timeout=30)
        os.close(self.master)
        return code


def start(model_dir: Path) -> Terminal:
    term = Terminal([sys.executable, "-m", "minillm", "chat", "--model", str(model_dir)])
    term.expect("User: ")
    return term


def test_chat_replies_and_says_goodbye(model_dir):
    term = start(model_dir)
    term.send("你好，订单1234567890到哪了？\n")
    term.expect("Assistant: ")
    term.expect("User: ", times=2)  # the reply was streamed and the next prompt is shown
    term.send("   \n")  # blank input gets a clear message
    term.expect("请输入您的问题")
    term.expect("User: ", times=3)
    term.send("再见\n")
    out = term.expect("Assistant: 再见")
    assert term.close() == 0 and "Traceback" not in out


def test_ctrl_c_cancels_the_line_and_ctrl_d_quits(model_dir):
    term = start(model_dir)
    term.send("写了一半")
    # A signal that lands between the prompt and the blocking read is only seen after the
    # read returns: wait until the child sits in the read, as a person's keypress would.
    time.sleep(1.0)
    term.proc.send_signal(signal.SIGINT)
    term.expect("User: ", times=2)  # the line is dropped and a fresh prompt shown
    term.send(b"\x04")
    out = term.expect("Assistant: 再见")
    assert term.close() == 0 and "Traceback" not in out and out.count("Assistant: ") == 1


def test_generate_command_prints_the_library_output(capsys):
    from minillm import pretrained
    from minillm.__main__ import main
    from minillm.generation import generate

    assert main(["generate", "--prompt", "ROMEO:", "--max-new-tokens", "30"]) == 0
    model, tokenizer = pretrained.load("shakespeare-char")
    ids = generate(model, [tokenizer.encode("ROMEO:")], max_new_tokens=30)
    assert capsys.readouterr().out == tokenizer.decode(ids[0].tolist()) + "\n"
    assert main(["generate", "--top-p", "1.5"]) == 2
    assert "top_p must be in (0, 1]" in capsys.readouterr().err
