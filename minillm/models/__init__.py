"""Neural language models, one architecture per module: rnn, gpt, seq2seq, bert (transformer: shared blocks; rope: rotary positions)."""

from minillm.models.bert import (
    BertForPretraining,
    BertModel,
    MaskedLMHead,
    NextSentenceHead,
    make_nsp_pairs,
    mask_tokens,
)
from minillm.models.gpt import GPT, GPTConfig
from minillm.models.rnn import RNNLM
from minillm.models.rope import apply_rope, rope_tables
from minillm.models.seq2seq import (
    Decoder,
    DecoderLayer,
    Encoder,
    EncoderLayer,
    PositionalEncoding,
    Seq2SeqTransformer,
    create_masks,
    create_src_mask,
    create_tgt_mask,
    greedy_decode,
)

__all__ = [
    "GPT",
    "RNNLM",
    "BertForPretraining",
    "BertModel",
    "Decoder",
    "DecoderLayer",
    "Encoder",
    "EncoderLayer",
    "GPTConfig",
    "MaskedLMHead",
    "NextSentenceHead",
    "PositionalEncoding",
    "Seq2SeqTransformer",
    "apply_rope",
    "create_masks",
    "create_src_mask",
    "create_tgt_mask",
    "greedy_decode",
    "make_nsp_pairs",
    "mask_tokens",
    "rope_tables",
]
