"""An agenda-based simulated user (Schatzmann et al., 2007): a goal of constraints and requests,
and a stack of pending acts that each system act pushes onto and each user turn pops from."""

from __future__ import annotations

import random
from dataclasses import dataclass

from minillm.rl.state import UserAct
from minillm.rl.tasks import Task, sample_value

__all__ = ["AgendaUser", "Goal"]

_OPENING_EXTRA = ((0, 0.5), (1, 0.3), (2, 0.2))  # constraints said together with the intent
_ACTS_PER_TURN = ((1, 0.6), (2, 0.3), (3, 0.1))


@dataclass(frozen=True)
class Goal:
    """What the user wants: values for every constraint, and the facts to ask about."""

    constraints: dict[str, str]
    requests: tuple[str, ...]


def _draw(table: tuple[tuple[int, float], ...], rng: random.Random) -> int:
    return rng.choices([n for n, _ in table], [p for _, p in table])[0]


class AgendaUser:
    """The user side of a dialogue. ``deterministic`` pops one act per turn in a fixed order and
    never loses patience, so that the dialogue is a deterministic MDP.

    ``patience`` is how many unhelpful system acts (asking again for a confirmed value, confirming
    nothing, answering before the constraints are known, greeting mid-dialogue, needless fallback)
    the user takes before hanging up.
    """

    def __init__(
        self, task: Task, rng: random.Random, patience: int | None = 3, deterministic: bool = False
    ):
        self.task, self.rng, self.deterministic = task, rng, deterministic
        self.patience = None if deterministic else patience
        requests = task.requestable
        if not deterministic:
            requests = tuple(s for s in requests if rng.random() < 0.7) or (rng.choice(requests),)
        self.goal = Goal({s: sample_value(s, rng) for s in task.informable}, requests)
        order = list(task.informable)
        if not deterministic:
            rng.shuffle(order)
        # the agenda is a stack: the end of the list is its top
        self.agenda = [UserAct("bye"), UserAct("request", value=",".join(requests))]
        self.agenda += [UserAct("inform", s, self.goal.constraints[s]) for s in reversed(order)]
        self.answered = False  # the system informed a result that meets every constraint
        self.gave_up = False
        self.affirmed: set[str] = set()  # constraints the user has already said yes to
        self.last_turn: list[UserAct] = []

    def __repr__(self) -> str:  # the whole user state (not the random generator)
        return (
            f"AgendaUser(agenda={self.agenda}, affirmed={sorted(self.affirmed)}, "
            f"answered={self.answered}, patience={self.patience}, last_turn={self.last_turn})"
        )

    def opening(self) -> list[UserAct]:
        """The first turn: the task, maybe with a few constraints."""
        extra = 0 if self.deterministic else _draw(_OPENING_EXTRA, self.rng)
        return self._say([UserAct("intent", value=self.task.name), *self._pop(extra)])

    def respond(
        self, act: str, slot: str | None, belief: dict[str, str], understood: bool
    ) -> list[UserAct]:
        """React to the system act (its kind, slot, and the values the system holds)."""
        if act == "close":
            return self._say([UserAct("bye")])
        if act == "fallback" and not understood:  # say the last turn again
            self.agenda.extend(reversed(self.last_turn))
            return self._say(self._pop(len(self.last_turn)))
        if self._unhelpful(act, slot, belief):
            return self._say([self._complain()])
        self._push_reaction(act, slot, belief)
        n = 1 if self.deterministic else _draw(_ACTS_PER_TURN, self.rng)
        return self._say(self._pop(n))

    def _complain(self) -> UserAct:
        """A complaint that costs patience, or the goodbye of a user who has none left."""
        if self.patience is not None:
            self.patience -= 1
            self.gave_up = self.patience <= 0
        return UserAct("bye" if self.gave_up else "complain")

    def _push_reaction(self, act: str, slot: str | None, belief: dict[str, str]) -> None:
        """Push what the system act calls for: the value asked, a yes or a correction, or, once
        a result meets every constraint, only the goodbye."""
        if act == "request":
            self._push_inform(slot)
        elif act == "confirm":
            if belief[slot] == self.goal.constraints[slot]:
                self.agenda.append(UserAct("affirm", slot))
            else:
                self._correct(slot)
        elif act == "inform":
            wrong = [s for s in self.task.informable if belief[s] != self.goal.constraints[s]]
            if wrong:
                self._correct(wrong[0])
            else:
                self.answered = True
                self.agenda = [UserAct("bye")]

    def _unhelpful(self, act: str, slot: str | None, belief: dict[str, str]) -> bool:
        if act in ("greet", "fallback"):
            return True
        if act == "request":
            return self._confirmed(slot, belief)
        if act == "confirm":
            return slot not in belief or self._confirmed(slot, belief)
        if act == "inform":
            return any(s not in belief for s in self.task.informable)
        return False

    def _confirmed(self, slot: str, belief: dict[str, str]) -> bool:
        return slot in self.affirmed and belief.get(slot) == self.goal.constraints[slot]

    def _push_inform(self, slot: str) -> None:
        self.agenda = [a for a in self.agenda if not (a.kind == "inform" and a.slot == slot)]
        self.agenda.append(UserAct("inform", slot, self.goal.constraints[slot]))

    def _correct(self, slot: str) -> None:
        self.agenda = [a for a in self.agenda if not (a.kind == "inform" and a.slot == slot)]
        self.agenda.append(UserAct("deny", slot, self.goal.constraints[slot]))

    def _pop(self, n: int) -> list[UserAct]:
        """Up to ``n`` acts from the top; the closing bye only alone, and only once answered."""
        acts: list[UserAct] = []
        while len(acts) < n and len(self.agenda) > 1:
            acts.append(self.agenda.pop())
        if not acts and n > 0:
            acts = [UserAct("bye")] if self.answered else [self._requests()]
        return acts

    def _requests(self) -> UserAct:
        return UserAct("request", value=",".join(self.goal.requests))

    def _say(self, acts: list[UserAct]) -> list[UserAct]:
        self.affirmed |= {a.slot for a in acts if a.kind == "affirm"}
        self.last_turn = acts
        return acts
