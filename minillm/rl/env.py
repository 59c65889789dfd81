"""DialogueEnv: task-oriented customer service (智能客服) as a Gymnasium environment.

Each step is one system act and the simulated user's reply, heard through a noisy NLU. Rewards follow
TC-Bot (Li et al., 2017): -1 per turn, +2L for success, -L for failure, L = ``max_turns``.
"""

from __future__ import annotations

import copy
import random

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from minillm.rl.state import (
    STATUSES,
    SYSTEM_ACTS,
    TASK_NAMES,
    TURN_BUCKETS,
    USER_ACTS,
    DialogueState,
    UserAct,
    action_slot,
)
from minillm.rl.tasks import SLOT_LABELS, Task, answer_facts, get_task, wrong_value
from minillm.rl.user import AgendaUser

__all__ = ["DialogueEnv", "system_text", "user_text"]

P_LOW_IF_WRONG = 0.8  # a misheard value usually comes with a low NLU confidence …
P_LOW_IF_RIGHT = 0.1  # … and a few right ones do too


class DialogueEnv(gym.Env):
    """Slot filling against an agenda-based user.

    ``task``: one of ``TASK_NAMES`` or None to draw one per dialogue. ``nlu_error``: probability that
    a value the user says is misheard (another value of the slot); with half that probability a whole
    user turn is not understood. Success: the system closes after informing a result that meets every
    constraint, within ``max_turns`` turns. ``deterministic=True`` (needs a task) gives the MDP of
    ``transition_model()``: no noise, one user act per turn, and the turn limit becomes a truncation
    because time is then not part of the state.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}  # noqa: RUF012 (Gymnasium convention)

    def __init__(
        self,
        task: str | None = None,
        nlu_error: float = 0.0,
        max_turns: int = 20,
        patience: int = 3,
        deterministic: bool = False,
        render_mode: str | None = None,
    ):
        if task is not None:
            get_task(task)
        if not isinstance(nlu_error, (int, float)) or not 0.0 <= nlu_error <= 1.0:
            raise ValueError(f"nlu_error must be a probability in [0, 1], got {nlu_error!r}")
        if not isinstance(max_turns, int) or max_turns < TURN_BUCKETS:
            raise ValueError(f"max_turns must be an int >= {TURN_BUCKETS}, got {max_turns!r}")
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an int >= 1, got {patience!r}")
        if deterministic and (task is None or nlu_error):
            raise ValueError("deterministic=True needs a task and nlu_error=0")
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.task_name, self.nlu_error, self.max_turns = task, float(nlu_error), max_turns
        self.patience, self.deterministic, self.render_mode = patience, deterministic, render_mode
        self.action_space = spaces.Discrete(len(SYSTEM_ACTS))
        self.observation_space = spaces.MultiDiscrete(
            [len(TASK_NAMES), *[len(STATUSES)] * 3, 2, len(USER_ACTS), TURN_BUCKETS]
        )
        self.transcript: list[tuple[str, str]] = []

    # -- Gymnasium API -----------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._rng = random.Random(int(self.np_random.integers(2**63)))
        name = self.task_name or self._rng.choice(TASK_NAMES)
        self.task: Task = get_task(name)
        self.user = AgendaUser(self.task, self._rng, self.patience, self.deterministic)
        self.state = DialogueState()
        self._understood = True
        said = self.user.opening()
        self.state.update(self._hear(said, opening=True))
        self.transcript = [("user", user_text(said, self.task))] if self.render_mode else []
        return self._obs(), self._info(False)

    def step(self, action):
        if not isinstance(action, (int, np.integer)) or not 0 <= action < len(SYSTEM_ACTS):
            raise ValueError(f"action must be an int in [0, {len(SYSTEM_ACTS)}), got {action!r}")
        action = int(action)
        kind, slot = SYSTEM_ACTS[action].split("_")[0], action_slot(action, self.task)
        belief = dict(self.state.values)
        if self.render_mode:  # the words cost time; training needs only the acts
            self.transcript.append(("system", system_text(action, self.task, belief)))
        self.state.turn += 1
        said = self.user.respond(kind, slot, belief, self._understood)
        if self.render_mode:
            self.transcript.append(("user", user_text(said, self.task, self.user.gave_up)))
        terminated = kind == "close" or self.user.gave_up
        success = kind == "close" and self.user.answered
        truncated = False
        if not terminated:
            self.state.update(self._hear(said), kind)
            if self.state.turn >= self.max_turns:
                truncated = self.deterministic  # time is not in the deterministic MDP's state
                terminated = not self.deterministic
        reward = -1.0
        if terminated:
            reward += 2 * self.max_turns if success else -self.max_turns
        return self._obs(), reward, terminated, truncated, self._info(success)

    def render(self):
        if self.render_mode == "ansi":
            return "\n".join(
                f"{'用户' if who == 'user' else '客服'}：{text}" for who, text in self.transcript
            )
        return None

    # -- helpers -----------------------------------------------------------------------------
    def _obs(self) -> np.ndarray:
        obs = self.state.observation(self.max_turns, with_turn=not self.deterministic)
        return np.array(obs, dtype=np.int64)

    def _info(self, success: bool) -> dict:
        return {"task": self.task.name, "turns": self.state.turn, "success": success}

    def _hear(self, said: list[UserAct], opening: bool = False) -> list[UserAct]:
        """The NLU: values may be misheard (with a confidence that hints at it), turns may be lost."""
        if self.deterministic:
            return said
        self._understood = opening or self._rng.random() >= self.nlu_error / 2
        if not self._understood:
            return []
        heard = []
        for act in said:
            if act.slot is not None and act.value is not None:
                wrong = self._rng.random() < self.nlu_error
                value = wrong_value(act.slot, act.value, self._rng) if wrong else act.value
                low = self._rng.random() < (P_LOW_IF_WRONG if wrong else P_LOW_IF_RIGHT)
                act = UserAct(act.kind, act.slot, value, "low" if low else "high")
            heard.append(act)
        return heard

    def action_name(self, action: int) -> str:
        """e.g. ``request(order_id)`` for the current task."""
        slot = action_slot(action, self.task)
        return f"{SYSTEM_ACTS[action].split('_')[0]}({slot})" if slot else SYSTEM_ACTS[action]

    def transition_model(self) -> dict:
        """``P[s][a] = [(p, s', r, terminated)]`` over the states reachable from reset.

        Built by trying every action from every reachable state; raises if two dialogues reach the
        same observation but continue differently (the observation would not be a Markov state).
        """
        if not self.deterministic:
            raise ValueError("transition_model() needs DialogueEnv(..., deterministic=True)")
        self.reset(seed=0)
        P: dict = {}
        frontier, expanded = [self._snapshot()], set()
        while frontier:  # every distinct hidden state is expanded and must agree with P[s]
            snapshot = frontier.pop()
            self._restore(snapshot)
            s, key = tuple(self._obs().tolist()), repr(snapshot)
            if key in expanded:
                continue
            expanded.add(key)
            rows = {}
            for a in range(self.action_space.n):
                self._restore(snapshot)
                obs, r, terminated, _, _ = self.step(a)
                rows[a] = [(1.0, tuple(obs.tolist()), r, terminated)]
                if not terminated:
                    self.state.turn = 0  # the horizon is a truncation here, not part of P
                    frontier.append(self._snapshot())
            if P.setdefault(s, rows) != rows:
                raise RuntimeError(f"observation {s} is not a Markov state: histories differ")
        self.reset(seed=0)
        return P

    def _snapshot(self):
        """A copy of the dialogue (user, belief, NLU flag) without the random generator."""
        rng, self.user.rng = self.user.rng, None
        snapshot = copy.deepcopy((self.user, self.state, self._understood))
        self.user.rng = rng
        return snapshot

    def _restore(self, snapshot) -> None:
        self.user, self.state, self._understood = copy.deepcopy(snapshot)
        self.user.rng = self._rng


QUESTIONS = {
    "order_id": "请问您的订单号是多少？",
    "phone_tail": "请问您手机号的后四位是多少？",
    "city": "请问是在哪个城市？",
    "product": "请问是哪件商品？",
    "reason": "请问退货的原因是什么？",
    "date": "请问您想约哪一天？",
}


def system_text(action: int, task: Task, belief: dict[str, str]) -> str:
    """The system act in Chinese, from templates; inform states the facts for the believed values."""
    kind, slot = SYSTEM_ACTS[action].split("_")[0], action_slot(action, task)
    if kind == "greet":
        return "您好，我是智能客服小智，请问有什么可以帮您？"
    if kind == "request":
        return QUESTIONS[slot]
    if kind == "confirm":
        if slot not in belief:
            return f"您的{SLOT_LABELS[slot]}是……？"
        return f"跟您确认一下，{SLOT_LABELS[slot]}是{belief[slot]}，对吗？"
    if kind == "inform":
        if any(s not in belief for s in task.informable):
            return "抱歉，信息还不全，暂时查不到结果。"
        return task.answer.format(**belief, **answer_facts(task, belief))
    if kind == "close":
        return "感谢您的咨询，祝您生活愉快，再见！"
    return "抱歉，我没有听清，能再说一遍吗？"


def user_text(acts: list[UserAct], task: Task, gave_up: bool = False) -> str:
    """The simulated user's turn in Chinese."""
    parts = []
    for act in acts:
        if act.kind == "intent":
            parts.append(f"你好，我想办理{task.title}")
        elif act.kind == "inform":
            parts.append(f"{SLOT_LABELS[act.slot]}是{act.value}")
        elif act.kind == "request":
            asked = "和".join(SLOT_LABELS[s] for s in act.value.split(","))
            parts.append(f"请问{asked}是什么")
        elif act.kind == "affirm":
            parts.append("对的")
        elif act.kind == "deny":
            parts.append(f"不对，{SLOT_LABELS[act.slot]}是{act.value}")
        elif act.kind == "complain":
            parts.append("这个我刚才已经说过了")
        elif act.kind == "bye":
            parts.append("算了，不问了，再见" if gave_up else "好的，谢谢，再见")
    return "，".join(parts) + "。"
