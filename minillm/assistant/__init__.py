"""The default assistant: NLU → state and memory → policy → backend → generation."""

from minillm.assistant.assistant import Assistant, Reply
from minillm.assistant.backend import Shop, ShopError

__all__ = ["Assistant", "Reply", "Shop", "ShopError"]
