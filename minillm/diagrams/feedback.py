"""Diagrams of learning from feedback: the REINFORCE loop of a reply policy and a user's 👍 / 👎."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show


def reinforce_loop() -> None:
    """One round of REINFORCE with a user: a request of kind s arrives, the policy samples a reply
    a ~ π_θ(·|s), the user answers 👍 (r = 1) or 👎 (r = 0), and the row θ_s moves by
    η (r − b)(e_a − π(·|s)); the baseline b is the running mean of the rewards."""
    fig, ax = canvas(10.2, 4.6)
    request = box(ax, 1.75, 3.55, 2.9, 0.95, "", color="blue")
    label(ax, request.x, 3.75, "用户的请求 $s$", fontsize=11)
    label(ax, request.x, 3.35, "查物流 / 要退货 / 闲聊", fontsize=9)
    policy = box(ax, 7.9, 3.55, 3.7, 0.95, "", color="green")
    label(
        ax,
        policy.x,
        3.75,
        "策略 $\\pi_\\theta(a \\mid s)=\\mathrm{softmax}(\\theta_s)_a$",
        fontsize=11,
    )
    label(ax, policy.x, 3.35, "按概率抽一种回复：直接回答 / 先追问 / 转人工 / 闲聊", fontsize=9)
    user = box(ax, 7.9, 1.05, 3.7, 0.95, "", color="yellow")
    label(ax, user.x, 1.25, "用户反馈：好评 $r=1$ / 差评 $r=0$", fontsize=11)
    label(ax, user.x, 0.85, "只说好不好，不说哪种回复才对", fontsize=9)
    update = box(ax, 1.75, 1.05, 2.9, 0.95, "", color="orange")
    label(ax, update.x, 1.25, "更新 $\\theta_s$ 这一行", fontsize=11)
    label(ax, update.x, 0.85, "$\\theta_s \\leftarrow \\theta_s + \\eta\\,(r-b)(\\mathbf{e}_a-\\pi)$",
          fontsize=10)  # fmt: skip
    arrow(ax, request.right, policy.left, "1 读入请求", color="blue")
    arrow(ax, policy.bottom, user.top, color="green")
    label(ax, policy.x + 0.15, 2.3, "2 回复 $a$", fontsize=10, color=COLORS["green"][1], ha="left")
    arrow(ax, user.left, update.right, "3 奖励 $r$", color="yellow", offset=(0, 0.16))
    arrow(ax, update.top, request.bottom, color="orange")
    label(ax, update.x + 0.15, 2.3, "4 下一轮（策略已更新）", fontsize=10, color=COLORS["orange"][1],
          ha="left")  # fmt: skip
    baseline = box(ax, 4.85, 2.3, 2.2, 0.7, "", color="gray")
    label(ax, baseline.x, 2.42, "基线 $b$", fontsize=10)
    label(ax, baseline.x, 2.13, "最近奖励的平均", fontsize=8)
    arrow(ax, (baseline.x - 0.6, baseline.bottom[1]), (update.right[0], update.y + 0.3),
          color="gray", rad=-0.15)  # fmt: skip
    label(ax, 5.1, 4.35, "比平时好（$r>b$）就提高这种回复的概率，比平时差就降低", fontsize=10,
          color="#333333")  # fmt: skip
    show(fig)
