"""Convert ``minillm.models.GPT`` to and from Hugging Face ``GPT2LMHeadModel``, weights and config.

The two hold the same numbers in slightly different shapes: HF's ``Conv1D`` stores a weight as
(in, out), the transpose of ``nn.Linear``; HF fuses q|k|v in ``c_attn`` in the same order as our
``in_proj``; our tanh GELU is HF's ``"gelu_new"``; both use LayerNorm eps 1e-5 and a tied head.
Needs the optional dependency ``transformers`` (``pip install minillm[hf]``).
"""

from __future__ import annotations

import torch

from minillm.models.gpt import GPT, GPTConfig

HF_ACTIVATIONS = {"gelu_tanh": "gelu_new", "gelu": "gelu", "relu": "relu"}


def _transformers():
    try:
        import transformers
    except ImportError as err:
        raise ImportError(
            "minillm.interop needs Hugging Face transformers: pip install minillm[hf]"
        ) from err
    return transformers


def _weight_names(n_layer: int):
    """(our name, HF name, transposed?) for every tensor; the tied lm_head comes with wte."""
    yield "wte.weight", "transformer.wte.weight", False
    yield "wpe.weight", "transformer.wpe.weight", False
    for i in range(n_layer):
        ours, hf = f"blocks.{i}.", f"transformer.h.{i}."
        for a, b, linear in [
            ("ln1", "ln_1", False),
            ("attn.in_proj", "attn.c_attn", True),
            ("attn.out_proj", "attn.c_proj", True),
            ("ln2", "ln_2", False),
            ("ffn.linear1", "mlp.c_fc", True),
            ("ffn.linear2", "mlp.c_proj", True),
        ]:
            yield f"{ours}{a}.weight", f"{hf}{b}.weight", linear
            yield f"{ours}{a}.bias", f"{hf}{b}.bias", False
    yield "ln_f.weight", "transformer.ln_f.weight", False
    yield "ln_f.bias", "transformer.ln_f.bias", False


def config_to_hf(config: GPTConfig):
    """The ``transformers.GPT2Config`` describing the same architecture as ``config``."""
    if not config.bias:
        raise ValueError("HF GPT-2 always has biases: config.bias must be True, got False")
    if config.position != "learned":
        raise ValueError(
            f"HF GPT-2 has learned positions only: config.position must be 'learned', "
            f"got {config.position!r}"
        )
    return _transformers().GPT2Config(
        vocab_size=config.vocab_size,
        n_positions=config.block_size,
        n_embd=config.n_embd,
        n_layer=config.n_layer,
        n_head=config.n_head,
        activation_function=HF_ACTIVATIONS[config.activation],
        resid_pdrop=config.dropout,
        embd_pdrop=config.dropout,
        attn_pdrop=config.dropout,
        layer_norm_epsilon=1e-5,
        tie_word_embeddings=True,
        bos_token_id=None,  # GPT knows no special tokens; HF's default 50256 suits GPT-2's vocabulary only
        eos_token_id=None,
    )


def config_from_hf(hf_config) -> GPTConfig:
    """The ``GPTConfig`` for a ``GPT2Config``; rejects HF options GPT does not have.

    GPT has a single dropout rate: it takes ``resid_pdrop`` (HF's three are equal by default).
    """
    activations = {v: k for k, v in HF_ACTIVATIONS.items()} | {"gelu_pytorch_tanh": "gelu_tanh"}
    c = hf_config
    unsupported = {
        "activation_function": c.activation_function not in activations,
        "n_inner": c.n_inner not in (None, 4 * c.n_embd),
        "layer_norm_epsilon": c.layer_norm_epsilon != 1e-5,
        "scale_attn_weights": not c.scale_attn_weights,
        "scale_attn_by_inverse_layer_idx": c.scale_attn_by_inverse_layer_idx,
        "add_cross_attention": c.add_cross_attention,
        "tie_word_embeddings": not c.tie_word_embeddings,
    }
    for name, bad in unsupported.items():
        if bad:
            raise ValueError(f"GPT cannot represent GPT2Config.{name}={getattr(c, name)!r}")
    return GPTConfig(
        vocab_size=c.vocab_size,
        block_size=c.n_positions,
        n_layer=c.n_layer,
        n_head=c.n_head,
        n_embd=c.n_embd,
        dropout=float(c.resid_pdrop),
        activation=activations[c.activation_function],
    )


@torch.no_grad()
def gpt_to_hf(model: GPT):
    """A ``transformers.GPT2LMHeadModel`` with ``model``'s weights, device, dtype and train mode."""
    p = model.wte.weight
    hf = _transformers().GPT2LMHeadModel(config_to_hf(model.config)).to(p.device, p.dtype)
    ours, theirs = model.state_dict(), hf.state_dict()
    for a, b, transposed in _weight_names(model.config.n_layer):
        theirs[b].copy_(ours[a].T if transposed else ours[a])
    return hf.train(model.training)


@torch.no_grad()
def hf_to_gpt(hf_model) -> GPT:
    """A ``GPT`` with the weights, device, dtype and train mode of a ``GPT2LMHeadModel``."""
    model = GPT(config_from_hf(hf_model.config))
    p = hf_model.transformer.wte.weight
    model.to(p.device, p.dtype)
    ours, theirs = model.state_dict(), hf_model.state_dict()
    for a, b, transposed in _weight_names(model.config.n_layer):
        ours[a].copy_(theirs[b].T if transposed else theirs[b])
    return model.train(hf_model.training)
