"""Play the user against a trained dialogue manager in a notebook: each reply shows the belief the
policy acted on and Q(s, ·) with the chosen act marked, so the reader sees why it said that."""

from __future__ import annotations

import html

from minillm.rl.play import PolicyChat, PolicyReply


def reply_html(reply: PolicyReply) -> str:
    """The state line and a bar per action's Q-value, chosen act in bold; static HTML."""
    rows = [f"<div style='color:#555'>状态：{html.escape(reply.state)}</div>"]
    if reply.q_values:
        values = list(reply.q_values.values())
        low, high = min(values), max(values)
        for name, q in reply.q_values.items():
            width = 4 + 96 * (q - low) / ((high - low) or 1.0)
            chosen = name == reply.act
            color = "#d62728" if chosen else "#9ecae1"
            label = f"<b>{html.escape(name)}</b>" if chosen else html.escape(name)
            rows.append(
                "<div style='display:flex;align-items:center;font-size:12px'>"
                f"<span style='width:150px'>{label}</span>"
                f"<span style='background:{color};width:{width:.0f}px;height:10px'></span>"
                f"<span style='margin-left:6px'>{q:.2f}</span></div>"
            )
    return "".join(rows)


class PolicyChatWidget:
    """ipywidgets front end of a ``PolicyChat``; display the object or its ``box``."""

    def __init__(self, chat: PolicyChat):
        import ipywidgets as w

        self.chat = chat
        box_style = w.Layout(min_height="140px", border="1px solid #ddd", padding="6px")
        self.log = w.HTML(layout=box_style)
        self.detail = w.HTML()
        self.entry = w.Text(
            placeholder="扮演用户：输入消息，按回车发送",
            continuous_update=False,
            layout=w.Layout(width="60%"),
        )
        send = w.Button(description="发送", button_style="primary")
        reset = w.Button(description="新对话")
        send.on_click(lambda _: self.send(self.entry.value))
        self.entry.observe(lambda c: c["new"].strip() and self.send(c["new"]), "value")
        reset.on_click(lambda _: self.reset())
        self.box = w.VBox([self.log, w.HBox([self.entry, send, reset]), self.detail])
        self._render()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)

    def _render(self) -> None:
        rows = [
            f"<div><b>{'你' if who == 'user' else '客服'}：</b>{html.escape(text)}</div>"
            for who, text in self.chat.history
        ]
        self.log.value = "".join(rows) or "<i>说出你的需求，例如：我想查一下订单到哪了。</i>"

    def send(self, text: str) -> PolicyReply:
        """Send ``text`` as the user; show the reply, the state and the Q-values."""
        self.entry.value = ""
        reply = self.chat.send(text)
        self._render()
        self.detail.value = reply_html(reply) + (
            "<div>对话结束；再发消息开始新对话。</div>" if reply.done else ""
        )
        return reply

    def reset(self) -> None:
        self.chat.reset()
        self.detail.value = ""
        self._render()
