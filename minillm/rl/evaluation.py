"""Measuring dialogue policies: success rate, turns and reward with 95 % intervals over seeds,
learning curves, and the comparison table of Q-learning against the baselines."""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from minillm.rl.agents import QLearningAgent, RandomPolicy, RulePolicy, linear_decay, power_decay
from minillm.rl.env import DialogueEnv

__all__ = ["compare", "evaluate", "learning_curve", "mean_ci", "run_episode", "train_agent"]

# two-sided 95 % quantiles of Student's t, a row per ten degrees of freedom (1..30)
_T975_ROWS = (
    (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228),
    (2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086),
    (2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042),
)
_T975 = tuple(t for row in _T975_ROWS for t in row)
METRICS = ("success", "turns", "reward")


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    """Mean and half-width of its 95 % t-interval (1.96 beyond 30 degrees of freedom)."""
    n = len(values)
    if n < 2:
        raise ValueError(f"need at least 2 values for an interval, got {n}")
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    t = _T975[n - 2] if n - 1 <= len(_T975) else 1.96
    return mean, t * sd / math.sqrt(n)


def run_episode(env: DialogueEnv, policy: Callable, seed: int | None = None) -> dict:
    """Play one dialogue with ``policy`` (observation → action); reward, success and turns."""
    obs, _ = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(policy(obs))
        total, done = total + reward, terminated or truncated
    return {"reward": total, "success": float(info["success"]), "turns": info["turns"]}


def evaluate(env: DialogueEnv, policy: Callable, episodes: int = 500, seed: int = 0) -> dict:
    """Mean success, turns and reward of ``policy`` over ``episodes`` seeded dialogues."""
    runs = [run_episode(env, policy, seed if i == 0 else None) for i in range(episodes)]
    return {m: sum(r[m] for r in runs) / episodes for m in METRICS}


def train_agent(
    env: DialogueEnv, episodes: int = 20_000, seed: int = 0, gamma: float = 0.95
) -> QLearningAgent:
    """Q-learning with the book's schedule: ε from 1 to 0.01 over 80 % of training, α = 1/n^0.6."""
    agent = QLearningAgent(
        gamma=gamma,
        alpha=power_decay(0.6, 0.02),
        epsilon=linear_decay(1.0, 0.01, int(0.8 * episodes)),
        seed=seed,
    )
    agent.learn(env, episodes, seed=seed)
    return agent


def learning_curve(
    env: DialogueEnv,
    episodes: int = 20_000,
    every: int = 1_000,
    eval_episodes: int = 200,
    seed: int = 0,
) -> tuple[list[dict], QLearningAgent]:
    """Train like ``train_agent`` and evaluate the greedy policy every ``every`` dialogues; returns
    the curve and the trained agent, the very one ``train_agent`` gives (evaluations run on an
    environment of their own)."""
    agent = QLearningAgent(
        alpha=power_decay(0.6, 0.02),
        epsilon=linear_decay(1.0, 0.01, int(0.8 * episodes)),
        seed=seed,
    )
    test_env = DialogueEnv(task=env.task_name, nlu_error=env.nlu_error, max_turns=env.max_turns)
    curve = []
    for done in range(0, episodes + 1, every):
        if done:
            agent.learn(env, every, seed=seed if done == every else None)
        curve.append({"episodes": done, **evaluate(test_env, agent, eval_episodes, 10_000 + seed)})
    return curve, agent


def _compare_one(error: float, seed: int, episodes: int, train_episodes: int) -> dict:
    """One cell of ``compare``: train on this seed, then test the three policies."""
    env = DialogueEnv(nlu_error=error)
    policies = {
        "Q-learning": train_agent(env, train_episodes, seed),
        "rule": RulePolicy(),
        "random": RandomPolicy(seed=seed),
    }
    return {name: evaluate(env, p, episodes, seed=1_000 + seed) for name, p in policies.items()}


def compare(
    nlu_errors: Sequence[float] = (0.0, 0.1, 0.2),
    seeds: Sequence[int] = (0, 1, 2),
    episodes: int = 500,
    train_episodes: int = 20_000,
    workers: int = 1,
) -> list[dict]:
    """One row per (policy, NLU error): each metric's mean and 95 % half-width over ``seeds``;
    every seed trains its own agent and plays its own ``episodes`` test dialogues. ``workers``
    processes share the (error, seed) cells; the results do not depend on it."""
    jobs = [(e, s, episodes, train_episodes) for e in nlu_errors for s in seeds]
    if workers > 1:
        context = multiprocessing.get_context("spawn")  # no fork of a busy parent process
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            results = list(pool.map(_compare_one, *zip(*jobs)))
    else:
        results = [_compare_one(*job) for job in jobs]
    rows = []
    for error in nlu_errors:
        cells = [r for (e, *_), r in zip(jobs, results) if e == error]
        for name in ("Q-learning", "rule", "random"):
            row = {"policy": name, "nlu_error": error}
            for m in METRICS:
                row[m], row[f"{m}_ci"] = mean_ci([cell[name][m] for cell in cells])
            rows.append(row)
    return rows
