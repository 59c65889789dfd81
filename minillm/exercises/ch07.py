"""Checks for the exercises of chapter 7 (工具和资源推荐).

Each check compares the reader's function with a reference written here another way, on cases with
hand-worked answers and on random inputs: C4's cleaning rules carried over to Chinese text, filling a
CrossWOZ template whose act repeats a slot, (context, response) pairs from a Reddit-style comment tree,
whole-word masking under a budget of characters, and the α at which GNMT's length penalty lets a longer
candidate win.
"""

from __future__ import annotations

import math
import random
import re

from minillm.exercises import run_check

# ---------------------------------------------------------------------------------------------
# 练习 1: C4's rules for Chinese text
# ---------------------------------------------------------------------------------------------
ZH_END_MARKS = "。！？”"
ZH_SENTENCE_MARKS = "。！？"
ZH_MIN_CHARS = 10


def _c4_zh_reference(page: str) -> str | None:
    """The rules of the exercise, written as one pass over the characters of each line."""
    lowered = page.lower()
    if "lorem ipsum" in lowered or "{" in page:
        return None
    kept, sentences = [], 0
    for raw in page.split("\n"):
        line = raw.strip()
        if len(line) < ZH_MIN_CHARS or not line or line[-1] not in ZH_END_MARKS:
            continue
        if "javascript" in line.lower():
            continue
        kept.append(line)
        previous = ""
        for ch in line:
            if ch in ZH_SENTENCE_MARKS and previous not in ZH_SENTENCE_MARKS:
                sentences += 1
            previous = ch
    return "\n".join(kept) if sentences >= 3 else None


_ZH_GOOD = (
    "这家酒店的位置很好，离地铁站只有五分钟。",
    "房间干净整洁，服务员的态度也非常热情！",
    "早餐品种不多，但是味道还算可以吧？",
    "他说：“下次出差还会住这里。”",
    "物流很快，包装完好无损，书的纸张质量不错。",
    "总的来说性价比很高！！推荐给大家。",
)
_ZH_NOISE = (
    "首页 | 关于我们 | 联系方式",
    "版权所有 © 2024",
    "请启用 JavaScript 以浏览本页面的全部内容。",
    "点击这里订阅！",
    "上一页 下一页",
    "分享到微博",
    "登录后查看更多精彩评论：",
)


def _random_zh_page(rng: random.Random) -> str:
    lines = rng.sample(_ZH_GOOD, rng.randint(0, 4)) + rng.sample(_ZH_NOISE, rng.randint(0, 4))
    rng.shuffle(lines)
    if rng.random() < 0.15:
        lines.insert(rng.randint(0, len(lines)), "Lorem ipsum dolor sit amet")
    if rng.random() < 0.15:
        lines.insert(rng.randint(0, len(lines)), "var x = {a: 1};")
    pad = ["", " ", "\t"]
    return "\n".join(rng.choice(pad) + line + rng.choice(pad) for line in lines)


def check_c4_clean_zh(fn) -> None:
    """``fn(page)`` applies C4's line and page rules, carried over to Chinese, and returns the cleaned
    page (kept lines joined by "\\n") or None for a dropped page."""
    g = _ZH_GOOD
    cases = [
        (
            "正文三行加导航、短行和 JavaScript 提示",
            "\n".join([_ZH_NOISE[0], g[0], _ZH_NOISE[2], g[1], "短句。", g[2]]),
            "\n".join(g[:3]),
        ),
        (
            "lorem ipsum 出现在一条本会被删掉的行里，整页照样丢弃",
            "\n".join([*g[:4], "LOREM IPSUM 占位"]),
            None,
        ),
        ("页面含花括号", "\n".join([*g[:4], "function f() { return 0 }"]), None),
        ("只剩两句正文", "\n".join([g[0], g[1], _ZH_NOISE[1]]), None),
        ("连写的三个感叹号只算一句", "好的好的，就这样吧！！！", None),
        (
            "两个感叹号连写也只算一句：两行一共三句",
            "\n".join([g[5], "好的好的，就这样吧！！！"]),
            "\n".join([g[5], "好的好的，就这样吧！！！"]),
        ),
        (
            "以后引号结尾的行保留，里面的句号算一句",
            "\n".join([g[3], g[0], g[1]]),
            "\n".join([g[3], g[0], g[1]]),
        ),
        (
            "行首行尾的空白去掉；恰好 10 个字的行保留、9 个字的删掉",
            "\n".join(["  " + g[0] + " ", "一二三四五六七八九。", "一二三四五六七八。", g[2]]),
            "\n".join([g[0], "一二三四五六七八九。", g[2]]),
        ),
        ("空页面", "", None),
    ]

    def check():
        for name, page, want in cases:
            if _c4_zh_reference(page) != want:  # the hand-worked answers and the reference agree
                raise AssertionError(f"reference disagrees on {name}")
            got = fn(page)
            if got != want:
                return f"情形“{name}”：应返回 {want!r}，你的结果是 {got!r}"
        rng = random.Random(7)
        for _ in range(300):
            page = _random_zh_page(rng)
            want, got = _c4_zh_reference(page), fn(page)
            if got != want:
                return f"页面 {page!r} 应返回 {want!r}，你的结果是 {got!r}"
        return None

    run_check("练习 1 中文网页的 C4 式清洗", check)


# ---------------------------------------------------------------------------------------------
# 练习 2: a CrossWOZ template whose act names a slot more than once
# ---------------------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\[([^\[\]]+)\]")


def _lexicalise_act_reference(template: str, act: str, values: list[str]) -> str:
    """Name every placeholder spelling the act allows, then fill with minillm's ``lexicalise``."""
    from minillm.data.crosswoz import lexicalise

    triples = act.split("*")
    if len(values) != len(triples):
        raise ValueError("one value per triple")
    mapping: dict[str, str] = {}
    seen: dict[str, int] = {}
    for triple, value in zip(triples, values):
        seen[triple] = seen.get(triple, 0) + 1
        mapping.setdefault(triple, value)
        mapping[f"{triple}{seen[triple]}"] = value
    return lexicalise(template, mapping)  # raises ValueError for a placeholder the act lacks


_ACT_CASES = [
    (
        "两家推荐，编号 1、2 与它们在 act 里出现的先后对应",
        "您好，这两家酒店评分都在4.5分以上，[Recommend+酒店+名称1]是[Inform+酒店+酒店类型]的，[Recommend+酒店+名称2]是舒适型的。",
        "General+greet+none*Inform+酒店+酒店类型*Recommend+酒店+名称*Recommend+酒店+名称",
        ["", "高档型", "北京饭店", "京伦饭店"],
        "您好，这两家酒店评分都在4.5分以上，北京饭店是高档型的，京伦饭店是舒适型的。",
    ),
    (
        "编号的顺序可以与句中的先后不同",
        "周边的餐馆有[Inform+酒店+周边餐馆2]和[Inform+酒店+周边餐馆1]。",
        "Inform+酒店+周边餐馆*Inform+酒店+周边餐馆",
        ["全聚德", "东来顺"],
        "周边的餐馆有东来顺和全聚德。",
    ),
    (
        "不带编号的占位符出现两次，都用第一个值",
        "你好，我想去[Inform+景点+名称]游玩。你能告诉我[Inform+景点+名称]周边有什么好的餐馆吗？",
        "General+greet+none*Inform+景点+名称*Request+景点+周边餐馆",
        ["", "故宫", ""],
        "你好，我想去故宫游玩。你能告诉我故宫周边有什么好的餐馆吗？",
    ),
    (
        "四段式的三元组（槽位带取值）也能带编号",
        "最好有[Inform+酒店+酒店设施+是1]和[Inform+酒店+酒店设施+是2]的。",
        "Inform+酒店+酒店设施+是*Inform+酒店+酒店设施+是",
        ["会议室", "停车场"],
        "最好有会议室和停车场的。",
    ),
    ("没有占位符的模板原样返回", "好的，谢谢！", "General+thank+none", [""], "好的，谢谢！"),
    (
        "填进去的值里有方括号，不再被当作占位符",
        "车牌是[Inform+出租+车牌]。",
        "Inform+出租+车牌",
        ["京A[12345]"],
        "车牌是京A[12345]。",
    ),
]
_ACT_ERRORS = [
    ("值的个数与三元组的个数不同", "去[Inform+景点+名称]。", "Inform+景点+名称", []),
    ("占位符不在 act 里", "去[Inform+餐馆+名称]。", "Inform+景点+名称", ["故宫"]),
    (
        "编号超过了出现的次数",
        "[Recommend+酒店+名称3]",
        "Recommend+酒店+名称*Recommend+酒店+名称",
        ["甲", "乙"],
    ),
]


def check_lexicalise_act(fn) -> None:
    """``fn(template, act, values)`` fills ``[triple]`` and ``[triple k]`` placeholders from one value per
    triple of the act, in the act's order, and raises ValueError when it cannot."""

    def check():
        for name, template, act, values, want in _ACT_CASES:
            if _lexicalise_act_reference(template, act, values) != want:
                raise AssertionError(f"reference disagrees on {name}")
            got = fn(template, act, list(values))
            if got != want:
                return f"情形“{name}”：应得到 {want!r}，你的结果是 {got!r}"
        for name, template, act, values in _ACT_ERRORS:
            try:
                got = fn(template, act, list(values))
            except ValueError:
                continue
            return f"情形“{name}”应抛出 ValueError，你的函数却返回了 {got!r}"
        rng = random.Random(3)
        slots = [
            "Inform+景点+名称",
            "Recommend+餐馆+名称",
            "Inform+酒店+电话",
            "Request+地铁+出发地",
        ]
        for _ in range(200):
            triples = [rng.choice(slots) for _ in range(rng.randint(1, 5))]
            values = [f"值{i}" for i in range(len(triples))]
            names = sorted(set(triples)) + [
                f"{t}{k}" for t in set(triples) for k in range(1, triples.count(t) + 1)
            ]
            template = "，".join(f"[{rng.choice(names)}]" for _ in range(rng.randint(0, 4))) + "。"
            want = _lexicalise_act_reference(template, "*".join(triples), values)
            got = fn(template, "*".join(triples), list(values))
            if got != want:
                return f"模板 {template!r}、act {'*'.join(triples)!r}、值 {values} 应得到 {want!r}，你的结果是 {got!r}"
        return None

    run_check("练习 2 按 act 填充 CrossWOZ 模板", check)


# ---------------------------------------------------------------------------------------------
# 练习 3: (context, response) pairs from a comment tree
# ---------------------------------------------------------------------------------------------
GONE = ("[deleted]", "[removed]")


def _thread_pairs_reference(comments: list[dict], k: int) -> list[tuple[tuple[str, ...], str]]:
    """Walk up from each reply to the top of its thread (recursively, memoised), then cut the window."""
    by_id = {c["id"]: c for c in comments}
    chains: dict[str, tuple[str, ...]] = {}

    def chain(cid: str) -> tuple[str, ...]:  # texts from the top-level comment down to ``cid``
        if cid not in chains:
            c = by_id[cid]
            above = chain(c["parent"]) if c["parent"] is not None else ()
            chains[cid] = (*above, c["text"])
        return chains[cid]

    pairs = []
    for c in comments:
        if c["parent"] is None or c["text"] in GONE or c["score"] < 1:
            continue
        context = chain(c["parent"])[-k:]
        if not any(text in GONE for text in context):
            pairs.append((context, c["text"]))
    return pairs


def _thread(rows) -> list[dict]:
    return [{"id": i, "parent": p, "text": t, "score": s} for i, p, t, s in rows]


_THREAD = _thread(
    [
        ("a", None, "有人用过这款耳机吗？", 5),
        ("b", "a", "用了半年，音质不错。", 3),
        ("c", "b", "续航怎么样？", 2),
        ("d", "c", "一天一充，够用。", 4),
        ("e", "a", "[deleted]", 1),
        ("f", "e", "楼上说得对。", 2),
        ("g", "b", "我也觉得。", 0),
        ("h", None, "求推荐降噪耳机", 1),
        ("i", "h", "[removed]", 1),
        ("j", "d", "谢谢！", 1),
    ]
)
_THREAD_WANT = {
    1: [
        (("有人用过这款耳机吗？",), "用了半年，音质不错。"),
        (("用了半年，音质不错。",), "续航怎么样？"),
        (("续航怎么样？",), "一天一充，够用。"),
        (("一天一充，够用。",), "谢谢！"),
    ],
    2: [
        (("有人用过这款耳机吗？",), "用了半年，音质不错。"),
        (("有人用过这款耳机吗？", "用了半年，音质不错。"), "续航怎么样？"),
        (("用了半年，音质不错。", "续航怎么样？"), "一天一充，够用。"),
        (("续航怎么样？", "一天一充，够用。"), "谢谢！"),
    ],
}


def _random_thread(rng: random.Random) -> list[dict]:
    texts = ["好", "同意", "为什么？", "不对吧", "谢谢", "[deleted]", "[removed]", "哈哈"]
    rows = []
    for n in range(rng.randint(1, 25)):
        parent = None if n == 0 or rng.random() < 0.2 else rng.choice(rows)[0]
        rows.append((f"c{n}", parent, rng.choice(texts) + str(n), rng.randint(-2, 5)))
    # the marker comments must read exactly "[deleted]"/"[removed]"
    rows = [(i, p, t[: t.index("]") + 1] if t.startswith("[") else t, s) for i, p, t, s in rows]
    return _thread(rows)


def _pairs_differ(got, want) -> str | None:
    """None when ``got`` equals ``want`` (contexts as tuples), else the first difference in words."""
    got = [(tuple(c), r) for c, r in got]
    if got == want:
        return None
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return f"第 {i + 1} 对应为 {b}，你的是 {a}"
    return f"应有 {len(want)} 对，你给出了 {len(got)} 对"


def check_thread_pairs(fn) -> None:
    """``fn(comments, k)`` turns a comment tree into (context, response) pairs: the context is the last
    ``k`` comments on the path to the reply, oldest first; deleted/removed or low-score replies, and
    contexts holding a deleted/removed comment, are dropped."""

    def check():
        for k, want in _THREAD_WANT.items():
            if _thread_pairs_reference(_THREAD, k) != want:
                raise AssertionError(f"reference disagrees for k={k}")
            got = fn([dict(c) for c in _THREAD], k)
            if (hint := _pairs_differ(got, want)) is not None:
                return f"示例讨论串，k={k}：{hint}"
        rng = random.Random(11)
        for _ in range(200):
            thread, k = _random_thread(rng), rng.randint(1, 4)
            got = fn([dict(c) for c in thread], k)
            if (hint := _pairs_differ(got, _thread_pairs_reference(thread, k))) is not None:
                return f"讨论串 {thread}，k={k}：{hint}"
        return None

    run_check("练习 3 从回复树配对（上文, 回复）", check)


# ---------------------------------------------------------------------------------------------
# 练习 4: whole-word masking with a budget, as Google's BERT picks its masked positions
# ---------------------------------------------------------------------------------------------
def _whole_word_mask_reference(
    words: list[str], order: list[int], ratio: float = 0.15
) -> list[bool]:
    """Character spans first, then one pass over the spans in ``order`` that tracks the room left."""
    starts = [0]
    for word in words:
        starts.append(starts[-1] + len(word))
    n = starts[-1]
    mask = [False] * n
    room = max(1, round(ratio * n))
    for w in order:
        if room == 0:
            break
        span = range(starts[w], starts[w + 1])
        if len(span) <= room and any(words[w][j].isalnum() for j in range(len(span))):
            for j in span:
                mask[j] = True
            room -= len(span)
    return mask


# the review of §7.1.1 (请注意你们的发货……) as jieba cuts it
_REVIEW_WORDS = (  # noqa: SIM905
    "请 注意 你们 的 发货 ， 我 收到 了 2 本 一样 的 第五 本 ， 缺 第四 本 ， 真是太 遗憾 了 ， 整套书 全废 了 。"
).split()
_WWM_CASES = [
    (
        "名额只有 1 个字时，多字词一个也放不进去",
        ["南京市", "长江大桥"],
        [1, 0],
        0.15,
        [False] * 7,
    ),
    (
        "放不下的词跳过，接着看后面的词（不是停下）",
        ["今天", "天气", "很", "好", "，", "我们", "去", "公园", "。"],
        [2, 0, 3, 1, 4, 5, 6, 7, 8],
        0.15,  # 13 个字，名额 round(1.95) = 2：先“很”，“今天”放不下，再“好”
        [False, False, False, False, True, True, False, False, False, False, False, False, False],
    ),
    (
        "标点不参加，即使它排在最前面",
        ["，", "。", "好的", "谢谢"],
        [0, 1, 2, 3],
        0.5,  # 6 个字，名额 3：“好的”遮住后只剩 1 个名额，“谢谢”放不下
        [False, False, True, True, False, False],
    ),
    ("空句子", [], [], 0.15, []),
    (
        "正文那条网购评论（jieba 的分词），按原顺序尝试",
        _REVIEW_WORDS,
        list(range(len(_REVIEW_WORDS))),
        0.15,  # 41 个字，名额 round(6.15) = 6：请、注意、你们、的，正好 6 个字
        [True] * 6 + [False] * 35,
    ),
]


def _random_words(rng: random.Random) -> list[str]:
    pool = ["我", "们", "天", "气", "好", "。", "，", "！", "a", "1", " "]
    return [
        "".join(rng.choices(pool, k=rng.choice([1, 1, 2, 2, 3, 4])))
        for _ in range(rng.randint(0, 18))
    ]


def check_whole_word_mask(fn) -> None:
    """``fn(words, order, ratio)`` masks whole words, tried in ``order``, up to a budget of
    max(1, round(ratio × n)) characters, skipping punctuation-only words and words that no longer fit."""

    def verdict_on(words, order, ratio, want):
        got = fn(list(words), list(order), ratio)
        if not isinstance(got, list) or len(got) != len(want):
            return f"应返回长度为 {len(want)}（总字数）的列表，你的结果是 {got!r}"
        if [bool(m) for m in got] != want:
            budget = max(1, round(ratio * len(want)))
            return (
                f"词 {words}、顺序 {order}、ratio={ratio}（名额 {budget} 个字）："
                f"应遮住 {[i for i, m in enumerate(want) if m]} 号字，你遮住的是 "
                f"{[i for i, m in enumerate(got) if m]}（名额用 round；放不下的词跳过；纯标点的词不参加）"
            )
        return None

    def check():
        for name, words, order, ratio, want in _WWM_CASES:
            reference = _whole_word_mask_reference(words, order, ratio)
            if reference != want:
                raise AssertionError(f"reference disagrees on {name}")
            if (hint := verdict_on(words, order, ratio, reference)) is not None:
                return f"情形“{name}”：{hint}"
        rng = random.Random(5)
        for _ in range(300):
            words = _random_words(rng)
            order = rng.sample(range(len(words)), len(words))
            ratio = rng.choice([0.15, 0.15, 0.3, 0.5])
            if (
                hint := verdict_on(
                    words, order, ratio, _whole_word_mask_reference(words, order, ratio)
                )
            ) is not None:
                return hint
        return None

    run_check("练习 4 全词掩码的名额", check)


# ---------------------------------------------------------------------------------------------
# 练习 5: the α at which GNMT's length penalty lets the longer candidate win
# ---------------------------------------------------------------------------------------------
def _gnmt_score(candidate: tuple[int, float], alpha: float) -> float:
    length, log_p = candidate
    return log_p / ((5 + length) / 6) ** alpha


def _crossover_by_bisection(short, long) -> float:
    """The smallest α ≥ 0 with score(long) ≥ score(short), found numerically (the gap shrinks as α grows)."""
    wins = lambda alpha: _gnmt_score(long, alpha) >= _gnmt_score(short, alpha)  # noqa: E731
    if wins(0.0):
        return 0.0
    lo, hi = 0.0, 1.0
    while not wins(hi):
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if wins(mid) else (mid, hi)
    return hi


_CROSSOVER_CASES = [
    ("正文的短句与中等长度的候选", (6, -5.2), (12, -7.8)),
    ("正文的短句与长句", (6, -5.2), (20, -12.5)),
    ("长的候选本来就更好：α 取 0 即可", (5, -6.0), (8, -5.0)),
    ("两者对数概率相同：α = 0 时已经打平", (5, -4.0), (9, -4.0)),
    ("长度只差 1", (10, -3.0), (11, -3.3)),
]


def check_gnmt_crossover(fn) -> None:
    """``fn(short, long)``: the smallest α ≥ 0 at which GNMT's score log P / lp(Y) of the longer
    candidate reaches the shorter one's, compared with a bisection on the scores themselves."""

    def compare(short, long):
        got, want = fn(short, long), _crossover_by_bisection(short, long)
        if not isinstance(got, float | int) or not math.isclose(
            got, want, rel_tol=1e-7, abs_tol=1e-9
        ):
            return (
                f"short={short}, long={long} 时转折点应为 α={want:.6f}，你的结果是 {got!r}"
                "（用 GNMT 的 lp = ((5+|Y|)/6)^α；长的候选一开始就不差时返回 0）"
            )
        return None

    def check():
        for name, short, long in _CROSSOVER_CASES:
            if (hint := compare(short, long)) is not None:
                return f"情形“{name}”：{hint}"
        rng = random.Random(9)
        for _ in range(200):
            n = rng.randint(1, 30)
            short = (n, -rng.uniform(0.5, 20))
            long = (n + rng.randint(1, 30), -rng.uniform(0.5, 40))
            if (hint := compare(short, long)) is not None:
                return hint
        return None

    run_check("练习 5 长度惩罚的转折点", check)
