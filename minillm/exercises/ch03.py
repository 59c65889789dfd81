"""Checks for the exercises of chapter 3 (核心算法原理与具体操作步骤).

Each compares the reader's function with a reference computed another way: minillm's BPE trainer,
Hugging Face's ``TopPLogitsWarper`` (minillm's ``TopP`` where transformers is missing), a brute-force
enumeration of beam candidates, and torch autograd.
"""

from __future__ import annotations

import math

from minillm.exercises import run_check


def _reference_merges(text: str, n_merges: int) -> list[tuple[int, int]]:
    """minillm's BPE on the whole text as one chunk (no pre-tokenization): the pairs, in order."""
    from minillm.tokenizers import BPETokenizer

    tok = BPETokenizer(pattern=r"[\s\S]+").train(text, 256 + n_merges, special_tokens=())
    return list(tok.merges)


def check_train_bpe(fn) -> None:
    """``fn(text, n_merges)`` returns the learned merges {(a, b): new_id} in training order."""
    cases = [
        ("aaabdaaabac", 3),
        ("aaaa", 5),  # overlapping pairs: "aaaa" holds the pair (a, a) three times, merges twice
        ("低头思故乡，举头望明月。明月几时有？", 6),
        ("abab cdcd abab", 4),  # ties: the largest pair (a, b) as a tuple of ids merges first
        ("x", 3),  # nothing to merge
    ]

    def check():
        for text, k in cases:
            want = _reference_merges(text, k)
            got = fn(text, k)
            if not isinstance(got, dict):
                return f"应返回一个字典 {{(a, b): new_id}}，你返回的是 {type(got).__name__}"
            if list(got) != want:
                return (
                    f"text={text!r}, n_merges={k}：合并顺序应为 {want}，你的结果是 {list(got)}"
                    "（在整个文本的 UTF-8 字节上计数，重叠的对也算；次数相同时合并 (a, b) 最大的那一对；"
                    "没有相邻对时提前停止）"
                )
            if list(got.values()) != list(range(256, 256 + len(want))):
                return f"新词元的 id 应依次为 256, 257, …，你的结果是 {list(got.values())}"
        return None

    run_check("练习 1 训练 BPE", check)


def _reference_top_p(logits, p: float):
    try:
        from transformers import TopPLogitsWarper
    except ImportError:  # pragma: no cover - transformers is an optional dependency
        from minillm.generation.processors import TopP

        return TopP(p)(None, logits.clone())
    return TopPLogitsWarper(top_p=p)(None, logits.clone())


def check_top_p_filter(fn) -> None:
    """``fn(logits, p)`` keeps each row's nucleus (smallest most likely set with mass >= p), -inf elsewhere."""
    import torch

    def check():
        generator = torch.Generator().manual_seed(0)
        cases = [(torch.tensor([[2.0, 1.0, 0.5, -1.0]]), p) for p in (0.5, 0.7, 0.9, 1.0)]
        cases += [(3 * torch.randn(4, 20, generator=generator), p) for p in (0.05, 0.3, 0.8, 0.95)]
        for logits, p in cases:
            got, want = fn(logits.clone(), p), _reference_top_p(logits, p)
            if not isinstance(got, torch.Tensor) or got.shape != logits.shape:
                return f"应返回与 logits 同形状 {tuple(logits.shape)} 的张量"
            if not torch.equal(torch.isinf(got), torch.isinf(want)):
                kept = torch.isfinite(want).sum(-1).tolist()
                return (
                    f"p={p}：每行应保留的词元数为 {kept}，你保留了 {torch.isfinite(got).sum(-1).tolist()}"
                    "（核是累计概率刚好达到 p 的最小集合，至少保留 1 个；在 softmax 概率上累计，而不是分数）"
                )
            if not torch.allclose(got[torch.isfinite(got)], logits[torch.isfinite(want)]):
                return "核里的分数应原样保留，其余位置为 -inf"
        return None

    run_check("练习 2 批量 top-p 过滤", check)


def _brute_force_beams(scores, log_probs, width):
    """Every (beam, token) pair with its total score, sorted best first: the ``width`` best."""
    b, v = log_probs.shape
    table = [(scores[i] + log_probs[i, j], i, j) for i in range(b) for j in range(v)]
    return sorted(table, key=lambda t: -t[0])[:width]


def check_beam_step(fn) -> None:
    """``fn(scores, log_probs, width)`` -> (new_scores, parents, tokens) of the ``width`` best extensions."""
    import torch

    def check():
        generator = torch.Generator().manual_seed(0)
        cases = [
            (torch.tensor([0.0]), torch.tensor([[-0.9, -0.7, -2.3]]), 2),  # the first step: one beam
            (torch.tensor([-0.5, -1.2]), torch.log_softmax(torch.randn(2, 5, generator=generator), -1), 2),
            (torch.tensor([-1.0, -1.1, -4.0]), torch.log_softmax(torch.randn(3, 7, generator=generator), -1), 3),
            (torch.tensor([-2.0, -0.1]), torch.log_softmax(2 * torch.randn(2, 4, generator=generator), -1), 4),
        ]  # fmt: skip
        for scores, log_probs, width in cases:
            want = _brute_force_beams(scores.tolist(), log_probs.double().numpy(), width)
            got = fn(scores.clone(), log_probs.clone(), width)
            if not (isinstance(got, tuple) and len(got) == 3):
                return "应返回三元组 (new_scores, parents, tokens)"
            new_scores, parents, tokens = (torch.as_tensor(x) for x in got)
            if len(new_scores) != width:
                return f"width={width}：应返回 {width} 个候选，你返回了 {len(new_scores)} 个"
            pairs = list(zip(parents.tolist(), tokens.tolist()))
            if pairs != [(i, j) for _, i, j in want]:
                return (
                    f"scores={scores.tolist()}：最好的 {width} 个 (束, 词元) 应为 "
                    f"{[(i, j) for _, i, j in want]}，你的结果是 {pairs}（总分 = 所在束的累计分数 + "
                    "该词元的对数概率，在所有束的所有词元里一起排序）"
                )
            if not all(
                math.isclose(a, s, abs_tol=1e-5) for a, (s, _, _) in zip(new_scores.tolist(), want)
            ):
                return f"新的累计分数应为 {[round(s, 4) for s, _, _ in want]}，你的结果是 {new_scores.tolist()}"
        return None

    run_check("练习 3 束搜索的一步", check)


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
    """``fn(theta, episode, gamma)`` is ∇_θ Σ_t G_t log π(a_t|s_t) for a tabular softmax policy."""
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
                    f"{np.round(got, 4).tolist()}（每一步用从该步起的回报 G_t，乘以 onehot(a_t) − π(·|s_t)，"
                    "累加到第 s_t 行）"
                )
        return None

    run_check("练习 4 REINFORCE 的梯度", check)
