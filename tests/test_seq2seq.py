"""The encoder-decoder Transformer against nn.Transformer* with the same weights, the positional
encoding against its formula, the mask helpers, and a tiny reverse task learned end to end."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from minillm.models.seq2seq import (
    Decoder,
    DecoderLayer,
    Encoder,
    EncoderLayer,
    PositionalEncoding,
    Residual,
    Seq2SeqTransformer,
    create_masks,
    create_src_mask,
    create_tgt_mask,
    greedy_decode,
)

TOL = {"rtol": 1e-5, "atol": 1e-5}
D, H, FF = 16, 4, 32


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def _torch_to_ours(key: str) -> str:
    """Parameter name in nn.Transformer*Layer -> name in our layers."""
    key = key.replace("multihead_attn.", "cross_attn.")
    key = key.replace("in_proj_weight", "in_proj.weight").replace("in_proj_bias", "in_proj.bias")
    return key.replace("linear1.", "ffn.linear1.").replace("linear2.", "ffn.linear2.")


def _copy_weights(theirs: nn.Module, ours: nn.Module) -> None:
    state = {_torch_to_ours(k): v for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state, strict=True)


def _padding(lengths, total):
    """Ours (batch, 1, 1, total) True = token, and torch's (batch, total) True = padding."""
    keep = torch.arange(total)[None, :] < torch.tensor(lengths)[:, None]
    return keep[:, None, None, :], ~keep


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_torch(norm_first):
    theirs = nn.TransformerEncoderLayer(D, H, FF, 0.0, batch_first=True, norm_first=norm_first)
    ours = EncoderLayer(D, H, FF, 0.0, norm_first=norm_first)
    _copy_weights(theirs, ours)
    theirs.eval(), ours.eval()
    x = torch.randn(3, 7, D)
    ours_mask, torch_pad = _padding([7, 5, 2], 7)
    torch.testing.assert_close(ours(x), theirs(x), **TOL)
    expected = theirs(x, src_key_padding_mask=torch_pad)
    torch.testing.assert_close(ours(x, ours_mask), expected, **TOL)
    float_causal = nn.Transformer.generate_square_subsequent_mask(7)  # 0 / -inf, additive
    expected = theirs(x, src_mask=float_causal)
    torch.testing.assert_close(ours(x, float_causal == 0), expected, **TOL)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first):
    theirs = nn.TransformerDecoderLayer(D, H, FF, 0.0, batch_first=True, norm_first=norm_first)
    ours = DecoderLayer(D, H, FF, 0.0, norm_first=norm_first)
    _copy_weights(theirs, ours)
    theirs.eval(), ours.eval()
    x, memory = torch.randn(3, 5, D), torch.randn(3, 7, D)
    src_mask, src_pad = _padding([7, 4, 1], 7)
    causal_bool = torch.ones(5, 5, dtype=torch.bool).triu(1)  # torch: True = masked
    expected = theirs(x, memory, tgt_mask=causal_bool, memory_key_padding_mask=src_pad)
    torch.testing.assert_close(ours(x, memory, ~causal_bool, src_mask), expected, **TOL)


@pytest.mark.parametrize("norm_first", [False, True])
def test_stacks_match_torch(norm_first):
    kwargs = dict(dim_feedforward=FF, dropout=0.0, norm_first=norm_first)
    torch_enc = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(D, H, batch_first=True, **kwargs),
        num_layers=3,
        norm=nn.LayerNorm(D) if norm_first else None,
        enable_nested_tensor=False,
    )
    torch_dec = nn.TransformerDecoder(
        nn.TransformerDecoderLayer(D, H, batch_first=True, **kwargs),
        num_layers=3,
        norm=nn.LayerNorm(D) if norm_first else None,
    )
    for layer in [*torch_enc.layers, *torch_dec.layers]:  # the stacks deep-copy one layer
        for p in layer.parameters():
            nn.init.normal_(p, std=0.3)
    enc, dec = Encoder(3, D, H, **kwargs), Decoder(3, D, H, **kwargs)
    _copy_weights(torch_enc, enc)
    _copy_weights(torch_dec, dec)
    for m in (torch_enc, torch_dec, enc, dec):
        m.eval()
    src, tgt = torch.randn(2, 6, D), torch.randn(2, 4, D)
    src_mask, src_pad = _padding([6, 3], 6)
    tgt_mask, tgt_pad = _padding([4, 2], 4)
    causal = torch.ones(4, 4, dtype=torch.bool).triu(1)  # torch: True = masked
    memory = torch_enc(src, src_key_padding_mask=src_pad)
    torch.testing.assert_close(enc(src, src_mask), memory, **TOL)
    expected = torch_dec(
        tgt,
        memory,
        tgt_mask=causal,
        tgt_key_padding_mask=tgt_pad,
        memory_key_padding_mask=src_pad,
    )
    ours = dec(tgt, memory, ~causal & tgt_mask, src_mask)
    torch.testing.assert_close(ours, expected, **TOL)


@pytest.mark.parametrize("norm_first", [False, True])
def test_residual_is_the_formula(norm_first):
    residual, norm, sublayer = Residual(0.0, norm_first), nn.LayerNorm(D), nn.Linear(D, D)
    x = torch.randn(2, 3, D)
    expected = x + sublayer(norm(x)) if norm_first else norm(x + sublayer(x))
    torch.testing.assert_close(residual(x, sublayer, norm), expected)


def test_greedy_decode_runs_in_eval_mode_and_restores_the_mode():
    model = Seq2SeqTransformer(VOCAB, d_model=16, nhead=2, num_layers=1, dropout=0.5).train()
    src = torch.randint(FIRST, VOCAB, (2, 5))
    in_train_mode = greedy_decode(model, src, None, 6, BOS, EOS)
    assert model.training
    assert torch.equal(in_train_mode, greedy_decode(model.eval(), src, None, 6, BOS, EOS))


def test_positional_encoding_is_the_formula():
    d = 10
    pe = PositionalEncoding(d, max_len=100).pe
    for pos in (0, 1, 7, 99):
        for i in range(d // 2):
            angle = pos / 10000 ** (2 * i / d)
            assert pe[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-5)
            assert pe[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-5)
    assert PositionalEncoding(7, max_len=3).pe.shape == (3, 7)  # odd d_model works too
    x = torch.zeros(2, 4, d)
    torch.testing.assert_close(PositionalEncoding(d, 100)(x), pe[:4].expand(2, 4, d))
    with pytest.raises(ValueError, match="max_len"):
        PositionalEncoding(d, max_len=3)(x)


def test_mask_helpers():
    src = torch.tensor([[5, 6, 0], [7, 0, 0]])
    tgt = torch.tensor([[1, 8, 9], [1, 4, 0]])
    src_mask, tgt_mask = create_masks(src, tgt, pad_id=0)
    assert src_mask.shape == (2, 1, 1, 3) and tgt_mask.shape == (2, 1, 3, 3)
    assert torch.equal(src_mask, create_src_mask(src, 0))
    assert torch.equal(tgt_mask, create_tgt_mask(tgt, 0))
    assert src_mask[:, 0, 0].tolist() == [[True, True, False], [True, False, False]]
    assert tgt_mask[0, 0].int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert tgt_mask[1, 0].int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 0]]


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="divisible by nhead"):
        Seq2SeqTransformer(10, d_model=30, nhead=4, num_layers=1)
    with pytest.raises(ValueError, match="dropout"):
        Seq2SeqTransformer(10, d_model=16, nhead=4, num_layers=1, dropout=1.5)
    with pytest.raises(ValueError, match="num_layers"):
        Seq2SeqTransformer(10, d_model=16, nhead=4, num_layers=0)
    model = Seq2SeqTransformer(10, d_model=16, nhead=4, num_layers=1, max_len=8)
    src = torch.tensor([[3, 4, 5]])
    with pytest.raises(ValueError, match="True = attend"):
        model(src, src, src_mask=torch.zeros(1, 1, 1, 3))  # a float mask
    with pytest.raises(ValueError, match="token ids"):
        model(src.float(), src)
    with pytest.raises(ValueError, match="max_len"):
        model(torch.ones(1, 9, dtype=torch.long), src)


PAD, BOS, EOS, FIRST, VOCAB, LENGTH = 0, 1, 2, 3, 13, 6


def _reverse_batch(n: int, generator: torch.Generator):
    """Sources of LENGTH random tokens; targets BOS + reversed source + EOS."""
    src = torch.randint(FIRST, VOCAB, (n, LENGTH), generator=generator)
    bos, eos = torch.full((n, 1), BOS), torch.full((n, 1), EOS)
    return src, torch.cat([bos, src.flip(1), eos], dim=1)


def test_learns_to_reverse(one_thread):
    g = torch.Generator().manual_seed(0)
    model = Seq2SeqTransformer(
        VOCAB, d_model=32, nhead=4, num_layers=1, dim_feedforward=64, dropout=0.0
    )
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, betas=(0.9, 0.98), eps=1e-9)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    losses = []
    for _ in range(200):
        src, tgt = _reverse_batch(64, g)
        src_mask, tgt_mask = create_masks(src, tgt[:, :-1], PAD)
        logits = model(src, tgt[:, :-1], src_mask, tgt_mask)
        loss = criterion(logits.reshape(-1, VOCAB), tgt[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-10:]) < 0.05 * sum(losses[:10])
    model.eval()
    src, tgt = _reverse_batch(100, g)
    out = greedy_decode(model, src, create_src_mask(src, PAD), LENGTH + 1, BOS, EOS)
    assert out.shape[1] <= LENGTH + 2 and torch.all(out[:, 0] == BOS)
    accuracy = (out[:, 1 : LENGTH + 1] == tgt[:, 1 : LENGTH + 1]).float().mean().item()
    assert accuracy >= 0.9, accuracy
