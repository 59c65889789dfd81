"""Understanding what a person types to the dialogue manager: the task, slot values, yes/no,
questions and goodbyes, by keywords, number patterns and the value lists of the synthetic data."""

from __future__ import annotations

import re

from minillm.data.dialogue import SPLITS, value_pool
from minillm.rl.state import UserAct
from minillm.rl.tasks import TASKS, Task

__all__ = ["parse_user_text"]

_GAZETTEER = {
    slot: sorted({v for split in SPLITS for v in value_pool(slot, split)}, key=len, reverse=True)
    for slot in ("product", "city", "date", "reason")
}
_DENY = ("不是", "不对", "错了", "不正确", "搞错")
_AFFIRM = ("是的", "对的", "对", "没错", "正确", "嗯", "好的", "是")
_BYE = ("谢谢", "再见", "拜拜", "没有了", "没事了")
_REQUEST = ("吗", "？", "?", "什么", "多久", "哪", "多少", "几", "怎么")
_DIGITS = re.compile(r"\d+")


def _values(text: str, task: Task | None) -> list[UserAct]:
    """Slot values found in ``text``: 10 digits are an order id, 4 digits a phone tail,
    the rest by the longest known value."""
    wanted = task.informable if task else (*_GAZETTEER, "order_id", "phone_tail")
    acts = []
    for number in _DIGITS.findall(text):
        slot = {10: "order_id", 4: "phone_tail"}.get(len(number))
        if slot in wanted:
            acts.append(UserAct("inform", slot, number))
    for slot, values in _GAZETTEER.items():
        hit = next((v for v in values if v in text), None)
        if slot in wanted and hit:
            acts.append(UserAct("inform", slot, hit))
    return acts


def parse_user_text(
    text: str, task: Task | None, asked: str | None = None, confirming: str | None = None
) -> list[UserAct]:
    """The user acts in ``text``. ``asked``: the slot the system just requested (a reply with no
    known value becomes that slot's value, with low confidence); ``confirming``: the slot the
    system just asked to confirm (so "对" affirms it and "不是，…" corrects it). Never raises on
    a string: what is not understood gives no acts."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    text = text.strip()
    acts: list[UserAct] = []
    if task is None:
        found = [t for t in TASKS.values() if any(k in text for k in t.keywords)]
        if found:
            task = found[0]
            acts.append(UserAct("intent", value=task.name))
    values = _values(text, task)
    if confirming and any(w in text for w in _DENY):
        fixed = [a for a in values if a.slot == confirming]
        acts += [UserAct("deny", confirming, fixed[0].value)] if fixed else []
        values = [a for a in values if a.slot != confirming]
    elif confirming and any(text.startswith(w) for w in _AFFIRM):
        acts.append(UserAct("affirm", confirming))
    if asked and not values and text and not acts and not any(w in text for w in _BYE):
        values = [UserAct("inform", asked, text.rstrip("。！!.，,"), "low")]
    acts += values
    if task is not None and any(w in text for w in _REQUEST) and not values:
        acts.append(UserAct("request", value=",".join(task.requestable)))
    if any(w in text for w in _BYE):
        acts.append(UserAct("bye"))
    return acts
