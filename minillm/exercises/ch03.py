"""Checks for the exercises of chapter 3 (核心算法原理与具体操作步骤).

Each compares the reader's function with a reference computed another way: a full recount of the
pair counts after every merge and minillm's BPE trainer, Hugging Face's
``NoRepeatNGramLogitsProcessor``, a brute-force enumeration of finished sentences (and a plain
list-based beam search where the beam prunes), torch autograd, and the sentence-order pairs rebuilt
from the same random draws.
"""

from __future__ import annotations

import math
from collections import Counter

from minillm.exercises import run_check
from minillm.tokenizers.bpe import merge

# ---------------------------------------------------------------------------------------------
# 练习 1 增量式 BPE：一次合并只改动含有这一对的块


class _WatchedChunks(list):
    """The chunk table handed to the reader: every index read is recorded, iterating is refused."""

    def __init__(self, rows):
        super().__init__(rows)
        self.reads: set[int] = set()

    def __getitem__(self, index):
        if isinstance(index, slice):
            self.reads.update(range(*index.indices(len(self))))
        else:
            self.reads.add(index % len(self) if -len(self) <= index < len(self) else index)
        return super().__getitem__(index)

    def __iter__(self):
        raise RuntimeError("不要遍历全部块：用 where[pair] 找出含有这一对的块，只处理它们")


def _pairs(ids):
    return zip(ids, ids[1:])


def _recount(rows, freqs):
    """Pair counts and the pair -> chunks index, counted from scratch."""
    counts, where = Counter(), {}
    for i, ids in enumerate(rows):
        for p in _pairs(ids):
            counts[p] += freqs[i]
            where.setdefault(p, set()).add(i)
    return counts, where


def _tang_text(n_chars: int = 20_000) -> str:
    """The first ``n_chars`` of the training split of the Tang poems, as the chapter uses them."""
    from minillm.data import load_text, train_val_split

    poems = [line.split("\t")[2] for line in load_text("tang_poems").splitlines()]
    return train_val_split("\n".join(poems))[0][:n_chars]


def _drive_merges(fn, chunk_counts: dict[str, int], n_merges: int, every: int):
    """Train BPE with the reader's ``fn`` doing each merge; after a merge (every ``every`` merges
    and at the last) compare chunks, counts and index with a recount. Returns (merges, hint)."""
    strings = list(chunk_counts)
    shadow = [list(s.encode("utf-8")) for s in strings]  # our own copy, merged by us
    freqs = [chunk_counts[s] for s in strings]
    chunks = _WatchedChunks([list(ids) for ids in shadow])
    counts, where = _recount(shadow, freqs)
    merges = {}
    for k, new_id in enumerate(range(256, 256 + n_merges), start=1):
        live = {p: c for p, c in counts.items() if c > 0}
        if not live:
            break
        pair = max(live, key=lambda p: (live[p], p))
        holders = {i for i, ids in enumerate(shadow) if pair in set(_pairs(ids))}
        chunks.reads.clear()
        fn(chunks, freqs, counts, where, pair, new_id)
        merges[pair] = new_id
        stray = sorted(chunks.reads - holders)
        if stray:
            return merges, (
                f"第 {k} 次合并 {pair}：你读了第 {stray[0]} 块，它并不含这一对。只应读取 where[pair] "
                "中的块——这正是增量更新省时间的地方"
            )
        for i in holders:
            shadow[i] = merge(shadow[i], pair, new_id)
        if k % every and k != n_merges:
            continue
        wrong = [i for i in range(len(shadow)) if list.__getitem__(chunks, i) != shadow[i]]
        if wrong:
            i = wrong[0]
            return merges, (
                f"第 {k} 次合并 {pair} 之后，第 {i} 块应为 {shadow[i]}，你的结果是 "
                f"{list.__getitem__(chunks, i)}（从左到右、互不重叠地把这一对换成 new_id）"
            )
        want_counts, want_where = _recount(shadow, freqs)
        if any(c < 0 for c in counts.values()):
            return merges, f"第 {k} 次合并之后出现了负的计数：同一处相邻对被减了两次？"
        got_counts = {p: c for p, c in counts.items() if c}
        if got_counts != dict(want_counts):
            p = next(p for p in set(got_counts) | set(want_counts)
                     if got_counts.get(p, 0) != want_counts.get(p, 0))  # fmt: skip
            return merges, (
                f"第 {k} 次合并 {pair} 之后，相邻对 {p} 的计数应为 {want_counts.get(p, 0)}，你的是 "
                f"{got_counts.get(p, 0)}（先减去这个块旧的全部相邻对 × 频率，再加上新的；别忘了乘以频率）"
            )
        got_where = {p: set(s) for p, s in where.items() if s}
        if got_where != want_where:
            p = next(p for p in set(got_where) | set(want_where)
                     if got_where.get(p, set()) != want_where.get(p, set()))  # fmt: skip
            return merges, (
                f"第 {k} 次合并 {pair} 之后，where[{p}] 应为 {sorted(want_where.get(p, set()))[:8]}，"
                f"你的是 {sorted(got_where.get(p, set()))[:8]}（旧的相邻对要把这个块移出索引，新的要加进去）"
            )
    return merges, None


def check_merge_step(fn, text: str | None = None) -> None:
    """``fn(chunks, freqs, counts, where, pair, new_id)`` merges ``pair`` in the chunks that hold
    it and updates ``counts`` and ``where`` in place. Checked against a recount after the merges,
    and the merges it leads to against ``BPETokenizer.train`` on ``text`` (20,000 characters of
    Tang poems by default), with reads of chunks outside ``where[pair]`` refused."""
    import regex

    from minillm.tokenizers import BPETokenizer
    from minillm.tokenizers.bpe import SPLIT_PATTERN

    def check():
        toy = {"low": 5, "lower": 2, "newest": 6, "widest": 3}  # Sennrich et al.'s corpus
        small = [
            ({"aaaa": 1, "aa": 2}, 3),  # overlapping pairs: aaaa holds (a, a) three times
            (toy, 8),
            ({"明月": 5, "月光": 3, "明天": 2}, 6),
            ({"abab": 1, "ab": 3, "ba": 2}, 4),
        ]
        for chunk_counts, n in small:
            _, hint = _drive_merges(fn, chunk_counts, n, every=1)
            if hint:
                return f"块 {chunk_counts}：{hint}"
        corpus = text if text is not None else _tang_text()
        n = 40
        chunk_counts = Counter(regex.findall(SPLIT_PATTERN, corpus))
        merges, hint = _drive_merges(fn, chunk_counts, n, every=10)
        if hint:
            return f"在 {len(corpus):,} 字的文本上：{hint}"
        want = BPETokenizer().train(corpus, vocab_size=256 + n, special_tokens=())
        if merges != want.merges:
            return "学到的合并规则与 BPETokenizer.train 不同：检查计数与索引的更新"
        return None

    run_check("练习 1 增量式 BPE 训练", check)


# ---------------------------------------------------------------------------------------------
# 练习 2 禁止重复的 n-gram


def _reference_no_repeat(input_ids, scores, n: int):
    from transformers import NoRepeatNGramLogitsProcessor

    return NoRepeatNGramLogitsProcessor(n)(input_ids.clone(), scores.clone())


def check_no_repeat_ngram(fn) -> None:
    """``fn(input_ids, scores, n)`` sets to -inf the score of every token that would repeat an
    n-gram already in its row, compared with Hugging Face's ``NoRepeatNGramLogitsProcessor``."""
    import torch

    def cases():
        g = torch.Generator().manual_seed(0)
        yield torch.tensor([[1, 2, 3, 1, 2]]), torch.zeros(1, 6), 3  # 1 2 → 3 is banned
        yield torch.tensor([[4, 4, 4, 4]]), torch.zeros(1, 5), 2  # 4 4 again: 4 banned
        yield torch.tensor([[0, 1, 0, 2, 0]]), torch.zeros(1, 4), 2  # 0 was followed by 1 and 2
        yield torch.tensor([[3, 1, 2]]), torch.zeros(1, 5), 1  # n = 1: every token seen
        yield torch.tensor([[1, 2], [2, 2]]), torch.zeros(2, 4), 3  # too short to repeat
        yield torch.tensor([[0, 1, 0, 1, 2, 0, 1, 0, 1]]), torch.zeros(1, 3), 4
        ids = torch.randint(0, 4, (5, 30), generator=g)
        for n in (2, 3, 4):
            yield ids, torch.randn(5, 4, generator=g), n

    def check():
        for input_ids, scores, n in cases():
            want = _reference_no_repeat(input_ids, scores, n)
            got = fn(input_ids.clone(), scores.clone(), n)
            if not isinstance(got, torch.Tensor) or got.shape != scores.shape:
                return f"应返回与 scores 同形状 {tuple(scores.shape)} 的张量"
            banned_want, banned_got = torch.isinf(want), torch.isinf(got)
            if not torch.equal(banned_want, banned_got):
                row = (banned_want != banned_got).any(-1).nonzero()[0].item()
                return (
                    f"n={n}，input_ids 第 {row} 行 {input_ids[row].tolist()}：应禁止的词元为 "
                    f"{banned_want[row].nonzero().flatten().tolist()}，你禁止了 "
                    f"{banned_got[row].nonzero().flatten().tolist()}（取这一行最后 n−1 个词元，找出它们在前面"
                    "每一次出现之后紧跟的那个词元，全部禁止；每一行分开处理）"
                )
            if not torch.equal(got[~banned_got], scores[~banned_want]):
                return "没有被禁止的词元，分数应原样保留"
        return None

    run_check("练习 2 禁止重复的 n-gram", check)


# ---------------------------------------------------------------------------------------------
# 练习 3 完整的束搜索：结束符、完成列表与长度惩罚

END = "</s>"
BEAM_TABLE = {
    "<s>": {"我": 0.4, "想": 0.5, "退货": 0.1},
    "我": {"我": 0.02, "想": 0.8, "退货": 0.03, END: 0.15},
    "想": {"我": 0.12, "想": 0.04, "退货": 0.54, END: 0.3},
    "退货": {"我": 0.07, "想": 0.11, "退货": 0.06, END: 0.76},
}


def _score(seq, logp, alpha):
    return logp / len(seq) ** alpha


def _all_finished(table, max_len, alpha):
    """Every sentence that ends with </s> within ``max_len`` tokens, scored, best first."""
    done, frontier = [], [((), 0.0)]
    for _ in range(max_len):
        grown = []
        for seq, logp in frontier:
            for token, p in table[seq[-1] if seq else "<s>"].items():
                (done if token == END else grown).append(((*seq, token), logp + math.log(p)))
        frontier = grown
    return sorted(((s, _score(s, lp, alpha)) for s, lp in done), key=lambda item: -item[1])


def _reference_beam(table, width, max_len, alpha):
    """Beam search whose beam shrinks by one for every hypothesis that ends (Jurafsky & Martin)."""
    live, finished = [((), 0.0)], []
    for _ in range(max_len):
        if not live or len(finished) >= width:
            break
        candidates = [
            ((*seq, token), logp + math.log(p))
            for seq, logp in live
            for token, p in table[seq[-1] if seq else "<s>"].items()
        ]
        candidates.sort(key=lambda c: -c[1])
        kept = candidates[: width - len(finished)]
        finished += [c for c in kept if c[0][-1] == END]
        live = [c for c in kept if c[0][-1] != END]
    scored = [(s, _score(s, lp, alpha)) for s, lp in finished]
    return sorted(scored, key=lambda item: -item[1])


def check_beam_search(fn) -> None:
    """``fn(table, width, max_len, alpha)`` returns the finished hypotheses [(tokens, score)], best
    first: compared with every finished sentence (a beam wide enough never prunes) and with a
    plain list-based beam search where the beam prunes."""

    def check():
        cases = [(1000, 4, 0.0), (1000, 4, 1.0), (1, 6, 0.0), (2, 6, 0.0), (2, 6, 1.0), (3, 5, 0.5),
                 (3, 2, 0.0)]  # fmt: skip
        for width, max_len, alpha in cases:
            if width >= 4**max_len:  # a beam this wide never prunes: every finished sentence
                want = _all_finished(BEAM_TABLE, max_len, alpha)
            else:
                want = _reference_beam(BEAM_TABLE, width, max_len, alpha)
            got = fn({k: dict(v) for k, v in BEAM_TABLE.items()}, width, max_len, alpha)
            got = [(tuple(s), float(v)) for s, v in got]
            where = f"width={width}, max_len={max_len}, alpha={alpha}"
            scores = dict(want)
            missing = [s for s, _ in want if s not in {g for g, _ in got}]
            extra = [s for s, _ in got if s not in scores]
            if missing or extra or len(got) != len(want):
                shown = (f"少了 {' '.join(missing[0])}" if missing else
                         f"多了 {' '.join(extra[0])}" if extra else "有重复的句子")  # fmt: skip
                return (
                    f"{where}：应有 {len(want)} 个完成的句子，你给出 {len(got)} 个，{shown}（每步只保留 "
                    "width − 已完成数 个候选，按累计对数概率挑；以 </s> 结尾的进入完成列表；到 max_len "
                    "还没结束的丢掉）"
                )
            for s, v in got:
                if not math.isclose(v, scores[s], abs_tol=1e-9):
                    return (
                        f"{where}：{' '.join(s)} 的分数应为 {scores[s]:.4f}，你的是 {v:.4f}（分数 = 累计"
                        "对数概率 ÷ 长度^alpha，长度含 </s>）"
                    )
            if any(a < b - 1e-9 for (_, a), (_, b) in zip(got, got[1:])):
                return f"{where}：完成的句子应按分数从高到低排列"
        return None

    run_check("练习 3 完整的束搜索", check)


# ---------------------------------------------------------------------------------------------
# 练习 4 多步交互的 REINFORCE 梯度


def _reference_grad(theta, episode, gamma):
    import torch

    table = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    rewards = [r for _, _, r in episode]
    surrogate = 0.0
    for t, (s, a, _) in enumerate(episode):
        g = sum(gamma**k * r for k, r in enumerate(rewards[t:]))
        surrogate = surrogate + g * torch.log_softmax(table[s], -1)[a]
    surrogate.backward()
    return table.grad.numpy()


def check_reinforce_grad(fn) -> None:
    """``fn(theta, episode, gamma)`` is ∇_θ Σ_t G_t log π(a_t|s_t) for a tabular softmax policy;
    ``episode`` lists (s_t, a_t, r_{t+1}) and G_t = r_{t+1} + γ r_{t+2} + …"""
    import numpy as np

    def check():
        rng = np.random.default_rng(0)
        cases = [
            (np.zeros((1, 3)), [(0, 2, 1.0)], 1.0),  # one 👍 for reply 2 of a uniform policy
            (rng.normal(size=(2, 3)), [(0, 1, 0.0), (1, 2, 1.0)], 0.9),
            (rng.normal(size=(3, 4)), [(0, 0, -1.0), (2, 3, 0.5), (0, 1, 2.0), (1, 1, -1.0)], 0.8),
            (rng.normal(size=(2, 2)), [(1, 0, 0.0)], 0.5),  # return 0: no change
        ]
        for theta, episode, gamma in cases:
            want = _reference_grad(theta, episode, gamma)
            got = np.asarray(fn(theta.copy(), list(episode), gamma), dtype=float)
            if got.shape != theta.shape:
                return f"梯度应与 theta 同形状 {theta.shape}，你的结果形状为 {got.shape}"
            if not np.allclose(got, want, atol=1e-6):
                return (
                    f"episode={episode}, gamma={gamma}：梯度应为 {np.round(want, 4).tolist()}，你的结果是 "
                    f"{np.round(got, 4).tolist()}（第 t 步用回报 G_t = r_(t+1) + γ r_(t+2) + …，即这一步"
                    "及以后全部奖励的折扣和，乘以 onehot(a_t) − π(·|s_t)，累加到第 s_t 行）"
                )
        return None

    run_check("练习 4 多步交互的 REINFORCE 梯度", check)


# ---------------------------------------------------------------------------------------------
# 练习 5 句序预测（SOP）的样本


def _reference_sop(docs, seed):
    import torch

    g, pairs = torch.Generator().manual_seed(seed), []
    for sentences in docs:
        for a, b in zip(sentences, sentences[1:]):
            swap = torch.rand(1, generator=g).item() < 0.5
            pairs.append((b, a, 0) if swap else (a, b, 1))
    return pairs


def check_sop_pairs(fn) -> None:
    """``fn(docs, generator)`` builds sentence-order pairs, compared with the pairs rebuilt from the
    same random draws: one draw per adjacent pair, swapped (label 0) when it is below 0.5."""
    import torch

    docs = [
        ["床前看月光", "疑是地上霜", "举头望山月", "低头思故乡"],
        ["春眠不觉晓", "处处闻啼鸟", "夜来风雨声", "花落知多少"],
        ["一句", "两句话", "三句短话了"],
        ["只有一句"],
        [],
    ]

    def check():
        for seed in (0, 1, 2):
            want = _reference_sop(docs, seed)
            got = fn([list(d) for d in docs], torch.Generator().manual_seed(seed))
            got = [tuple(p) for p in got]
            if len(got) != len(want):
                return f"{len(want)} 对相邻句子应得到 {len(want)} 个样本，你给出了 {len(got)} 个"
            if got != want:
                i = next(i for i, (x, y) in enumerate(zip(got, want)) if x != y)
                return (
                    f"seed={seed}：第 {i} 个样本应为 {want[i]}，你的是 {got[i]}（每对相邻句子 (A, B) 抽一次 "
                    "torch.rand(1, generator=generator)，小于 0.5 就交换成 (B, A, 0)，否则 (A, B, 1)）"
                )
        return None

    run_check("练习 5 句序预测（SOP）的样本", check)
