"""A multi-turn chat with a GPT: dialogue state, memory that fits the context window, streaming
replies, and feedback that changes how later replies are decoded.

The model sees the chat template: an optional ``<|system|>`` message, then the most recent turns
that fit in its context. Turns that no longer fit are dropped, but the facts the user stated in
them (name, order id, city …) stay in a small memory that is written into the system message, so
the model can still use them. Any string is accepted; input the model cannot use gets a clear
message instead of an exception.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from minillm.chat_template import ASSISTANT_TOKEN, END_TOKEN, SYSTEM_TOKEN, USER_TOKEN
from minillm.finetune import chat_prompt, strip_markup
from minillm.generation import GenerationConfig, generate
from minillm.generation import stream as stream_tokens
from minillm.privacy import mask, redact

MAX_INPUT_CHARS = 500  # longer messages are cut: the tail would not fit the model's context anyway
MAX_RAW_CHARS = 20 * MAX_INPUT_CHARS  # what is read of a message, so that cleaning stays fast
# A terminal's escape sequences (colours, cursor keys such as "\x1b[D", window titles): dropped whole,
# not just their ESC.
ANSI_ESCAPE = re.compile(r"\x1b(?:\][^\x07\x1b]*(?:\x07|\x1b\\)|\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
EMPTY_MESSAGE = "请输入您的问题，例如：我的快递到哪了？"
NOT_UNDERSTOOD = "抱歉，我没有理解您的意思，可以换个说法吗？"

# Decoding strategies the session can choose between; feedback decides which it prefers.
STRATEGIES = {
    "greedy": {},
    "beam": {"num_beams": 3},
    "sample": {"do_sample": True, "temperature": 0.7, "top_p": 0.9},
}

# Facts worth remembering across dropped turns: (name, pattern whose group 1 is the value).
FACT_PATTERNS = (
    ("姓名", re.compile(r"我(?:叫|的名字是|姓)([\u4e00-\u9fa5A-Za-z]{1,8}?)(?:[，。,.!！ ]|$)")),
    ("订单号", re.compile(r"(?<![0-9])([0-9]{10})(?![0-9])")),
    ("手机号", re.compile(r"(?<![0-9])(1[0-9]{10})(?![0-9])")),
)


def clean_input(text, max_chars: int = MAX_INPUT_CHARS) -> str:
    """User text made safe for the template: terminal escape sequences, control characters, chat
    markup and extra whitespace removed, at most ``max_chars`` characters. Non-strings become ""."""
    if not isinstance(text, str):
        return ""
    text = ANSI_ESCAPE.sub("", text[:MAX_RAW_CHARS])
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = text.encode("utf-8", errors="replace").decode("utf-8")  # lone surrogates
    text = text.translate(FULL_WIDTH_DIGITS)  # ３１４１ typed with a Chinese input method: 3141
    return " ".join(strip_markup(text).split())[:max_chars]


def extract_facts(text: str) -> dict[str, str]:
    """Facts stated in one user message, e.g. {"订单号": "1234567890"}."""
    return {name: m.group(1) for name, pattern in FACT_PATTERNS if (m := pattern.search(text))}


@dataclass
class Turn:
    """One message of the session; assistant turns record how they were decoded and their rating."""

    role: str
    text: str
    strategy: str | None = None
    rating: int = 0


@dataclass
class ChatSession:
    """A conversation with ``model`` (a GPT trained on the chat template) through ``tokenizer``.

    ``send(text)`` returns the reply, ``stream(text)`` yields it piece by piece; ``rate(i, ±1)``
    scores assistant turn ``i``, and later replies use the strategy with the best score;
    ``reset()`` starts a new conversation (the learned preferences stay). ``max_messages`` keeps
    only the newest messages in the prompt, as a small model trained on short dialogues needs.
    With ``redact_pii`` personal data never enters the history or the prompt (``minillm.privacy``)
    and the fact memory keeps a phone number masked.
    """

    model: torch.nn.Module
    tokenizer: object
    system: str | None = None
    max_new_tokens: int = 80
    strategy: str = "greedy"
    seed: int = 0
    max_messages: int | None = None  # newest messages in the prompt at most (None: all that fit)
    # replace phone, ID and card numbers and e-mails before the model sees them
    redact_pii: bool = False
    options: dict = field(
        default_factory=dict
    )  # overrides, e.g. {"temperature": 0.9, "num_beams": 4}
    turns: list[Turn] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    scores: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STRATEGIES, 0))

    def __post_init__(self):
        if self.max_messages is not None and (
            not isinstance(self.max_messages, int) or self.max_messages < 1
        ):
            raise ValueError(f"max_messages must be None or an int ≥ 1, got {self.max_messages!r}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {sorted(STRATEGIES)}, got {self.strategy!r}")
        specials = self.tokenizer.special_tokens
        if END_TOKEN not in specials:
            raise ValueError(
                f"the tokenizer has no {END_TOKEN} token: not a chat model's tokenizer"
            )
        markers = (END_TOKEN, USER_TOKEN, ASSISTANT_TOKEN, SYSTEM_TOKEN)
        self.stop_ids = [specials[m] for m in markers if m in specials]
        self.generator = torch.Generator().manual_seed(self.seed)
        self.last_prompt: list[int] = []  # the token ids the model saw for the latest reply

    # -- state ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the conversation and the facts; keep the strategy scores."""
        self.turns.clear()
        self.facts.clear()

    def rate(self, turn: int, score: int) -> None:
        """Rate assistant turn ``turn`` (an index into ``turns``, negative counts from the end)
        with +1 or -1; the strategy that produced it gains or loses that much."""
        if score not in (1, -1):
            raise ValueError(f"score must be +1 or -1, got {score!r}")
        if not -len(self.turns) <= turn < len(self.turns) or self.turns[turn].role != "assistant":
            raise ValueError(f"turn {turn} is not an assistant turn of this session")
        target = self.turns[turn]
        self.scores[target.strategy] += score - target.rating
        target.rating = score
        best = max(self.scores.values())
        if self.scores[self.strategy] < best:  # switch to the best-liked strategy
            self.strategy = max(STRATEGIES, key=lambda s: (self.scores[s], s == self.strategy))

    def settings(self) -> GenerationConfig:
        """The decoding settings of the session's current strategy."""
        chosen = STRATEGIES[self.strategy]
        # an override applies where the strategy uses that setting (beams for beam search, …)
        overrides = {k: v for k, v in self.options.items() if k in chosen}
        return GenerationConfig(
            max_new_tokens=self.max_new_tokens,
            eos_token_id=self.stop_ids,  # <|end|>, or the start of a new message
            **{**chosen, **overrides},
        )

    # -- prompt ----------------------------------------------------------------------------------
    def prompt_ids(self) -> list[int]:
        """Token ids of the prompt: system message with remembered facts, then the newest turns
        that fit in the context with room left for the reply (at most ``max_messages``)."""
        budget = self.model.config.block_size - self.max_new_tokens
        messages = [(t.role, t.text) for t in self.turns][-(self.max_messages or len(self.turns)) :]
        while len(messages) > 1 and messages[0][0] == "assistant":  # start with the user
            messages = messages[1:]
        # A message takes at least two tokens (its role and <|end|>), so no more than budget / 2 of
        # them fit: older pairs go at once, and a turn costs the same at turn 5 and turn 500.
        messages = messages[max(0, len(messages) - budget // 2) // 2 * 2 :]
        # Special tokens cut the template into pieces that are encoded on their own: encode each
        # message once, then add up lengths while dropping the oldest question and answer.
        encode = functools.partial(self.tokenizer.encode, allowed_special="all")  # the markup
        pieces = [encode(chat_prompt([m]).removesuffix(ASSISTANT_TOKEN)) for m in messages]
        # the system message (with the facts once a turn is left out) and <|assistant|>
        heads = {r: encode(chat_prompt([], system=self._system_message(r))) for r in (False, True)}
        while True:
            head = heads[len(pieces) < len(self.turns)]
            if len(head) + sum(map(len, pieces)) <= budget or not pieces:
                return (head[:-1] + [i for piece in pieces for i in piece] + head[-1:])[-budget:]
            if len(pieces) == 1:  # one message over the budget: keep its markers and its end
                head = heads[True]
                (role, *text, end), room = pieces[0], max(0, budget - len(head) - 2)
                return [*head[:-1], role, *text[len(text) - room :], end, head[-1]][-budget:]
            pieces = pieces[2:] if len(pieces) > 2 else pieces[1:]

    def _system_message(self, remember: bool) -> str | None:
        parts = [self.system] if self.system else []
        if remember and self.facts:
            parts.append("已知：" + "；".join(f"{k}{v}" for k, v in self.facts.items()))
        return "。".join(parts) or None

    # -- talking ---------------------------------------------------------------------------------
    def send(self, text) -> str:
        """Add the user's message and return the assistant's reply."""
        return "".join(self.stream(text))

    def stream(self, text) -> Iterator[str]:
        """Add the user's message and yield the reply piece by piece as it is generated."""
        whole = clean_input(text, MAX_RAW_CHARS)  # in a long paste, facts may follow the cut
        message = whole[:MAX_INPUT_CHARS]
        if not message:
            yield EMPTY_MESSAGE
            return
        facts = extract_facts(whole)
        if self.redact_pii:
            facts = {k: mask(v) if k == "手机号" else v for k, v in facts.items()}
            message = redact(message).text
        self.facts.update(facts)
        self.turns.append(Turn("user", message))
        config = self.settings()
        self.last_prompt = self.prompt_ids()
        pieces = []
        if config.num_beams > 1:  # beam search finishes before it can show anything
            pieces.append(self._beam_reply(config))
            yield pieces[-1]
        else:
            for piece in stream_tokens(
                self.model, self.tokenizer, self.last_prompt, config, generator=self.generator
            ):
                pieces.append(piece)
                yield piece
        reply = "".join(pieces).strip()
        if not reply:
            reply = NOT_UNDERSTOOD
            yield reply
        self.turns.append(Turn("assistant", reply, strategy=self.strategy))

    def _beam_reply(self, config: GenerationConfig) -> str:
        ids = self.last_prompt
        out = generate(self.model, [ids], config=config)[0, len(ids) :].tolist()
        return self.tokenizer.decode([t for t in out if t not in self.stop_ids])
