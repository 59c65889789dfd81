"""The dialogue policy, learned: tabular Q-learning against a simulated shopper who pursues one or two
goals of the schema, answers what is asked, confirms or corrects, drifts off topic now and then, and
is misheard at a given NLU noise rate. The reward pays for goals served with the right values and
costs a turn each; carrying out an irreversible action unconfirmed, or closing on a shopper who still
wants something, costs most. The policy that comes out asks, confirms, acts and closes by itself.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from minillm.assistant.state import BeliefState
from minillm.dialogue.schema import IRREVERSIBLE_INTENTS, REQUIRED_SLOTS, SYSTEM_ACTS, TASK_INTENTS
from minillm.rl.agents import QLearningAgent, linear_decay, power_decay

__all__ = ["Policy", "ShopperEnv", "success_rate", "train_policy"]

MAX_TURNS = 20
REWARD_TURN, REWARD_SERVED, REWARD_CLOSED = -1.0, 20.0, 10.0
PENALTY_UNCONFIRMED, PENALTY_WRONG, PENALTY_ABANDON = -30.0, -10.0, -20.0
PENALTY_MISFIT, PENALTY_NEEDLESS = -5.0, -2.0  # an act that does not fit; confirming a query
P_GREETING, P_SECOND_GOAL, P_OFF_TOPIC, P_BARE_VALUES, P_LEAVE = 0.3, 0.4, 0.1, 0.1, 0.03


def _misheard(value: str) -> str:
    """The value with its last character changed: still a value of its slot, but not this one."""
    return value[:-1] + ("1" if value[-1] == "0" else "0")


class ShopperEnv:
    """A simulated shopper and the belief state it produces, with the ``reset``/``step`` API of
    Gymnasium: observations are ``BeliefState.observation()``, actions index ``SYSTEM_ACTS``."""

    def __init__(self, noise: float = 0.1, seed: int = 0):
        if not 0.0 <= noise < 1.0:
            raise ValueError(f"noise must be in [0, 1), got {noise!r}")
        self.noise, self.rng = noise, random.Random(seed)

    def reset(self, seed: int | None = None):
        if seed is not None:
            self.rng = random.Random(seed)
        rng = self.rng
        first = rng.choice(TASK_INTENTS)
        goals = [first]
        if rng.random() < P_SECOND_GOAL:
            goals.append(rng.choice([t for t in TASK_INTENTS if t != first]))
        self.goals = [(g, {s: self._value(s) for s in REQUIRED_SLOTS[g]}) for g in goals]
        self.belief, self.turns, self.success = BeliefState(), 0, False
        self.pending = ("greeting", {}) if rng.random() < P_GREETING else self._state_goal()
        if rng.random() < P_BARE_VALUES:  # a value with no request ("3920417765"), then the goal
            self._say("inform", dict(list(self.goals[0][1].items())[:1]))
            self.pending = self._state_goal()
        else:
            self._say(*self.pending)
        return self.belief.observation(), {}

    def _value(self, slot: str) -> str:
        """A value of ``slot``: only which one it is matters, so a number or a numbered name."""
        if slot == "order_id":
            return str(self.rng.randrange(10**9, 10**10))
        return f"{slot}{self.rng.randrange(100)}"

    def _state_goal(self) -> tuple[str, dict]:
        """The current goal in the shopper's words (some of its values said at once), or thanks."""
        if not self.goals:
            return "thanks_bye", {}
        intent, values = self.goals[0]
        return intent, {s: v for s, v in values.items() if self.rng.random() < 0.5}

    def _heard(self, values: dict) -> dict:
        """What the NLU makes of the values: each one misheard with probability ``noise``."""
        return {s: _misheard(v) if self.rng.random() < self.noise else v for s, v in values.items()}

    def _say(self, intent: str, values: dict) -> None:
        """The shopper's turn, through the noisy NLU, into the belief state."""
        if intent != "out_of_domain" and self.rng.random() < P_OFF_TOPIC:
            self.belief.update("out_of_domain", {})
            return
        if self.goals and self.rng.random() < P_LEAVE:  # "好的，没别的了": the rest can wait
            self.goals.clear()
            intent, values = self.pending = ("thanks_bye", {})
        if self.rng.random() < self.noise / 2:
            intent = "out_of_domain"  # not understood at all
        self.belief.update(intent, self._heard(values))

    def _correction(self, goal: str | None, values: dict) -> tuple[str, dict]:
        """What the shopper says to a wrong answer: the goal again, or "不对，是…" with a value."""
        if self.belief.task != goal:
            return self._state_goal()
        wrong = next(s for s in values if self.belief.slots.get(s) != values[s])
        return "deny", {wrong: values[wrong]}

    def _next_goal(self) -> tuple[str, dict]:
        self.goals.pop(0)
        return self._state_goal()

    def step(self, action: int):
        act, b = SYSTEM_ACTS[action], self.belief
        reward, terminated = REWARD_TURN, False
        goal, values = self.goals[0] if self.goals else (None, {})
        right = b.task == goal and b.task_values == values
        if act == "close":
            terminated = True
            self.success = not self.goals and b.last_intent == "thanks_bye"
            reward += REWARD_CLOSED if self.success else PENALTY_ABANDON
        elif b.last_intent == "thanks_bye":  # the shopper has said goodbye and leaves
            terminated, self.success = True, not self.goals
            reward += PENALTY_MISFIT
        elif b.last_intent == "out_of_domain" or (b.task is None and b.last_intent != "greeting"):
            reward += 0.0 if act == "fallback" else PENALTY_MISFIT
        elif act == "greet" and b.last_intent == "greeting":
            self.pending = self._state_goal()
        elif act == "request" and b.missing is not None:
            slot = b.missing
            self.pending = ("inform", {slot: values[slot]} if slot in values else {})
        elif act == "confirm" and b.task is not None and b.missing is None:
            b.confirming = True
            wrong = [s for s in REQUIRED_SLOTS[b.task] if b.slots[s] != values.get(s)]
            if b.task not in IRREVERSIBLE_INTENTS:
                reward += PENALTY_NEEDLESS
            if b.task != goal:
                self.pending = self._state_goal()  # "不是，我是想…"
            elif not wrong:
                self.pending = ("affirm", {})
            else:
                fix = {wrong[0]: values[wrong[0]]} if self.rng.random() < 0.5 else {}
                self.pending = ("deny", fix)
        elif act == "execute" and b.task in IRREVERSIBLE_INTENTS and b.missing is None:
            if not b.confirming:
                reward += PENALTY_UNCONFIRMED
            if right:
                reward += REWARD_SERVED * (b.confirming and b.last_intent == "affirm")
                b.served, self.pending = True, self._next_goal()
            else:
                reward += PENALTY_WRONG
                self.pending = self._correction(goal, values)
        elif act == "inform" and b.task in TASK_INTENTS and b.missing is None:
            if b.task in IRREVERSIBLE_INTENTS:
                reward += PENALTY_WRONG  # answering is not doing: nothing happened
            elif right:
                reward += REWARD_SERVED
                b.served, self.pending = True, self._next_goal()
            else:
                self.pending = self._correction(goal, values)
        else:
            reward += PENALTY_MISFIT  # the shopper says it again
        self.turns += 1
        if not terminated:
            self._say(*self.pending)
        truncated = not terminated and self.turns >= MAX_TURNS
        info = {"success": self.success, "turns": self.turns}
        return b.observation(), reward, terminated, truncated, info


class Policy:
    """A learned Q-table: observation -> act. A state never met in training falls back to
    ``fallback`` (say what the assistant can do) rather than to an arbitrary act."""

    def __init__(self, q: dict[tuple[int, ...], list[float]]):
        self.q = {tuple(k): np.asarray(v, dtype=float) for k, v in q.items()}

    def __call__(self, observation) -> str:
        values = self.q.get(tuple(observation))
        return "fallback" if values is None else SYSTEM_ACTS[int(np.argmax(values))]

    def save(self, path) -> None:
        rows = [[list(k), [round(float(x), 4) for x in v]] for k, v in sorted(self.q.items())]
        Path(path).write_text(json.dumps({"acts": SYSTEM_ACTS, "q": rows}) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path) -> Policy:
        """The Q-table in ``path``; a file that is not one is a ValueError naming it."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data["acts"] != list(SYSTEM_ACTS):
                raise ValueError(f"acts {data['acts']} are not {list(SYSTEM_ACTS)}")
            q = {tuple(int(i) for i in k): [float(x) for x in v] for k, v in data["q"]}
            if any(len(v) != len(SYSTEM_ACTS) for v in q.values()):
                raise ValueError("every row needs one value per act")
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{path} is not a policy: {err}") from None
        return cls(q)


def train_policy(episodes: int = 50_000, noise: float = 0.1, seed: int = 0) -> Policy:
    """Q-learning with decaying exploration against ``ShopperEnv(noise)``."""
    agent = QLearningAgent(
        len(SYSTEM_ACTS),
        gamma=0.95,
        alpha=power_decay(),
        epsilon=linear_decay(0.5, 0.05, episodes),
        seed=seed,
    )
    agent.learn(ShopperEnv(noise, seed), episodes, seed=seed)
    return Policy({k: v.tolist() for k, v in agent.Q.items()})


def success_rate(policy, noise: float, episodes: int = 2000, seed: int = 1) -> dict:
    """Share of simulated shoppers served and closed, mean turns and mean reward."""
    env, wins, turns, total = ShopperEnv(noise, seed), 0, 0, 0.0
    for i in range(episodes):
        obs, _ = env.reset(seed=seed * 100_003 + i)
        done = False
        while not done:
            obs, reward, terminated, truncated, info = env.step(SYSTEM_ACTS.index(policy(obs)))
            total += reward
            done = terminated or truncated
        wins, turns = wins + info["success"], turns + info["turns"]
    return {"success": wins / episodes, "turns": turns / episodes, "reward": total / episodes}
