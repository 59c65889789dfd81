"""Diagrams of dialogue management as a Markov decision process: the agent-environment loop, read as a
dialogue policy talking to a simulated user."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show


def mdp_loop() -> None:
    """The agent-environment loop of an MDP: the agent (the dialogue policy) sees state s_t and picks action
    a_t; the environment (the simulated user behind the NLU) answers with the next state s_{t+1}, drawn from
    P(s' | s, a), and the reward r_{t+1} = R(s, a, s'). Each arrow is labelled with its dialogue meaning."""
    fig, ax = canvas(10.4, 4.7)
    agent = box(ax, 2.0, 2.35, 2.9, 1.5, "", color="blue")
    label(ax, 2.0, 2.7, "智能体（agent）", fontsize=12)
    label(ax, 2.0, 2.2, "对话策略 $\\pi$：在状态 $s$ 下\n选动作，例如查 $Q(s,\\cdot)$", fontsize=9)
    env = box(ax, 8.4, 2.35, 3.4, 1.5, "", color="green")
    label(ax, 8.4, 2.75, "环境（environment）", fontsize=12)
    label(ax, 8.4, 2.15, "模拟用户 + NLU：\n转移 $P(s' \\mid s,a)$，奖励 $R(s,a,s')$", fontsize=9)
    # action on top, state and reward underneath
    arrow(ax, (agent.x + 0.6, agent.top[1]), (env.x - 0.9, env.top[1]), rad=-0.18, color="orange")
    label(ax, 5.2, 4.35, "动作 $a_t$", fontsize=11, color=COLORS["orange"][1])
    label(ax, 5.2, 3.95, "系统对话行为：问候、请求槽位、确认槽位、告知结果、结束……", fontsize=9)
    arrow(
        ax, (env.x - 0.9, env.bottom[1]), (agent.x + 0.6, agent.bottom[1]), rad=-0.18, color="blue"
    )
    label(ax, 5.2, 0.88, "下一个状态 $s_{t+1}$", fontsize=11, color=COLORS["blue"][1])
    label(ax, 5.2, 0.52, "对话状态：任务、各槽位的置信状态、是否已答、用户上一句、轮次", fontsize=9)
    arrow(ax, (env.left[0], env.y - 0.2), (agent.right[0], agent.y - 0.2), color="red")
    label(ax, 5.2, 2.45, "奖励 $r_{t+1}$", fontsize=11, color=COLORS["red"][1])
    label(ax, 5.2, 1.85, "每轮 −1；成功结束 +2L；失败 −L", fontsize=9)
    label(
        ax,
        5.2,
        0.15,
        "一轮对话 = 一次转移 $(s_t, a_t, r_{t+1}, s_{t+1})$",
        fontsize=9,
        color="#444444",
    )
    show(fig)


# The order-enquiry agenda of the book's example: (kind, text), the top of the stack first.
_AGENDA = [
    ("inform", "告知：订单号"),
    ("inform", "告知：手机尾号"),
    ("inform", "告知：城市"),
    ("request", "询问：物流状态、送达时间"),
    ("bye", "再见"),
]
_KIND_COLORS = {"inform": "blue", "request": "yellow", "bye": "gray", "deny": "red"}


def _stack(ax, x, items, title, moved=None):
    """A stack drawn top-down (top of the stack first); ``moved`` marks the item just pushed."""
    y_top, h, w = 3.55, 0.46, 1.95
    label(ax, x, y_top + 0.55, title, fontsize=10)
    label(ax, x - w / 2 - 0.12, y_top, "栈顶→", fontsize=8, color="#444444", ha="right")
    for i, (kind, text) in enumerate(items):
        box(ax, x, y_top - i * h, w, h * 0.9, text, color=_KIND_COLORS[kind], fontsize=9)
        if text == moved:
            label(ax, x, y_top - i * h + 0.3, "刚压入", fontsize=8, color=COLORS["green"][1])


def agenda_stack() -> None:
    """An agenda-based user as a stack: the system's request for the city moves "告知：城市" to the
    top (push), the user's turn pops it; confirming a misheard city pushes a denial with the right
    value, which the next turn pops. Colour says the kind of user act."""
    fig, ax = canvas(13.0, 4.6)
    xs = [1.6, 4.9, 8.2, 11.5]
    first = _AGENDA
    second = [_AGENDA[2], _AGENDA[0], _AGENDA[1], *_AGENDA[3:]]
    third = [_AGENDA[0], _AGENDA[1], *_AGENDA[3:]]
    fourth = [("deny", "否认：城市是合肥"), *third]
    _stack(ax, xs[0], first, "① 开始时的议程")
    _stack(ax, xs[1], second, "② 系统：请求城市", moved="告知：城市")
    _stack(ax, xs[2], third, "③ 用户说完一句之后")
    _stack(ax, xs[3], fourth, "④ 系统：确认城市是“火星”", moved="否认：城市是合肥")
    notes = [
        "把“告知：城市”\n挪到栈顶",
        "弹出栈顶说出：\n“城市是合肥”",
        "听错了：值不对，\n压入“否认并纠正”",
    ]
    for i, note in enumerate(notes):
        start, end = (xs[i] + 1.05, 2.75), (xs[i + 1] - 1.05, 2.75)
        color = "orange" if i == 1 else "green"
        arrow(ax, start, end, color=color)
        label(ax, (start[0] + end[0]) / 2, 2.3, note, fontsize=8, color=COLORS[color][1])
    label(
        ax,
        xs[3],
        1.15,
        "下一轮弹出：“不对，城市是合肥”",
        fontsize=9,
        color=COLORS["orange"][1],
    )
    label(
        ax,
        6.5,
        0.45,
        "绿色箭头：系统的动作让用户压栈（push）；橙色箭头：用户每轮从栈顶弹出（pop）一到三个行为说出来。"
        "\n方框的颜色是行为的种类：蓝＝告知槽位值，黄＝询问结果，灰＝再见，红＝否认并纠正",
        fontsize=9,
        color="#444444",
    )
    show(fig)
