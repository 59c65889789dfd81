"""The assistant: each user turn goes through the loop of dynamic interaction. The NLU reads it, the
shop's tables say what the values it found are, the belief state takes them in, the policy chooses
an act, the shop answers or acts, and the reply writer says what happened: values as the user typed
them, facts as the database holds them, and an action only once the database has done it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from minillm.assistant.backend import Shop, ShopError
from minillm.assistant.nlu import NLU, Parse, link
from minillm.assistant.policy import Policy
from minillm.assistant.state import BeliefState
from minillm.assistant.writer import ReplyWriter
from minillm.chat import clean_input
from minillm.dialogue.replies import render
from minillm.dialogue.schema import IRREVERSIBLE_INTENTS
from minillm.knowledge import TripleStore
from minillm.pretrained import PRETRAINED_DIR

__all__ = ["ASSISTANT_DIR", "Assistant", "Reply"]

ASSISTANT_DIR = PRETRAINED_DIR / "assistant-zh"
SURE_YES = 0.9  # an irreversible action needs a yes the NLU is this sure of
MAX_MESSAGE_CHARS = 2000  # a pasted shipping log is read whole; beyond this nothing more is read


@dataclass
class Reply:
    """One assistant turn: the act chosen, its text, and what led to it."""

    act: str  # "request:order_id", "confirm", "execute", "inform", "greet", "close", "fallback"
    text: str
    parse: Parse
    result: dict = field(default_factory=dict)  # what the shop returned or did


class Assistant:
    """Conversations with the shop's assistant; ``respond(text)`` -> ``Reply``. ``memory`` holds
    what the user has said about themselves (name, phone, order, city) across conversations: a
    returning user is greeted by name, and an order id they gave before need not be asked again."""

    def __init__(self, nlu: NLU, policy: Policy, shop: Shop, writer: ReplyWriter | None = None):
        self.nlu, self.policy, self.shop, self.writer = nlu, policy, shop, writer
        self.state, self.last_reply, self.complaint = BeliefState(), "", ""
        self.memory, self.turns, self.started = TripleStore(), 0, 0

    @classmethod
    def load(cls, folder=ASSISTANT_DIR, shop: Shop | None = None) -> Assistant:
        """The shipped NLU, policy and reply writer in ``folder``, talking to ``shop`` (a fresh one
        by default)."""
        folder = Path(folder)
        nlu, policy = NLU.load(folder / "nlu"), Policy.load(folder / "policy.json")
        return cls(nlu, policy, shop or Shop(), ReplyWriter.load(folder / "writer"))

    def reset(self) -> None:
        """Start a new conversation: the shop keeps what was done, ``memory`` what the user said."""
        self.state, self.last_reply, self.complaint = BeliefState(), "", ""
        self.started = self.turns

    def forget(self) -> None:
        """A new conversation with a new user: the memory is emptied too."""
        self.reset()
        self.memory = TripleStore()

    def respond(self, text: str) -> Reply:
        """Read one user message and answer it. Any string is accepted; non-strings read as ""."""
        text = clean_input(text, max_chars=MAX_MESSAGE_CHARS)
        parse = link(self.nlu.parse(text, self.last_reply), text, self.shop.mentions(text))
        if parse.intent == "affirm" and self.state.confirming and parse.confidence < SURE_YES:
            return Reply("confirm", self.last_reply, parse)  # an unsure yes changes nothing
        self.turns += 1
        self.memory.learn(text, turn=self.turns)
        self.state.update(parse.intent, parse.slots)
        earlier = [t for t in self.memory.query("用户", "订单号") if t.turn <= self.started]
        if self.state.missing == "order_id" and earlier:  # said in an earlier conversation
            self.state.slots["order_id"] = earlier[0].object
        if parse.intent == "complaint":
            self.complaint = text  # the ticket carries the user's own words
        act = self.policy(self.state.observation())
        act, reply, result = self._carry_out(act)
        self.last_reply = reply
        return Reply(act, reply, parse, result)

    def send(self, text: str) -> str:
        """The reply's text only."""
        return self.respond(text).text

    def stream(self, text: str) -> Iterator[str]:
        """The reply as pieces to print as they come, the interface of ``ChatSession.stream``."""
        yield self.respond(text).text

    def _carry_out(self, act: str) -> tuple[str, str, dict]:
        """(act as done, reply text, shop result). An act that does not fit the state (a request
        with nothing missing, an action with values missing) becomes what does fit."""
        s = self.state
        if act in ("request", "confirm", "execute", "inform") and s.missing is not None:
            return f"request:{s.missing}", self._say(f"request:{s.missing}"), {}
        if act in ("request", "confirm", "execute", "inform") and s.task is None:
            act = "fallback"
        if act in ("confirm", "execute") and s.task not in IRREVERSIBLE_INTENTS:
            act = "inform"  # a question needs no yes: answer it
        if act == "inform" and s.task in IRREVERSIBLE_INTENTS and not s.confirming:
            act = "confirm"  # nothing irreversible happens, or is said to, without a yes
        if act == "execute" and not s.confirming:
            act = "confirm"
        if act == "confirm":
            s.confirming = True
            return "confirm", render(f"confirm:{s.task}", s.task_values), {}
        if act == "execute" or (act == "inform" and s.task in IRREVERSIBLE_INTENTS):
            return ("execute", *self._execute())
        if act == "inform":
            return ("inform", *self._inform())
        if act == "close":
            self.state = BeliefState(slots=dict(s.slots), last_intent="thanks_bye")
        if act == "greet" and (name := self.memory.get("用户", "姓名")):
            return act, f"{name}，{self._say(act)}", {}
        return act, self._say(act), {}

    def _say(self, key: str, values: dict | None = None) -> str:
        """The reply ``key`` in words: written by the GPT and checked, or the template. A
        confirmation is always the template: it is the question the NLU learned to read a yes to."""
        values = values or {}
        if self.writer is None or key.startswith("confirm:"):
            return render(key, values)
        return self.writer.write(key, values)[0]

    def _execute(self) -> tuple[str, dict]:
        """Carry out the confirmed task in the shop; the reply says what the shop did."""
        s, values = self.state, self.state.task_values
        s.served, s.confirming = True, False
        try:
            if s.task == "return_refund":
                result = self.shop.refund(values["order_id"], values["reason"])
            elif s.task == "change_address":
                result = self.shop.change_address(values["order_id"], values["city"])
            else:
                result = self.shop.open_ticket(values["order_id"], self.complaint)
        except ShopError as err:
            return self._say("refused", {"reason": str(err)}), {"error": str(err)}
        return self._say(f"execute:{s.task}", result), result

    def _inform(self) -> tuple[str, dict]:
        """Answer the task from the shop's data, or say honestly that the shop does not know the
        value; either way the task is served, and a new value asks it again."""
        s, values = self.state, self.state.task_values
        s.served = True
        slot, result = {
            "order_status": ("order_id", lambda: self.shop.order(values["order_id"])),
            "shipping_time": ("city", lambda: self.shop.shipping_days(values["city"])),
            "business_hours": ("date", lambda: self.shop.hours(values["date"])),
            "product_recommendation": ("product", lambda: self.shop.recommend(values["product"])),
        }[s.task]
        result = result()
        if result is None:
            return self._say(f"unknown:{slot}", values), {}
        return self._say(f"inform:{s.task}", {**values, **result}), result
