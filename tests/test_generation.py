"""Decoding against HF ``generate`` (greedy, repetition penalty, beam search, seeded sampling),
KV cache against no cache, padded batches against one prompt at a time, streaming, bad input."""

from __future__ import annotations

import itertools

import pytest
import torch

from minillm.generation import (
    GenerationConfig,
    LogitsProcessor,
    RepetitionPenalty,
    Temperature,
    TopK,
    TopP,
    beam_search,
    build_processors,
    generate,
    stepper_for,
    stream,
)
from minillm.models import GPT, RNNLM, GPTConfig, Seq2SeqTransformer, greedy_decode
from minillm.tokenizers import BPETokenizer

transformers = pytest.importorskip("transformers")

VOCAB = 23


def hf_pair(seed: int, n_layer=2, n_head=2, n_embd=16, n_positions=64):
    """A random tiny HF GPT-2 and the same weights as our GPT."""
    from minillm.interop import hf_to_gpt

    torch.manual_seed(seed)
    config = transformers.GPT2Config(
        vocab_size=VOCAB,
        n_positions=n_positions,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=0,
        eos_token_id=None,
    )
    hf = transformers.GPT2LMHeadModel(config).eval()
    with torch.no_grad():  # a peakier distribution than the init's, so beams and EOS matter
        hf.lm_head.weight.mul_(8.0)
    return hf, hf_to_gpt(hf).eval()


PROMPT = torch.tensor([[3, 7, 1, 9]])


def hf_generate(hf, **kwargs):
    kwargs.setdefault("pad_token_id", 0)
    kwargs.setdefault("eos_token_id", None)
    return hf.generate(PROMPT, attention_mask=torch.ones_like(PROMPT), **kwargs)


@pytest.mark.parametrize("seed", [0, 1])
def test_greedy_and_repetition_penalty_equal_hf(seed):
    hf, ours = hf_pair(seed)
    for penalty in (1.0, 1.3, 0.8):
        expected = hf_generate(hf, max_new_tokens=24, do_sample=False, repetition_penalty=penalty)
        got = generate(ours, PROMPT, max_new_tokens=24, repetition_penalty=penalty)
        assert torch.equal(got, expected), penalty


@pytest.mark.parametrize("seed", [0, 1])
def test_beam_search_equals_hf(seed):
    hf, ours = hf_pair(seed, n_layer=1 + seed)
    eos_id = generate(ours, PROMPT, max_new_tokens=3)[0, -1].item()  # a token beams will meet
    ended_with_eos = 0
    settings = itertools.product(
        [2, 4], [1.0, 0.0, 2.0, -0.5], [False, True, "never"], [None, eos_id]
    )
    for num_beams, length_penalty, early_stopping, eos in settings:
        for returned in sorted({1, num_beams}):
            kwargs = dict(
                max_new_tokens=10,
                num_beams=num_beams,
                length_penalty=length_penalty,
                early_stopping=early_stopping,
                num_return_sequences=returned,
                eos_token_id=eos,
                pad_token_id=VOCAB - 1,  # not 0: HF pads beams with EOS when pad_token_id is 0
            )
            expected = hf_generate(hf, do_sample=False, **kwargs)
            got = generate(ours, PROMPT, **kwargs)
            assert torch.equal(got, expected), kwargs
            ended_with_eos += int((got[:, PROMPT.size(1) :] == eos).any()) if eos else 0
    assert ended_with_eos >= 10  # EOS did end hypotheses, so its handling was exercised


@pytest.mark.parametrize(
    "temperature, top_k, top_p",
    [(1.0, 0, 1.0), (0.7, 0, 1.0), (1.5, 5, 1.0), (1.0, 0, 0.8), (0.9, 8, 0.6), (1.0, 0, 0.3)],
)
def test_seeded_sampling_equals_hf(temperature, top_k, top_p):
    hf, ours = hf_pair(2)
    sampling = dict(max_new_tokens=30, do_sample=True, temperature=temperature, top_k=top_k)
    sampling["top_p"] = top_p
    for seed in range(3):
        torch.manual_seed(seed)
        expected = hf_generate(hf, **sampling)
        torch.manual_seed(seed)
        assert torch.equal(generate(ours, PROMPT, **sampling), expected), seed
        generator = torch.Generator().manual_seed(seed)
        again = generate(ours, PROMPT, generator=generator, **sampling)
        assert torch.equal(again, expected)  # a generator seeded alike draws alike


def test_top_p_keeps_the_smallest_set_with_enough_mass():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    for p, kept in [(0.5, 1), (0.51, 2), (0.8, 2), (0.81, 3), (1.0, 4)]:
        scores = TopP(p)(None, probs.log())
        assert torch.isfinite(scores).sum().item() == kept, p
    assert torch.isfinite(TopP(0.1, min_tokens_to_keep=3)(None, probs.log())).sum().item() == 3


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Temperature(0.0), r"temperature must be > 0"),
        (lambda: Temperature(-1), r"temperature must be > 0"),
        (lambda: TopK(0), r"top_k must be an int >= 1"),
        (lambda: TopK(2.5), r"top_k must be an int >= 1"),
        (lambda: TopK(3, min_tokens_to_keep=0), r"min_tokens_to_keep must be an int >= 1"),
        (lambda: TopP(0.0), r"top_p must be in \(0, 1\]"),
        (lambda: TopP(1.01), r"top_p must be in \(0, 1\]"),
        (lambda: TopP(0.5, min_tokens_to_keep=0), r"min_tokens_to_keep must be an int >= 1"),
        (lambda: RepetitionPenalty(0), r"repetition_penalty must be > 0"),
    ],
)
def test_processors_check_their_own_settings(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_processors_are_one_chain_in_hf_order():
    config = GenerationConfig(
        do_sample=True, temperature=0.5, top_k=3, top_p=0.9, repetition_penalty=1.2
    )
    chain = build_processors(config)
    assert [type(p) for p in chain] == [RepetitionPenalty, Temperature, TopK, TopP]
    assert all(isinstance(p, LogitsProcessor) for p in chain)
    assert build_processors(GenerationConfig(do_sample=True, top_k=0)) == []  # 0: top-k off


def _gpt(block_size=16, seed=0):
    torch.manual_seed(seed)
    model = GPT(GPTConfig(VOCAB, block_size, n_layer=2, n_head=2, n_embd=16)).eval()
    with torch.no_grad():
        model.wte.weight.mul_(20.0)  # peaky, so repeated argmaxes are not near-ties
    return model


@pytest.mark.parametrize("sample", [False, True])
def test_cache_static_cache_and_no_cache_give_the_same_tokens(sample):
    model = _gpt()
    kwargs = dict(max_new_tokens=45, do_sample=sample)  # 4 + 45 > block_size 16: the window slides
    outputs = []
    for use_cache, static in [(False, False), (True, False), (True, True)]:
        generator = torch.Generator().manual_seed(3)
        outputs.append(
            generate(
                model,
                PROMPT,
                use_cache=use_cache,
                static_cache=static,
                generator=generator,
                **kwargs,
            )
        )
    assert outputs[0].shape == (1, 49)
    assert torch.equal(outputs[0], outputs[1]) and torch.equal(outputs[0], outputs[2])


def test_sliding_window_rereads_the_last_half_of_the_context():
    model = _gpt(block_size=8)
    stepper = stepper_for(model, use_cache=True)
    stepper.start(torch.tensor([[1, 2, 3, 4, 5, 6, 7]]), None)
    stepper.advance(torch.tensor([8]))
    assert stepper.offset == 0 and stepper.cache.length == 8
    stepper.advance(torch.tensor([9]))  # 9 tokens > 8: keep the last 4, re-read them
    assert stepper.offset == 5 and stepper.cache.length == 4


@pytest.mark.parametrize("num_beams", [1, 3])
def test_padded_batch_equals_one_prompt_at_a_time(num_beams):
    model = _gpt(block_size=32)
    prompts = [[3, 7, 1, 9, 2], [4], [8, 8, 2]]
    kwargs = dict(max_new_tokens=8, num_beams=num_beams, pad_token_id=0, eos_token_id=None)
    batch = generate(model, prompts, **kwargs)
    for row, prompt in zip(batch.tolist(), prompts):
        alone = generate(model, [prompt], **kwargs)[0].tolist()
        if num_beams == 1:  # left-padded rows
            row = row[5 - len(prompt) :]
        assert row[: len(alone)] == alone


def test_batch_with_padding_matches_hf():
    hf, ours = hf_pair(3)
    ids = torch.tensor([[0, 0, 3, 7], [5, 1, 2, 6]])
    mask = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    expected = hf.generate(
        ids, attention_mask=mask, max_new_tokens=12, do_sample=False, pad_token_id=0
    )
    assert torch.equal(generate(ours, ids, attention_mask=mask, max_new_tokens=12), expected)


def test_eos_pads_finished_rows_and_stops():
    model = _gpt()
    first = generate(model, PROMPT, max_new_tokens=3)[0, 4].item()
    out = generate(
        model, [[3, 7, 1, 9], [2, 2, 2, 2]], max_new_tokens=30, eos_token_id=first, pad_token_id=0
    )
    assert out[0, 4].item() == first and (out[0, 5:] == 0).all()


def test_rnn_and_seq2seq_use_the_same_decoders():
    torch.manual_seed(0)
    rnn = RNNLM(VOCAB, 8, 16).eval()
    out = generate(rnn, PROMPT, max_new_tokens=6)
    ids = PROMPT
    for _ in range(6):  # greedy by hand
        ids = torch.cat([ids, rnn(ids)[0][:, -1].argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(out, ids)
    assert generate(rnn, PROMPT, max_new_tokens=6, num_beams=3).shape[0] == 1

    model = Seq2SeqTransformer(VOCAB, d_model=16, nhead=2, num_layers=1, dropout=0.0).eval()
    src = torch.tensor([[4, 5, 6, 7], [8, 9, 10, 11]])
    bos = torch.ones(2, 1, dtype=torch.long)
    expected = greedy_decode(model, src, None, max_len=7, bos_id=1, eos_id=2)
    assert torch.equal(generate(model, bos, src=src, max_new_tokens=7, eos_token_id=2), expected)
    beams = generate(
        model, bos, src=src, max_new_tokens=7, num_beams=3, eos_token_id=2, pad_token_id=0
    )
    assert beams.shape[0] == 2
    with pytest.raises(ValueError, match="src="):
        generate(model, bos, max_new_tokens=3)


def test_beam_trace_and_scores_are_sorted():
    model = _gpt(block_size=32)
    config = GenerationConfig(max_new_tokens=5, num_beams=3, num_return_sequences=3)
    result = beam_search(stepper_for(model), PROMPT[0], config)
    assert len(result.sequences) == 3 and result.scores == sorted(result.scores, reverse=True)
    assert len(result.trace) == 5 and all(len(step["parents"]) == 3 for step in result.trace)


def _poem_model():
    """A byte-level BPE with few merges (most characters stay 3 one-byte tokens) and a tiny GPT
    that has learned the poem by heart."""
    text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
    tokenizer = BPETokenizer().train(text * 4, vocab_size=256 + 8)
    ids = torch.tensor(tokenizer.encode(text * 6))
    torch.manual_seed(0)
    model = GPT(GPTConfig(tokenizer.vocab_size, 48, 1, 2, 32))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(300):
        start = torch.randint(len(ids) - 49, (16,))
        x = torch.stack([ids[s : s + 48] for s in start.tolist()])
        y = torch.stack([ids[s + 1 : s + 49] for s in start.tolist()])
        loss = model(x, y)[1]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return tokenizer, model.eval(), text


def test_streaming_never_splits_a_character_and_hides_stop_strings():
    tokenizer, model, text = _poem_model()
    prompt = "床前"
    pieces = list(stream(model, tokenizer, prompt, max_new_tokens=60))
    ids = generate(model, [tokenizer.encode(prompt)], max_new_tokens=60)[0].tolist()
    new = ids[len(tokenizer.encode(prompt)) :]
    assert sum(len(tokenizer.vocab[i]) == 1 and i >= 0x80 for i in new) > 20  # split characters
    assert "".join(pieces) == tokenizer.decode(new)
    assert "".join(pieces).startswith(text[2:20])  # the model recites the poem
    assert len(pieces) > 10 and all("\ufffd" not in piece for piece in pieces[:-1])
    cut = list(stream(model, tokenizer, prompt, max_new_tokens=60, stop_strings=["低头", "故乡"]))
    assert "".join(cut) == text[2 : text.index("低头")]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(top_p=0.0), "top_p"),
        (dict(top_p=1.5), "top_p"),
        (dict(temperature=0.0), "temperature"),
        (dict(temperature=-1.0), "temperature"),
        (dict(num_beams=0), "num_beams"),
        (dict(max_new_tokens=0), "max_new_tokens"),
        (dict(early_stopping="sometimes"), "early_stopping"),
        (dict(top_k=-2), "top_k"),
        (dict(num_return_sequences=3), "num_return_sequences"),
        (dict(beams=3), "unknown generation settings"),
    ],
)
def test_bad_settings_are_clear_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate(_gpt(), PROMPT, **kwargs)


def test_bad_prompts_are_clear_value_errors():
    model = _gpt()
    for prompt in ([], [[]], torch.zeros(1, 0, dtype=torch.long)):
        with pytest.raises(ValueError, match="empty"):
            generate(model, prompt)
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 23\)"):
        generate(model, [[1, 99]])
    with pytest.raises(ValueError, match=r"torch\.long"):
        generate(model, torch.ones(1, 3))
    with pytest.raises(ValueError, match="prompt must be a str or a list of token ids"):
        list(stream(model, None, (1, 2)))
    with pytest.raises(ValueError, match="pad on the left"):
        generate(model, torch.tensor([[1, 2]]), attention_mask=torch.tensor([[1, 0]]))


def test_several_eos_ids_equal_hf():
    hf, ours = hf_pair(4)
    path = generate(ours, PROMPT, max_new_tokens=6)[0, 4:].tolist()
    eos = [path[3], path[1]]  # two tokens the greedy path meets
    for kwargs in (dict(), dict(num_beams=3, num_return_sequences=2)):
        kwargs.update(max_new_tokens=10, eos_token_id=eos, pad_token_id=VOCAB - 1)
        expected = hf_generate(hf, do_sample=False, **kwargs)
        got = generate(ours, PROMPT, **kwargs)
        assert torch.equal(got, expected), kwargs
        assert (got[:, 4:, None] == torch.tensor(eos)).any()
    with pytest.raises(ValueError, match="eos_token_id must be"):
        generate(ours, PROMPT, eos_token_id=[1, "x"])
