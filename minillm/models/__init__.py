"""Neural language models, one architecture per module: rnn, gpt, seq2seq, bert (transformer: shared blocks)."""

from minillm.models.gpt import GPT, GPTConfig
from minillm.models.rnn import RNNLM

__all__ = ["GPT", "RNNLM", "GPTConfig"]
