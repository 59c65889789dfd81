"""Dialogue acts and the dialogue state tracker: what the system believes after each user turn,
reduced to a small observation (task, slot statuses, last user act, turn bucket) a table can index."""

from __future__ import annotations

from dataclasses import dataclass, field

from minillm.rl.tasks import SLOT_LABELS, TASKS, Task

__all__ = [
    "STATUSES",
    "SYSTEM_ACTS",
    "TASK_NAMES",
    "TURN_BUCKETS",
    "USER_ACTS",
    "DialogueState",
    "UserAct",
    "action_slot",
]

TASK_NAMES = tuple(TASKS)
SYSTEM_ACTS = (
    "greet",
    "request_1",
    "request_2",
    "request_3",
    "confirm_1",
    "confirm_2",
    "confirm_3",
    "inform",
    "close",
    "fallback",
)
USER_ACTS = ("inform", "request", "affirm", "deny", "complain", "bye", "unclear")
STATUSES = ("empty", "low", "high", "confirmed")  # low/high: the NLU's confidence in the value
TURN_BUCKETS = 4
# When one user turn holds several acts, the observation keeps the one that matters most.
_PRIORITY = ("deny", "affirm", "inform", "request", "bye", "complain")


@dataclass(frozen=True)
class UserAct:
    """One user dialogue act; ``confidence`` is filled in by the (simulated) NLU."""

    kind: str  # intent, inform, request, affirm, deny, complain, bye
    slot: str | None = None
    value: str | None = None
    confidence: str = "high"


def action_slot(action: int, task: Task) -> str | None:
    """The slot a request_i / confirm_i action is about, None for the other acts."""
    name = SYSTEM_ACTS[action]
    return task.informable[int(name[-1]) - 1] if name[-1].isdigit() else None


@dataclass
class DialogueState:
    """The system's belief: the task, a value and status per constraint, the last user act, turns."""

    task: Task | None = None
    values: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    last_user_act: str = "unclear"
    turn: int = 0
    informed: bool = False  # a result was given for the current values and not denied since

    def update(self, acts: list[UserAct], system_act: str | None = None) -> None:
        """Fold one heard user turn (after ``system_act``) into the belief; an empty turn means
        it was not understood."""
        if system_act == "inform" and self.task is not None:
            self.informed = all(s in self.values for s in self.task.informable)
        kinds = {a.kind for a in acts}
        for act in acts:
            if act.kind == "intent" and self.task is None:
                self.task = TASKS[act.value]
            elif act.kind in ("inform", "deny") and act.slot is not None:
                same = self.values.get(act.slot) == act.value
                if not (same and self.status.get(act.slot) == "confirmed"):
                    self.informed = self.informed and same
                    self.values[act.slot] = act.value
                    self.status[act.slot] = act.confidence
            elif act.kind == "affirm" and act.slot in self.values:
                self.status[act.slot] = "confirmed"
        kinds = {"inform" if k == "intent" else k for k in kinds}
        self.last_user_act = next((k for k in _PRIORITY if k in kinds), "unclear")

    def slot_status(self, slot: str) -> str:
        return self.status.get(slot, "empty")

    def observation(self, max_turns: int, with_turn: bool = True) -> tuple[int, ...]:
        """(task, status of constraints 1..3, informed, last user act, turn bucket) as integers."""
        if self.task is None:
            raise ValueError("the task is not known yet: the user has not said what they want")
        bucket = min(self.turn * TURN_BUCKETS // max_turns, TURN_BUCKETS - 1) if with_turn else 0
        return (
            TASK_NAMES.index(self.task.name),
            *(STATUSES.index(self.slot_status(s)) for s in self.task.informable),
            int(self.informed),
            USER_ACTS.index(self.last_user_act),
            bucket,
        )

    def describe(self) -> str:
        """The belief in one line of Chinese, e.g. for a widget or a terminal."""
        if self.task is None:
            return "任务：未知"
        names = {"empty": "空", "low": "低置信", "high": "高置信", "confirmed": "已确认"}
        slots = "，".join(
            f"{SLOT_LABELS[s]}={self.values.get(s, '—')}（{names[self.slot_status(s)]}）"
            for s in self.task.informable
        )
        done = "已给出" if self.informed else "未给出"
        return (
            f"任务：{self.task.title}｜{slots}｜结果：{done}｜用户上一句：{self.last_user_act}"
            f"｜第{self.turn}轮"
        )
