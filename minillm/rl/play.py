"""Talk to a trained dialogue manager yourself: your text goes through the NLU into the state
tracker, the policy picks a system act, and a template says it; every step is shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minillm.rl.env import system_text
from minillm.rl.nlu import parse_user_text
from minillm.rl.state import SYSTEM_ACTS, DialogueState, action_slot
from minillm.rl.tasks import TASKS

__all__ = ["PolicyChat", "PolicyReply"]

_ASK_TASK = "请问您要办理哪项业务：" + "、".join(t.title for t in TASKS.values()) + "？"


@dataclass(frozen=True)
class PolicyReply:
    """What the system said, the act behind it, the belief it acted on, and Q(s, ·) if any."""

    text: str
    act: str | None
    state: str
    q_values: dict[str, float] | None
    done: bool = False


class PolicyChat:
    """A dialogue between a person and ``policy`` (e.g. a trained ``QLearningAgent``)."""

    def __init__(self, policy: Callable, max_turns: int = 20):
        self.policy, self.max_turns = policy, max_turns
        self.reset()

    def reset(self) -> None:
        self.state = DialogueState()
        self.history: list[tuple[str, str]] = []
        self.done = False
        self._last: tuple[str, str | None] = ("", None)  # the last system act and its slot

    def send(self, text: str) -> PolicyReply:
        """Take one user message (any string) and return the system's reply."""
        if self.done:
            self.reset()
        text = text if isinstance(text, str) else str(text)
        kind, slot = self._last
        acts = parse_user_text(
            text,
            self.state.task,
            asked=slot if kind == "request" else None,
            confirming=slot if kind == "confirm" else None,
        )
        self.history.append(("user", text))
        self.state.update(acts, kind or None)
        if self.state.task is None:
            return self._say(PolicyReply(_ASK_TASK, None, self.state.describe(), None))
        obs = np.array(self.state.observation(self.max_turns), dtype=np.int64)
        action = int(self.policy(obs))
        q = getattr(self.policy, "q_values", None)
        task = self.state.task
        names = [
            f"{a.split('_')[0]}({action_slot(i, task)})" if action_slot(i, task) else a
            for i, a in enumerate(SYSTEM_ACTS)
        ]
        reply = PolicyReply(
            system_text(action, task, dict(self.state.values)),
            names[action],
            self.state.describe(),
            dict(zip(names, map(float, q(obs)))) if q else None,
            SYSTEM_ACTS[action] == "close",
        )
        self.state.turn += 1
        self._last = (SYSTEM_ACTS[action].split("_")[0], action_slot(action, task))
        self.done = reply.done
        return self._say(reply)

    def _say(self, reply: PolicyReply) -> PolicyReply:
        self.history.append(("system", reply.text))
        return reply
