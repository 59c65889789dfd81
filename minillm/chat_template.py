"""The chat template, at the bottom of the chat stack: the markup tokens that wrap each message
(``<|user|>你好<|end|>``) and the parser that reads a dialogue's text back into messages. Tokenizers,
fine-tuning, the chat and the synthetic dialogues all take them from here."""

from __future__ import annotations

import re

__all__ = ["ASSISTANT_TOKEN", "END_TOKEN", "SYSTEM_TOKEN", "USER_TOKEN", "parse_chat_text"]

SYSTEM_TOKEN = "<|system|>"
USER_TOKEN = "<|user|>"
ASSISTANT_TOKEN = "<|assistant|>"
END_TOKEN = "<|end|>"

_MESSAGE_RE = re.compile(r"<\|(system|user|assistant)\|>(.*?)<\|end\|>", re.DOTALL)


def parse_chat_text(text: str) -> list[tuple[str, str]]:
    """Split one dialogue's chat text back into (role, text) messages; ValueError if malformed."""
    messages, position = [], 0
    for match in _MESSAGE_RE.finditer(text):
        if match.start() != position:
            break
        messages.append((match.group(1), match.group(2)))
        position = match.end()
    if position != len(text):
        raise ValueError(f"text is not a sequence of chat messages from position {position}")
    return messages
