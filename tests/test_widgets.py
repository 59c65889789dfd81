"""The attention viewer: its numbers are the model's, and its static HTML works in a real browser
with no kernel and no network (Debian chromium driven by Playwright)."""

from __future__ import annotations

import html

import pytest
import torch

from minillm.models import GPT, GPTConfig
from minillm.tokenizers import BPETokenizer
from minillm.widgets import AttentionViewer

TEXT = "床前明月光，疑是地上霜。"


@pytest.fixture(scope="module")
def viewer():
    tokenizer = BPETokenizer().train(TEXT * 10, 256 + 12)
    torch.manual_seed(0)
    model = GPT(GPTConfig(tokenizer.vocab_size, 32, 2, 3, 12)).eval()
    return AttentionViewer(model, tokenizer, TEXT), model, tokenizer


def test_weights_are_the_models(viewer):
    view, model, tokenizer = viewer
    ids = torch.tensor([tokenizer.encode(TEXT)])
    _, _, attentions = model(ids, return_attention=True)
    for layer in range(2):
        torch.testing.assert_close(view.matrix(layer, 1), attentions[layer][0, 1])
        torch.testing.assert_close(view.matrix(layer), attentions[layer][0].mean(0))
    assert view.tokens[:3] == ["床₁", "床₂", "床₃"] and any("月" in t for t in view.tokens)
    with pytest.raises(ValueError, match="head must be in"):
        view.matrix(0, 3)
    with pytest.raises(ValueError, match="layer must be in"):
        view.matrix(2)
    with pytest.raises(ValueError, match="non-empty str"):
        AttentionViewer(model, tokenizer, "")


def test_viewer_reads_in_eval_mode_and_restores_the_mode(viewer):
    view, model, tokenizer = viewer
    model.train()
    try:
        again = AttentionViewer(model, tokenizer, TEXT)
        assert model.training and torch.equal(again.weights, view.weights)
    finally:
        model.eval()


def test_live_widget_redraws_on_head_change(viewer):
    view = viewer[0]
    box = view.widget()
    layer, head = box.children[0].children
    html = box.children[1]
    before = html.value
    head.value = 2
    assert html.value != before and "<script" not in html.value and "月" in html.value
    layer.value = 1
    assert html.value == view.widget().children[1].value.replace(
        view.heat_html(0), view.heat_html(1, 2)
    )


@pytest.mark.browser
def test_static_html_in_a_real_browser(viewer, tmp_path, browser):
    view = viewer[0]
    page_file = tmp_path / "attention.html"
    view.save(page_file)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(r.url) if not r.url.startswith("file:") else None)
    page.goto(page_file.as_uri())
    t = len(view.tokens)
    assert page.locator(".mlv-heat td").count() == t * t
    page.select_option(".mlv-layer", "1")
    page.select_option(".mlv-head", "2")
    shown = page.eval_on_selector_all(".mlv-heat td", "cells => cells.map(c => +c.dataset.w)")
    expected = view.matrix(1, 2).flatten().tolist()
    assert max(abs(a - b) for a, b in zip(shown, expected)) < 1e-3
    assert "月" in page.inner_text(".mlv-heat")
    page.hover(".mlv-links .mlv-col:first-child .mlv-tok >> nth=3")
    assert 1 <= page.locator(".mlv-links svg line").count() <= t  # only token 3's lines
    page.close()
    assert errors == []  # no script error, nothing fetched from the network


def test_chat_widget_talks_to_the_assistant_and_shows_its_loop():
    from minillm.widgets import ChatWidget

    chat = ChatWidget()
    assert not hasattr(chat, "strategy")  # the assistant has no decoding controls
    order = chat.session.shop.sample_order_ids(1)[0]
    reply = chat.send(f"我的订单{order}到哪了")
    assert reply and f"<b>助手：</b>{html.escape(reply)}" in chat.log.value
    for step in ("理解", "状态", "策略", "后台"):
        assert f"<b>{step}</b>" in chat.detail.value
    assert f"order_id={order}" in chat.detail.value and "status=" in chat.detail.value
    chat.send("<b>好的</b>")
    assert "<b>你：</b>&lt;b&gt;好的&lt;/b&gt;" in chat.log.value
    assert chat.send("  ") == "" and len(chat.transcript) == 4
    chat.reset()
    assert chat.transcript == [] and chat.session.state.task is None
    assert "开始对话" in chat.log.value and chat.detail.value == ""


def test_chat_widget_streams_rates_and_resets():
    from minillm.chat import ChatSession
    from minillm.data.dialogue import chat_corpus
    from minillm.tokenizers import SPECIAL_TOKENS
    from minillm.widgets import ChatWidget

    tokenizer = BPETokenizer().train(chat_corpus(60), 256 + 16, special_tokens=SPECIAL_TOKENS)
    torch.manual_seed(0)
    model = GPT(GPTConfig(tokenizer.vocab_size, 128, 1, 2, 16)).eval()
    session = ChatSession(model, tokenizer, max_new_tokens=8)
    chat = ChatWidget(session)
    reply = chat.send("你好<b>")
    assert "<b>你：</b>你好&lt;b&gt;" in chat.log.value and reply and "▌" not in chat.log.value
    chat.rate(-1)
    assert chat.strategy.value == session.strategy != "greedy" and "👎" in chat.log.value
    chat.strategy.value, chat.beams.value = "beam", 4
    assert session.settings().num_beams == 4
    chat.strategy.value, chat.temperature.value = "sample", 1.3
    assert session.settings().temperature == 1.3 and session.settings().do_sample
    chat.reset()
    assert session.turns == [] and "开始对话" in chat.log.value
    chat.send("   ")
    assert session.turns == [] and chat.status.value == ""
