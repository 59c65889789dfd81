"""Tokenizers: text -> ids -> text. A character tokenizer and a byte-level BPE, one small base class."""

from minillm.tokenizers.base import SPECIAL_TOKENS, Tokenizer
from minillm.tokenizers.bpe import BPETokenizer
from minillm.tokenizers.char import CharTokenizer

__all__ = ["SPECIAL_TOKENS", "BPETokenizer", "CharTokenizer", "Tokenizer"]
