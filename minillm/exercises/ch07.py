"""Checks for the exercises of chapter 7 (工具和资源推荐).

Each check compares the reader's function with a reference written here another way, on cases with
hand-worked answers and on random inputs: C4's cleaning rules carried over to Chinese text, filling a
CrossWOZ template whose act repeats a slot, (context, response) pairs from a Reddit-style comment tree,
fairseq's label smoothing in torch's terms, and GNMT's length penalty.
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
# 练习 4 and 5: fairseq's label smoothing, GNMT's length penalty
# ---------------------------------------------------------------------------------------------
def check_torch_smoothing(fn) -> None:
    """``fn(epsilon, vocab_size)``: the ``label_smoothing`` that makes torch's cross-entropy equal
    fairseq's label-smoothed loss with ``epsilon``, checked by computing both losses."""
    import torch
    from torch.nn import functional as F

    def fairseq_loss(logits, target, eps):
        lprobs = F.log_softmax(logits, dim=-1)
        nll = -lprobs.gather(-1, target[:, None]).squeeze(-1)
        eps_i = eps / (logits.size(-1) - 1)
        return ((1.0 - eps - eps_i) * nll - eps_i * lprobs.sum(-1)).mean()

    def check():
        gen = torch.Generator().manual_seed(0)
        for eps, v in [(0.1, 10), (0.1, 32000), (0.2, 3), (0.0, 50)]:
            logits = torch.randn(16, v, generator=gen, dtype=torch.float64)
            target = torch.randint(v, (16,), generator=gen)
            got = fn(eps, v)
            if not isinstance(got, float | int) or not 0 <= got <= 1:
                return f"ε={eps}, V={v} 时应返回 0 到 1 之间的数，你的结果是 {got!r}"
            want = fairseq_loss(logits, target, eps)
            ours = F.cross_entropy(logits, target, label_smoothing=float(got))
            if not math.isclose(ours.item(), want.item(), rel_tol=1e-10, abs_tol=1e-12):
                return (
                    f"ε={eps}, V={v}：label_smoothing={got!r} 时 torch 的损失是 {ours.item():.10f}，"
                    f"fairseq 的是 {want.item():.10f}（比较两种写法里“真实类”和“其余各类”的系数）"
                )
        return None

    run_check("练习 4 两种标签平滑", check)


def check_gnmt_length_penalty(fn) -> None:
    """``fn(length, alpha)`` is GNMT's (and OpenNMT's) length penalty ((5 + |Y|) / 6) ** α."""

    def check():
        for length, alpha in [(1, 1.0), (6, 0.6), (20, 0.0), (37, 1.5)]:
            got, want = fn(length, alpha), (5 + length) ** alpha / (5 + 1) ** alpha
            if not math.isclose(got, want, rel_tol=1e-12):
                return f"|Y|={length}, α={alpha} 时应为 {want:.6f}，你的结果是 {got!r}"
        return None

    run_check("练习 5 GNMT 长度惩罚", check)
