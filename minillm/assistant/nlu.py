"""Natural-language understanding, learned: a BERT encoder reads the assistant's last message and the
user's reply as a sentence pair and predicts, jointly, the turn's intent (from [CLS]) and a BIO tag
per character of the reply (JointBERT, Chen et al. 2019). Slot values are spans of what the user
typed, copied character for character, never generated. An intent below ``threshold`` confidence
is read as out of domain: the assistant would rather admit it did not understand than guess.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_model, save_model
from torch import nn

from minillm.dialogue.schema import SLOTS, TURN_INTENTS
from minillm.models.bert import BertModel, MaskedLMHead
from minillm.models.checkpoint import check_weights, config_from, read_json

__all__ = ["NLU", "TAGS", "CharVocab", "JointBert", "NLUConfig", "Parse", "link"]

TAGS = ("O", *(f"{bio}-{slot}" for slot in SLOTS for bio in "BI"))
SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PAD, UNK, CLS, SEP, MASK = range(len(SPECIALS))


def normalise(char: str) -> str:
    """One character as the model sees it: full-width ASCII made half-width, letters lower case,
    every emoji and other symbol one and the same (👍 and 🙏 say much the same to a shop)."""
    if "\uff01" <= char <= "\uff5e":
        char = chr(ord(char) - 0xFEE0)
    if unicodedata.category(char) == "So":
        return "☺"
    return char.lower()


class CharVocab:
    """Characters to ids, one id per character so that tag i is character i of the text."""

    def __init__(self, chars):
        self.itos = list(SPECIALS) + [c for c in chars if c not in SPECIALS]
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def build(cls, texts, min_count: int = 2) -> CharVocab:
        """Every character that occurs at least ``min_count`` times, most frequent first."""
        counts: dict[str, int] = {}
        for text in texts:
            for char in text:
                counts[normalise(char)] = counts.get(normalise(char), 0) + 1
        kept = sorted((c for c, n in counts.items() if n >= min_count), key=lambda c: -counts[c])
        return cls(kept)

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        return [self.stoi.get(normalise(c), UNK) for c in text]


@dataclass
class NLUConfig:
    """The encoder's size and the text lengths it reads."""

    vocab_size: int
    d_model: int = 128
    nhead: int = 4
    num_layers: int = 2
    context_chars: int = 32  # the end of the assistant's last message
    text_chars: int = 64  # the user's message, read in windows of this many characters
    dropout: float = 0.1
    threshold: float = 0.5  # below this intent confidence a turn is out of domain
    intents: list[str] = field(default_factory=lambda: list(TURN_INTENTS))
    tags: list[str] = field(default_factory=lambda: list(TAGS))

    @property
    def max_len(self) -> int:
        return self.context_chars + self.text_chars + 3


class JointBert(nn.Module):
    """The encoder with two heads: intent logits from [CLS], tag logits at every position. The
    masked-LM head is kept for pretraining and shares the token embedding."""

    def __init__(self, config: NLUConfig):
        super().__init__()
        self.config = config
        d = config.d_model
        self.bert = BertModel(
            config.vocab_size, d, config.nhead, config.num_layers, config.max_len,
            dim_feedforward=4 * d, dropout=config.dropout,
        )  # fmt: skip
        self.mlm_head = MaskedLMHead(self.bert.token_embedding)
        self.intent_head = nn.Sequential(
            nn.Linear(d, d), nn.Tanh(), nn.Linear(d, len(config.intents))
        )
        self.tag_head = nn.Linear(d, len(config.tags))

    def forward(self, ids, segments, mask):
        """(intent logits (batch, intents), tag logits (batch, time, tags))."""
        hidden = self.bert(ids, segments, mask)
        return self.intent_head(hidden[:, 0]), self.tag_head(hidden)


@dataclass
class Parse:
    """What the NLU read in one user turn."""

    intent: str
    confidence: float
    slots: dict[str, str]  # slot -> value, exactly as typed
    scores: dict[str, float] = field(repr=False, default_factory=dict)
    spans: dict[str, tuple[int, int]] = field(repr=False, default_factory=dict)  # where each is


def link(parse: Parse, text: str, known: list[tuple[str, int, int]]) -> Parse:
    """``parse`` with every value the tagger found inside a value the shop knows (``known``:
    (slot, start, end) spans of ``text``) widened to that value and given its slot: the tagger
    says where a value is, the shop's tables say what it is ("西安" when "安" was tagged)."""
    slots: dict[str, str] = {}
    spans: dict[str, tuple[int, int]] = {}
    for slot, value in parse.slots.items():
        if slot not in parse.spans:  # a value with no place in the text is kept as it is
            slots.setdefault(slot, value)
            continue
        i, j = parse.spans[slot]
        slot, i, j = next(((s, a, b) for s, a, b in known if a < j and i < b), (slot, i, j))
        if slot not in slots:
            slots[slot], spans[slot] = text[i:j], (i, j)
    return Parse(parse.intent, parse.confidence, slots, parse.scores, spans)


def encode_pair(vocab: CharVocab, config: NLUConfig, context: str, text: str):
    """[CLS] context [SEP] text [SEP] as (ids, segments, offset of the text's first character)."""
    c = vocab.encode(context[-config.context_chars :]) if context else []
    t = vocab.encode(text[: config.text_chars])
    ids = [CLS, *c, SEP, *t, SEP]
    segments = [0] * (len(c) + 2) + [1] * (len(t) + 1)
    return ids, segments, len(c) + 2


def decode_tags(text: str, tags: list[str]) -> list[tuple[str, int, int]]:
    """Spans (slot, start, end) from one BIO tag per character; an I- without its B- starts a span."""
    spans: list[list] = []
    for i, tag in enumerate(tags):
        if tag == "O":
            continue
        bio, slot = tag.split("-", 1)
        if bio == "I" and spans and spans[-1][0] == slot and spans[-1][2] == i:
            spans[-1][2] = i + 1
        else:
            spans.append([slot, i, i + 1])
    return [(slot, i, j) for slot, i, j in spans]


class NLU:
    """A trained ``JointBert`` with its vocabulary: ``parse(text, context)`` -> ``Parse``."""

    def __init__(self, model: JointBert, vocab: CharVocab):
        self.model, self.vocab, self.config = model.eval(), vocab, model.config

    @torch.no_grad()
    def parse(self, text: str, context: str = "") -> Parse:
        """Intent, confidence and slot values of the user's ``text`` after the assistant's
        ``context``. A text longer than one window is read window by window: the intent of the
        most confident window that is not out of domain, each slot's first value."""
        if not isinstance(text, str) or not isinstance(context, str):
            raise TypeError("text and context must be str")
        n, step = self.config.text_chars, self.config.text_chars * 3 // 4
        starts = range(0, max(len(text) - n, 0) + step, step) if len(text) > n else [0]
        pieces = [(s, text[s : s + n]) for s in starts]
        batch = [encode_pair(self.vocab, self.config, context, piece) for _, piece in pieces]
        width = max(len(ids) for ids, _, _ in batch)
        ids = torch.tensor([b[0] + [PAD] * (width - len(b[0])) for b in batch])
        segments = torch.tensor([b[1] + [0] * (width - len(b[1])) for b in batch])
        intent_logits, tag_logits = self.model(ids, segments, (ids != PAD).long())
        probs = intent_logits.softmax(-1)
        ood = self.config.intents.index("out_of_domain")
        best = max(range(len(pieces)), key=lambda k: (probs[k].argmax() != ood, probs[k].max()))
        confidence, label = probs[best].max(-1)
        intent = self.config.intents[int(label)]
        if float(confidence) < self.config.threshold:
            intent = "out_of_domain"
        slots: dict[str, str] = {}
        spans: dict[str, tuple[int, int]] = {}
        sure, tags = tag_logits.softmax(-1).max(-1)
        for (start, piece), (_, _, offset), row, p in zip(pieces, batch, tags, sure):
            names = [self.config.tags[t] for t in row[offset : offset + len(piece)].tolist()]
            for slot, i, j in decode_tags(piece, names):
                if p[offset + i : offset + j].min() >= self.config.threshold and slot not in slots:
                    slots[slot] = text[start + i : start + j]  # a sure span only
                    spans[slot] = (start + i, start + j)
        scores = dict(zip(self.config.intents, probs[best].tolist()))
        return Parse(intent, float(confidence), slots, scores, spans)

    def save(self, folder) -> None:
        """config.json, vocab.json and model.safetensors in ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(
            json.dumps({"nlu_config": asdict(self.config)}, ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
        (folder / "vocab.json").write_text(
            json.dumps(self.vocab.itos[len(SPECIALS) :], ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        save_model(self.model, str(folder / "model.safetensors"))

    @classmethod
    def load(cls, folder) -> NLU:
        """The NLU saved in ``folder``; config, vocabulary and weights are checked against each
        other before any weight is allocated, and a bad file is a ValueError naming it."""
        folder = Path(folder)
        config = config_from(folder / "config.json", "nlu_config", NLUConfig)
        chars = read_json(folder / "vocab.json", kind=object)
        if not isinstance(chars, list) or not all(
            isinstance(c, str) and len(c) == 1 for c in chars
        ):
            raise ValueError(f"{folder / 'vocab.json'} must hold a JSON list of single characters")
        vocab = CharVocab(chars)
        if len(vocab) != config.vocab_size:
            raise ValueError(
                f"{folder / 'vocab.json'} holds {len(vocab)} tokens, the config {config.vocab_size}"
            )
        weights = folder / "model.safetensors"
        with torch.device("meta"):
            check_weights(weights, JointBert(config))
        model = JointBert(config)
        try:
            load_model(model, str(weights))
        except (SafetensorError, RuntimeError) as err:
            raise ValueError(f"{weights} could not be loaded: {err}") from None
        return cls(model, vocab)
