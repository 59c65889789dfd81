"""Convert ``minillm.models.GPT`` to and from Hugging Face ``GPT2LMHeadModel``, weights and config;
a GPT with rotary positions (``position="rope"``) converts to ``GPTNeoXForCausalLM``.

The two hold the same numbers in slightly different shapes: HF's ``Conv1D`` stores a weight as
(in, out), the transpose of ``nn.Linear``; HF fuses q|k|v in ``c_attn`` in the same order as our
``in_proj``; our tanh GELU is HF's ``"gelu_new"``; both use LayerNorm eps 1e-5 and a tied head.
GPT-NeoX keeps ``nn.Linear`` but fuses q|k|v head by head; with a sequential residual and rotary
on every dimension of a head it computes what our RoPE GPT computes.
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


def _neox_weights(model: GPT) -> dict[str, torch.Tensor]:
    """``model``'s state dict under GPT-NeoX names (q|k|v rows regrouped head by head)."""
    c, ours = model.config, model.state_dict()
    d_k = c.n_embd // c.n_head
    theirs = {"gpt_neox.embed_in.weight": ours["wte.weight"], "lm_head.weight": ours["wte.weight"]}
    for i in range(c.n_layer):
        a, b = f"blocks.{i}.", f"gpt_neox.layers.{i}."
        w = ours[a + "attn.in_proj.weight"].view(3, c.n_head, d_k, c.n_embd)
        theirs[b + "attention.query_key_value.weight"] = w.transpose(0, 1).reshape(-1, c.n_embd)
        bias = ours[a + "attn.in_proj.bias"].view(3, c.n_head, d_k)
        theirs[b + "attention.query_key_value.bias"] = bias.transpose(0, 1).reshape(-1)
        for mine, hers in [
            ("ln1", "input_layernorm"),
            ("ln2", "post_attention_layernorm"),
            ("attn.out_proj", "attention.dense"),
            ("ffn.linear1", "mlp.dense_h_to_4h"),
            ("ffn.linear2", "mlp.dense_4h_to_h"),
        ]:
            for p in ("weight", "bias"):
                theirs[f"{b}{hers}.{p}"] = ours[f"{a}{mine}.{p}"]
    theirs["gpt_neox.final_layer_norm.weight"] = ours["ln_f.weight"]
    theirs["gpt_neox.final_layer_norm.bias"] = ours["ln_f.bias"]
    return theirs


def config_to_hf(config: GPTConfig):
    """The HF config describing the same architecture as ``config``: a ``GPT2Config``, or for
    rotary positions a ``GPTNeoXConfig``."""
    if not config.bias:
        raise ValueError(
            "HF GPT-2 and GPT-NeoX always have biases: config.bias must be True, got False"
        )
    if config.position == "rope":
        return _transformers().GPTNeoXConfig(
            vocab_size=config.vocab_size,
            hidden_size=config.n_embd,
            num_hidden_layers=config.n_layer,
            num_attention_heads=config.n_head,
            intermediate_size=4 * config.n_embd,
            hidden_act=HF_ACTIVATIONS[config.activation],
            max_position_embeddings=config.block_size,
            rotary_pct=1.0,
            rotary_emb_base=config.rope_base,
            attention_dropout=config.dropout,
            hidden_dropout=config.dropout,
            layer_norm_eps=1e-5,
            use_parallel_residual=False,
            tie_word_embeddings=True,
            bos_token_id=None,
            eos_token_id=None,
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
    """A ``transformers.GPT2LMHeadModel`` (``GPTNeoXForCausalLM`` for rotary positions) with
    ``model``'s weights, device, dtype and train mode."""
    p = model.wte.weight
    if model.config.position == "rope":
        hf = _transformers().GPTNeoXForCausalLM(config_to_hf(model.config)).to(p.device, p.dtype)
        missing, unexpected = hf.load_state_dict(_neox_weights(model), strict=False)
        if unexpected or any("rotary" not in name for name in missing):
            raise RuntimeError(
                f"GPT-NeoX weights do not match: missing {missing}, unexpected {unexpected}"
            )
        return hf.train(model.training)
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
