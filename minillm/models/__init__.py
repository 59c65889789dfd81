"""Neural language models: each module holds one architecture (``rnn`` now; the Transformer follows)."""

from minillm.models.rnn import RNNLM

__all__ = ["RNNLM"]
