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
