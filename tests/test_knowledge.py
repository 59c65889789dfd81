"""The triple store: replacement with history, queries, and learning from real dialogues."""

import pytest

from minillm.data.dialogue import generate_dialogues
from minillm.knowledge import Triple, TripleStore


def test_add_replaces_and_keeps_history():
    kb = TripleStore()
    assert kb.add("用户", "城市", "杭州", turn=0) is None
    assert kb.add("用户", "城市", "杭州", turn=1) is None  # unchanged: nothing replaced
    old = kb.add("用户", "城市", "成都", turn=2)
    assert old == Triple("用户", "城市", "杭州", 0)
    assert kb.get("用户", "城市") == "成都" and kb.history == [old]
    assert len(kb) == 1 and kb.get("用户", "姓名", "?") == "?"


def test_query_matches_every_given_field():
    kb = TripleStore()
    kb.add("用户", "姓名", "李雷")
    kb.add("用户", "城市", "杭州")
    kb.add("订单1234567890", "状态", "已发货")
    assert {t.predicate for t in kb.query(subject="用户")} == {"姓名", "城市"}
    assert kb.query(obj="已发货") == [Triple("订单1234567890", "状态", "已发货")]
    assert kb.query(subject="用户", predicate="城市", obj="成都") == []
    assert len(kb.query()) == 3
    assert kb.describe() == "姓名李雷；城市杭州"


@pytest.mark.parametrize("bad", ["", "  ", None, 3])
def test_add_rejects_empty_fields(bad):
    with pytest.raises(ValueError, match="obj must be a non-empty string"):
        TripleStore().add("用户", "城市", bad)


def test_learn_reports_only_new_or_changed_facts():
    kb = TripleStore()
    learned = kb.learn("我叫韩梅梅，订单7238787715寄到杭州要多久", turn=0)
    assert {(t.predicate, t.object) for t in learned} == {
        ("姓名", "韩梅梅"),
        ("订单号", "7238787715"),
        ("城市", "杭州"),
    }
    assert kb.learn("订单7238787715还没到", turn=1) == []
    assert [(t.predicate, t.object) for t in kb.learn("改寄到成都吧", turn=2)] == [("城市", "成都")]
    assert kb.history == [Triple("用户", "城市", "杭州", 0)]
    assert kb.learn(None) == [] and kb.learn("🙂") == []


def test_learn_recovers_the_slots_of_held_out_dialogues():
    """Reading every user turn of 300 held-out dialogues gives back the slot values the dialogue
    generator put in them (order ids, cities, products), as the generator's own labels say."""
    wanted = {"order_id": "订单号", "city": "城市", "product": "商品"}
    checked = 0
    for dialogue in generate_dialogues(300, seed=1, split="heldout"):
        kb = TripleStore()
        for i, turn in enumerate(dialogue.turns):
            if turn.role != "user":
                continue
            kb.learn(turn.text, turn=i)
            for slot, predicate in wanted.items():
                if slot in turn.slots:
                    assert kb.get("用户", predicate) == turn.slots[slot], turn.text
                    checked += 1
    assert checked > 200
