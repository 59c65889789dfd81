"""A chat box in a notebook. By default it talks to the shop's assistant and shows, under each
reply, what the loop did: the NLU's reading, the belief state, the act and what the shop returned.
Given a ChatSession it talks to that model instead: replies stream in as they are generated,
decoding controls change the session's settings, 👍/👎 rate the last reply (``ChatSession.rate``)."""

from __future__ import annotations

import html

from minillm.assistant import Assistant, Reply
from minillm.chat import STRATEGIES, ChatSession


def loop_html(reply: Reply, assistant: Assistant) -> str:
    """One line per step of the assistant's last turn: understanding, state, act, shop."""
    p, s = reply.parse, assistant.state
    values = "，".join(f"{k}={v}" for k, v in p.slots.items()) or "无"
    held = "，".join(f"{k}={v}" for k, v in s.slots.items()) or "无"
    steps = [
        ("理解", f"意图 {p.intent}（置信度 {p.confidence:.2f}），槽位 {values}"),
        ("状态", f"任务 {s.task or '无'}，已知 {held}，等待确认：{'是' if s.confirming else '否'}"),
        ("策略", f"动作 {reply.act}"),
        ("后台", ", ".join(f"{k}={v}" for k, v in reply.result.items()) or "—"),
    ]
    return "".join(
        f"<div style='color:#555;font-size:12px'><b>{name}</b> {html.escape(text)}</div>"
        for name, text in steps
    )


class ChatWidget:
    """ipywidgets front end of ``session`` (the shop's assistant if None); display the object or
    its ``box``."""

    def __init__(self, session: ChatSession | Assistant | None = None):
        import ipywidgets as w

        self.session = Assistant.load() if session is None else session
        self.transcript: list[tuple[str, str]] = []  # the assistant's turns: (role, text)
        self.log = w.HTML(
            layout=w.Layout(min_height="160px", border="1px solid #ddd", padding="6px")
        )
        self.detail = w.HTML()
        self.entry = w.Text(
            placeholder="输入消息，按回车发送",
            continuous_update=False,
            layout=w.Layout(width="60%"),
        )
        send = w.Button(description="发送", button_style="primary")
        reset = w.Button(description="清空对话")
        send.on_click(lambda _: self.send(self.entry.value))
        # with continuous_update off, the value changes when Enter is pressed
        self.entry.observe(lambda c: c["new"].strip() and self.send(c["new"]), "value")
        reset.on_click(lambda _: self.reset())
        self.status = w.Label()
        if isinstance(self.session, ChatSession):
            up, down = w.Button(description="👍"), w.Button(description="👎")
            up.on_click(lambda _: self.rate(1))
            down.on_click(lambda _: self.rate(-1))
            rows = [self.log, w.HBox([self.entry, send, up, down, reset]), *self._controls(w)]
        else:
            rows = [self.log, w.HBox([self.entry, send, reset]), self.detail]
        self.box = w.VBox([*rows, self.status])
        self._render()

    def _controls(self, w) -> list:
        """Decoding controls of a ChatSession, kept in step with its settings."""
        self.strategy = w.Dropdown(
            options=list(STRATEGIES), value=self.session.strategy, description="策略"
        )
        self.temperature = w.FloatSlider(value=0.7, min=0.1, max=2.0, step=0.1, description="温度")
        self.top_p = w.FloatSlider(value=0.9, min=0.05, max=1.0, step=0.05, description="top-p")
        self.beams = w.IntSlider(value=3, min=2, max=8, description="束宽")
        for control in (self.strategy, self.temperature, self.top_p, self.beams):
            control.observe(lambda _: self._apply_controls(), "value")
        self._apply_controls()
        return [w.HBox([self.strategy, self.temperature]), w.HBox([self.top_p, self.beams])]

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)

    def _apply_controls(self) -> None:
        self.session.strategy = self.strategy.value
        self.session.options.update(
            temperature=self.temperature.value, top_p=self.top_p.value, num_beams=self.beams.value
        )

    def _turns(self) -> list[tuple[str, str, str]]:
        """(role, text, rating mark) of every message so far."""
        if not isinstance(self.session, ChatSession):
            return [(role, text, "") for role, text in self.transcript]
        marks = {1: " 👍", -1: " 👎"}
        return [(t.role, t.text, marks.get(t.rating, "")) for t in self.session.turns]

    def _render(self, partial: str | None = None) -> None:
        rows = []
        for role, text, mark in self._turns():
            who = "你" if role == "user" else "助手"
            rows.append(f"<div><b>{who}：</b>{html.escape(text)}{mark}</div>")
        if partial is not None:
            rows.append(f"<div><b>助手：</b>{html.escape(partial)}▌</div>")
        self.log.value = "".join(rows) or "<i>开始对话吧。</i>"

    def send(self, text: str) -> str:
        """Send ``text`` as the user and show the reply (streamed, from a ChatSession); returns it."""
        self.entry.value = ""
        if not isinstance(self.session, ChatSession):
            if not text.strip():
                return ""
            reply = self.session.respond(text)
            self.transcript += [("user", text), ("assistant", reply.text)]
            self.detail.value = loop_html(reply, self.session)
            self._render()
            return reply.text
        shown = ""
        before = len(self.session.turns)
        for piece in self.session.stream(text):
            shown += piece
            self._render(partial=shown)
        self._render()
        self.status.value = (
            f"策略：{self.session.strategy}" if len(self.session.turns) > before else ""
        )
        return shown

    def rate(self, score: int) -> None:
        """Rate the last reply; the session may switch strategy, and the menu follows it."""
        last = [i for i, t in enumerate(self.session.turns) if t.role == "assistant"]
        if not last:
            self.status.value = "还没有可以评价的回复。"
            return
        self.session.rate(last[-1], score)
        self.strategy.value = self.session.strategy
        self.status.value = f"已记录评价；各策略得分 {self.session.scores}"
        self._render()

    def reset(self) -> None:
        self.session.reset()
        self.transcript, self.detail.value = [], ""
        self.status.value = "对话已清空。"
        self._render()
