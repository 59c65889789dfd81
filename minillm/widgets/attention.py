"""See where a GPT looks: per layer and head, a heat map of attention weights and a token-to-token
view of the same weights.

``AttentionViewer(model, tokenizer, text)`` shown in a notebook is a self-contained HTML/JS page
(data inlined, no CDN, no kernel), so it keeps working in the static book; ``widget()`` gives the
live ipywidgets version for a running kernel.
"""

from __future__ import annotations

import hashlib
import html
import json
from importlib import resources
from pathlib import Path

import torch

from minillm.tokenizers.base import render_token
from minillm.utils import evaluating

ALL_HEADS = "all"  # the head choice that averages every head of a layer
SUBSCRIPTS = "₁₂₃₄"


def _utf8_length(lead: int) -> int:
    """Bytes of the UTF-8 character that starts with byte ``lead`` (1 for ASCII or a stray byte)."""
    if lead >> 5 == 0b110:
        return 2
    if lead >> 4 == 0b1110:
        return 3
    if lead >> 3 == 0b11110:
        return 4
    return 1


def _characters(data: bytes) -> list[tuple[int, int, str]]:
    """(start, end, label) of each UTF-8 character in ``data``; a stray byte is labelled \\xNN."""
    out, p = [], 0
    while p < len(data):
        lead = data[p]
        n = _utf8_length(lead)
        try:
            out.append((p, p + n, render_token(data[p : p + n].decode("utf-8").encode())))
        except UnicodeDecodeError:
            n = 1
            out.append((p, p + 1, f"\\x{lead:02x}"))
        p += n
    return out


def token_labels(tokenizer, ids: list[int]) -> list[str]:
    """A printable label per token. A byte-level token that holds only part of a character shows
    that character with a subscript for the byte it starts at: 月 as three tokens reads 月₁ 月₂ 月₃."""
    pieces = [tokenizer.vocab[i] for i in ids]
    chars = _characters(b"".join(pieces))
    labels, start = [], 0
    for piece in pieces:
        end = start + len(piece)
        label = ""
        for a, b, char in chars:
            if b <= start or a >= end:
                continue
            whole = a >= start and b <= end
            part = max(start - a, 0)  # the byte of the character this token starts at
            label += char if whole else char + SUBSCRIPTS[part]
        labels.append(label.replace(" ", "␣"))  # a space would be invisible
        start = end
    return labels


class AttentionViewer:
    """Attention weights of ``model`` on ``text``: ``weights[layer][head][query][key]``."""

    def __init__(self, model, tokenizer, text: str, max_tokens: int = 64):
        if not isinstance(text, str) or not text:
            raise ValueError("text must be a non-empty str")
        ids = tokenizer.encode(text, allowed_special="all")[
            : min(max_tokens, model.config.block_size)
        ]
        device = next(model.parameters()).device
        with evaluating(model):
            _, _, attentions = model(torch.tensor([ids], device=device), return_attention=True)
        self.tokens = token_labels(tokenizer, ids)
        self.weights = torch.stack([a[0] for a in attentions]).float().cpu()  # (L, H, T, T)
        self.num_layers, self.num_heads = self.weights.shape[:2]

    def matrix(self, layer: int, head: int | str = ALL_HEADS) -> torch.Tensor:
        """(T, T) weights of one head, or their mean over the layer's heads."""
        if not 0 <= layer < self.num_layers:
            raise ValueError(f"layer must be in [0, {self.num_layers}), got {layer!r}")
        if head == ALL_HEADS:
            return self.weights[layer].mean(0)
        if not isinstance(head, int) or not 0 <= head < self.num_heads:
            raise ValueError(
                f"head must be in [0, {self.num_heads}) or {ALL_HEADS!r}, got {head!r}"
            )
        return self.weights[layer, head]

    # -- the static, self-contained view ----------------------------------------------------------
    def to_html(self) -> str:
        """One HTML fragment with the data, the style and the script inlined."""
        data = {
            "tokens": self.tokens,
            "weights": [
                [[[round(w, 4) for w in row] for row in m] for m in layer]
                for layer in self.weights.tolist()
            ],
        }
        asset = resources.files("minillm.widgets")
        style = (asset / "attention.css").read_text(encoding="utf-8")
        script = (asset / "attention.js").read_text(encoding="utf-8")
        payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        uid = "mlv-" + hashlib.sha1(payload.encode()).hexdigest()[:10]  # same data, same page
        return (
            f'<div class="mlv-attn" id="{uid}"><style>{style}</style>'
            f'<script type="application/json" class="mlv-data">{payload}</script>'
            f"<script>{script}\nminillmAttention(document.getElementById({json.dumps(uid)}));</script>"
            "</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def save(self, path) -> None:
        """Write a standalone HTML page that opens in any browser, offline."""
        head = '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        page = f"{head}<title>attention</title></head><body>{self.to_html()}</body></html>"
        Path(path).write_text(page, encoding="utf-8")

    # -- the live view ----------------------------------------------------------------------------
    def heat_html(self, layer: int, head: int | str = ALL_HEADS) -> str:
        """The heat map of one layer/head as a plain HTML table (no script), for ipywidgets."""
        m = self.matrix(layer, head)
        head_row = "".join(f"<th>{html.escape(t)}</th>" for t in self.tokens)
        rows = []
        for q, token in enumerate(self.tokens):
            cells = "".join(
                f'<td title="{w:.3f}" style="background:rgba(33,102,172,{w:.3f})"></td>'
                for w in m[q].tolist()
            )
            rows.append(f"<tr><th>{html.escape(token)}</th>{cells}</tr>")
        return f'<table class="mlv-heat"><tr><th></th>{head_row}</tr>{"".join(rows)}</table>'

    def widget(self):
        """ipywidgets: layer and head menus above the heat map, redrawn by the kernel."""
        import ipywidgets as widgets

        layer = widgets.Dropdown(options=list(range(self.num_layers)), value=0, description="层")
        head = widgets.Dropdown(
            options=[("全部（平均）", ALL_HEADS), *[(str(h), h) for h in range(self.num_heads)]],
            value=ALL_HEADS,
            description="头",
        )
        style = (resources.files("minillm.widgets") / "attention.css").read_text(encoding="utf-8")
        view = widgets.HTML()

        def redraw(_=None):
            view.value = f"<style>{style}</style>{self.heat_html(layer.value, head.value)}"

        layer.observe(redraw, "value")
        head.observe(redraw, "value")
        redraw()
        return widgets.VBox([widgets.HBox([layer, head]), view])
