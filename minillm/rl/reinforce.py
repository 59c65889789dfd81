"""REINFORCE (Williams, 1992): learn a policy from rewards alone, such as a user's 👍 / 👎.

The policy is a table of logits, one row θ[s] per state: π(a|s) = softmax(θ[s])_a. After an episode
s_0, a_0, r_1, …, s_{T-1}, a_{T-1}, r_T each step moves its row by lr · (G_t − b(s_t)) · ∇ log π(a_t|s_t),
where G_t = r_{t+1} + γ r_{t+2} + … is the return from step t and the baseline b(s) a running mean
of the returns seen in s. For a softmax, ∇_θ[s] log π(a|s) = onehot(a) − π(·|s).
"""

from __future__ import annotations

import numpy as np


class SoftmaxPolicy:
    """π(a|s) = softmax(θ[s]); a state's row of logits starts at 0 (uniform) when first seen."""

    def __init__(self, n_actions: int, seed: int = 0):
        self.n_actions = n_actions
        self.theta: dict = {}  # state -> logits (n_actions,)
        self.baseline: dict = {}  # state -> running mean of the returns seen there
        self.rng = np.random.default_rng(seed)

    def probs(self, state) -> np.ndarray:
        z = self.theta.setdefault(state, np.zeros(self.n_actions))
        e = np.exp(z - z.max())
        return e / e.sum()

    def act(self, state) -> int:
        """Sample an action: exploration comes from the policy's own randomness."""
        return int(self.rng.choice(self.n_actions, p=self.probs(state)))

    def greedy(self, state) -> int:
        return int(np.argmax(self.probs(state)))


def grad_log_prob(policy: SoftmaxPolicy, state, action: int) -> np.ndarray:
    """∇_θ[s] log π(a|s) = onehot(a) − π(·|s)."""
    grad = -policy.probs(state)
    grad[action] += 1.0
    return grad


def returns(rewards, gamma: float = 1.0) -> list[float]:
    """G_t = r_{t+1} + γ G_{t+1}, computed backwards from the last reward."""
    out, g = [], 0.0
    for r in reversed(rewards):
        g = r + gamma * g
        out.append(g)
    return out[::-1]


def reinforce_update(policy, states, actions, rewards, lr=0.1, gamma=1.0, baseline_rate=0.05):
    """One REINFORCE update from one episode; gradients and baselines are those before the update."""
    steps = []
    for s, a, g in zip(states, actions, returns(rewards, gamma)):
        advantage = g - policy.baseline.get(s, 0.0)  # better or worse than usual in s?
        steps.append((s, g, lr * advantage * grad_log_prob(policy, s, a)))
    for s, g, step in steps:
        policy.theta[s] = policy.theta[s] + step
        b = policy.baseline.get(s, 0.0)
        policy.baseline[s] = b + baseline_rate * (g - b)


def play(env, policy, seed=None):
    """One episode of a Gymnasium-style ``env`` with ``policy.act``: (states, actions, rewards)."""
    obs, _ = env.reset(seed=seed)
    states, actions, rewards, done = [], [], [], False
    while not done:
        s = tuple(np.atleast_1d(obs).tolist())
        a = policy.act(s)
        obs, r, terminated, truncated, _ = env.step(a)
        states.append(s)
        actions.append(a)
        rewards.append(r)
        done = terminated or truncated
    return states, actions, rewards


class FeedbackBandit:
    """Each round a user brings one of ``len(like)`` kinds of request, the system picks one of the
    replies, and the user answers 👍 (reward 1) with probability ``like[kind][reply]``, else 👎 (0).
    One round is one episode; Gymnasium's reset/step interface."""

    def __init__(self, like, seed: int = 0):
        self.like = np.asarray(like, dtype=float)
        self.rng = np.random.default_rng(seed)

    def reset(self, seed=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.kind = int(self.rng.integers(len(self.like)))
        return self.kind, {}

    def step(self, action: int):
        reward = float(self.rng.random() < self.like[self.kind, action])
        return self.kind, reward, True, False, {}
