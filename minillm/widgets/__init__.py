"""Notebook widgets: a chat box for a ChatSession and a viewer of a GPT's attention."""

from minillm.widgets.attention import AttentionViewer
from minillm.widgets.chat import ChatWidget

__all__ = ["AttentionViewer", "ChatWidget"]
