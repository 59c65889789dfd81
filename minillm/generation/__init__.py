"""Decoding: greedy, beam search, sampling (temperature, top-k, top-p), repetition penalty, stop
rules, streaming text and KV-cached steps, for GPT, RNNLM and Seq2SeqTransformer alike."""

from minillm.generation.beam import BeamResult, beam_search
from minillm.generation.config import GenerationConfig
from minillm.generation.decode import generate, iter_next_tokens, prepare_prompts
from minillm.generation.processors import (
    LogitsProcessor,
    RepetitionPenalty,
    Temperature,
    TopK,
    TopP,
    apply_processors,
    build_processors,
)
from minillm.generation.steppers import GPTStepper, RNNStepper, Seq2SeqStepper, stepper_for
from minillm.generation.streaming import stream

__all__ = [
    "BeamResult",
    "GPTStepper",
    "GenerationConfig",
    "LogitsProcessor",
    "RNNStepper",
    "RepetitionPenalty",
    "Seq2SeqStepper",
    "Temperature",
    "TopK",
    "TopP",
    "apply_processors",
    "beam_search",
    "build_processors",
    "generate",
    "iter_next_tokens",
    "prepare_prompts",
    "stepper_for",
    "stream",
]
