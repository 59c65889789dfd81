"""Checks for the exercises of chapter 4 (数学模型和公式详细讲解举例说明).

Each check compares the reader's function with a reference computed another way: the n-grams
``NGramLM.ngrams`` scores and ``NGramLM.perplexity`` for the bits, nltk.lm (and the rule that a
distribution sums to 1) for Kneser-Ney, ``torch.nn`` for the recurrent cells, a linear solve and a
roll-out for policy evaluation, value iteration and a closed form for Q-learning.
"""

from __future__ import annotations

import math
from functools import lru_cache

from minillm.exercises import run_check

# Toy corpora for the Kneser-Ney exercise: "francisco" is frequent but follows only "san".
KN_CORPORA = (
    [
        ["i", "live", "in", "san", "francisco"],
        ["san", "francisco", "is", "foggy"],
        ["i", "like", "san", "francisco"],
        ["i", "saw", "a", "cat"],
        ["a", "cat", "sat", "in", "the", "sun"],
        ["the", "cat", "ran"],
        ["my", "cat", "is", "grey"],
    ],
    [["a", "b", "a", "b", "c"], ["b", "a"], ["c", "c", "a"]],
)


# Held-out sentences for the bits exercise: "dog", "bird" and "hello" were never seen in KN_CORPORA[0];
# the empty sentence is scored only on its end.
BITS_TEST = (
    ["i", "saw", "a", "dog"],
    ["the", "cat", "sat", "in", "san", "francisco"],
    [],
    ["a", "bird", "is", "grey", "hello"],
)
BITS_KINDS = ("word", "unk", "eos")


def _bits_reference(model, sentences) -> dict:
    """{kind: (count, bits)} from the n-grams ``model.ngrams`` scores, cut after each first </s>."""
    out = {kind: [0, 0.0] for kind in BITS_KINDS}
    for sentence in sentences:
        for gram in model.ngrams(sentence)[: len(sentence) + 1]:
            kind = {"<UNK>": "unk", "</s>": "eos"}.get(gram[-1], "word")
            out[kind][0] += 1
            out[kind][1] -= math.log2(model.prob(gram[-1], gram[:-1]))
    return {kind: (count, bits) for kind, (count, bits) in out.items()}


def _bits_hint(
    where: str, kind: str, count: int, bits: float, want: tuple[int, float]
) -> str | None:
    """The hint for one kind of a reader's answer, or None when it matches ``want``."""
    if count != want[0]:
        if kind == "eos":
            return (
                f"{where}“eos”应有 {want[0]} 个，你的是 {count}。每句只计第一个 </s>（之后的补齐"
                "几乎不费比特）；一元模型不补任何符号，没有句尾"
            )
        if kind == "unk":
            return (
                f"{where}“unk”应有 {want[0]} 个，你的是 {count}。不在 model.vocab 里的词读作 "
                "<UNK>：它们就是生词"
            )
        return f"{where}“{kind}”应有 {want[0]} 个，你的是 {count}。检查句首补的 n−1 个 <s>"
    if not math.isclose(bits, want[1], rel_tol=1e-9):
        return (
            f"{where}“{kind}”的比特总和应为 {want[1]:.4f}，你的是 {bits!r}。每个被预测的词花 "
            "−log2 P(w | 前 n−1 个词) 比特"
        )
    return None


def check_bits_by_kind(fn) -> None:
    """``fn(model, sentences)`` splits the bits a fitted ``NGramLM`` spends on held-out sentences into
    words, unknown words and sentence ends, counting one </s> per sentence (none for n = 1); compared
    with the n-grams ``NGramLM.ngrams`` scores and, for bigrams, with ``NGramLM.perplexity``."""
    from minillm.ngram import NGramLM

    def check():
        train = [list(s) for s in KN_CORPORA[0]]
        for n, smoothing, kwargs in [
            (2, "laplace", {}),
            (3, "kneser_ney", {"discount": 0.75}),
            (4, "lidstone", {"gamma": 0.1}),
            (1, "lidstone", {"gamma": 0.01}),
        ]:
            model = NGramLM(n, smoothing=smoothing, **kwargs).fit(train)
            want = _bits_reference(model, BITS_TEST)
            got = fn(model, [list(s) for s in BITS_TEST])
            if not isinstance(got, dict) or set(got) != set(BITS_KINDS):
                return f"应返回以 {BITS_KINDS} 为键的字典（没有的类别记 (0, 0.0)），你的结果是 {got!r:.80}"
            for kind in ("eos", "unk", "word"):
                count, bits = got[kind]
                hint = _bits_hint(f"{n} 元 {smoothing} 模型上", kind, count, bits, want[kind])
                if hint:
                    return hint
            if n == 2:  # one </s> per sentence: the three kinds together are NLTK's perplexity
                count, bits = sum(c for c, _ in got.values()), sum(b for _, b in got.values())
                if not math.isclose(2 ** (bits / count), model.perplexity(BITS_TEST)):
                    return "二元模型上三类合起来应当正好给出 model.perplexity 的结果"
        return None

    run_check("练习 1 比特花在哪里", check)


def _nltk_kn(sentences, discount, order=3):
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import padded_everygram_pipeline

    grams, vocab = padded_everygram_pipeline(order, sentences)
    lm = KneserNeyInterpolated(order, discount=discount)
    lm.fit(grams, vocab)
    return lm


def _padded_vocab(sentences) -> list[str]:
    return sorted({w for s in sentences for w in s} | {"<s>", "</s>"})


KN_HINT = (
    "最高阶用原始计数 c(u v w)；中间一阶用接续计数 N1+(• v w)/N1+(• v •)，插值权重 "
    "d·N1+(v •)/N1+(• v •) 里的 N1+(v •) 只数接续计数大于 0 的词；最低阶是 N1+(• w)/N1+(• •)；"
    "上下文 u v 从未出现时直接用低一阶"
)


def check_kn_trigram_prob(fn) -> None:
    """``fn(sentences, word, context, discount)`` is interpolated Kneser-Ney P(word | u v) of a trigram
    model (two <s> and two </s> of padding), compared with nltk.lm's ``KneserNeyInterpolated(3)``
    wherever nltk is right, and required to sum to 1 over the vocabulary in every context, the
    sentence start (<s>, <s>) included, where nltk's probabilities sum to more than 1."""

    def check():
        cases = [
            (KN_CORPORA[0], 0.75, [("i", "live"), ("san", "francisco"), ("the", "cat")]),
            (KN_CORPORA[0], 0.1, [("in", "san"), ("cat", "san"), ("<s>", "a")]),
            (KN_CORPORA[1], 0.5, [("a", "b"), ("c", "c"), ("b", "a"), ("<s>", "c")]),
        ]
        for sentences, d, contexts in cases:
            reference, vocab = _nltk_kn(sentences, d), _padded_vocab(sentences)
            for context in contexts:
                for word in vocab:
                    got = fn([list(s) for s in sentences], word, tuple(context), d)
                    want = reference.score(word, list(context))
                    if not isinstance(got, (int, float)) or not math.isclose(
                        got, want, rel_tol=1e-9, abs_tol=1e-12
                    ):
                        return (
                            f"d={d} 时 P_KN({word!r} | {' '.join(context)}) 应为 {want:.6f}，"
                            f"你的结果是 {got!r}。{KN_HINT}"
                        )
            for context in [("<s>", "<s>"), *contexts]:
                total = sum(fn([list(s) for s in sentences], w, context, d) for w in vocab)
                if not math.isclose(total, 1.0, rel_tol=1e-9):
                    return (
                        f"d={d} 时上下文 {' '.join(context)} 之后所有词的概率之和应为 1，你的是 "
                        f"{total:.6f}。中间一阶的插值权重要用 N1+(v •)：v 之后有接续计数的不同词数，"
                        "而不是原始计数里 v 之后的不同词数（句首的第一个 <s> 之前没有词）"
                    )
        return None

    run_check("练习 2 插值 Kneser-Ney 三元模型", check)


def check_lstm_param_count(fn) -> None:
    """``fn(embedding_dim, hidden_dim)`` counts the parameters of one ``torch.nn.LSTM`` layer."""
    from torch import nn

    def check():
        for emb, hid in [(4, 8), (64, 128), (300, 50), (1, 1)]:
            want = sum(p.numel() for p in nn.LSTM(emb, hid).parameters())
            got = fn(emb, hid)
            if got != want:
                return (
                    f"embedding_dim={emb}, hidden_dim={hid} 时 nn.LSTM 有 {want} 个参数，"
                    f"你的结果是 {got!r}（4 组变换各有输入权重、循环权重和两个偏置）"
                )
        return None

    run_check("练习 3 LSTM 的参数量", check)


def check_gru_step(fn) -> None:
    """``fn(x, h, W_ih, W_hh, b_ih, b_hh)`` is one step of a GRU in PyTorch's layout (rows r, z, n),
    compared with ``torch.nn.GRUCell`` holding the same weights."""
    import torch

    def check():
        generator = torch.Generator().manual_seed(0)
        for batch, n_in, hidden, zero_h in [(2, 3, 4, False), (1, 5, 2, True), (3, 1, 6, False)]:
            cell = torch.nn.GRUCell(n_in, hidden)
            with torch.no_grad():
                for p in cell.parameters():  # biases well away from 0, so every term counts
                    p.copy_(torch.randn(p.shape, generator=generator))
            x = torch.randn(batch, n_in, generator=generator)
            h = (
                torch.zeros(batch, hidden)
                if zero_h
                else torch.randn(batch, hidden, generator=generator)
            )
            weights = [
                t.detach().clone()
                for t in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
            ]
            with torch.no_grad():
                want = cell(x, h)
                got = fn(x.clone(), h.clone(), *weights)
            if not isinstance(got, torch.Tensor) or got.shape != want.shape:
                shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
                return f"应返回形状 {tuple(want.shape)} 的张量 h_t，你的结果是 {shape}"
            if not torch.allclose(got, want, atol=1e-5):
                return (
                    f"batch={batch}, 输入 {n_in} 维, 隐藏 {hidden} 维时与 nn.GRUCell 不一致。"
                    "PyTorch 的 GRU：r、z 用 sigmoid；候选 n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))，"
                    "重置门乘在含偏置的整项上；h_t = (1 − z) ⊙ n + z ⊙ h"
                )
        return None

    run_check("练习 4 GRU 的一步", check)


def _tiny_mdp():
    """A three-state MDP with a random transition, in the P[s][a] = [(p, s', r, terminated)] format."""
    return {
        "A": {0: [(1.0, "B", -1.0, False)], 1: [(0.5, "A", 0.0, False), (0.5, "C", 2.0, False)]},
        "B": {0: [(0.9, "C", -1.0, False), (0.1, "B", -1.0, False)], 1: [(1.0, "B", 5.0, True)]},
        "C": {0: [(1.0, "A", 1.0, False)], 1: [(1.0, "C", 10.0, True)]},
    }


def _solve_policy(P, policy, gamma):
    """V^π from the linear system V = r_π + γ P_π V (terminal transitions have no future)."""
    import numpy as np

    states = list(P)
    index = {s: i for i, s in enumerate(states)}
    A, b = np.eye(len(states)), np.zeros(len(states))
    for s in states:
        for p, s2, r, terminated in P[s][policy[s]]:
            b[index[s]] += p * r
            if not terminated:
                A[index[s], index[s2]] -= gamma * p
    return dict(zip(states, np.linalg.solve(A, b)))


@lru_cache(maxsize=1)
def _dialogue_model() -> dict:
    """P[s][a] of the deterministic order-enquiry dialogue, built once for the checks that need it."""
    from minillm.rl import DialogueEnv

    return DialogueEnv(task="order_enquiry", deterministic=True).transition_model()


def _rollout(env, policy, gamma):
    """The discounted return of a deterministic dialogue, played turn by turn from reset."""
    obs, _ = env.reset(seed=0)
    total, discount, done = 0.0, 1.0, False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(policy[tuple(obs.tolist())])
        total, discount, done = total + discount * reward, discount * gamma, terminated or truncated
    return total


def check_policy_evaluation(fn) -> None:
    """``fn(P, policy, gamma)`` returns {s: V^π(s)} for a deterministic policy {s: a}, compared with a
    linear solve of the Bellman expectation equation and, on the dialogue MDP, with a roll-out."""
    from minillm.rl import DialogueEnv, RulePolicy

    def check():
        tiny = _tiny_mdp()
        for policy, gamma in [
            ({"A": 0, "B": 1, "C": 1}, 0.9),
            ({"A": 1, "B": 0, "C": 0}, 0.5),
            ({"A": 0, "B": 0, "C": 1}, 0.0),
        ]:
            want = _solve_policy(tiny, policy, gamma)
            got = fn(tiny, dict(policy), gamma)
            for s in tiny:
                if not math.isclose(float(got[s]), want[s], rel_tol=1e-6, abs_tol=1e-6):
                    return (
                        f"小 MDP、策略 {policy}、γ={gamma} 时 V({s}) 应为 {want[s]:.4f}，你的结果是 "
                        f"{float(got[s]):.4f}。V(s) = Σ p·(r + γ·V(s')·(1 − terminated))，反复迭代直到不再变化"
                    )
        env, P = DialogueEnv(task="order_enquiry", deterministic=True), _dialogue_model()
        rule = RulePolicy()
        policy = {s: rule(s) for s in P}
        s0 = tuple(env.reset(seed=0)[0].tolist())
        got, want = float(fn(P, policy, 0.95)[s0]), _rollout(env, policy, 0.95)
        if not math.isclose(got, want, rel_tol=1e-6):
            return f"对话 MDP 上规则策略的 V(s0) 应为 {want:.4f}（逐轮打折累加得到），你的结果是 {got:.4f}"
        return None

    run_check("练习 5 策略评估", check)


def _greedy_path(env, Q):
    """The states a greedy policy of Q visits from reset, and the dialogue's total reward."""
    import numpy as np

    obs, _ = env.reset(seed=0)
    path, total, done = [], 0.0, False
    while not done:
        s = tuple(obs.tolist())
        path.append(s)
        q = Q.get(s, np.zeros(env.action_space.n))
        obs, reward, terminated, truncated, _ = env.step(int(np.argmax(q)))
        total, done = total + reward, terminated or truncated
    return path, total


class _AlwaysTruncated:
    """One state, one action: each dialogue is a single turn that pays 1, stays where it was and is
    cut off by the time limit (truncated=True, terminated=False). After k dialogues with α = 1,
    Q = 1 + γ + … + γ^(k-1) = (1 − γ^k)/(1 − γ); a loop that treats truncation as the end gets 1."""

    def __init__(self, max_steps: int = 100):
        from gymnasium import spaces

        self.action_space, self.steps, self.max_steps = spaces.Discrete(1), 0, max_steps

    def reset(self, *, seed=None, options=None):
        import numpy as np

        return np.zeros(1, dtype=np.int64), {}

    def step(self, action):
        import numpy as np

        self.steps += 1
        if self.steps > self.max_steps:
            raise RuntimeError(
                "环境已经返回 truncated=True，这一段应当结束了：done = terminated or truncated"
            )
        return np.zeros(1, dtype=np.int64), 1.0, False, True, {}


def check_q_learning(fn) -> None:
    """``fn(env, episodes, gamma, alpha, epsilon, seed)`` trains tabular Q-learning and returns
    {state tuple: array of Q(s, ·)}; on the deterministic dialogue MDP, its greedy policy must reach
    the optimal return and the values along the optimal path must equal value iteration's Q*; on an
    environment whose every turn is truncated, Q must keep bootstrapping: (1 − γ^k)/(1 − γ)."""
    import numpy as np

    from minillm.rl import DialogueEnv, value_iteration

    def check():
        for k, gamma in [(6, 0.5), (3, 0.9)]:
            Q = fn(_AlwaysTruncated(), k, gamma, 1.0, 1.0, 0)
            want, got = (1 - gamma**k) / (1 - gamma), float(np.asarray(Q.get((0,), [0.0]))[0])
            if not math.isclose(got, want, rel_tol=1e-9):
                return (
                    f"每轮都被截断的环境上，{k} 段之后（γ={gamma}）Q 应为 (1 − γ^k)/(1 − γ) = "
                    f"{want:.4f}，你的结果是 {got:.4f}。截断（truncated）只是时间到了，s' 仍有未来，"
                    "要照常加上 γ·max Q(s',·)；只有 terminated 时才去掉"
                )
        task = "order_enquiry"
        env = DialogueEnv(task=task, deterministic=True)
        s0 = tuple(env.reset(seed=0)[0].tolist())
        for gamma in (0.95, 0.8):
            Q_star = value_iteration(_dialogue_model(), gamma)
            path, best = _greedy_path(env, Q_star)
            Q = fn(DialogueEnv(task=task, deterministic=True), 1500, gamma, 1.0, 1.0, 0)
            if not isinstance(Q, dict):
                return f"应返回 dict（状态元组 → 各动作的 Q 值数组），你的结果是 {type(Q).__name__}"
            _, total = _greedy_path(env, Q)
            if total != best:
                return f"γ={gamma}：贪心策略应得到最优回报 {best:+.0f}，你的 Q 给出 {total:+.0f}"
            for s in path:
                q = np.asarray(Q.get(s, np.zeros(10)), dtype=float)
                if not math.isclose(float(q.max()), float(Q_star[s].max()), abs_tol=1e-6):
                    return (
                        f"γ={gamma}：最优路径上的状态 {s} 应有 max Q = {Q_star[s].max():.4f}，你的是 "
                        f"{q.max():.4f}。目标值 r + γ·max Q(s',·)，但对话真正结束（terminated）时没有未来"
                    )
        Q0 = value_iteration(_dialogue_model(), 0.0)[s0]  # γ = 0: Q is the immediate reward
        got = np.asarray(fn(DialogueEnv(task=task, deterministic=True), 300, 0.0, 1.0, 1.0, 0)[s0])
        if got.shape != Q0.shape or not np.allclose(got, Q0):
            return f"γ=0 时 Q(s0, ·) 应等于即时奖励 {Q0.tolist()}，你的结果是 {got.tolist()}"
        if fn(DialogueEnv(task=task, deterministic=True), 0, 0.95, 1.0, 1.0, 0):
            return "episodes=0 时还没有任何经验，应返回空字典"
        return None

    run_check("练习 6 Q-learning 的训练循环", check)
