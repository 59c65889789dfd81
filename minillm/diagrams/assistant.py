"""Diagrams of the task-oriented assistant: the dialogue-system pipeline, what kind of component each
stage is, the three ways of getting a dialogue policy, and Bayesian knowledge tracing as a two-state
hidden Markov model."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show

# what each stage of chapter 6's assistant is made of: colour -> legend text
KINDS = {
    "blue": "手写规则",
    "orange": "强化学习（从奖励中学）",
    "purple": "语言模型",
    "gray": "后台程序与数据",
    "yellow": "对话的输入与输出",
}
END_TO_END = "端到端：一个语言模型（chat-zh）读对话历史，直接写出回复"
BACK_END = "后台与长期记忆\n订单、商品、门店；用户事实（三元组库）"

# the three families of dialogue policy: colour, what each needs, how it gets a policy, what it buys
FAMILIES = {"手写规则": "blue", "强化学习": "orange", "基于模型": "green"}
NEEDS = {
    "手写规则": "开发者对流程的理解",
    "强化学习": "模拟用户 + 奖励\n（每轮 −1，成功 +2L，失败 −L）",
    "基于模型": "对话日志（与用户交互得来），\n从中数出 P(s′ | s, a)",
}
HOW = {
    "手写规则": "逐条写出：缺什么问什么，\n每个值都确认",
    "强化学习": "试错：每走一步\n更新一次 Q(s, a)",
    "基于模型": "规划：在模型上做值迭代\n（反复贝尔曼备份）",
}
TRADE = {
    "手写规则": "不需要数据，行为可预测；\n规则想不到的情况就做不好",
    "强化学习": "自己找出省轮数的做法；\n要很多对话，只在乎奖励",
    "基于模型": "同样的数据用得更充分；\n要存模型、要算，模型错则策略错",
}


def _dashed(ax, start, end, color="green", rad=0.0) -> None:
    """A dashed arrow: the feedback that flows back into the dialogue state."""
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=14,
            color=COLORS[color][1],
            linewidth=1.4,
            linestyle=(0, (4, 3)),
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=2,
            shrinkB=2,
        )
    )


def _legend(ax, x, y, kinds: dict[str, str]) -> None:
    """A row of colour swatches, each followed by what its colour means."""
    for color, text in kinds.items():
        box(ax, x, y, 0.32, 0.22, color=color, rounded=False)
        label(ax, x + 0.24, y, text, fontsize=9, ha="left")
        x += 0.24 + 0.15 * len(text) + 0.45  # a 9-point Chinese character is about 0.15 inch wide


def dialogue_pipeline() -> None:
    """One turn of a task-oriented dialogue system: user text -> NLU (intent + slots) -> dialogue state
    -> policy (request / confirm / execute / inform / close) -> back end and long-term memory ->
    generation -> reply; the back end's results and the remembered user facts flow back into the
    state. Colours
    say which stages of chapter 6 are hand-written rules, learned by reinforcement learning, or a
    language model; the end-to-end route replaces the whole pipeline by one language model."""
    fig, ax = canvas(11.6, 5.7)
    y, h = 3.2, 1.0
    user = box(ax, 0.85, y, 1.3, h, "用户输入", color="yellow", fontsize=11)
    nlu = box(ax, 2.75, y, 1.85, h, "理解（NLU）\n意图 + 槽位", color="blue")
    state = box(ax, 4.95, y, 1.95, h, "对话状态\n槽位值与置信度", color="blue")
    policy = box(ax, 7.2, y, 1.95, h, "对话策略\n请求 / 确认 / 执行\n告知 / 结束", color="orange")
    gen = box(ax, 9.35, y, 1.7, h, "生成\n模板填空", color="blue")
    reply = box(ax, 10.95, y, 1.0, h, "回复", color="yellow")
    for a, b in ((user, nlu), (nlu, state), (state, policy), (policy, gen), (gen, reply)):
        arrow(ax, a.right, b.left)
    # what flows along the pipeline in one example turn, under each stage
    examples = (
        (user, "订单号\n8845201301"),
        (nlu, "inform(订单号=\n8845201301)"),
        (state, "订单号 = 8845201301\n（高置信）"),
        (policy, "request(手机尾号)"),
        (gen, "请问您手机号的\n后四位是多少？"),
    )
    for b, text in examples:
        label(ax, b.x, b.y - 0.8, text, fontsize=8, color="#555555")
    back = box(ax, 7.2, 1.05, 3.1, 0.8, BACK_END, color="gray", fontsize=10)
    arrow(ax, (policy.x + 0.72, policy.bottom[1]), (policy.x + 0.72, back.top[1]), color="orange")
    label(
        ax, policy.x + 0.82, 1.95, "查询 / 执行", fontsize=8, color=COLORS["orange"][1], ha="left"
    )
    arrow(ax, back.right, (gen.x + 0.68, gen.bottom[1]), rad=0.3, color="gray")
    label(ax, 10.45, 1.75, "查到的事实", fontsize=8, color=COLORS["gray"][1])
    _dashed(ax, back.left, (state.x - 0.82, state.bottom[1]), rad=-0.2)
    label(
        ax, 3.75, 1.6, "查到的结果、记住的\n用户事实读回状态", fontsize=8, color=COLORS["green"][1]
    )
    # the end-to-end route: one language model from the dialogue history to the reply
    e2e = box(ax, 6.05, 5.0, 7.2, 0.62, END_TO_END, color="purple", fontsize=10)
    arrow(ax, user.top, (e2e.left[0], e2e.y), rad=-0.3, color="purple")
    arrow(ax, (e2e.right[0], e2e.y), reply.top, rad=-0.3, color="purple")
    _legend(ax, 0.45, 0.25, KINDS)
    show(fig)


def policy_families() -> None:
    """Three ways to get a dialogue policy, what each needs and what it buys: a developer's rules;
    trial and error against a simulated user with a reward (Q-learning); or a model of the dialogue's
    transitions, known or counted from logged dialogues, and planning on it (value iteration)."""
    fig, ax = canvas(10.7, 4.3)
    for x, title in ((1.0, "路线"), (3.65, "需要什么"), (6.45, "怎样得到策略")):
        label(ax, x, 3.95, title, fontsize=10, color="#444444")
    label(ax, 8.1, 3.95, "换来什么，代价是什么", fontsize=10, color="#444444", ha="left")
    for i, (name, color) in enumerate(FAMILIES.items()):
        needs, how, trade = NEEDS[name], HOW[name], TRADE[name]
        y = 3.15 - i * 1.2
        family = box(ax, 1.0, y, 1.5, 0.8, name, color=color, fontsize=11)
        need = box(ax, 3.65, y, 2.75, 0.9, needs, color="gray", fontsize=9)
        step = box(ax, 6.45, y, 2.2, 0.9, how, color=color, fontsize=9)
        arrow(ax, family.right, need.left)
        arrow(ax, need.right, step.left)
        arrow(ax, step.right, (step.right[0] + 0.45, y))
        label(ax, step.right[0] + 0.55, y, trade, fontsize=9, ha="left")
    show(fig)


def bkt_model() -> None:
    """Bayesian knowledge tracing as a two-state hidden Markov model: the hidden mastery of one skill
    (not learned / learned) starts learned with probability p0, moves from not learned to learned with
    probability ℓ after each exercise and is never forgotten; each state emits the visible answer
    (right / wrong) with the guess g and slip s probabilities. Colour tells hidden from visible."""
    fig, ax = canvas(10.0, 4.9)
    y = 3.3
    unknown = box(ax, 3.0, y, 1.7, 0.8, "未学会", color="blue", fontsize=12)
    known = box(ax, 7.0, y, 1.7, 0.8, "学会", color="blue", fontsize=12)
    arrow(ax, unknown.right, known.left, color="green")
    label(ax, 5.0, y + 0.22, "ℓ：做完一道题后学会", fontsize=9, color=COLORS["green"][1])
    loop = {"style": "-|>", "rad": -1.6}
    arrow(ax, (unknown.x - 0.35, unknown.top[1]), (unknown.x + 0.35, unknown.top[1]), **loop)
    label(ax, unknown.x + 0.45, unknown.top[1] + 0.45, "1 − ℓ", fontsize=9, ha="left")
    arrow(ax, (known.x - 0.35, known.top[1]), (known.x + 0.35, known.top[1]), **loop)
    label(ax, known.x + 0.45, known.top[1] + 0.45, "1（不会遗忘）", fontsize=9, ha="left")
    label(
        ax, 5.0, 4.65, "开始时：P(学会) = $p_0$，P(未学会) = 1 − $p_0$", fontsize=9, color="#444444"
    )
    for state, (right, wrong) in (
        (unknown, ("g（猜对）", "1 − g")),
        (known, ("1 − s", "s（失误）")),
    ):
        for dx, text, prob in ((-0.85, "答对", right), (0.85, "答错", wrong)):
            answer = box(ax, state.x + dx, 1.25, 1.2, 0.6, text, color="yellow", fontsize=11)
            arrow(ax, (state.x + dx / 3, state.bottom[1]), answer.top, color="gray")
            label(ax, state.x + dx * 1.05, 2.2, prob, fontsize=9, ha="left" if dx > 0 else "right")
    _legend(ax, 1.2, 0.3, {"blue": "隐藏的掌握状态（系统看不到）", "yellow": "看得到的答题结果"})
    show(fig)
