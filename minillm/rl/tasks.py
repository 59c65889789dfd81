"""The three customer-service tasks of the dialogue manager: what the user must tell (constraints),
what the user wants to know (requests), how values are drawn and misheard, and what the answer says."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from minillm.data.dialogue import sample_slot_value, value_pool

__all__ = [
    "SLOT_LABELS",
    "TASKS",
    "Task",
    "answer_facts",
    "get_task",
    "sample_value",
    "wrong_value",
]

SLOT_LABELS = {
    "order_id": "订单号",
    "phone_tail": "手机尾号",
    "city": "城市",
    "product": "商品",
    "reason": "原因",
    "date": "日期",
    "status": "物流状态",
    "eta": "预计送达",
    "refund_days": "退款到账时间",
    "return_address": "退货地址",
    "time_window": "上门时段",
    "fee": "上门费",
}


@dataclass(frozen=True)
class Task:
    """A slot-filling task: three constraints the system must collect, two facts it can answer."""

    name: str
    title: str
    informable: tuple[str, str, str]
    requestable: tuple[str, str]
    keywords: tuple[str, ...]  # words that name the task in a user's first message
    answer: str  # template of inform(result); fields are the constraints and the facts

    def __deepcopy__(self, memo) -> Task:  # immutable: dialogue snapshots share it
        return self


TASKS = {
    "order_enquiry": Task(
        "order_enquiry",
        "订单查询",
        ("order_id", "phone_tail", "city"),
        ("status", "eta"),
        ("查订单", "查一下订单", "订单状态", "物流", "快递", "到哪", "发货", "送达"),
        "查到了：订单{order_id}（尾号{phone_tail}，寄往{city}）{status}，预计{eta}送达。",
    ),
    "return_refund": Task(
        "return_refund",
        "退货退款",
        ("order_id", "product", "reason"),
        ("refund_days", "return_address"),
        ("退货", "退款", "退掉", "退钱", "想退"),
        "订单{order_id}的{product}已登记退货（原因：{reason}），请寄回{return_address}，"
        "退款{refund_days}个工作日内到账。",
    ),
    "repair_booking": Task(
        "repair_booking",
        "上门维修预约",
        ("product", "city", "date"),
        ("time_window", "fee"),
        ("维修", "修理", "上门", "坏了", "预约", "修一下"),
        "已为您预约{date}在{city}上门维修{product}，时段{time_window}，上门费{fee}。",
    ),
}

_FACTS = {
    "status": ("已发货，正在运输途中", "已到达当地配送站", "派送中", "仓库正在打包"),
    "eta": ("今天", "明天", "后天", "3天内"),
    "refund_days": ("1", "3", "5", "7"),
    "return_address": ("上海市青浦区华新镇售后仓", "广州市白云区售后中心", "武汉市东西湖区退货仓"),
    "time_window": ("9:00-12:00", "13:00-17:00", "18:00-21:00"),
    "fee": ("免费", "30元", "50元"),
}


def get_task(name: str) -> Task:
    """The task called ``name``; ValueError naming the known tasks otherwise."""
    if name not in TASKS:
        raise ValueError(f"task must be one of {tuple(TASKS)}, got {name!r}")
    return TASKS[name]


def sample_value(slot: str, rng: random.Random) -> str:
    """A value of a constraint slot, from the same pools as the synthetic dialogues."""
    if slot == "phone_tail":
        return f"{rng.randrange(10_000):04d}"
    if slot == "order_id":
        return sample_slot_value("order_id", rng)
    return rng.choice(value_pool(slot, "train"))


def wrong_value(slot: str, value: str, rng: random.Random) -> str:
    """What a misheard ``value`` sounds like: one digit changed, or another value of the slot."""
    if slot in ("order_id", "phone_tail"):
        i = rng.randrange(1 if slot == "order_id" else 0, len(value))
        digit = rng.choice([d for d in "0123456789" if d != value[i]])
        return value[:i] + digit + value[i + 1 :]
    return rng.choice([v for v in value_pool(slot, "train") if v != value])


def answer_facts(task: Task, constraints: dict[str, str]) -> dict[str, str]:
    """The facts a back end returns for these constraints: a stable hash, so replies are repeatable."""
    key = "|".join([task.name, *(constraints[s] for s in task.informable)])
    h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return {slot: _FACTS[slot][h % len(_FACTS[slot])] for slot in task.requestable}
