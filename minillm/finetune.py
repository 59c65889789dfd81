"""Fine-tuning a pretrained GPT to chat, and the two ways of steering it without training.

Supervised fine-tuning (SFT) trains on chat-template text but scores only the assistant's tokens:
the user's words are context, not something the model should learn to say. Prompt learning puts a
system prompt (a persona, rules) before the dialogue; in-context learning puts worked examples
there. Both change what the model does through its input alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from minillm.chat_template import ASSISTANT_TOKEN, END_TOKEN, SYSTEM_TOKEN, USER_TOKEN
from minillm.tokenizers import Tokenizer
from minillm.tokenizers.base import PAD_TOKEN

IGNORE = -100  # label of a position that is left out of the loss
MARKUP = (SYSTEM_TOKEN, USER_TOKEN, ASSISTANT_TOKEN, END_TOKEN, PAD_TOKEN)


def special_id(tokenizer: Tokenizer, token: str) -> int:
    """The id of special token ``token``; a ValueError says the tokenizer lacks it."""
    if token not in tokenizer.special_tokens:
        raise ValueError(
            f"the tokenizer has no special token {token!r}; train it with "
            f"special_tokens including {token!r} (minillm.tokenizers.SPECIAL_TOKENS)"
        )
    return tokenizer.special_tokens[token]


def assistant_mask(ids: Sequence[int], tokenizer: Tokenizer) -> list[bool]:
    """True for every token the assistant writes: the reply after ``<|assistant|>`` and its ``<|end|>``."""
    assistant, end = special_id(tokenizer, ASSISTANT_TOKEN), special_id(tokenizer, END_TOKEN)
    mask, inside = [], False
    for token in ids:
        mask.append(inside)
        if token == assistant:
            inside = True
        elif token == end:
            inside = False
    return mask


def sft_example(text: str, tokenizer: Tokenizer, max_len: int) -> tuple[list[int], list[int]]:
    """(inputs, labels) for one chat-template dialogue: labels are the next tokens where the next
    token is the assistant's, IGNORE elsewhere. Longer dialogues keep their first ``max_len`` + 1."""
    ids = tokenizer.encode(text, allowed_special="all")[: max_len + 1]
    if len(ids) < 2:
        raise ValueError(f"a dialogue must have at least 2 tokens, got {len(ids)}: {text!r}")
    scored = assistant_mask(ids, tokenizer)
    labels = [token if keep else IGNORE for token, keep in zip(ids[1:], scored[1:])]
    return ids[:-1], labels


class SFTBatches:
    """Endless random batches of SFT examples, right-padded to the longest in the batch.

    Like ``RandomWindows`` it draws from its own generator and can be saved and resumed, so the
    ``Trainer`` uses it unchanged; padded positions have label IGNORE. With ``buckets`` = k > 1 it
    draws k batches' worth of examples at once, sorts them by length and hands out the k batches
    in random order: each example is still drawn uniformly, but a batch holds examples of similar
    length, so far fewer padded positions are computed.
    """

    def __init__(
        self,
        texts: Sequence[str],
        tokenizer: Tokenizer,
        max_len: int,
        batch_size: int,
        seed: int = 0,
        device=None,
        buckets: int = 1,
    ):
        if not texts:
            raise ValueError("texts is empty: give at least one chat-template dialogue")
        if not isinstance(buckets, int) or isinstance(buckets, bool) or buckets < 1:
            raise ValueError(f"buckets must be an int >= 1, got {buckets!r}")
        self.examples = [sft_example(t, tokenizer, max_len) for t in texts]
        self.pad_id = tokenizer.special_tokens.get(PAD_TOKEN, 0)
        self.batch_size, self.device, self.buckets = batch_size, device, buckets
        self.generator = torch.Generator().manual_seed(seed)
        self.pending: list[list[int]] = []  # drawn batches not handed out yet (buckets > 1)

    def _picks(self) -> list[int]:
        """Indices of the next batch's examples."""
        if self.buckets == 1:
            return torch.randint(
                len(self.examples), (self.batch_size,), generator=self.generator
            ).tolist()
        if not self.pending:
            n = self.batch_size * self.buckets
            drawn = torch.randint(len(self.examples), (n,), generator=self.generator).tolist()
            drawn.sort(key=lambda i: len(self.examples[i][0]))
            order = torch.randperm(self.buckets, generator=self.generator).tolist()
            self.pending = [drawn[k * self.batch_size : (k + 1) * self.batch_size] for k in order]
        return self.pending.pop()

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        chosen = [self.examples[i] for i in self._picks()]
        width = max(len(x) for x, _ in chosen)
        x = torch.full((len(chosen), width), self.pad_id, dtype=torch.long)
        y = torch.full((len(chosen), width), IGNORE, dtype=torch.long)
        for row, (ids, labels) in enumerate(chosen):
            x[row, : len(ids)] = torch.tensor(ids)
            y[row, : len(labels)] = torch.tensor(labels)
        if self.device is not None:
            x, y = x.to(self.device), y.to(self.device)
        return x, y

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "pending": [list(b) for b in self.pending]}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.pending = [list(b) for b in state.get("pending", [])]


def strip_markup(text: str) -> str:
    """``text`` without chat markup, so that typed "<|end|>" cannot end a message early.

    Dropping a token can join its neighbours into another ("<|<|end|>end|>"), so characters go on a
    stack and a token completed at its top is dropped at once: one pass, however deep the nesting.
    """
    out: list[str] = []
    for char in text:
        out.append(char)
        if char == ">" and out[-2:-1] == ["|"]:  # every token ends with "|>"
            for token in MARKUP:
                if "".join(out[-len(token) :]) == token:
                    del out[-len(token) :]
                    break
    return "".join(out)


def chat_prompt(
    messages: Sequence[tuple[str, str]],
    system: str | None = None,
    examples: Sequence[Sequence[tuple[str, str]]] = (),
) -> str:
    """Chat-template text that ends with ``<|assistant|>``, ready for the model to reply.

    ``messages`` are (role, text) pairs with role "user" or "assistant"; ``system`` is the prompt
    (persona, rules) placed first; ``examples`` are earlier example dialogues shown before this
    one, the few shots of in-context learning.
    """
    tokens = {"user": USER_TOKEN, "assistant": ASSISTANT_TOKEN}
    parts = [f"{SYSTEM_TOKEN}{strip_markup(system)}{END_TOKEN}"] if system else []
    for dialogue in [*examples, messages]:
        for role, text in dialogue:
            if role not in tokens:
                raise ValueError(f"role must be 'user' or 'assistant', got {role!r}")
            parts.append(f"{tokens[role]}{strip_markup(text)}{END_TOKEN}")
    return "".join(parts) + ASSISTANT_TOKEN
