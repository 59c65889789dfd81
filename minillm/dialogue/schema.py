"""The one schema of the customer-service domain: what a user can want (intents), the values a task
needs (slots), what a user turn can do besides (inform, affirm, deny, out of domain) and what the
assistant can answer with (system acts). Everything that reads or writes dialogues imports it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "INTENTS",
    "INTENT_KEYWORDS",
    "IRREVERSIBLE_INTENTS",
    "REQUIRED_SLOTS",
    "SLOTS",
    "SLOT_LABELS",
    "SYSTEM_ACTS",
    "TASK_INTENTS",
    "TURN_INTENTS",
    "valid_value",
]

SLOTS = ("order_id", "product", "city", "date", "reason")
INTENTS = (
    "greeting",
    "order_status",
    "shipping_time",
    "return_refund",
    "change_address",
    "business_hours",
    "product_recommendation",
    "complaint",
    "thanks_bye",
)
REQUIRED_SLOTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "greeting": (),
        "order_status": ("order_id",),
        "shipping_time": ("city",),
        "return_refund": ("order_id", "reason"),
        "change_address": ("order_id", "city"),
        "business_hours": ("date",),
        "product_recommendation": ("product",),
        "complaint": ("order_id",),
        "thanks_bye": (),
    }
)
TASK_INTENTS = tuple(i for i in INTENTS if REQUIRED_SLOTS[i])
# Tasks that change something for good: the assistant confirms their values before it acts.
IRREVERSIBLE_INTENTS = ("return_refund", "change_address", "complaint")

# What one user turn does, as the NLU labels it: a goal of the schema, or
#   inform        - only gives slot values (usually the one just asked for),
#   affirm / deny - answers a confirmation; a deny may carry the right value ("不对，是无锡"),
#   out_of_domain - anything the shop cannot help with (weather, arithmetic, chit-chat).
TURN_INTENTS = (*INTENTS, "inform", "affirm", "deny", "out_of_domain")

# What the assistant's turn does: the policy chooses one of these, the generator words it.
SYSTEM_ACTS = ("greet", "request", "confirm", "execute", "inform", "close", "fallback")

SLOT_LABELS: Mapping[str, str] = MappingProxyType(
    {"order_id": "订单号", "product": "商品", "city": "城市", "date": "日期", "reason": "原因"}
)
# Every answer to a task names its keyword (and no other task's), so a judge can read a reply.
INTENT_KEYWORDS: Mapping[str, str] = MappingProxyType(
    {
        "order_status": "状态",
        "shipping_time": "送达",
        "return_refund": "退款",
        "change_address": "收货地址",
        "business_hours": "营业时间",
        "product_recommendation": "推荐",
        "complaint": "工单",
    }
)


def valid_value(slot: str, value: str) -> bool:
    """Whether ``value`` can be a value of ``slot`` at all: an order number is 10 digits, a city, a
    date or a reason at least two characters (no city is called "填")."""
    if slot == "order_id":
        return len(value) == 10 and value.isascii() and value.isdigit()
    return len(value.strip()) >= (1 if slot == "product" else 2)
