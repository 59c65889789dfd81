"""Chat latency: time to the first streamed piece, whole reply and streamed tokens/s of a
ChatSession, next to HF ``generate`` with a streamer on the same weights, in the same run; and the
time per reply of the assistant (NLU, state, policy, shop, reply) on the hand-written dialogues.

Each round replays the user turns of held-out dialogues through a fresh session (greedy), so the
prompt grows with the conversation as it does in real use.

    .venv/bin/python bench/chat_latency.py [--model chat-zh] [--dialogues 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
from _machine import cpu_name

from minillm import pretrained
from minillm.chat import ChatSession, Turn, clean_input
from minillm.data.dialogue import generate_dialogues


def replay(model, tokenizer, dialogues, respond):
    """Call ``respond(chat, text) -> (seconds to first piece, tokens)`` on every user turn of
    ``dialogues``, one fresh session per dialogue; (first-piece latencies, whole-reply latencies,
    tokens, seconds)."""
    firsts, wholes, tokens = [], [], 0
    for dialogue in dialogues:
        chat = ChatSession(model, tokenizer)
        for turn in dialogue.turns:
            if turn.role == "user":
                start = time.perf_counter()
                first, n = respond(chat, turn.text)
                wholes.append(time.perf_counter() - start)
                firsts.append(first)
                tokens += n
    return firsts, wholes, tokens, sum(wholes)


def assistant_replay():
    """The assistant on every user turn of the hand-written dialogues: (first piece, whole reply)
    latencies; its reply is checked before it is shown, so the first piece is the whole reply."""
    from minillm.assistant import Assistant
    from minillm.assistant.evaluation import shop_with_orders_of
    from minillm.dialogue.handwritten import handwritten_dialogues, tricky_inputs

    dialogues = handwritten_dialogues()
    assistant = Assistant.load(shop=shop_with_orders_of(dialogues, tricky_inputs()))
    firsts, wholes = [], []
    for dialogue in dialogues:
        assistant.forget()  # each dialogue is another shopper
        for turn in dialogue["turns"]:
            start, first = time.perf_counter(), None
            for _ in assistant.stream(turn["user"]):
                first = first or time.perf_counter() - start
            wholes.append(time.perf_counter() - start)
            firsts.append(first)
    return firsts, wholes


def ours(tokenizer):
    """ChatSession.stream: the time its first piece arrives."""

    def respond(chat, text):
        start, first = time.perf_counter(), None
        for _ in chat.stream(text):
            first = first or time.perf_counter() - start
        return first, len(tokenizer.encode(chat.turns[-1].text)) + 1  # + <|end|>

    return respond


def hf_generate(model, tokenizer):
    """HF generate on the same prompts, with a streamer that notes when the first token arrives."""
    from transformers.generation.streamers import BaseStreamer

    from minillm.interop import gpt_to_hf

    hf = gpt_to_hf(model).eval()
    end = tokenizer.special_tokens["<|end|>"]

    class FirstToken(BaseStreamer):
        def __init__(self):
            self.calls, self.first = 0, None

        def put(self, value):
            self.calls += 1
            if self.calls == 2:  # the first call carries the prompt
                self.first = time.perf_counter()

        def end(self):
            pass

    def respond(chat, text):
        chat.turns.append(Turn("user", clean_input(text)))
        ids = torch.tensor([chat.prompt_ids()])
        streamer, start = FirstToken(), time.perf_counter()
        out = hf.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=chat.max_new_tokens,
                          do_sample=False, eos_token_id=end, pad_token_id=end, streamer=streamer)  # fmt: skip
        new = out[0, ids.size(1) :].tolist()
        reply = tokenizer.decode([t for t in new if t != end])
        chat.turns.append(Turn("assistant", reply, strategy="greedy"))
        return (streamer.first or time.perf_counter()) - start, len(new)

    return respond


def _percentiles(seconds) -> tuple[float, float]:
    """(p50, p90) in milliseconds."""
    ordered = sorted(seconds)
    return statistics.median(ordered) * 1000, ordered[int(0.9 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="chat-zh")
    parser.add_argument("--dialogues", type=int, default=20)
    args = parser.parse_args()
    model, tokenizer = pretrained.load(args.model)
    dialogues = generate_dialogues(args.dialogues, seed=7, split="heldout")
    print(f"{args.model}: {model.num_parameters() / 1e6:.2f}M parameters, greedy, "
          f"{cpu_name()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads")  # fmt: skip
    replay(model, tokenizer, dialogues[:2], ours(tokenizer))  # warm-up
    rows = [("minillm ChatSession.stream", *replay(model, tokenizer, dialogues, ours(tokenizer)))]
    try:
        respond = hf_generate(model, tokenizer)
        rows.append(("HF generate + streamer", *replay(model, tokenizer, dialogues, respond)))
    except ImportError:
        print("(transformers not installed: HF row skipped)")
    assistant_replay()  # warm-up
    rows.append(("minillm Assistant.stream", *assistant_replay(), None, None))
    print(f"\n{'':28}{'first piece p50':>16}{'p90':>9}{'whole p50':>11}{'p90':>9}{'tokens/s':>10}")
    for name, firsts, wholes, tokens, seconds in rows:
        f50, f90, w50, w90 = (*_percentiles(firsts), *_percentiles(wholes))
        rate = f"{tokens / seconds:10.0f}" if tokens else f"{'-':>10}"
        print(f"{name:28}{f50:13.1f} ms{f90:6.1f} ms{w50:8.1f} ms{w90:6.1f} ms{rate}")
    if rows[1][0].startswith("HF"):
        mine, theirs = rows[0], rows[1]
        speed = (mine[3] / mine[4]) / (theirs[3] / theirs[4])
        first = statistics.median(theirs[1]) / statistics.median(mine[1])
        print(f"\nminillm vs HF: first piece {first:.2f}× sooner, {speed:.2f}× the tokens/s")


if __name__ == "__main__":
    main()
