"""The reply writer: a small GPT turns what the assistant has to say (the act and its values, written
as one line, the meaning) into a reply, data-to-text. The model writes the words and chooses where
each value goes; once it has begun a value, the rest is copied in exactly. A reply is said only once
it checks out: each value stated verbatim, in an order the reply's phrasings use, and no number that
is not a value; otherwise the writer samples twice more, then says the template, so a reply can be
plain but never wrong. ``python -m minillm.assistant.writer --out DIR`` trains it, prints how often
held-out meanings needed the template and how long a reply takes, and saves it.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import random
import re
import string
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import save_model

from minillm.assistant.backend import (
    BRANDS,
    HOLIDAYS,
    PICKS,
    STATUSES,
    TODAY,
    WEEKDAY_HOURS,
    WEEKEND_HOURS,
)
from minillm.data.dialogue import (
    ASSISTANT_TOKEN,
    END_TOKEN,
    random_slot_value,
    sample_slot_value,
    value_pool,
)
from minillm.dialogue.replies import PARAPHRASES, REPLIES, paraphrases, render
from minillm.dialogue.schema import INTENT_KEYWORDS, SLOT_LABELS
from minillm.generation import GPTStepper
from minillm.models import GPT, GPTConfig
from minillm.tokenizers import BPETokenizer, Tokenizer
from minillm.tokenizers.base import PAD_TOKEN
from minillm.tokenizers.bpe import HAN_CHAR_PATTERN
from minillm.training import TrainConfig, Trainer

__all__ = [
    "ReplyWriter",
    "evaluate",
    "faithful",
    "fields",
    "meaning",
    "random_acts",
    "train_writer",
    "writer_examples",
]

SEP, END = ASSISTANT_TOKEN, END_TOKEN  # the reply follows SEP and ends with END
MAX_REPLY_TOKENS = 120
SAMPLES, TEMPERATURE = 2, 0.8  # drafts sampled when the greedy one fails its check
SCHEMA_WORDS = (*INTENT_KEYWORDS.values(), *SLOT_LABELS.values())  # what judges read replies by
PLACEHOLDER = 0xE000  # private-use characters stand for the values while a reply is checked

# Made-up values of the fields that are not slots: what the shop returns.
NUMBERS = {
    "days": (1, 15),
    "refund_days": (1, 15),
    "response_hours": (1, 72),
    "refund_id": (1, 99999),
    "ticket_id": (1, 99999),
    "price_yuan": (1, 9999),
}
ORDER_STATUSES = (*STATUSES, "待付款", "已取消", "退款中", "已退款", "已揽收")
HOURS = (*WEEKDAY_HOURS, *WEEKEND_HOURS, "休息")
REFUSALS = (  # the shop's refusals, as ShopError words them
    "查不到订单{order_id}",
    "订单{order_id}已经退过款了",
    "订单{order_id}已签收，不能再修改收货地址",
    "订单{order_id}已退款，不能再修改收货地址",
    "暂不支持配送到{city}，订单{order_id}的收货地址未修改",
    "订单{order_id}的收货城市已经是{city}",
    "订单号{order_id}不是10位数字",
)


def fields(key: str) -> tuple[str, ...]:
    """The fields of reply ``key``'s template, in the template's order."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(REPLIES[key]) if name)


def _safe(value: object) -> str:
    """A value as the meaning spells it: no ``|``, ``=`` or line breaks that would break the line."""
    return re.sub(r"\s", " ", str(value)).replace("|", "｜").replace("=", "＝")


def meaning(key: str, values: Mapping[str, object]) -> str:
    """The act and its values as one line, ``key|field=value|…`` in template order."""
    return "|".join([key, *(f"{name}={_safe(values[name])}" for name in fields(key))])


@functools.cache
def _chars() -> str:
    """Chinese characters of real replies and shop data, for made-up values to be written in."""
    texts = (*(p for ps in PARAPHRASES.values() for p in ps), *BRANDS, *PICKS, *ORDER_STATUSES)
    return "".join(sorted({c for t in texts for c in t if "\u4e00" <= c <= "\u9fa5"}))


def _slot_value(slot: str, rng: random.Random, split: str) -> str:
    """A value of a slot the user types: half the time a real one of ``split`` (real values are
    words, with characters such as 的 that the replies use too), else made up."""
    if rng.random() < 0.5:
        return rng.choice(value_pool(slot, split))
    return random_slot_value(slot, rng, _chars())


def _value(key: str, name: str, rng: random.Random, split: str) -> str:
    """A value of field ``name`` of reply ``key`` in ``split``, shaped like what fills it in use."""
    if name == "order_id":
        return sample_slot_value("order_id", rng, split)
    if name in NUMBERS:
        return str(rng.randint(*NUMBERS[name]))
    if name == "rating":
        return f"{rng.uniform(1, 5):.1f}"
    if name == "status":
        return rng.choice(ORDER_STATUSES)
    if name == "pick":
        return rng.choice(PICKS)
    if name == "hours":
        if rng.random() < 0.5:
            return rng.choice(HOURS)
        return f"{rng.randint(0, 11)}:{rng.choice(('00', '30'))}-{rng.randint(12, 23)}:00"
    if key == "inform:business_hours":  # the day as the shop names it
        if rng.random() < 0.3:
            return rng.choice(HOLIDAYS)[0]
        return (TODAY + datetime.timedelta(rng.randint(0, 400))).isoformat()
    if key == "unknown:date" and rng.random() < 0.3:  # a date the shop could not read
        return f"{rng.randint(0, 99)}月{rng.randint(0, 99)}日"
    if key == "refused" and rng.random() < 0.5:
        return rng.choice(REFUSALS).format(
            order_id=sample_slot_value("order_id", rng, split),
            city=_slot_value("city", rng, split),
        )
    if name in ("product", "name"):
        brand = rng.choice(BRANDS) if rng.random() < 0.5 else ""
        return brand + _slot_value("product", rng, split)
    return _slot_value("city" if name.endswith("city") else name, rng, split)


def _draw(rng: random.Random, split: str) -> tuple[str, dict[str, str]]:
    """A random reply key (keys with more fields more often: they are harder) and its values."""
    keys = list(REPLIES)
    key = rng.choices(keys, [1 + len(fields(k)) for k in keys])[0]
    return key, {name: _value(key, name, rng, split) for name in fields(key)}


def random_acts(n: int, split: str = "heldout", seed: int = 1) -> list[tuple[str, dict[str, str]]]:
    """``n`` (reply key, values) pairs with values of ``split``, e.g. to judge a writer."""
    rng = random.Random(seed)
    return [_draw(rng, split) for _ in range(n)]


def writer_examples(n: int, split: str = "train", seed: int = 0) -> list[tuple[str, str]]:
    """``n`` (meaning, reply) pairs: values of ``split`` put into a phrasing of ``split``."""
    rng = random.Random(seed)
    examples = []
    for _ in range(n):
        key, values = _draw(rng, split)
        examples.append(
            (meaning(key, values), rng.choice(paraphrases(key, split)).format(**values))
        )
    return examples


def _is_mark(char: str) -> bool:
    """Whether ``char`` stands for a value (see ``faithful``)."""
    return PLACEHOLDER <= ord(char) < PLACEHOLDER + 256


def _trigrams(text: str) -> set[str]:
    """The 3-character windows of ``text`` between a start and an end mark."""
    text = f"\x02{text}\x03"
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _marked(text: str, marks: Mapping[str, str]) -> str:
    """``text`` with each value replaced by its mark, longest values first; a number only where it
    is not run into other digits."""
    for value in sorted(marks, key=len, reverse=True):
        before = r"(?<!\d)" if value[0].isdigit() else ""
        after = r"(?!\d)" if value[-1].isdigit() else ""
        text = re.sub(before + re.escape(value) + after, marks[value], text)
    return text


def faithful(text: str, key: str, values: Mapping[str, object]) -> bool:
    """Whether ``text`` may be said as reply ``key`` with ``values``. With each value replaced by
    a mark, in it and in the phrasings of ``key`` filled with the values: the marks come in the
    order of a phrasing (each value said, none twice); every 3 characters in a row, marks
    included, occur in a phrasing (nothing is glued to a value, no words are made up); no
    digits remain but the phrasings' own; the template's schema words are there, and no others.
    Not empty, no U+FFFD."""
    if not text or "\ufffd" in text or any(map(_is_mark, text)):
        return False
    strs = {name: str(values[name]) for name in fields(key)}
    marks = {value: chr(PLACEHOLDER + i) for i, value in enumerate(dict.fromkeys(strs.values()))}
    if "" in marks:
        return False
    text = _marked(text, marks)
    phrasings = [_marked(p.format(**strs), marks) for p in PARAPHRASES[key]]
    said = [c for c in text if _is_mark(c)]
    return (
        any(said == [c for c in p if _is_mark(c)] for p in phrasings)
        and _trigrams(text) <= set().union(*map(_trigrams, phrasings))
        and set(re.findall(r"\d+", text)) <= {d for p in phrasings for d in re.findall(r"\d+", p)}
        and {w for w in SCHEMA_WORDS if w in text} == {w for w in SCHEMA_WORDS if w in phrasings[0]}
    )


class ReplyWriter:
    """Writes the reply of an act with a GPT, checked by ``faithful``; ``counts`` says how many
    replies the model wrote ("model"), needed a sample ("resampled") or the template ("template").
    """

    def __init__(self, model: GPT, tokenizer: Tokenizer):
        self.model, self.tokenizer = model.eval(), tokenizer
        self.sep, self.end = tokenizer.special_tokens[SEP], tokenizer.special_tokens[END]
        self.specials = set(tokenizer.special_tokens.values())
        self.counts: Counter[str] = Counter()

    def write(self, key: str, values: Mapping[str, object]) -> tuple[str, str]:
        """(reply, how it was made) for reply ``key``; a missing value is a KeyError naming it."""
        values = {name: values[name] for name in fields(key)}
        line = meaning(key, values)
        prompt = [*self.tokenizer.encode(line), self.sep]
        room = min(MAX_REPLY_TOKENS, self.model.config.block_size - len(prompt))
        if room > 0:
            pieces = [self.tokenizer.encode(str(values[name])) for name in fields(key)]
            seed = int.from_bytes(hashlib.sha256(line.encode("utf-8")).digest()[:7], "big")
            generator = torch.Generator().manual_seed(seed)  # the same samples every time
            for how, sampler in (("model", None), *(("resampled", generator),) * SAMPLES):
                text = self._draft(prompt, room, pieces, sampler)
                if text is not None and faithful(text, key, values):
                    self.counts[how] += 1
                    return text, how
        self.counts["template"] += 1
        return render(key, values), "template"

    def stream(self, key: str, values: Mapping[str, object]) -> Iterator[str]:
        """The checked reply a clause at a time, for a chat window that shows text as it comes."""
        text, _ = self.write(key, values)
        yield from (piece for piece in re.split(r"(?<=[，。！？；：])", text) if piece)

    @torch.no_grad()
    def _draft(
        self, prompt: list[int], room: int, pieces: list[list[int]], generator=None
    ) -> str | None:
        """A reply after ``prompt``: greedy, or sampled from ``generator``. Once the model writes the
        first token of a value (``pieces``: the values' tokens) it has not yet said, the rest of
        that value is copied in: the model picks which value goes where, and the copy is exact.
        None for a draft that does not end within ``room`` tokens or holds a special token."""
        stepper = GPTStepper(self.model)
        logits = stepper.start(torch.tensor([prompt]), None)[0]
        unsaid, copying, out = [p for p in pieces if p], [], []
        for _ in range(room):
            if copying:
                token = copying.pop(0)
            else:
                if generator is None:
                    token = int(logits.argmax())
                else:
                    probs = torch.softmax(logits.float() / TEMPERATURE, dim=-1)
                    token = int(torch.multinomial(probs, 1, generator=generator))
                if token == self.end:
                    return self.tokenizer.decode(out)
                if token in self.specials:
                    return None
                value = next((p for p in unsaid if p[0] == token), None)
                if value is not None:
                    unsaid.remove(value)
                    copying = value[1:]
            out.append(token)
            logits = stepper.advance(torch.tensor([token]))[0]
        return None

    def save(self, folder: str | Path) -> None:
        """``model.safetensors``, ``config.json`` and ``tokenizer.json`` in ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_model(self.model, str(folder / "model.safetensors"))
        config = {"model_config": asdict(self.model.config)}
        (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        self.tokenizer.save(folder / "tokenizer.json")

    @classmethod
    def load(cls, folder: str | Path) -> ReplyWriter:
        """The writer saved in ``folder``; a missing or bad file is a ValueError naming it."""
        folder = Path(folder)
        model = GPT.from_checkpoint(folder)
        path = folder / "tokenizer.json"
        if not path.is_file():
            raise ValueError(f"{path} does not exist")
        tokenizer = Tokenizer.load(path)
        if tokenizer.vocab_size != model.config.vocab_size:
            raise ValueError(
                f"{path} has {tokenizer.vocab_size} tokens, the model {model.config.vocab_size}"
            )
        if not {SEP, END} <= set(tokenizer.special_tokens):
            raise ValueError(f"{path} lacks the special tokens {SEP} and {END}")
        return cls(model, tokenizer)


def _train_tokenizer(vocab_size: int, seed: int) -> BPETokenizer:
    """Byte-level BPE with one token per Chinese character it has seen (merges never join two), so
    a value is copied character by character, and a character it never saw is a few byte tokens
    instead of an unknown one. Numbers are merged into runs of two to four digits: copying a
    10-digit order id digit by digit, with only ten tokens that repeat, is easily derailed."""
    pairs = writer_examples(4000, "train", seed)
    text = "\n".join(m + "\n" + t for m, t in pairs)
    return BPETokenizer(HAN_CHAR_PATTERN).train(text, vocab_size, (SEP, END, PAD_TOKEN))


class _Batches:
    """Endless batches of fresh training examples, the loss on the reply and its END only. Examples
    are drawn ``BUCKETS`` batches at a time and batched with others of about their length, so
    little of a batch is padding."""

    BUCKETS = 8

    def __init__(self, tokenizer: Tokenizer, batch_size: int, block_size: int, seed: int):
        self.tokenizer, self.batch_size, self.block_size = tokenizer, batch_size, block_size
        self.rng = random.Random(seed)
        self.sep, self.end = tokenizer.special_tokens[SEP], tokenizer.special_tokens[END]
        self.pad = tokenizer.special_tokens[PAD_TOKEN]
        self.ready: list[list[tuple[list[int], list[int]]]] = []

    def _example(self) -> tuple[list[int], list[int]]:
        """(input ids, targets) of one example that fits the block."""
        while True:
            line, text = writer_examples(1, "train", self.rng.getrandbits(64))[0]
            prompt = [*self.tokenizer.encode(line), self.sep]
            ids = [*prompt, *self.tokenizer.encode(text), self.end]
            if len(ids) - 1 <= self.block_size:
                return ids[:-1], [-100] * (len(prompt) - 1) + ids[len(prompt) :]

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.ready:
            examples = sorted(
                (self._example() for _ in range(self.BUCKETS * self.batch_size)),
                key=lambda e: len(e[0]),
            )
            n = self.batch_size
            self.ready = [examples[i : i + n] for i in range(0, len(examples), n)]
            self.rng.shuffle(self.ready)
        batch = self.ready.pop()
        width = max(len(x) for x, _ in batch)
        x = torch.tensor([x + [self.pad] * (width - len(x)) for x, _ in batch])
        y = torch.tensor([y + [-100] * (width - len(y)) for _, y in batch])
        return x, y


def train_writer(
    steps: int = 4500,
    seed: int = 0,
    batch_size: int = 16,
    lr: float = 3e-3,
    n_layer: int = 3,
    n_embd: int = 128,
    vocab_size: int = 2048,
    block_size: int = 192,
    position: str = "rope",
    progress: bool = False,
) -> ReplyWriter:
    """Train a writer from scratch on fresh training meanings in the training phrasings."""
    torch.manual_seed(seed)
    tokenizer = _train_tokenizer(vocab_size, seed)
    config = GPTConfig(
        tokenizer.vocab_size, block_size, n_layer, n_head=4, n_embd=n_embd, position=position
    )
    model = GPT(config)
    train = TrainConfig(
        max_steps=steps,
        lr=lr,
        min_lr=lr / 10,
        warmup_steps=min(100, steps),
        schedule="cosine",
        weight_decay=0.1,
        precision="fp32",
        progress=progress,
    )
    Trainer(model, _Batches(tokenizer, batch_size, block_size, seed), train).fit()
    return ReplyWriter(model, tokenizer)


def evaluate(writer: ReplyWriter, n: int = 500, seed: int = 1) -> dict[str, float]:
    """How ``writer`` does on ``n`` held-out meanings (held-out values and order ids): the share
    of replies the model wrote, resampled and templated, and the milliseconds a reply took."""
    made, ms = Counter(), []
    for key, values in random_acts(n, "heldout", seed):
        start = time.perf_counter()
        _, how = writer.write(key, values)
        ms.append(1000 * (time.perf_counter() - start))
        made[how] += 1
    ms.sort()
    return {
        "model": made["model"] / n,
        "resampled": made["resampled"] / n,
        "template": made["template"] / n,
        "ms_mean": sum(ms) / n,
        "ms_p50": ms[n // 2],
        "ms_p90": ms[int(0.9 * n)],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder to save the writer in")
    parser.add_argument("--steps", type=int, default=4500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval", type=int, default=500, help="held-out meanings to judge on")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (timings use them)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    writer = train_writer(args.steps, args.seed, progress=True)
    minutes = (time.perf_counter() - start) / 60
    print(f"{writer.model.num_parameters():,} parameters, trained in {minutes:.1f} min")
    score = evaluate(writer, args.eval)
    print(
        f"{args.eval} held-out meanings: template {score['template']:.1%}, "
        f"resampled {score['resampled']:.1%}, model {score['model']:.1%}; "
        f"{score['ms_mean']:.0f} ms a reply (p50 {score['ms_p50']:.0f}, p90 {score['ms_p90']:.0f}) "
        f"on {args.threads} thread(s)"
    )
    writer.save(args.out)


if __name__ == "__main__":
    main()
