"""Train the shipped "chat-zh" model and judge it on held-out dialogues.

Recipe "reviews" (shipped): a byte-level BPE is trained on everyday Chinese (online reviews) plus
training-split dialogues; a GPT with rotary positions is pretrained on the reviews, then
fine-tuned (SFT, loss on the assistant's tokens only) on synthetic customer-service dialogues in
composed phrasings (thousands per intent, so that it learns the intent rather than the wording),
three quarters of them with made-up slot values (drawn partly from every Chinese character the
tokenizer keeps as one token, half the reasons clauses of the reviews) so that it learns to copy
what the user said; relative positions make that copying easier. Both stages decay the learning
rate on a cosine, and the SFT weights saved are their moving average (the last weights' score is
kept beside it in config.json); the SFT "seed" orders the batches. Recipe "poems" pretrains on
Tang poems at a constant learning rate (the weights shipped before);
"reviews-chars" keeps every Chinese character one token (``HAN_CHAR_PATTERN``) and buckets SFT
batches by length; the pretrained README compares them. ``judge`` replays held-out dialogues
(phrasings and slot values unseen in training) and checks every reply with ``judge_reply``.

    python -m minillm.pretrained.train_chat_zh [--recipe reviews] [--device cpu] [--out DIR]
                                                [--seed 0] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from minillm.data import RandomWindows, load_corpus, train_val_split
from minillm.data.dialogue import (
    END_TOKEN,
    assistant_prompts,
    chat_corpus,
    generate_dialogues,
    judge_reply,
    reason_phrases,
    to_chat_text,
)
from minillm.finetune import SFTBatches
from minillm.generation import generate
from minillm.models import GPT, GPTConfig
from minillm.tokenizers import SPECIAL_TOKENS, BPETokenizer
from minillm.tokenizers.bpe import HAN_CHAR_PATTERN, SPLIT_PATTERN
from minillm.training import TrainConfig, Trainer
from minillm.utils import get_device, seed_everything

POEMS = {
    "corpus": "tang_poems",
    "split": "words",
    "vocab_size": 2048,
    "schedule": "constant",
    "model": {
        "block_size": 384,
        "n_layer": 4,
        "n_head": 4,
        "n_embd": 192,
        "dropout": 0.0,
        "position": "rope",
    },
    "pretrain": {"steps": 600, "batch_size": 16, "block_size": 128, "lr": 2e-3},
    "sft": {
        "steps": 6000,
        "batch_size": 16,
        "buckets": 1,
        "lr": 1.5e-3,
        "ema": None,
        "dialogues": 20000,
        "made_up": 0.75,
    },
}
RECIPES = {
    "reviews": {  # the shipped weights
        **POEMS,
        "corpus": "chinese_reviews",
        "schedule": "cosine",
        "sft": {**POEMS["sft"], "ema": 0.999, "reasons": True, "seed": 0},
    },
    "poems": POEMS,
    "reviews-chars": {
        **POEMS,
        "corpus": "chinese_reviews",
        "split": "characters",
        "vocab_size": 4096,
        "schedule": "cosine",
        "sft": {**POEMS["sft"], "buckets": 8},
    },
}


def pretrain_text(corpus: str) -> str:
    """General text to pretrain on, one poem or review per line (poems lose title and author)."""
    if corpus == "tang_poems":
        return "\n".join(line.split("\t")[2] for line in load_corpus(corpus).splitlines())
    return load_corpus(corpus)


def token_chars(tokenizer) -> str:
    """The Chinese characters that are one token each: made-up slot values draw from them, so
    that copying is trained on every such token, not only on those of the dialogue templates."""
    chars = set()
    for i in range(tokenizer.vocab_size):
        text = tokenizer.decode([i])
        if len(text) == 1 and "\u4e00" <= text <= "\u9fa5":
            chars.add(text)
    return "".join(sorted(chars))


def reply(model, tokenizer, prompt: str, max_new_tokens: int = 80) -> str:
    """The model's greedy reply to a chat prompt ending in ``<|assistant|>``, up to ``<|end|>``."""
    end = tokenizer.special_tokens[END_TOKEN]
    ids = tokenizer.encode(prompt, allowed_special="all")[
        -(model.config.block_size - max_new_tokens) :
    ]
    out = generate(model, [ids], max_new_tokens=max_new_tokens, eos_token_id=end)
    new = [t for t in out[0, len(ids) :].tolist() if t != end]
    return tokenizer.decode(new)


def judge(
    model, tokenizer, n: int = 200, seed: int = 0, split: str = "heldout", values: str | None = None
) -> dict:
    """Replay ``n`` dialogues (held-out ones by default) turn by turn; the share of replies that
    fit their turn.

    ``split`` chooses the user phrasings and ``values`` the slot values (default: the same split),
    e.g. ``split="train", values="heldout"`` measures copying of new values alone.
    """
    passed, total, failures, by_act = 0, 0, [], {}
    for dialogue in generate_dialogues(n, seed=seed, split=split, values=values):
        for prompt, turn in assistant_prompts(dialogue):
            text = reply(model, tokenizer, prompt)
            ok, why = judge_reply(turn, text)
            passed, total = passed + ok, total + 1
            good, seen = by_act.get(turn.act, (0, 0))
            by_act[turn.act] = (good + ok, seen + 1)
            if not ok and len(failures) < 20:
                failures.append({"reference": turn.text, "reply": text, "why": why})
    return {
        "dialogues": n,
        "replies": total,
        "pass_rate": passed / total,
        "by_act": {act: good / seen for act, (good, seen) in sorted(by_act.items())},
        "failures": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="reviews")
    parser.add_argument("--device", default=None)
    parser.add_argument("--out", default=str(Path(__file__).parent / "chat-zh"))
    parser.add_argument("--seed", type=int, default=0, help="initialisation seed (shipped: 0)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads (the sums, so the result, depend on it)",
    )
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = get_device(args.device)
    seed_everything(args.seed)
    start = time.perf_counter()
    s = RECIPES[args.recipe]
    text = pretrain_text(s["corpus"])
    n_made_up = round(s["sft"]["dialogues"] * s["sft"]["made_up"])
    train_dialogues = chat_corpus(s["sft"]["dialogues"] - n_made_up, seed=0, composed=True)
    pattern = HAN_CHAR_PATTERN if s["split"] == "characters" else SPLIT_PATTERN
    tokenizer = BPETokenizer(pattern).train(
        text[:600_000] + "\n" + train_dialogues[:300_000], s["vocab_size"], SPECIAL_TOKENS
    )
    print(f"tokenizer: {tokenizer.vocab_size} tokens ({time.perf_counter() - start:.0f} s)")
    made_up = "\n".join(
        to_chat_text(d)
        for d in generate_dialogues(
            n_made_up,
            random_values=True,
            composed=True,
            value_chars=token_chars(tokenizer),
            reasons=reason_phrases(text) if s["sft"].get("reasons") else (),
        )
    )

    model = GPT(GPTConfig(vocab_size=tokenizer.vocab_size, **s["model"])).to(device)
    p = s["pretrain"]
    text_ids = torch.tensor(tokenizer.encode(text[:2_000_000], allowed_special="all"))
    text_train, text_val = train_val_split(text_ids)
    config = TrainConfig(
        max_steps=p["steps"],
        lr=p["lr"],
        min_lr=p["lr"] / 10,
        warmup_steps=100,
        schedule=s["schedule"],
        eval_every=p["steps"] // 3,
        eval_iters=10,
    )
    history = Trainer(
        model,
        RandomWindows(text_train, p["block_size"], p["batch_size"], seed=0, device=device),
        config,
        RandomWindows(text_val, p["block_size"], p["batch_size"], seed=1, device=device),
    ).fit()
    print(f"pretrain: val loss {history.val_loss[-1]:.3f} ({time.perf_counter() - start:.0f} s)")

    f = s["sft"]
    texts = train_dialogues.splitlines() + made_up.splitlines()
    val_texts = chat_corpus(500, seed=1, split="heldout").splitlines()
    max_len = model.config.block_size
    config = TrainConfig(
        max_steps=f["steps"],
        lr=f["lr"],
        min_lr=f["lr"] / 10,
        warmup_steps=100,
        schedule=s["schedule"],
        eval_every=f["steps"] // 5,
        eval_iters=10,
        ema_decay=f["ema"],
    )
    trainer = Trainer(
        model,
        SFTBatches(
            texts,
            tokenizer,
            max_len,
            f["batch_size"],
            seed=f.get("seed", 0),
            device=device,
            buckets=f["buckets"],
        ),  # "seed" orders the SFT batches
        config,
        SFTBatches(val_texts, tokenizer, max_len, f["batch_size"], seed=1, device=device),
    )
    history = trainer.fit()
    print(f"sft: held-out loss {history.val_loss[-1]:.3f} ({time.perf_counter() - start:.0f} s)")

    result = judge(model, tokenizer)
    print(
        f"judge: {result['pass_rate']:.1%} of {result['replies']} replies in "
        f"{result['dialogues']} held-out dialogues; by act {result['by_act']}"
    )
    last = None
    if f["ema"] is not None:  # the moving average is judged and saved; the last weights reported
        last = result
        trainer.use_ema()
        result = judge(model, tokenizer)
        print(
            f"judge (moving average of the weights): {result['pass_rate']:.1%}; "
            f"by act {result['by_act']}"
        )
    out = Path(args.out)
    trainer.save_model(out)
    tokenizer.save(out / "tokenizer.json")
    info = json.loads((out / "config.json").read_text(encoding="utf-8"))
    info.update(
        recipe=args.recipe,
        settings=s,
        seed=args.seed,
        threads=torch.get_num_threads(),
        judge=result,
        **({"judge_last_weights": last} if last is not None else {}),
        seconds=round(time.perf_counter() - start),
    )
    (out / "config.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(f"saved to {out} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
