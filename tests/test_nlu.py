"""The NLU: its examples (spans that are the values, deterministic, held-out kept apart), BIO decoding,
the checkpoint read without trusting it, and the shipped NLU on held-out synthetic turns."""

from __future__ import annotations

import pytest
import torch

from minillm.assistant.assistant import ASSISTANT_DIR
from minillm.assistant.nlu import (
    NLU,
    TAGS,
    CharVocab,
    JointBert,
    NLUConfig,
    Parse,
    decode_tags,
    link,
)
from minillm.assistant.training import evaluate
from minillm.data.corpus import corpus_available
from minillm.dialogue.nlu_examples import nlu_examples, spans_of
from minillm.dialogue.schema import TURN_INTENTS

needs_corpora = pytest.mark.skipif(
    not all(corpus_available(c) for c in ("crosswoz_templates", "chatterbot_chinese")),
    reason="the CrossWOZ and chatterbot archives are not in MINILLM_DATA_DIR/archives",
)


def test_spans_are_where_the_values_stand_and_never_overlap():
    text = "订单3920417765改到苏州，不是苏州工业园"
    assert spans_of(text, {"order_id": "3920417765", "city": "苏州"}) == (
        ("order_id", 2, 12),
        ("city", 14, 16),
    )
    assert spans_of("苏州苏州", {"city": "苏州", "product": "苏州"}) == (
        ("city", 0, 2),
        ("product", 2, 4),
    )
    with pytest.raises(ValueError, match="not in"):
        spans_of("你好", {"city": "无锡"})


def test_bio_tags_decode_to_spans():
    tags = ["O", "B-city", "I-city", "O", "I-order_id", "I-order_id", "B-date", "B-date"]
    assert decode_tags("x" * len(tags), tags) == [
        ("city", 1, 3),
        ("order_id", 4, 6),
        ("date", 6, 7),
        ("date", 7, 8),
    ]
    assert len(TAGS) == 11 and TAGS[0] == "O"


def test_link_widens_tagged_characters_to_the_known_value_and_its_slot():
    text = "那拉萨呢，订单3920417765，中秋节"
    parse = Parse(
        "inform",
        1.0,
        {"date": "拉", "order_id": "3920417765", "city": "秋节"},
        spans={"date": (1, 2), "order_id": (7, 17), "city": (19, 21)},
    )
    known = [("city", 1, 3), ("date", 18, 21)]
    linked = link(parse, text, known)
    assert linked.slots == {"city": "拉萨", "order_id": "3920417765", "date": "中秋节"}
    assert linked.spans == {"city": (1, 3), "order_id": (7, 17), "date": (18, 21)}
    assert link(parse, text, []).slots == parse.slots  # nothing known: the tagger's spans
    untagged = Parse("out_of_domain", 0.9, {}, spans={})
    assert link(untagged, "明天上海会下雨吗", [("date", 0, 2), ("city", 2, 4)]).slots == {}


def test_the_vocabulary_reads_full_width_and_capitals_as_ascii():
    vocab = CharVocab.build(["ok ok 好好"], min_count=2)
    assert vocab.encode("ＯＫ好") == vocab.encode("ok好")
    assert vocab.encode("😀") == [1]  # [UNK]


@needs_corpora
def test_examples_are_labelled_deterministic_and_split():
    train, again = nlu_examples("train", 60, seed=1), nlu_examples("train", 60, seed=1)
    assert train == again
    heldout = nlu_examples("heldout", 60, seed=1)
    for e in train + heldout:
        assert e.intent in TURN_INTENTS
        assert all(e.text[i:j] for _, i, j in e.spans)
    out_of_domain = {e.text for e in train if e.intent == "out_of_domain"}
    assert not out_of_domain & {e.text for e in heldout if e.intent == "out_of_domain"}


def _tiny_nlu() -> NLU:
    torch.manual_seed(0)
    vocab = CharVocab("订单号是0123456789")
    return NLU(
        JointBert(NLUConfig(vocab_size=len(vocab), d_model=16, nhead=2, num_layers=1)), vocab
    )


def test_save_and_load_give_the_same_parse(tmp_path):
    nlu = _tiny_nlu()
    nlu.save(tmp_path)
    again = NLU.load(tmp_path)
    text = "订单号是3920417765" * 9  # longer than one window
    assert again.parse(text) == nlu.parse(text)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "vocab.json").write_text('["订", "单"]'), "holds 7 tokens"),
        (lambda d: (d / "vocab.json").write_text('{"a": 1}'), "single characters"),
        (lambda d: (d / "config.json").write_text('{"nlu_config": {"size": 1}}'), "unknown"),
        (
            lambda d: (d / "model.safetensors").write_bytes(
                (d / "model.safetensors").read_bytes()[:-9]
            ),
            "truncated",
        ),
    ],
)
def test_a_damaged_checkpoint_is_named_before_allocation(tmp_path, damage, message):
    _tiny_nlu().save(tmp_path)
    damage(tmp_path)
    with pytest.raises(ValueError, match=message):
        NLU.load(tmp_path)


@needs_corpora
def test_the_shipped_nlu_on_held_out_turns():
    scores = evaluate(NLU.load(ASSISTANT_DIR / "nlu"), nlu_examples("heldout", 150, seed=7))
    assert scores["intent_accuracy"] >= 0.88  # measured 0.91
    assert scores["slot_f1"] >= 0.55  # measured 0.62: see the model card
