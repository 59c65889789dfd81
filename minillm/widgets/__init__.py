"""Notebook widgets: a chat box for the shop's assistant (showing each step of its loop) or a
ChatSession, a viewer of a GPT's attention, and a chat with a learned dialogue manager that shows
its state and Q-values."""

from minillm.widgets.attention import AttentionViewer
from minillm.widgets.chat import ChatWidget
from minillm.widgets.policy import PolicyChatWidget

__all__ = ["AttentionViewer", "ChatWidget", "PolicyChatWidget"]
