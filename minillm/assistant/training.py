"""Training the assistant's two learned parts. The NLU in two stages, as BERT is trained: masked-LM
pretraining on everyday Chinese (reviews, chit-chat and the user turns), then joint fine-tuning of the
intent and tag heads on the labelled turns; the policy by Q-learning against the simulated shopper.
``python -m minillm.assistant.training --out minillm/pretrained/assistant-zh`` trains both, prints
their scores on held-out data and saves them.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from pathlib import Path

import torch
from torch.nn import functional as F

from minillm.assistant.nlu import (
    CLS,
    MASK,
    NLU,
    PAD,
    SEP,
    UNK,
    CharVocab,
    JointBert,
    NLUConfig,
    encode_pair,
)
from minillm.assistant.policy import success_rate, train_policy
from minillm.data.chatterbot import chatterbot_conversations
from minillm.data.corpus import load_corpus
from minillm.dialogue.nlu_examples import Example, nlu_examples
from minillm.models.bert import IGNORE_INDEX, mask_tokens
from minillm.utils import seed_everything

__all__ = ["evaluate", "train_nlu"]

# Most characters are outside any value: weighting the B-/I- tags up keeps the loss on the few
# characters that are values from being swamped by the many that are not.
VALUE_TAG_WEIGHT = 3.0


def _everyday_chinese() -> list[str]:
    """Reviews and chit-chat: the everyday Chinese the encoder is pretrained on."""
    chat = [u for c in chatterbot_conversations().values() for conv in c for u in conv]
    return load_corpus("chinese_reviews").splitlines() + chat


def _pad(rows: list[list[int]], value: int) -> torch.Tensor:
    width = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (width - len(r)) for r in rows])


def _joint_batch(examples: list[Example], vocab: CharVocab, config: NLUConfig):
    """(ids, segments, mask, intent labels, tag labels); tags are scored on the text only."""
    ids, segments, tags = [], [], []
    for e in examples:
        row, seg, offset = encode_pair(vocab, config, e.context, e.text)
        labels = [IGNORE_INDEX] * len(row)
        n = min(len(e.text), config.text_chars)
        labels[offset : offset + n] = [0] * n
        for slot, i, j in e.spans:
            if j <= n:
                labels[offset + i] = config.tags.index(f"B-{slot}")
                for k in range(i + 1, j):
                    labels[offset + k] = config.tags.index(f"I-{slot}")
        ids.append(row), segments.append(seg), tags.append(labels)
    ids = _pad(ids, PAD)
    intents = torch.tensor([config.intents.index(e.intent) for e in examples])
    return ids, _pad(segments, 0), (ids != PAD).long(), intents, _pad(tags, IGNORE_INDEX)


def _mlm_batch(texts: list[str], vocab: CharVocab, config: NLUConfig, generator):
    """Single sentences (their first ``text_chars`` characters), masked as BERT masks them."""
    width = config.text_chars
    ids = _pad([[CLS, *vocab.encode(t[:width]), SEP] for t in texts], PAD)
    masked, labels = mask_tokens(ids, len(vocab), MASK, (PAD, UNK, CLS, SEP), generator=generator)
    return masked, (ids != PAD).long(), labels


def _schedule(optimizer, step: int, steps: int, lr: float, warmup: int = 100) -> None:
    """Linear warm-up, then linear decay to zero, as BERT's fine-tuning does."""
    scale = min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup)))
    for group in optimizer.param_groups:
        group["lr"] = lr * scale


def _update(model, optimizer, loss) -> None:
    """One optimiser step on ``loss``, gradients clipped to norm 1."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()


def train_nlu(
    dialogues: int = 6000,
    pretrain_steps: int = 1200,
    finetune_steps: int = 2500,
    batch_size: int = 64,
    seed: int = 0,
    log=print,
    **config,
) -> tuple[NLU, list[Example]]:
    """(trained NLU, its held-out examples). Pretrains with masked LM, then fine-tunes jointly."""
    seed_everything(seed)
    rng = random.Random(seed)
    train = nlu_examples("train", dialogues, seed)
    heldout = nlu_examples("heldout", dialogues // 5, seed)
    everyday = _everyday_chinese()
    vocab = CharVocab.build(everyday + [e.context + e.text for e in train], min_count=3)
    cfg = NLUConfig(vocab_size=len(vocab), **config)
    model = JointBert(cfg)
    generator = torch.Generator().manual_seed(seed)
    texts = everyday + [e.text for e in train]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    start = time.time()
    model.train()
    for step in range(pretrain_steps):
        _schedule(optimizer, step, pretrain_steps, 1e-3)
        ids, mask, labels = _mlm_batch(rng.sample(texts, batch_size), vocab, cfg, generator)
        hidden = model.bert(ids, None, mask)[labels != IGNORE_INDEX]  # score masked ones only
        loss = F.cross_entropy(model.mlm_head(hidden), labels[labels != IGNORE_INDEX])
        _update(model, optimizer, loss)
        if step % 500 == 0 or step == pretrain_steps - 1:
            log(f"masked LM step {step}: loss {loss.item():.3f} ({time.time() - start:.0f} s)")
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)
    tag_weight = torch.full((len(cfg.tags),), VALUE_TAG_WEIGHT)
    tag_weight[cfg.tags.index("O")] = 1.0
    for step in range(finetune_steps):
        _schedule(optimizer, step, finetune_steps, 5e-4)
        ids, segments, mask, intents, tags = _joint_batch(rng.sample(train, batch_size), vocab, cfg)
        intent_logits, tag_logits = model(ids, segments, mask)
        loss = F.cross_entropy(intent_logits, intents) + F.cross_entropy(
            tag_logits.flatten(0, 1), tags.flatten(), weight=tag_weight
        )
        _update(model, optimizer, loss)
        if step % 500 == 0 or step == finetune_steps - 1:
            log(f"joint step {step}: loss {loss.item():.3f} ({time.time() - start:.0f} s)")
    return NLU(model, vocab), heldout


def evaluate(nlu: NLU, examples) -> dict:
    """Intent accuracy, slot precision/recall/F1 (a value counts when slot and text both match)
    and accuracy per intent, over examples with ``context``, ``text``, ``intent``, ``slots``."""
    right, per_intent = 0, Counter()
    seen, tp, fp, fn = Counter(), 0, 0, 0
    for e in examples:
        parse = nlu.parse(e.text, e.context)
        seen[e.intent] += 1
        if parse.intent == e.intent:
            right += 1
            per_intent[e.intent] += 1
        gold, got = set(e.slots.items()), set(parse.slots.items())
        tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {
        "intent_accuracy": right / max(1, len(examples)),
        "slot_precision": precision,
        "slot_recall": recall,
        "slot_f1": 2 * precision * recall / max(1e-9, precision + recall),
        "per_intent": {i: (per_intent[i], seen[i]) for i in sorted(seen)},
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Train the assistant's NLU and policy.")
    parser.add_argument("--out", default=None, help="folder to save nlu/ and policy.json in")
    parser.add_argument("--dialogues", type=int, default=6000)
    parser.add_argument("--pretrain-steps", type=int, default=1200)
    parser.add_argument("--finetune-steps", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    policy = train_policy(seed=args.seed)
    for noise in (0.0, 0.1, 0.2):
        print(f"policy, NLU noise {noise:.0%}: {success_rate(policy, noise)}")
    nlu, heldout = train_nlu(
        args.dialogues, args.pretrain_steps, args.finetune_steps, seed=args.seed
    )
    scores = evaluate(nlu, heldout)
    print({k: round(v, 4) for k, v in scores.items() if k != "per_intent"})
    for intent, (right, n) in scores["per_intent"].items():
        print(f"  {intent:24s} {right}/{n}")
    if args.out:
        nlu.save(Path(args.out) / "nlu")
        policy.save(Path(args.out) / "policy.json")


if __name__ == "__main__":
    main()
