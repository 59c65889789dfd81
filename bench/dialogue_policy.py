r"""The Q-learning dialogue manager next to its references, in the same run.

1. Planning vs learning on the deterministic variant of each task: value iteration on the
   transition model vs Q-learning from interaction (time, and the largest gap to Q*).
2. Learned vs hand-written vs random on the stochastic customer-service environment at NLU error
   0 %, 10 %, 20 %: success rate, average turns and reward, each with a 95 % t-interval over the
   seeds (every seed trains its own agent and plays its own test dialogues), and Q / rule ratios.
   TC-Bot's DQN on movie booking (dialogue-act level) is the published anchor: 0.98 success, 11.2 turns.

    .venv/bin/python bench/dialogue_policy.py [--seeds 3] [--episodes 500] [--train 20000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _machine import cpu_name

from minillm.rl import DialogueEnv, QLearningAgent, compare, train_agent, value_iteration
from minillm.rl.state import TASK_NAMES


def planning_vs_learning(train: int) -> None:
    print(
        f"{'task':<16}{'states':>7}{'P s':>7}{'VI s':>8}{'QL s':>8}{'QL/VI':>8}{'max |Q-Q*|':>12}"
    )
    for task in TASK_NAMES:
        env = DialogueEnv(task=task, deterministic=True)
        start = time.perf_counter()
        P = env.transition_model()
        model = time.perf_counter() - start
        Q = value_iteration(P, 0.95)
        vi = time.perf_counter() - start - model
        start = time.perf_counter()
        agent = QLearningAgent(gamma=0.95, alpha=1.0, epsilon=1.0, seed=0)
        agent.learn(env, train, seed=0)
        ql = time.perf_counter() - start
        gap = max(float(np.abs(agent.q_values(s) - Q[s]).max()) for s in P)
        print(f"{task:<16}{len(P):>7}{model:>7.2f}{vi:>8.3f}{ql:>8.2f}{ql / vi:>8.0f}{gap:>12.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--episodes", type=int, default=500, help="test dialogues per seed")
    parser.add_argument("--train", type=int, default=20_000, help="training dialogues per agent")
    args = parser.parse_args()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores\n")
    print("1. value iteration (model known) vs Q-learning (ε = 1, α = 1) on the deterministic MDP")
    planning_vs_learning(args.train)

    start = time.perf_counter()
    train_agent(DialogueEnv(nlu_error=0.1), args.train, seed=0)
    print(f"\ntraining one agent, {args.train} dialogues at NLU error 10 %: "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    print(f"\n2. {args.seeds} seeds × {args.episodes} test dialogues, mean ± 95 % half-width")
    rows = compare(seeds=range(args.seeds), episodes=args.episodes, train_episodes=args.train)
    print(f"{'NLU err':<9}{'policy':<12}{'success':>16}{'turns':>16}{'reward':>18}")
    by = {(r["policy"], r["nlu_error"]): r for r in rows}
    for r in rows:
        cells = "".join(
            f"{r[m]:>{w - 7}.{d}f} ± {r[m + '_ci']:<4.{d}f}"
            for m, w, d in (("success", 16, 3), ("turns", 16, 2), ("reward", 18, 2))
        )
        print(f"{r['nlu_error']:<9.0%}{r['policy']:<10}{cells}")
        if r["policy"] == "random":
            q, rule = by["Q-learning", r["nlu_error"]], by["rule", r["nlu_error"]]
            print(f"{'':<9}{'Q / rule':<10}{q['success'] / rule['success']:>12.3f}"
                  f"{q['turns'] / rule['turns']:>16.2f}{q['reward'] / rule['reward']:>18.2f}")  # fmt: skip
    print("\nanchor: TC-Bot DQN, movie booking (act level): 0.98 success, 11.2 turns")


if __name__ == "__main__":
    main()
