"""The dialogue manager: the environment passes Gymnasium's checker and replays from a seed; its
transition model is the environment's; Q-learning finds value iteration's Q*; value iteration
agrees with an exact linear-algebra policy iteration on FrozenLake; the user simulator, the NLU,
the baselines and the reader-facing chat behave as documented."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

from minillm.rl import (
    SYSTEM_ACTS,
    TASKS,
    DialogueEnv,
    PolicyChat,
    QLearningAgent,
    RandomPolicy,
    RulePolicy,
    bellman_residual,
    evaluate,
    learning_curve,
    mean_ci,
    optimal_actions,
    train_agent,
    value_iteration,
)
from minillm.rl.nlu import parse_user_text
from minillm.rl.state import action_slot

GAMMA = 0.95
ACT = {name: i for i, name in enumerate(SYSTEM_ACTS)}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"task": "return_refund", "nlu_error": 0.2},
        {"task": "repair_booking", "deterministic": True},
    ],
)
def test_check_env_passes(kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any checker warning fails the test
        warnings.filterwarnings("ignore", message=".*alternative render modes.*")
        check_env(DialogueEnv(render_mode="ansi", **kwargs), skip_render_check=False)


def _play(env, seed, actions):
    obs, _ = env.reset(seed=seed)
    out = [obs.tolist()]
    for a in actions:
        obs, r, term, trunc, info = env.step(a)
        out.append((obs.tolist(), r, term, trunc, info["success"]))
        if term or trunc:
            break
    return out, env.render()


def test_seeded_episodes_replay_exactly():
    actions = np.random.default_rng(0).integers(0, len(SYSTEM_ACTS), 20).tolist()
    env = DialogueEnv(nlu_error=0.2, render_mode="ansi")
    first = _play(env, 7, actions)
    assert _play(DialogueEnv(nlu_error=0.2, render_mode="ansi"), 7, actions) == first
    assert _play(env, 8, actions) != first


def test_rewards_follow_tc_bot():
    env = DialogueEnv(task="order_enquiry", max_turns=20)
    env.reset(seed=0)
    info, done, rewards = None, False, []
    policy = RulePolicy()
    obs = env._obs()
    while not done:
        obs, r, done, _, info = env.step(policy(obs))
        rewards.append(r)
    assert info["success"] and rewards[:-1] == [-1.0] * (len(rewards) - 1)
    assert rewards[-1] == -1.0 + 2 * 20
    env.reset(seed=0)
    _, r, term, _, info = env.step(ACT["close"])  # closing before answering fails
    assert term and not info["success"] and r == -1.0 - 20


def test_turn_limit_fails_but_truncates_the_deterministic_variant():
    env = DialogueEnv(task="order_enquiry", max_turns=6, patience=100)
    env.reset(seed=0)
    steps = [env.step(ACT["request_1"]) for _ in range(6)]
    assert steps[-1][2] and not steps[-1][3] and steps[-1][1] == -1.0 - 6
    env = DialogueEnv(task="order_enquiry", max_turns=6, deterministic=True)
    env.reset(seed=0)
    steps = [env.step(ACT["greet"]) for _ in range(6)]
    assert steps[-1][3] and not steps[-1][2] and steps[-1][1] == -1.0


def test_user_runs_out_of_patience():
    env = DialogueEnv(task="order_enquiry", patience=2)
    env.reset(seed=0)
    _, r1, t1, _, _ = env.step(ACT["greet"])
    _, r2, t2, _, info = env.step(ACT["greet"])
    assert (r1, t1) == (-1.0, False) and t2 and r2 == -1.0 - 20 and not info["success"]
    assert env.user.gave_up


def test_agenda_user_answers_confirms_and_corrects():
    env = DialogueEnv(task="return_refund", deterministic=True)
    env.reset(seed=3)
    goal = env.user.goal.constraints
    env.step(ACT["request_2"])  # product
    assert env.state.values["product"] == goal["product"]
    env.state.values["product"] = "错的商品"  # as if misheard
    env.step(ACT["confirm_2"])
    assert env.user.last_turn[0].kind == "deny" and env.state.values["product"] == goal["product"]
    env.step(ACT["confirm_2"])
    assert env.user.last_turn[0].kind == "affirm" and env.state.status["product"] == "confirmed"
    for slot in (1, 3):
        env.step(ACT[f"request_{slot}"])
    _, _, _, _, _ = env.step(ACT["inform"])
    assert env.user.answered and env.user.last_turn[0].kind == "bye"
    _, r, term, _, info = env.step(ACT["close"])
    assert term and info["success"] and r == 39.0


def test_nlu_errors_mishear_values_and_lower_confidence():
    env = DialogueEnv(task="order_enquiry", nlu_error=0.5)
    wrong = low_wrong = low_right = right = 0
    for i in range(300):
        env.reset(seed=i)
        env.step(ACT["request_1"])
        value, goal = env.state.values.get("order_id"), env.user.goal.constraints["order_id"]
        if value is None:
            continue
        if value != goal:
            wrong, low_wrong = wrong + 1, low_wrong + (env.state.status["order_id"] == "low")
        else:
            right, low_right = right + 1, low_right + (env.state.status["order_id"] == "low")
    assert 0.35 < wrong / (wrong + right) < 0.65
    assert low_wrong / wrong > 0.6 and low_right / right < 0.25


@pytest.fixture(scope="module", params=["order_enquiry", "repair_booking"])
def model(request):
    env = DialogueEnv(task=request.param, deterministic=True)
    P = env.transition_model()
    return env, P, value_iteration(P, GAMMA)


def test_transition_model_is_the_environment(model):
    env, P, _ = model
    assert len(P) > 50
    assert all(sum(p for p, *_ in rows) == 1.0 for a in P.values() for rows in a.values())
    # replay random action sequences through the env and through P: the same states and rewards
    rng = np.random.default_rng(0)
    for _ in range(50):
        obs, _ = env.reset(seed=int(rng.integers(1000)))
        s = tuple(obs.tolist())
        for a in rng.integers(0, env.action_space.n, 15).tolist():
            obs, r, term, trunc, _ = env.step(a)
            ((_, s2, r2, term2),) = P[s][a]
            assert (s2, r2, term2) == (tuple(obs.tolist()), r, term)
            if term or trunc:
                break
            s = s2


def test_value_iteration_reaches_the_bellman_fixed_point(model):
    _, P, Q = model
    assert bellman_residual(P, Q, GAMMA) < 1e-10
    start = (list(TASKS).index(model[0].task_name), 0, 0, 0, 0, 0, 0)
    assert ACT["close"] not in optimal_actions(Q[start])


def test_q_learning_finds_value_iterations_q(model):
    env, P, Q_star = model
    agent = QLearningAgent(gamma=GAMMA, alpha=1.0, epsilon=1.0, seed=0)  # off-policy: explore all
    agent.learn(env, 20_000, seed=0)
    gap = max(float(np.abs(agent.q_values(s) - Q_star[s]).max()) for s in P)
    assert gap < 1e-2
    assert all(agent(s) in optimal_actions(Q_star[s]) for s in P)


def _action_values(P, s, gamma, value):
    """Q(s, a) for every action of s, from the state values ``value`` (none after a terminal step)."""
    outcomes = [P[s][a] for a in sorted(P[s])]
    return np.array(
        [sum(p * (r + (0 if t else gamma * value[s2])) for p, s2, r, t in o) for o in outcomes]
    )


def _policy_iteration(P, gamma):
    """Exact reference: evaluate each policy by solving (I - γ P_π) v = r_π, then improve."""
    states = list(P)
    index = {s: i for i, s in enumerate(states)}
    policy = {s: 0 for s in states}
    while True:
        A, b = np.eye(len(states)), np.zeros(len(states))
        for s in states:
            for p, s2, r, terminated in P[s][policy[s]]:
                b[index[s]] += p * r
                if not terminated:
                    A[index[s], index[s2]] -= gamma * p
        v = np.linalg.solve(A, b)
        value = dict(zip(states, v))
        q = {s: _action_values(P, s, gamma, value) for s in states}
        improved = {  # the current action stays on ties, so that the loop ends
            s: policy[s] if q[s][policy[s]] >= q[s].max() - 1e-12 else int(q[s].argmax())
            for s in states
        }
        if improved == policy:
            return q
        policy = improved


@pytest.mark.parametrize("slippery", [False, True])
def test_value_iteration_matches_policy_iteration_on_frozen_lake(slippery):
    P = gym.make("FrozenLake-v1", map_name="8x8", is_slippery=slippery).unwrapped.P
    Q = value_iteration(P, 0.99)
    reference = _policy_iteration(P, 0.99)
    assert max(float(np.abs(Q[s] - reference[s]).max()) for s in P) < 1e-8
    assert bellman_residual(P, Q, 0.99) < 1e-10


def test_dialogue_value_iteration_matches_policy_iteration(model):
    _, P, Q = model
    reference = _policy_iteration(P, GAMMA)
    assert max(float(np.abs(Q[s] - reference[s]).max()) for s in P) < 1e-8


def test_update_bootstraps_on_truncation_not_on_termination():
    agent = QLearningAgent(n_actions=2, gamma=0.5, alpha=1.0)
    agent.Q[(1,)] = np.array([10.0, 4.0])
    agent.update((0,), 0, -1.0, (1,), terminated=False)  # e.g. truncated: the future counts
    agent.update((0,), 1, -1.0, (1,), terminated=True)
    assert agent.Q[(0,)].tolist() == [-1.0 + 0.5 * 10.0, -1.0]


@pytest.fixture(scope="module")
def trained():
    env = DialogueEnv(nlu_error=0.1)
    return env, train_agent(env, 20_000, seed=0)


def test_q_learning_beats_the_rule_and_random_policies(trained):
    env, agent = trained
    q, rule, rand = (evaluate(env, p, 500, seed=1) for p in (agent, RulePolicy(), RandomPolicy()))
    assert q["success"] >= 0.85 and q["reward"] > rule["reward"] > rand["reward"]
    assert q["turns"] < rule["turns"]


def test_learning_curve_trains_the_agent_train_agent_gives():
    curve, agent = learning_curve(DialogueEnv(nlu_error=0.1), episodes=600, every=200, seed=3)
    reference = train_agent(DialogueEnv(nlu_error=0.1), 600, seed=3)
    assert [c["episodes"] for c in curve] == [0, 200, 400, 600]
    assert agent.Q.keys() == reference.Q.keys()
    assert all(np.array_equal(agent.Q[s], reference.Q[s]) for s in agent.Q)
    assert curve[-1] == {
        "episodes": 600,
        **evaluate(DialogueEnv(nlu_error=0.1), agent, 200, 10_003),
    }


def test_mean_ci_is_a_t_interval():
    mean, half = mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.303 / np.sqrt(3), rel=1e-4)
    with pytest.raises(ValueError, match="at least 2"):
        mean_ci([1.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"task": "pizza"}, "task must be one of"),
        ({"nlu_error": 1.5}, "nlu_error must be a probability"),
        ({"max_turns": 2}, "max_turns must be an int"),
        ({"patience": 0}, "patience must be"),
        ({"deterministic": True}, "needs a task"),
        ({"render_mode": "human"}, "render_mode"),
    ],
)
def test_bad_arguments_say_what_is_accepted(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DialogueEnv(**kwargs)


def test_bad_actions_and_models_are_refused():
    env = DialogueEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action must be an int"):
        env.step(99)
    with pytest.raises(ValueError, match="deterministic=True"):
        env.transition_model()
    with pytest.raises(ValueError, match="gamma must be in"):
        value_iteration({}, 1.0)


def test_nlu_reads_task_values_yes_no_and_goodbye():
    order = TASKS["order_enquiry"]
    acts = parse_user_text("你好，我想查一下订单到哪了，订单号1234567890", None)
    assert [(a.kind, a.slot, a.value) for a in acts] == [
        ("intent", None, "order_enquiry"),
        ("inform", "order_id", "1234567890"),
    ]
    assert parse_user_text("尾号5678", order)[0].value == "5678"
    (deny,) = parse_user_text("不是，是上海", order, confirming="city")
    assert (deny.kind, deny.slot, deny.value) == ("deny", "city", "上海")
    assert parse_user_text("对", order, confirming="city")[0].kind == "affirm"
    (free,) = parse_user_text("用了两天就坏了", TASKS["return_refund"], asked="reason")
    assert (free.slot, free.value, free.confidence) == ("reason", "用了两天就坏了", "low")
    assert [a.kind for a in parse_user_text("谢谢，再见", order)] == ["bye"]


def test_policy_chat_talks_a_dialogue_through(trained):
    _, agent = trained
    chat = PolicyChat(agent)
    assert chat.send("在吗").act is None  # the task first
    replies = [chat.send(t) for t in ("我要退货", "订单号1234567890", "蓝牙耳机", "质量有问题")]
    assert all(r.q_values and r.act in r.q_values for r in replies)
    assert replies[-1].act == "inform" and "1234567890" in replies[-1].text
    assert chat.send("谢谢，再见").done


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_policy_chat_never_crashes_on_any_string(messages):
    chat = PolicyChat(RulePolicy())
    for text in ["我想预约上门维修", *messages]:
        reply = chat.send(text)
        assert isinstance(reply.text, str) and reply.text


def test_terminal_mode_and_widget(trained):
    from minillm.__main__ import play_policy
    from minillm.widgets import PolicyChatWidget

    _, agent = trained
    lines, script = [], iter(["   ", "我想查订单", "", "拜拜"])
    play_policy(PolicyChat(agent), read=lambda _: next(script), write=lines.append)
    assert lines[0].startswith("客服：请问") and "Q: *request(" in lines[2]
    assert len(lines) == 4 and lines[-1] == "客服：再见，欢迎随时再来！"  # blank lines are no turn
    widget = PolicyChatWidget(PolicyChat(agent))
    reply = widget.send("上门维修扫地机器人")
    assert "扫地机器人" in widget.log.value and f"<b>{reply.act}</b>" in widget.detail.value


def test_action_slots_follow_the_task():
    task = TASKS["repair_booking"]
    assert [action_slot(ACT[f"request_{i}"], task) for i in (1, 2, 3)] == list(task.informable)
    assert action_slot(ACT["inform"], task) is None
