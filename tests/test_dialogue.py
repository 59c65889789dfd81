"""The synthetic customer-service dialogues: determinism, held-out disjointness, slot filling."""

from __future__ import annotations

import json
import random
import re

import pytest

from minillm.data import dialogue as dlg

N_TRAIN = 5000
N_HELDOUT = 2000


@pytest.fixture(scope="module")
def train():
    return dlg.generate_dialogues(N_TRAIN, seed=0)


@pytest.fixture(scope="module")
def heldout():
    return dlg.generate_dialogues(N_HELDOUT, seed=0, split="heldout")


@pytest.fixture(scope="module")
def train_text(train):
    return "\n".join(dlg.to_chat_text(d) for d in train)


def goal_segments(dialogue):
    """The turns of each goal, from the user's statement of the intent to the answer."""
    segments, current = [], None
    for turn in dialogue.turns:
        if turn.act == "inform_intent":
            current = [turn]
        elif current is not None:
            current.append(turn)
            if turn.act == "answer":
                segments.append(current)
                current = None
    return segments


def skeleton(turn):
    """A user turn's text with the slot values it states put back as placeholders."""
    text = turn.text
    for slot, value in turn.slots.items():
        text = text.replace(value, "{" + slot + "}")
    return text


def test_schema_constants():
    assert set(dlg.INTENTS) >= {
        "greeting", "order_status", "shipping_time", "return_refund", "change_address",
        "business_hours", "product_recommendation", "complaint", "thanks_bye",
    }  # fmt: skip
    assert dlg.SLOTS == ("order_id", "product", "city", "date", "reason")
    assert set(dlg.REQUIRED_SLOTS) == set(dlg.INTENTS)
    assert all(set(slots) <= set(dlg.SLOTS) for slots in dlg.REQUIRED_SLOTS.values())
    assert dlg.REQUIRED_SLOTS["return_refund"] == ("order_id", "reason")
    assert dlg.REQUIRED_SLOTS["change_address"] == ("order_id", "city")
    assert set(dlg.TASK_INTENTS) == set(dlg.INTENTS) - {"greeting", "thanks_bye"}
    assert set(dlg.INTENT_KEYWORDS) == set(dlg.TASK_INTENTS)
    assert set(dlg.SLOT_LABELS) == set(dlg.SLOTS)


def test_same_seed_same_dialogues_other_seed_other_dialogues(train):
    assert dlg.generate_dialogues(300, seed=0) == train[:300]
    assert dlg.generate_dialogues(300, seed=1) != train[:300]
    assert dlg.chat_corpus(50, seed=7) == dlg.chat_corpus(50, seed=7)


def test_global_rng_untouched():
    random.seed(123)
    state = random.getstate()
    dlg.generate_dialogues(50, seed=3)
    assert random.getstate() == state


def test_at_least_5000_distinct_train_dialogues(train, heldout):
    assert len({dlg.to_chat_text(d) for d in train}) == N_TRAIN
    assert len({dlg.to_chat_text(d) for d in heldout}) == N_HELDOUT
    assert len({d.id for d in train}) == N_TRAIN


def test_dialogue_shapes_vary(train):
    assert {len(d.goals) for d in train} == {1, 2}
    assert {t.act for d in train for t in d.turns} == set(dlg.ACTS)
    assert {g[0] for d in train for g in d.goals} == set(dlg.TASK_INTENTS)
    asked = {
        frozenset(s[0].slots)
        for d in train
        for s in goal_segments(d)
        if s[0].intent == "return_refund"
    }
    assert asked == {frozenset(), frozenset({"order_id"}), frozenset({"reason"}),
                     frozenset({"order_id", "reason"})}  # fmt: skip


def test_turns_alternate_and_are_annotated(train):
    for d in train:
        assert [t.role for t in d.turns] == ["user", "assistant"] * (len(d.turns) // 2)
        for turn in d.turns:
            assert turn.act in dlg.ACTS
            assert turn.intent in dlg.INTENTS
            assert (turn.request_slot is not None) == (turn.act == "request")
            assert (turn.sentiment is not None) == (turn.intent == "complaint")
            assert "\n" not in turn.text and "<|" not in turn.text
        goal_slots = [slot for _, slots in d.goals for slot in slots]
        assert len(goal_slots) == len(set(goal_slots))  # two goals never share a slot


def test_each_request_asks_for_a_missing_slot_once(train, heldout):
    for d in train + heldout:
        segments = goal_segments(d)
        assert [(s[0].intent, s[-1].slots) for s in segments] == [
            (intent, slots) for intent, slots in d.goals
        ]
        for segment in segments:
            intent, known = segment[0].intent, dict(segment[0].slots)
            requested = []
            for turn in segment[1:-1]:
                if turn.act == "request":
                    assert turn.request_slot in dlg.REQUIRED_SLOTS[intent]
                    assert turn.request_slot not in known
                    assert dlg.SLOT_LABELS[turn.request_slot] in turn.text
                    requested.append(turn.request_slot)
                else:
                    assert turn.act == "inform_slot"
                    assert list(turn.slots) == [requested[-1]]
                    assert turn.slots[requested[-1]] in turn.text
                    known.update(turn.slots)
            assert set(known) == set(dlg.REQUIRED_SLOTS[intent])
            assert len(requested) == len(set(requested))


def test_each_answer_states_every_slot_value_and_fact(train, heldout):
    for d in train + heldout:
        for intent, slots in d.goals:
            (answer,) = [t for t in d.turns if t.act == "answer" and t.intent == intent]
            assert answer.slots == slots
            for value in [*slots.values(), *dlg.answer_facts(intent, slots).values()]:
                assert value in answer.text
            keywords = {i: k for i, k in dlg.INTENT_KEYWORDS.items() if k in answer.text}
            assert keywords == {intent: dlg.INTENT_KEYWORDS[intent]}


def test_answer_facts_are_a_function_of_the_slot_values():
    slots = {"order_id": "1234567890"}
    assert dlg.answer_facts("order_status", slots) == dlg.answer_facts("order_status", slots)
    statuses = {
        dlg.answer_facts("order_status", {"order_id": str(1234567890 + k)})["status"]
        for k in range(50)
    }
    assert len(statuses) > 1
    with pytest.raises(ValueError, match="intent"):
        dlg.answer_facts("greeting", {})
    with pytest.raises(ValueError, match="reason"):
        dlg.answer_facts("return_refund", slots)


def test_complaints_carry_sentiment_and_the_reply_reacts(train):
    complaints = [t for d in train for t in d.turns if t.intent == "complaint"]
    assert {t.sentiment for t in complaints} == set(dlg.SENTIMENTS)
    for turn in complaints:
        if turn.act == "answer":
            assert ("补偿" in turn.text) == (turn.sentiment == "very_negative")
            assert ("抱歉" in turn.text) == (turn.sentiment != "neutral")
        if turn.act == "request":
            assert ("抱歉" in turn.text) == (turn.sentiment != "neutral")


def test_template_pools_are_large_and_partitioned():
    train_pool, heldout_pool = dlg.user_templates("train"), dlg.user_templates("heldout")
    assert set(train_pool) == set(heldout_pool) == {*dlg.INTENTS, *dlg.SLOTS, "connector"}
    for intent in dlg.INTENTS:
        assert 15 <= len(train_pool[intent]) + len(heldout_pool[intent]) <= 30
    for key in train_pool:
        assert train_pool[key] and heldout_pool[key]
    for intent in dlg.TASK_INTENTS:
        required = dlg.REQUIRED_SLOTS[intent]
        for pool in (train_pool, heldout_pool):
            stated = {frozenset(re.findall(r"\{(\w+)\}", t)) for t in pool[intent]}
            assert frozenset() in stated and frozenset(required) in stated
    all_train = {t for templates in train_pool.values() for t in templates}
    all_heldout = {t for templates in heldout_pool.values() for t in templates}
    assert not all_train & all_heldout


def test_value_pools_are_disjoint():
    for slot in ("product", "city", "date", "reason"):
        train_values = dlg.value_pool(slot, "train")
        heldout_values = dlg.value_pool(slot, "heldout")
        assert len(train_values) >= 3 * len(heldout_values) > 0
        assert not set(train_values) & set(heldout_values)
        assert {dlg.slot_value_split(slot, v) for v in heldout_values} == {"heldout"}
    rng = random.Random(0)
    for split in dlg.SPLITS:
        for _ in range(500):
            order_id = dlg.sample_slot_value("order_id", rng, split)
            assert re.fullmatch(r"[1-9]\d{9}", order_id)
            assert dlg.slot_value_split("order_id", order_id) == split


def test_heldout_dialogues_share_no_user_template_or_value_with_train(train, heldout, train_text):
    train_values = {(s, v) for d in train for _, slots in d.goals for s, v in slots.items()}
    for d in heldout:
        assert d.split == "heldout"
        for _, slots in d.goals:
            for slot, value in slots.items():
                assert dlg.slot_value_split(slot, value) == "heldout"
                assert (slot, value) not in train_values
    train_numbers = set(re.findall(r"\d+", train_text))
    heldout_ids = {s["order_id"] for d in heldout for _, s in d.goals if "order_id" in s}
    assert heldout_ids and not heldout_ids & train_numbers
    for slot in ("product", "city", "date", "reason"):
        for value in dlg.value_pool(slot, "heldout"):
            assert value not in train_text
    skeletons = {split: set() for split in dlg.SPLITS}
    for d in train + heldout:
        skeletons[d.split].update(skeleton(t) for t in d.turns if t.role == "user")
    assert not skeletons["train"] & skeletons["heldout"]


def test_chat_text_structure_round_trips(train):
    for d in train[:500]:
        text = dlg.to_chat_text(d)
        users = sum(t.role == "user" for t in d.turns)
        assert text.count(dlg.USER_TOKEN) == users
        assert text.count(dlg.ASSISTANT_TOKEN) == len(d.turns) - users
        assert text.count(dlg.END_TOKEN) == len(d.turns)
        assert dlg.SYSTEM_TOKEN not in text and "\n" not in text
        assert dlg.parse_chat_text(text) == [(t.role, t.text) for t in d.turns]
        with_system = dlg.to_chat_text(d, system="你是智能客服。")
        assert with_system == f"{dlg.SYSTEM_TOKEN}你是智能客服。{dlg.END_TOKEN}{text}"
        assert dlg.parse_chat_text(with_system)[0] == ("system", "你是智能客服。")
    corpus = dlg.chat_corpus(20, seed=0)
    assert corpus.split("\n") == [dlg.to_chat_text(d) for d in train[:20]]
    with pytest.raises(ValueError, match="position"):
        dlg.parse_chat_text("<|user|>你好<|end|>garbage")


def test_assistant_prompts_end_where_the_reply_starts(train):
    d = max(train[:200], key=lambda d: len(d.turns))
    prompts = dlg.assistant_prompts(d)
    assert [turn for _, turn in prompts] == [t for t in d.turns if t.role == "assistant"]
    full = dlg.to_chat_text(d)
    for prompt, turn in prompts:
        assert prompt.endswith(dlg.ASSISTANT_TOKEN)
        assert full.startswith(prompt + turn.text + dlg.END_TOKEN)


def test_dialogue_dict_is_json_serialisable(train):
    d = next(d for d in train if len(d.goals) == 2)
    data = dlg.dialogue_to_dict(d)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data == d.to_dict()
    assert data["goals"] == [{"intent": i, "slots": s} for i, s in d.goals]
    assert [t["text"] for t in data["turns"]] == [t.text for t in d.turns]
    assert set(data["turns"][0]) == {
        "role", "text", "intent", "slots", "act", "request_slot", "sentiment",
    }  # fmt: skip


@pytest.mark.parametrize("n", [-1, 1.5, "10", True, None])
def test_bad_n_raises(n):
    with pytest.raises(ValueError, match=r"n must be a non-negative int"):
        dlg.generate_dialogues(n)
    with pytest.raises(ValueError, match=r"n must be"):
        dlg.chat_corpus(n)


@pytest.mark.parametrize("split", ["test", "valid", "", None])
def test_bad_split_raises(split):
    accepted = re.escape(str(dlg.SPLITS))
    with pytest.raises(ValueError, match=rf"split must be one of {accepted}"):
        dlg.generate_dialogues(3, split=split)
    with pytest.raises(ValueError, match="split must be one of"):
        dlg.user_templates(split)


def test_other_bad_arguments_raise():
    assert dlg.generate_dialogues(0) == []
    with pytest.raises(ValueError, match="seed must be an int"):
        dlg.generate_dialogues(3, seed="0")
    with pytest.raises(ValueError, match="slot must be one of"):
        dlg.value_pool("colour", "train")
    with pytest.raises(ValueError, match="order ids are generated"):
        dlg.value_pool("order_id", "train")
    with pytest.raises(ValueError, match="not a known value"):
        dlg.slot_value_split("city", "火星")
    with pytest.raises(ValueError, match="order_id must be 10 digits"):
        dlg.slot_value_split("order_id", "12ab")
    with pytest.raises(ValueError, match="system must be a str or None"):
        dlg.to_chat_text(dlg.generate_dialogues(1)[0], system=3)


def test_judge_accepts_every_reference_reply_and_rejects_wrong_ones():

    turns = [
        t for d in dlg.generate_dialogues(300, split="heldout") for _, t in dlg.assistant_prompts(d)
    ]
    assert all(dlg.judge_reply(t, t.text)[0] for t in turns)
    acts = {t.act for t in turns}
    assert acts == {"greet", "request", "answer", "close"}
    for turn in turns:
        wrong = {
            "request": "请问您的订单号是多少？"
            if turn.request_slot != "order_id"
            else "请问是哪个城市？",
            "answer": turn.text.replace(next(iter(turn.slots.values()), "#"), "某某"),
            "greet": "请问您的订单号是多少？",
            "close": "好的。",
        }[turn.act]
        assert not dlg.judge_reply(turn, wrong)[0], (turn, wrong)
    with pytest.raises(ValueError, match="judges assistant turns"):
        dlg.judge_reply(dlg.generate_dialogues(1)[0].turns[0], "x")


@pytest.mark.parametrize(("split", "values"), [("train", "heldout"), ("heldout", "train")])
def test_phrasings_of_one_split_with_values_of_the_other(train, heldout, split, values):
    mixed = dlg.generate_dialogues(300, seed=0, split=split, values=values)
    for d in mixed:
        for _, slots in d.goals:
            assert {dlg.slot_value_split(slot, value) for slot, value in slots.items()} == {values}
    # the user's phrasings (second-goal connectors cut off) are those of `split`, none of the other's
    connectors = [c for name in dlg.SPLITS for c in dlg.user_templates(name)["connector"]]

    def phrasings(dialogues):
        found = set()
        for turn in (t for d in dialogues for t in d.turns if t.role == "user"):
            text = skeleton(turn)
            found.add(next((text[len(c) :] for c in connectors if text.startswith(c)), text))
        return found

    used = phrasings(mixed)
    assert used <= phrasings(train if split == "train" else heldout)
    assert not used & phrasings(heldout if split == "train" else train)
    assert dlg.generate_dialogues(40, seed=2, values="train") == dlg.generate_dialogues(40, seed=2)
    with pytest.raises(ValueError, match="split must be one of"):
        dlg.generate_dialogues(3, values="test")
    with pytest.raises(ValueError, match="either random_values=True or values"):
        dlg.generate_dialogues(3, random_values=True, values="heldout")


def test_random_values_are_made_up_and_deterministic():

    first = dlg.generate_dialogues(50, seed=3, random_values=True)
    assert [dlg.to_chat_text(d) for d in first] == [
        dlg.to_chat_text(d) for d in dlg.generate_dialogues(50, seed=3, random_values=True)
    ]
    known = {
        v
        for slot in ("product", "city", "date", "reason")
        for s in dlg.SPLITS
        for v in dlg.value_pool(slot, s)
    }
    values = [
        v for d in first for _, slots in d.goals for slot, v in slots.items() if slot != "order_id"
    ]
    assert values and sum(v in known for v in values) <= len(values) // 20


def test_value_chars_widen_made_up_values_and_never_yield_heldout_ones():
    extra = "沙沈深澳"
    wide = dlg.generate_dialogues(300, seed=4, random_values=True, value_chars=extra + "abc")
    values = [v for d in wide for _, slots in d.goals for v in slots.values()]
    assert any(c in v for c in extra for v in values)
    narrow = dlg.generate_dialogues(300, seed=4, random_values=True)
    narrow_values = [v for d in narrow for _, slots in d.goals for v in slots.values()]
    assert not any(c in v for c in extra for v in narrow_values)
    assert not any(c in v for c in "abc" for v in values)  # only Chinese characters are taken
    assert "深圳" in dlg.value_pool("city", "heldout")

    class Scripted(random.Random):
        """Draws two characters from the pool, first "深圳" (held out), then "甲乙"."""

        def __init__(self):
            super().__init__(0)
            self.script = list("深圳甲乙")

        def random(self):
            return 0.0

        def randint(self, low, high):
            return 2

        def choice(self, seq):
            assert self.script[0] in seq
            return self.script.pop(0)

    assert dlg.random_slot_value("city", Scripted(), "深圳甲乙") == "甲乙"
    with pytest.raises(ValueError, match="value_chars needs random_values=True"):
        dlg.generate_dialogues(3, value_chars=extra)
    with pytest.raises(ValueError, match="value_chars must be a str"):
        dlg.generate_dialogues(3, random_values=True, value_chars=["沙"])


def test_composed_phrasings_are_many_for_training_only_and_clear_of_heldout(train):
    plain = dlg.user_templates("train")
    composed = dlg.user_templates("train", composed=True)
    heldout = dlg.user_templates("heldout")
    assert set(composed) == set(plain)
    for key in composed:
        assert set(plain[key]) <= set(composed[key])
    for intent in set(dlg.TASK_INTENTS) - {"complaint"}:
        assert len(composed[intent]) >= 1000 > 30 >= len(plain[intent])
    assert len(composed["connector"]) >= 4 * len(plain["connector"])

    def bare(text):
        return re.sub(r"[\s，。？！、：,.?!:]", "", text)

    # no composed phrasing contains, or is contained in, a held-out phrasing of the same intent
    for key in composed:
        held = [bare(h) for h in heldout[key]]
        for phrasing in set(composed[key]) - set(plain[key]):
            assert not any(h in bare(phrasing) or bare(phrasing) in h for h in held), phrasing
    dialogues = dlg.generate_dialogues(1000, seed=0, composed=True)
    assert {d.split for d in dialogues} == {"train"}

    def phrasings(dialogues):
        return {skeleton(t) for d in dialogues for t in d.turns if t.role == "user"}

    assert len(phrasings(dialogues)) > 3 * len(phrasings(train[:1000]))
    assert dlg.chat_corpus(5, seed=2, composed=True) == "\n".join(
        dlg.to_chat_text(d) for d in dlg.generate_dialogues(5, seed=2, composed=True)
    )
    with pytest.raises(ValueError, match="composed phrasings exist for split='train' only"):
        dlg.generate_dialogues(3, split="heldout", composed=True)
    with pytest.raises(ValueError, match="composed must be True or False"):
        dlg.user_templates("train", composed="yes")


def test_distractor_phrasings_state_no_value_and_draw_a_request():
    """A word where a value would stand (送到我家) is not a value: such phrasings state no slot,
    contain no value of a slot their intent requires, and are followed by a request for it."""
    composed = dlg.user_templates("train", composed=True)
    for intent, cores in dlg._TRAIN_DISTRACTORS.items():
        values = [
            v
            for slot in dlg.REQUIRED_SLOTS[intent]
            if slot != "order_id"
            for split in dlg.SPLITS
            for v in dlg.value_pool(slot, split)
        ]
        for core in cores:
            assert "{" not in core and not any(v in core for v in values), core
            assert any(core in p for p in composed[intent]), core
    dialogues = dlg.generate_dialogues(3000, seed=0, composed=True)
    seen = 0
    for d in dialogues:
        for user, reply in zip(d.turns, d.turns[1:]):
            if user.role == "user" and user.act == "inform_intent" and "送到我家" in user.text:
                seen += 1
                assert not user.slots and reply.act == "request" and reply.request_slot == "city"
    assert seen > 0


def test_reason_phrases_are_clauses_of_real_text_clear_of_heldout_reasons():
    text = "质量不错，物流也很快。包装破损了！好。说明书看不懂呀abc一二三四五六七八九十一"
    assert "包装破损" in dlg.value_pool("reason", "heldout")[0]  # 收到的时候包装破损
    phrases = dlg.reason_phrases(text + "质量不错")
    # 4-10 Chinese characters between other characters (not 好, not the 11 numerals), first
    # occurrences only; "包装破损了" is no held-out reason, "包装破损" alone is contained in one
    assert phrases == ("质量不错", "物流也很快", "包装破损了", "说明书看不懂呀")
    assert dlg.reason_phrases("收到的时候包装破损，包装破损") == ()
    with pytest.raises(ValueError, match="text must be a str"):
        dlg.reason_phrases(None)


def test_made_up_reasons_draw_half_from_given_phrases_and_nothing_else_changes():
    phrases = ("物流也很快", "说明书看不懂呀")
    plain = dlg.generate_dialogues(400, seed=5, random_values=True)
    assert plain == dlg.generate_dialogues(400, seed=5, random_values=True, reasons=())
    with_phrases = dlg.generate_dialogues(400, seed=5, random_values=True, reasons=phrases)
    reasons = [s["reason"] for d in with_phrases for _, s in d.goals if "reason" in s]
    share = sum(r in phrases for r in reasons) / len(reasons)
    assert len(reasons) > 50 and 0.35 < share < 0.65
    assert with_phrases == dlg.generate_dialogues(400, seed=5, random_values=True, reasons=phrases)
    with pytest.raises(ValueError, match="reasons needs random_values=True"):
        dlg.generate_dialogues(3, reasons=phrases)
    with pytest.raises(ValueError, match="reasons must be a tuple of non-empty str"):
        dlg.generate_dialogues(3, random_values=True, reasons=["物流也很快"])
