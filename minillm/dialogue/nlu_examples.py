"""Training examples for the NLU: a user message, the assistant message before it (its context), the
turn's intent and the character spans of the slot values in it.

Shop turns come from the synthetic dialogues (some with a clause of a real review before or after
them), answers to a confirmation or another question (affirm / deny, with or without the right
value) from the tables below, and out-of-domain talk from real Chinese text: CrossWOZ travellers'
requests and chatterbot-corpus chit-chat, plus everyday questions that mention a city, a date or a
product. Product reviews are not used as out-of-domain talk: what a review says ("快递太慢",
"质量很差") is what a shopper says to customer service. Every source is split by position, so the
held-out examples use phrasings and sentences never seen in training.
"""

from __future__ import annotations

import dataclasses
import random
import re
from dataclasses import dataclass

from minillm.data.chatterbot import chatterbot_conversations
from minillm.data.corpus import load_corpus
from minillm.data.crosswoz import crosswoz_templates, dialogue_acts, placeholders
from minillm.data.dialogue import (
    SPLITS,
    Dialogue,
    generate_dialogues,
    random_slot_value,
    reason_phrases,
    value_pool,
)
from minillm.dialogue.lexicon import LEXICON
from minillm.dialogue.replies import REPLIES
from minillm.dialogue.schema import SLOTS, TASK_INTENTS, TURN_INTENTS

__all__ = ["Example", "nlu_examples", "spans_of"]

_HELDOUT_EVERY = 4


@dataclass(frozen=True)
class Example:
    """One user turn: what the assistant said before, what the user typed, and its labels."""

    context: str
    text: str
    intent: str
    spans: tuple[tuple[str, int, int], ...] = ()  # (slot, start, end) into text

    @property
    def slots(self) -> dict[str, str]:
        """The slot values, as the text spells them."""
        return {slot: self.text[i:j] for slot, i, j in self.spans}


def spans_of(text: str, values: dict[str, str]) -> tuple[tuple[str, int, int], ...]:
    """Where each value first occurs in ``text``, longest value first so that no two overlap."""
    taken: list[tuple[int, int]] = []
    spans = []
    for slot, value in sorted(values.items(), key=lambda kv: -len(kv[1])):
        start = text.find(value)
        while start >= 0 and any(start < j and i < start + len(value) for i, j in taken):
            start = text.find(value, start + 1)
        if start < 0:
            raise ValueError(f"{slot} value {value!r} is not in {text!r}")
        taken.append((start, start + len(value)))
        spans.append((slot, start, start + len(value)))
    return tuple(sorted(spans, key=lambda s: s[1]))


def _split(items, split: str) -> list:
    """Every ``_HELDOUT_EVERY``-th item is held out, the rest are for training."""
    held = split == "heldout"
    return [x for i, x in enumerate(items) if ((i + 1) % _HELDOUT_EVERY == 0) == held]


# What the assistant says before asking for a yes or a no, by task; and its other questions.
_CONFIRMS = {k.split(":")[1]: v for k, v in REPLIES.items() if k.startswith("confirm:")}
_OTHER_CONTEXTS = [k for k in REPLIES if k.startswith(("request:", "inform:", "execute:"))]
_AFFIRMS = [
    "对",
    "是的",
    "确认",
    "嗯",
    "嗯嗯",
    "没错",
    "对的",
    "好",
    "好的",
    "可以",
    "行",
    "没问题",
    "确认无误",
    "是",
    "对对对",
    "就这样",
    "ok",
    "OK",
    "好滴",
    "嗯对",
    "没错没错",
    "是这样",
    "可以的",
    "对，办吧",
    "确定",
    "确定的",
    "好的麻烦了",
    "嗯，确认",
    "行，就这么办",
    "对的没问题",
    "yes",
    "是的是的",
    "嗯嗯对",
    "好嘞",
    "确认一下没错",
    "办吧",
    "可以可以",
    "对头",
    "冇问题",
    "就按这个来",
]
_DENIES = [
    "不对",
    "不是",
    "错了",
    "不是这个",
    "不对不对",
    "搞错了",
    "不是的",
    "不对哦",
    "错了错了",
    "有问题",
    "不确认",
    "先别",
    "等一下，不对",
    "不行",
    "不要",
    "不是这样",
    "弄错了",
    "不对吧",
    "没说这个",
    "不是哦",
    "别办了",
    "不对，写错了",
    "取消",
    "算了，先不要",
]
_DENY_WITH_VALUE = {
    "order_id": (
        "不对，订单号是{order_id}",
        "错了，是{order_id}",
        "不是这个单，是{order_id}",
        "订单号应该是{order_id}",
        "不对不对，{order_id}才对",
        "号码错了，{order_id}",
        "不是，我的订单是{order_id}",
        "搞错了 是{order_id}这个",
    ),
    "city": (
        "不对，是{city}",
        "啊不对，是{city}",
        "不是{wrong}，是{city}",
        "错了，改到{city}",
        "城市写错了，应该是{city}",
        "不是这里，是{city}",
        "不对，我要改成{city}",
        "{city}，不是{wrong}",
    ),
    "reason": (
        "不对，原因是{reason}",
        "不是这个原因，是{reason}",
        "原因写错了，{reason}",
        "不对，主要是{reason}",
        "错了，是因为{reason}",
        "不是，{reason}",
        "原因改一下：{reason}",
        "不对 其实是{reason}",
    ),
}
# Values given together, without naming a task, usually after a request for one of them.
_INFORMS = (
    "订单号{order_id}，原因是{reason}",
    "{order_id}，{reason}",
    "单号{order_id}，改到{city}",
    "{order_id} 送{city}",
    "订单{order_id}，地址改成{city}",
    "{reason}，订单是{order_id}",
    "改到{city}吧，订单号{order_id}",
    "是{order_id}，因为{reason}",
)
# The same question again for another value, right after an answer ("那拉萨呢").
_FOLLOW_UPS = {
    "shipping_time": (
        "那{city}呢",
        "{city}呢？",
        "换成{city}要几天",
        "那到{city}呢",
        "{city}的话呢",
    ),
    "business_hours": ("那{date}呢", "{date}呢？", "{date}的话呢", "换成{date}呢", "那{date}几点"),
    "product_recommendation": (
        "那{product}呢",
        "{product}有吗",
        "换成{product}呢",
        "{product}呢？",
    ),
    "order_status": (
        "那{order_id}呢",
        "还有一个{order_id}",
        "{order_id}这个呢",
        "再查下{order_id}",
    ),
}
# Everyday questions a shop cannot answer, naming a city, a date or a product on purpose: a value
# alone does not make a request for the shop.
_OUT_OF_DOMAIN = (
    "{city}{date}天气怎么样",
    "{date}{city}会下雨吗",
    "{city}有什么好玩的地方",
    "{city}有什么好吃的",
    "从{city}坐高铁要多久",
    "{date}是星期几",
    "{date}放假吗",
    "{date}适合出去玩吗",
    "你觉得{product}好用吗",
    "{product}是谁发明的",
    "给我讲个笑话",
    "帮我写一首诗",
    "一加一等于几",
    "3乘以7是多少",
    "你叫什么名字",
    "你是机器人吗",
    "今天心情不好",
    "推荐一部电影",
    "帮我翻译一句英语",
    "python怎么写循环",
    "现在几点了",
    "你喜欢什么颜色",
    "世界上最高的山是哪座",
    "怎么做红烧肉",
    "给我唱首歌吧",
    "你能陪我聊聊天吗",
    "帮我订一张去{city}的机票",
    "{city}到{wrong}多远",
    "明年是什么年",
    "帮我算一下房贷",
    "哪个股票会涨",
    "你会下棋吗",
)
_NOISE = ("", "", "", "", "~", "!", "…", " 😊", "！！", "？？", "啊", "呢")
# Ways of saying thanks, goodbye or "that's all", beyond the dialogues' own.
_CLOSINGS = (
    "好的谢谢", "ok谢谢", "OK 谢了", "thanks", "thank you", "3q", "谢谢亲", "好的 知道了", "了解了",
    "懂了", "行吧", "好 那先这样", "没事了", "没问题了 谢谢", "就这些", "那就这样吧", "好 我去下单",
    "行 我再看看", "好哒", "收到 👍", "👍", "🙏", "👌", "好的👌", "谢谢🙏", "ok", "okk", "嗯嗯好的 拜",
    "bye", "88", "拜了", "再会", "回头聊", "辛苦了", "麻烦你了 谢谢", "多谢客服", "好的 辛苦",
    "谢谢 没别的事了", "那我等着", "好 那我等通知", "晓得了", "thx", "ty", "好的呢", "嗯 好",
    "可以了 谢谢", "ok了", "感恩", "谢谢啊 再见", "好 先这样吧", "👍👍👍", "嗯嗯 知道啦",
)  # fmt: skip


def _fill(template: str, rng: random.Random, split: str) -> tuple[str, dict[str, str]]:
    """Fill a template's fields with made-up (train) or held-out pool values; ``wrong`` is a
    second city that is not a slot value."""
    values = {}
    for name in re.findall(r"{(\w+)}", template):
        if name == "wrong":
            values[name] = rng.choice(value_pool("city", "train"))
        elif split == "train":
            values[name] = random_slot_value(name, rng)
        else:
            values[name] = (
                rng.choice(value_pool(name, "heldout"))
                if name != "order_id"
                else (random_slot_value("order_id", rng))
            )
    return template.format_map(values), {k: v for k, v in values.items() if k in SLOTS}


def _relexicalise(dialogue: Dialogue, rng: random.Random) -> Dialogue:
    """The dialogue with its made-up cities, products and dates replaced by words of the lexicon."""
    new = {
        value: rng.choice(LEXICON[slot])
        for _, slots in dialogue.goals
        for slot, value in slots.items()
        if slot in LEXICON
    }

    def sub(text: str) -> str:
        for old, value in new.items():
            text = text.replace(old, value)
        return text

    turns = tuple(
        dataclasses.replace(
            t, text=sub(t.text), slots={k: new.get(v, v) for k, v in t.slots.items()}
        )
        for t in dialogue.turns
    )
    return dataclasses.replace(dialogue, turns=turns)


def _dialogue_examples(n: int, seed: int, split: str) -> list[Example]:
    """Every user turn of ``n`` synthetic dialogues, with the assistant turn before it. Training
    dialogues take a third of their values from the train pools, a third from the wider lexicon
    of real cities, products and dates, and a third made up (random characters, and clauses of
    reviews for reasons), so that a value is recognised by where it stands and what kind of word
    it is, not by being one of a few known names."""
    if split == "train":
        reviews = load_corpus("chinese_reviews")
        made_up = {
            "random_values": True,
            "value_chars": reviews,
            "reasons": reason_phrases(reviews),
        }
        dialogues = generate_dialogues(n - n // 2, seed=seed, split=split, composed=True)
        dialogues += generate_dialogues(n // 2, seed=seed, split=split, composed=True, **made_up)
    else:
        dialogues = generate_dialogues(n, seed=seed, split=split)
    examples = []
    for dialogue in dialogues:
        context = ""
        for turn in dialogue.turns:
            if turn.role == "assistant":
                context = turn.text
                continue
            intent = "inform" if turn.act == "inform_slot" else turn.intent
            spans = spans_of(turn.text, turn.slots)
            examples.append(Example(context, turn.text, intent, spans))
    if split == "train":
        examples = _with_real_text(examples, random.Random(seed), made_up["reasons"])
    return examples


_JOINERS = (" ", "，", "。", "！", "，", "")


def _with_real_text(
    examples: list[Example], rng: random.Random, clauses: tuple[str, ...], share: float = 0.3
) -> list[Example]:
    """``share`` of the requests and values with a clause of real text before or after them
    ("都一个礼拜了还没到 不要了 退款吧"). Shoppers say more than their request; were real text
    only ever out of domain, "unlike the templates" would be learned as "out of domain"."""
    out = []
    for e in examples:
        if (e.intent in TASK_INTENTS or e.intent == "inform") and rng.random() < share:
            clause, joiner = rng.choice(clauses), rng.choice(_JOINERS)
            if rng.random() < 0.6:
                shift = len(clause) + len(joiner)
                spans = tuple((slot, i + shift, j + shift) for slot, i, j in e.spans)
                e = dataclasses.replace(e, text=clause + joiner + e.text, spans=spans)
            else:
                e = dataclasses.replace(e, text=e.text + joiner + clause)
        out.append(e)
    return out


def _answer_context(template: str, rng: random.Random, split: str) -> str:
    """An answer the assistant gave, its fields filled with values and plausible facts."""
    facts = {"product": "商品", "status": "运输中", "days": "3", "hours": "9:00-21:00", "name": "好物",
             "pick": "口碑优选款", "rating": "4.8", "price_yuan": "199"}  # fmt: skip
    fields = re.findall(r"{(\w+)}", template)
    values = {
        f: _fill("{" + f + "}", rng, split)[0]
        if f in SLOTS
        else facts.get(f, str(rng.randint(1, 99)))
        for f in fields
    }
    return template.format_map(values)


def _confirmation_examples(n: int, rng: random.Random, split: str) -> list[Example]:
    """Answers to a confirmation (yes, no, no with the right value), bare values, and the same
    question again after an answer."""
    affirms, denies = _split(_AFFIRMS, split), _split(_DENIES, split)
    with_value = {slot: _split(t, split) for slot, t in _DENY_WITH_VALUE.items()}
    informs = _split(_INFORMS, split)
    follow_ups = {task: _split(t, split) for task, t in _FOLLOW_UPS.items()}
    examples = []
    for _ in range(n):
        task = rng.choice(list(_CONFIRMS))
        context, _ = _fill(_CONFIRMS[task], rng, split)
        kind = rng.random()
        if kind < 0.55 and rng.random() < 0.25:  # a yes or no is one after any question too
            context = _answer_context(REPLIES[rng.choice(_OTHER_CONTEXTS)], rng, split)
        if kind < 0.35:
            text, intent, values = rng.choice(affirms), "affirm", {}
        elif kind < 0.55:
            text, intent, values = rng.choice(denies), "deny", {}
        elif kind < 0.85:
            slot = rng.choice([s for s in ("order_id", "city", "reason") if s in _CONFIRMS[task]])
            text, values = _fill(rng.choice(with_value[slot]), rng, split)
            intent = "deny"
        elif kind < 0.93:
            text, values = _fill(rng.choice(informs), rng, split)
            intent, context = "inform", ""
        else:
            task = rng.choice(list(follow_ups))
            text, values = _fill(rng.choice(follow_ups[task]), rng, split)
            context = _answer_context(REPLIES[f"inform:{task}"], rng, split)
            intent = "inform"
        text += rng.choice(_NOISE) if intent != "inform" else ""
        examples.append(Example(context, text, intent, spans_of(text, values)))
    return examples


def _crosswoz_examples(split: str) -> list[Example]:
    """CrossWOZ user turns: greetings and thanks as such, travel requests as out of domain. Each
    distinct template is one example, split by position, so no text is in both splits."""
    labelled: dict[str, str] = {}
    for source in ("manual", "auto"):
        for act, templates in sorted(crosswoz_templates("user", source).items()):
            kinds = {intent + "+" + slot for intent, _, slot in dialogue_acts(act)}
            if kinds <= {"General+greet+none"}:
                intent = "greeting"
            elif kinds <= {"General+thank+none", "General+bye+none"}:
                intent = "thanks_bye"
            elif any(k.startswith("General") for k in kinds):
                continue
            else:
                intent = "out_of_domain"
            for template in templates:
                labelled.setdefault(template, intent)
    rng = random.Random(f"crosswoz:{split}")
    examples = []
    for template, intent in _split(list(labelled.items()), split):
        text = template
        for p in placeholders(template):
            text = text.replace(f"[{p}]", random_slot_value("product", rng), 1)
        examples.append(Example("", text, intent))
    return examples


def _chatterbot_examples(split: str) -> list[Example]:
    """Chit-chat, each distinct line once: the opening lines of the greetings file greet, the
    rest is out of domain."""
    labelled: dict[str, str] = {}
    for category, conversations in sorted(chatterbot_conversations().items()):
        for conversation in conversations:
            for k, line in enumerate(conversation):
                if category != "greetings":
                    labelled.setdefault(line, "out_of_domain")
                elif k == 0:
                    labelled.setdefault(line, "greeting")
    return [Example("", line, intent) for line, intent in _split(list(labelled.items()), split)]


def _closing_examples(n: int, rng: random.Random, split: str) -> list[Example]:
    """Thanks and goodbyes after an answer or mid-task: the shopper is done for now."""
    closings = _split(_CLOSINGS, split)
    contexts = ("", *(_answer_context(REPLIES[k], rng, split) for k in REPLIES if ":" in k))
    return [Example(rng.choice(contexts), rng.choice(closings), "thanks_bye") for _ in range(n)]


def _everyday_examples(n: int, rng: random.Random, split: str) -> list[Example]:
    """Everyday questions, some after an assistant message (people change the subject)."""
    templates = _split(_OUT_OF_DOMAIN, split)
    examples = []
    for _ in range(n):
        text, _ = _fill(rng.choice(templates), rng, split)
        context = rng.choice(("", "请提供一下您的订单号。", "请问是哪个城市？"))
        examples.append(Example(context, text + rng.choice(_NOISE), "out_of_domain"))
    return examples


def nlu_examples(split: str = "train", dialogues: int = 3000, seed: int = 0) -> list[Example]:
    """The NLU's examples of one split, shuffled: the user turns of ``dialogues`` synthetic
    dialogues (made-up values in training, held-out phrasings and values otherwise), then answers
    to confirmations and out-of-domain talk in proportion."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = random.Random(f"nlu:{split}:{seed}")
    examples = _dialogue_examples(dialogues, seed, split)
    examples += _confirmation_examples(len(examples) // 5, rng, split)
    shop = len(examples)
    travel = _crosswoz_examples(split)
    examples += [e for e in travel if e.intent != "out_of_domain"]
    travel = [e for e in travel if e.intent == "out_of_domain"]
    examples += rng.sample(travel, min(len(travel), shop // 5))
    examples += _chatterbot_examples(split) + _closing_examples(shop // 15, rng, split)
    examples += _everyday_examples(shop // 10, rng, split)
    assert all(e.intent in TURN_INTENTS for e in examples)
    rng.shuffle(examples)
    return examples
