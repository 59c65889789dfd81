"""Checks for the exercises of chapter 1 (背景介绍)."""

from __future__ import annotations

import math
from collections import Counter

from minillm.exercises import run_check

_TEXT = "床前明月光，疑是地上霜。举头望明月，低头思故乡。明月几时有？"


def _reference_next_counts(text: str, prev: str) -> Counter:
    return Counter(b for a, b in zip(text, text[1:]) if a == prev)


def check_next_char_counts(fn) -> None:
    """Exercise 1: ``fn(text, prev)`` counts which characters follow ``prev`` in ``text``."""

    def check():
        for prev in ["明", "月", "头", "？", "雪"]:
            got = Counter(fn(_TEXT, prev))
            want = _reference_next_counts(_TEXT, prev)
            if got != want:
                return f"“{prev}”后面的字应为 {dict(want)}，你的结果是 {dict(got)}"
        return None

    run_check("练习 1 下一个字的计数", check)


def _lidstone_reference(train: list[str], val: list[str], alpha: float) -> float:
    """minillm's NGramLM (nltk.lm's conventions), an implementation apart from the reader's."""
    from minillm.ngram import NGramLM

    lm = NGramLM(2, "lidstone", gamma=alpha).fit(list(poem) for poem in train)
    return lm.perplexity(list(poem) for poem in val)


def check_alpha_curve(fn) -> bool:
    """Exercise 2: ``fn(train, val, alphas)`` is the validation perplexity of the add-alpha bigram
    model of ``train`` for each alpha, compared with ``NGramLM(2, "lidstone", gamma=alpha)``.
    Returns whether it passed, so that a cell can go on to use the function."""
    poems = ["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"]
    cases = [
        (poems, ["明月光", "低头望故乡"], [0.01, 0.1, 1.0]),
        (poems, ["春眠不觉晓"], [0.5]),  # characters never seen in training: <UNK>
        (poems, ["", "月"], [0.001, 2.0]),  # an empty poem still has the pair <s> </s>
        (["明月明月明"], ["月明", "明明明"], [0.2, 0.05]),
    ]

    def check():
        for train, val, alphas in cases:
            got = fn(list(train), list(val), list(alphas))
            if not isinstance(got, (list, tuple)) or len(got) != len(alphas):
                return f"应返回与 alphas 等长的列表（每个 α 一个困惑度），得到 {got!r}"
            for alpha, value in zip(alphas, got):
                want = _lidstone_reference(train, val, alpha)
                if not isinstance(value, (int, float)) or not math.isclose(
                    value, want, rel_tol=1e-9
                ):
                    return (
                        f"训练 {train}、验证 {val}、α={alpha} 时困惑度应为 {want:.4f}，得到 {value!r}："
                        "每首诗前后补 <s> 和 </s>，验证集里训练时没见过的字读作 <UNK>，"
                        "|V| = 训练集里的字数 + 3（<s>、</s>、<UNK>），困惑度是 exp(平均的 −ln P)"
                    )
        return None

    return run_check("练习 2 在验证集上选 α", check)


# Exercise 3's small domain: the words that reveal an intent (the first intent that matches wins),
# the slots each intent needs, and the cities the bot knows.
INTENT_WORDS = {
    "查订单": ("到哪", "物流", "查一下"),
    "问配送": ("多久", "几天"),
    "退货": ("退货", "退款"),
}
INTENT_SLOTS = {"查订单": ("订单号",), "问配送": ("城市",), "退货": ("订单号",)}
CITIES = ("北京", "上海", "杭州", "成都", "南宁", "广州")

# Scripted conversations with the state after every user message, worked out by hand from the rules.
_DIALOGUES = [
    [
        ("你好", {"intent": None, "slots": {}}),
        ("我的快递到哪了", {"intent": "查订单", "slots": {}}),
        ("订单号是7238787715", {"intent": "查订单", "slots": {"订单号": "7238787715"}}),
        ("不是7238787715，是6283911979", {"intent": "查订单", "slots": {"订单号": "6283911979"}}),
        ("算了，我要退货", {"intent": "退货", "slots": {"订单号": "6283911979"}}),
        ("好的谢谢", {}),
        ("你好", {"intent": None, "slots": {}}),
    ],
    [
        ("寄到杭州要几天", {"intent": "问配送", "slots": {"城市": "杭州"}}),
        ("不是杭州", {"intent": "问配送", "slots": {}}),
        ("成都", {"intent": "问配送", "slots": {"城市": "成都"}}),
        ("我的订单到哪了", {"intent": "查订单", "slots": {}}),
        ("电话13800138000打不通", {"intent": "查订单", "slots": {}}),
        ("订单7238787715，不是6283911979", {"intent": "查订单", "slots": {"订单号": "7238787715"}}),
        ("物流太慢了", {"intent": "查订单", "slots": {"订单号": "7238787715"}}),
        ("再见", {}),
    ],
    [
        ("不是成都，是南宁，要几天能到", {"intent": "问配送", "slots": {"城市": "南宁"}}),
        ("先寄北京再寄上海", {"intent": "问配送", "slots": {"城市": "上海"}}),
        ("退款订单6283911979", {"intent": "退货", "slots": {"订单号": "6283911979"}}),
        ("不是广州", {"intent": "退货", "slots": {"订单号": "6283911979"}}),  # nothing to correct
        ("寄到广州", {"intent": "退货", "slots": {"订单号": "6283911979", "城市": "广州"}}),
    ],
]


def _same_state(got, want) -> bool:
    if want == {}:
        return got in ({}, {"intent": None, "slots": {}})
    return (
        isinstance(got, dict)
        and got.get("intent") == want["intent"]
        and got.get("slots") == want["slots"]
    )


def check_dialogue_state(fn) -> None:
    """Exercise 3: ``fn(state, utterance)`` updates {"intent", "slots"} from one user message:
    thanks clear it, a new intent keeps only its own slots, the last mention of a slot value wins
    and a value after 不是 is a correction (it removes that value if it is the current one)."""
    import copy

    def check():
        for dialogue in _DIALOGUES:
            state: dict = {}
            for utterance, want in dialogue:
                before = copy.deepcopy(state)
                got = fn(state, utterance)
                if state != before:
                    return f"“{utterance}”：不要修改传入的 state，返回一个新的字典"
                if not _same_state(got, want):
                    return (
                        f"状态 {before} 收到“{utterance}”后应为 {want}，得到 {got!r}："
                        "谢谢/再见清空状态；换了意图只保留新意图用得到的槽位；"
                        "按出现的先后处理槽位值，紧跟在“不是”后面的值是更正"
                    )
                state = got
        return None

    run_check("练习 3 带更正的对话状态", check)


def _reference_sample(followers: dict, start: str, length: int, rng) -> str:
    """The sampling rule the exercise states, written out step by step."""
    import numpy as np

    text = start
    for _ in range(length):
        counts = followers.get(text[-1], {})
        if not counts:
            break
        candidates = sorted(counts)
        weights = np.array([counts[c] for c in candidates], dtype=float)
        text += candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))]
    return text


def check_sample_text(fn) -> bool:
    """Exercise 4: ``fn(followers, start, length, rng)`` extends ``start`` by sampling each next
    character in proportion to its count after the previous one, with the given generator.
    Returns whether it passed, so that a cell can go on to use the function."""
    import numpy as np

    followers = {
        "春": Counter({"风": 6, "草": 3, "色": 1}),
        "风": Counter({"吹": 2, "雨": 2, "。": 1}),
        "草": Counter({"色": 1}),
        "色": Counter({"新": 1}),
        "吹": Counter({"春": 1}),
        "雨": Counter({"。": 4, "春": 1}),
    }

    def check():
        if (got := fn(followers, "春", 0, np.random.default_rng(0))) != "春":
            return f"length=0 时应原样返回 start，得到 {got!r}"
        if (got := fn(followers, "新", 5, np.random.default_rng(0))) != "新":
            return f"最后一个字没有后继字时应停下、返回已有的文本，得到 {got!r}"
        if (got := fn(followers, "草", 2, np.random.default_rng(0))) != "草色新":
            return f"只有一个后继字时每一步都只能选它：应得到 '草色新'，得到 {got!r}"
        rng = np.random.default_rng(1)
        firsts = Counter(fn(followers, "春", 1, rng)[-1] for _ in range(3000))
        for ch, count in followers["春"].items():
            share, want = firsts[ch] / 3000, count / 10
            if abs(share - want) > 0.04:
                return (
                    f"“春”之后“{ch}”应以约 {want:.0%} 的概率出现（次数 {count} / 10），"
                    f"你的函数抽到了 {share:.0%}：概率要与次数成正比"
                )
        for seed, start, length in [(0, "春", 12), (7, "明春", 20), (42, "雨", 30)]:
            want = _reference_sample(followers, start, length, np.random.default_rng(seed))
            got = fn(followers, start, length, np.random.default_rng(seed))
            if got != want:
                return (
                    f"用 default_rng({seed}) 从 {start!r} 生成 {length} 步应得到 {want!r}，得到 {got!r}："
                    "候选字按 sorted 排序，每步恰好调用一次 rng.choice(len(候选), p=概率)"
                )
        return None

    return run_check("练习 4 按计数采样生成文本", check)


def _reference_unseen_rate(train: list[str], val: list[str], n: int) -> float:
    """Brute force: an n-gram of a validation text is seen if it is a substring of some training
    text (texts joined by a newline, a character that no n-gram contains)."""
    joined = "\n".join(train)
    grams = [text[i : i + n] for text in val for i in range(len(text) - n + 1)]
    if not grams:
        return 0.0
    return sum(gram not in joined for gram in grams) / len(grams)


def check_unseen_rate(fn) -> bool:
    """Exercise 5: ``fn(train, val, n)`` is the share of the n-grams of the validation texts
    (counted with repeats, never across two texts) that occur in no training text. Returns whether
    it passed."""
    poems = ["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"]
    cases = [
        (poems, ["明月光"], 1),
        (poems, ["明月光", "望明月", "举头望故乡"], 2),
        (poems, ["明月明月明月"], 2),  # repeats count every time
        (["春风", "花开"], ["风花"], 2),  # 风花 spans two training texts: not seen
        (poems, ["床前明月光", "思故乡"], 3),
        (poems, ["明月", "光"], 3),  # no 3-gram at all: 0.0
        (poems, ["明月", "天涯共此时"], 2),
    ]

    def check():
        for train, val, n in cases:
            want = _reference_unseen_rate(train, val, n)
            got = fn(list(train), list(val), n)
            if not isinstance(got, (int, float)) or not math.isclose(got, want, abs_tol=1e-12):
                return (
                    f"训练 {train}、验证 {val}、n={n} 时应为 {want:.4f}，得到 {got!r}："
                    "按出现次数计（重复的算多次），n 元组不跨越两首诗，验证集没有 n 元组时返回 0.0"
                )
        return None

    return run_check("练习 5 没见过的 n 元组", check)
