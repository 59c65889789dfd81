"""Policies for the dialogue manager: tabular Q-learning, and two baselines (random, hand-written)."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from minillm.rl.state import STATUSES, SYSTEM_ACTS, USER_ACTS

__all__ = ["QLearningAgent", "RandomPolicy", "RulePolicy", "linear_decay", "power_decay"]


def linear_decay(start: float, end: float, steps: int) -> Callable[[int], float]:
    """``start`` at 0, falling linearly to ``end`` at ``steps``, then flat: an ε schedule."""
    return lambda t: end + (start - end) * max(0.0, 1.0 - t / steps)


def power_decay(omega: float = 0.6, minimum: float = 0.02) -> Callable[[int], float]:
    """α = max(minimum, 1 / n^ω) for the n-th update of a pair: big first steps, then averaging."""
    return lambda n: max(minimum, n**-omega)


def _key(obs) -> tuple[int, ...]:
    return tuple(obs.tolist()) if isinstance(obs, np.ndarray) else tuple(obs)


class QLearningAgent:
    """Tabular Q-learning with ε-greedy exploration.

    Q(s,a) ← Q(s,a) + α (r + γ max_a' Q(s',a') · (1 − terminated) − Q(s,a)): a truncated episode
    still bootstraps from s', because the state after a time limit still has a future.
    ``alpha`` is a number or a function of the pair's update count; ``epsilon`` a number or a
    function of the episode index.
    """

    def __init__(
        self,
        n_actions: int = len(SYSTEM_ACTS),
        gamma: float = 0.95,
        alpha: float | Callable[[int], float] = 0.1,
        epsilon: float | Callable[[int], float] = 0.1,
        seed: int = 0,
    ):
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
        self.n_actions, self.gamma = n_actions, gamma
        self.alpha = alpha if callable(alpha) else (lambda _n, a=float(alpha): a)
        self.epsilon = epsilon if callable(epsilon) else (lambda _t, e=float(epsilon): e)
        self.rng = random.Random(seed)
        self.Q: dict[tuple[int, ...], np.ndarray] = {}
        self.visits: dict[tuple[int, ...], np.ndarray] = {}
        self.episodes = 0

    def q_values(self, obs) -> np.ndarray:
        """Q(s, ·); zeros for a state never seen."""
        return self.Q.get(_key(obs), np.zeros(self.n_actions))

    def __call__(self, obs) -> int:
        """The greedy action (ties go to the lowest index)."""
        return int(np.argmax(self.q_values(obs)))

    def act(self, obs) -> int:
        """ε-greedy action for the current episode."""
        if self.rng.random() < self.epsilon(self.episodes):
            return self.rng.randrange(self.n_actions)
        return self(obs)

    def update(self, obs, action: int, reward: float, next_obs, terminated: bool) -> float:
        """One Q-learning update; returns the TD error."""
        s = _key(obs)
        if s not in self.Q:
            self.Q[s] = np.zeros(self.n_actions)
            self.visits[s] = np.zeros(self.n_actions, dtype=np.int64)
        self.visits[s][action] += 1
        target = reward if terminated else reward + self.gamma * self.q_values(next_obs).max()
        error = target - self.Q[s][action]
        self.Q[s][action] += self.alpha(int(self.visits[s][action])) * error
        return float(error)

    def learn(self, env, episodes: int, seed: int = 0) -> list[dict]:
        """Train for ``episodes`` dialogues; returns per-episode reward, success and turns."""
        history = []
        for i in range(episodes):
            obs, _ = env.reset(seed=seed if i == 0 else None)  # one seed, then the env's stream
            total, done = 0.0, False
            while not done:
                action = self.act(obs)
                next_obs, reward, terminated, truncated, info = env.step(action)
                self.update(obs, action, reward, next_obs, terminated)
                obs, total, done = next_obs, total + reward, terminated or truncated
            self.episodes += 1
            history.append({"reward": total, "success": info["success"], "turns": info["turns"]})
        return history


class RandomPolicy:
    """Any system act, uniformly: the floor every policy should beat."""

    def __init__(self, n_actions: int = len(SYSTEM_ACTS), seed: int = 0):
        self.n_actions, self.rng = n_actions, random.Random(seed)

    def __call__(self, obs) -> int:
        return self.rng.randrange(self.n_actions)


class RulePolicy:
    """The flow a developer writes by hand: ask for each missing constraint in order, confirm
    each value explicitly, answer, and close once the user says goodbye; ask again if not heard."""

    def __call__(self, obs) -> int:
        status = [STATUSES[i] for i in _key(obs)[1:4]]
        last = USER_ACTS[_key(obs)[5]]
        if last == "bye":
            return SYSTEM_ACTS.index("close")
        if last == "unclear":
            return SYSTEM_ACTS.index("fallback")
        for i, st in enumerate(status, start=1):
            if st == "empty":
                return SYSTEM_ACTS.index(f"request_{i}")
        for i, st in enumerate(status, start=1):
            if st != "confirmed":
                return SYSTEM_ACTS.index(f"confirm_{i}")
        return SYSTEM_ACTS.index("inform")
