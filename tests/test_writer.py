"""The reply writer: meanings, paraphrases and examples exactly; the check that stands between the
model and the user; an untrained writer that must always fall back; and the shipped writer on
held-out meanings."""

from __future__ import annotations

import shutil
import string

import pytest
import torch

from minillm.assistant.assistant import ASSISTANT_DIR
from minillm.assistant.writer import (
    ReplyWriter,
    _train_tokenizer,
    faithful,
    fields,
    meaning,
    random_acts,
    writer_examples,
)
from minillm.dialogue.replies import PARAPHRASES, REPLIES, paraphrases, render
from minillm.dialogue.schema import INTENT_KEYWORDS, SLOT_LABELS
from minillm.models import GPT, GPTConfig

WRITER_DIR = ASSISTANT_DIR / "writer"
torch.set_num_threads(1)


def names(template: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)


def test_paraphrases_keep_the_fields_and_schema_words_and_hold_one_out():
    assert set(PARAPHRASES) == set(REPLIES)
    words = (*INTENT_KEYWORDS.values(), *SLOT_LABELS.values())
    for key, phrasings in PARAPHRASES.items():
        assert 4 <= len(phrasings) <= 6 and phrasings[0] == REPLIES[key]
        assert len(set(phrasings)) == len(phrasings)
        blank = [p.format_map(dict.fromkeys(names(p), "")) for p in phrasings]
        for phrasing, text in zip(phrasings, blank):
            assert names(phrasing) == names(REPLIES[key]), phrasing
            assert {w for w in words if w in text} == {w for w in words if w in blank[0]}, text
        assert paraphrases(key, "train") == phrasings[:-1]
        assert paraphrases(key, "heldout") == phrasings[-1:]
    with pytest.raises(ValueError, match="split"):
        paraphrases("greet", "test")


def test_meaning_lists_fields_in_template_order_and_escapes_values():
    values = {
        "order_id": "3920417765",
        "product": "青禾蓝牙耳机",
        "status": "运输中",
        "city": "无锡",
    }
    assert fields("inform:order_status") == ("order_id", "product", "status", "city")
    assert (
        meaning("inform:order_status", {**values, "placed": "2026-12-01"})
        == "inform:order_status|order_id=3920417765|product=青禾蓝牙耳机|status=运输中|city=无锡"
    )
    assert meaning("refused", {"reason": "a|b=c\nd"}) == "refused|reason=a｜b＝c d"
    assert meaning("greet", {}) == "greet"
    with pytest.raises(KeyError, match="city"):
        meaning("inform:shipping_time", {"days": 3})


def test_examples_are_deterministic_and_use_their_split():
    assert writer_examples(50, "train", 3) == writer_examples(50, "train", 3)
    assert writer_examples(50, "train", 3) != writer_examples(50, "train", 4)
    heldout = {p for key in REPLIES for p in paraphrases(key, "heldout") if not names(p)}
    train = {p for key in REPLIES for p in paraphrases(key, "train") if not names(p)}
    for split, own, other in (("train", train, heldout), ("heldout", heldout, train)):
        texts = {text for _, text in writer_examples(400, split, 0)}
        assert texts & own and not texts & other
    for line, text in writer_examples(200, "train", 0):
        key, *pairs = line.split("|")
        values = dict(pair.split("=", 1) for pair in pairs)
        assert tuple(values) == fields(key) and faithful(text, key, values)
        if "order_id" in values:
            assert len(values["order_id"]) == 10 and values["order_id"].isdigit()


def test_faithful_accepts_every_phrasing_and_rejects_wrong_facts():
    for key, values in random_acts(300, "train", 0):
        for phrasing in PARAPHRASES[key]:
            assert faithful(phrasing.format(**values), key, values)
    key = "execute:change_address"
    values = {"order_id": "3920417765", "old_city": "无锡", "new_city": "南宁", "days": "1"}
    good = render(key, values)
    assert faithful(good, key, values)
    for bad in (
        good.replace("无锡", "南京"),  # a value missing
        good.replace("从无锡改到南宁", "从南宁改到无锡"),  # values swapped
        good.replace("南宁", "南宁市"),  # a value run into other characters
        good.replace("预计", "大概预计"),  # words no phrasing has
        good.replace("1天", "11天"),  # a number run into another digit
        good.replace("预计", "预计2至"),  # a number that is no value
        good.replace("收货地址", "地点"),  # the task's keyword lost
        good + "订单号",  # another slot's name
        good.replace("。", "\ufffd"),
        good + good,  # the values twice
        "",
    ):
        assert not faithful(bad, key, values), bad
    date = "抱歉，没看懂“下下周八”是哪一天，可以说“明天”或“5月1日”这样的日期。"
    assert faithful(date, "unknown:date", {"date": "下下周八"})
    assert not faithful(date.replace("5月", "7月"), "unknown:date", {"date": "下下周八"})
    assert faithful(render("unknown:date", {"date": "明天"}), "unknown:date", {"date": "明天"})


@pytest.fixture(scope="module")
def untrained():
    torch.manual_seed(0)
    tokenizer = _train_tokenizer(300, 0)
    model = GPT(GPTConfig(tokenizer.vocab_size, 192, n_layer=1, n_head=2, n_embd=16))
    return ReplyWriter(model, tokenizer)


def test_an_untrained_writer_always_says_the_template(untrained):
    acts = random_acts(30, "heldout", 2)
    for key, values in acts:
        assert untrained.write(key, {**values, "extra": "x"}) == (render(key, values), "template")
    assert untrained.counts == {"template": len(acts)}
    key, values = acts[0]
    assert "".join(untrained.stream(key, values)) == render(key, values)
    too_long = {"order_id": "3920417765", "reason": "很长的原因" * 100}
    assert untrained.write("confirm:return_refund", too_long)[1] == "template"
    with pytest.raises(KeyError, match="days"):
        untrained.write("inform:shipping_time", {"city": "无锡"})


@pytest.fixture(scope="module")
def shipped():
    return ReplyWriter.load(WRITER_DIR)


def test_the_shipped_writer_states_every_value_and_seldom_needs_the_template(shipped):
    acts = random_acts(200, "heldout", 1)
    replies = [shipped.write(key, values) for key, values in acts]
    for (key, values), (text, _) in zip(acts, replies):
        assert all(str(value) in text for value in values.values()), (key, values, text)
        assert faithful(text, key, values)
    assert shipped.counts["template"] <= 0.05 * len(acts)
    assert sum(shipped.counts.values()) == len(acts)
    key, values = acts[0]
    assert shipped.write(key, values) == replies[0]  # repeatable
    assert "".join(shipped.stream(key, values)) == replies[0][0]


def test_loading_a_bad_writer_names_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"config\.json"):
        ReplyWriter.load(tmp_path)
    folder = tmp_path / "writer"
    shutil.copytree(WRITER_DIR, folder)
    (folder / "tokenizer.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"tokenizer\.json"):
        ReplyWriter.load(folder)
    _train_tokenizer(300, 0).save(folder / "tokenizer.json")
    with pytest.raises(ValueError, match=r"tokenizer\.json"):
        ReplyWriter.load(folder)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ValueError, match=r"tokenizer\.json"):
        ReplyWriter.load(folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ValueError, match=r"model\.safetensors"):
        ReplyWriter.load(folder)
