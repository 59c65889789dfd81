"""A chat box for a ChatSession in a notebook: replies stream in as they are generated, decoding
controls change the session's settings, 👍/👎 rate the last reply (``ChatSession.rate``)."""

from __future__ import annotations

import html

from minillm.chat import STRATEGIES, ChatSession


class ChatWidget:
    """ipywidgets front end of ``session``; ``display(ChatWidget(session).box)`` or just the object."""

    def __init__(self, session: ChatSession):
        import ipywidgets as w

        self.session = session
        self.log = w.HTML(
            layout=w.Layout(min_height="160px", border="1px solid #ddd", padding="6px")
        )
        self.entry = w.Text(
            placeholder="输入消息，按回车发送",
            continuous_update=False,
            layout=w.Layout(width="60%"),
        )
        send = w.Button(description="发送", button_style="primary")
        self.strategy = w.Dropdown(
            options=list(STRATEGIES), value=session.strategy, description="策略"
        )
        self.temperature = w.FloatSlider(value=0.7, min=0.1, max=2.0, step=0.1, description="温度")
        self.top_p = w.FloatSlider(value=0.9, min=0.05, max=1.0, step=0.05, description="top-p")
        self.beams = w.IntSlider(value=3, min=2, max=8, description="束宽")
        up, down = w.Button(description="👍"), w.Button(description="👎")
        reset = w.Button(description="清空对话")
        send.on_click(lambda _: self.send(self.entry.value))
        # with continuous_update off, the value changes when Enter is pressed
        self.entry.observe(lambda c: c["new"].strip() and self.send(c["new"]), "value")
        up.on_click(lambda _: self.rate(1))
        down.on_click(lambda _: self.rate(-1))
        reset.on_click(lambda _: self.reset())
        for control in (self.strategy, self.temperature, self.top_p, self.beams):
            control.observe(lambda _: self._apply_controls(), "value")
        self._apply_controls()
        self.status = w.Label()
        rows = [
            self.log,
            w.HBox([self.entry, send, up, down, reset]),
            w.HBox([self.strategy, self.temperature]),
            w.HBox([self.top_p, self.beams]),
            self.status,
        ]
        self.box = w.VBox(rows)
        self._render()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)

    def _apply_controls(self) -> None:
        self.session.strategy = self.strategy.value
        self.session.options.update(
            temperature=self.temperature.value, top_p=self.top_p.value, num_beams=self.beams.value
        )

    def _render(self, partial: str | None = None) -> None:
        rows = []
        for turn in self.session.turns:
            who = "你" if turn.role == "user" else "助手"
            mark = {1: " 👍", -1: " 👎"}.get(turn.rating, "")
            rows.append(f"<div><b>{who}：</b>{html.escape(turn.text)}{mark}</div>")
        if partial is not None:
            rows.append(f"<div><b>助手：</b>{html.escape(partial)}▌</div>")
        self.log.value = "".join(rows) or "<i>开始对话吧。</i>"

    def send(self, text: str) -> str:
        """Send ``text`` as the user and stream the reply into the log; returns the reply."""
        self.entry.value = ""
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
        self.status.value = "对话已清空。"
        self._render()
