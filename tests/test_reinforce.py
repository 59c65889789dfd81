"""REINFORCE: the analytic softmax gradient matches autograd, and the learned policies reach the optimum
known from brute force (a feedback bandit) and from value iteration (the deterministic dialogue MDP)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from minillm.rl.reinforce import (
    FeedbackBandit,
    SoftmaxPolicy,
    grad_log_prob,
    play,
    reinforce_update,
    returns,
)


def test_grad_log_prob_matches_autograd():
    policy = SoftmaxPolicy(5)
    rng = np.random.default_rng(0)
    for state in range(4):
        policy.theta[state] = rng.normal(size=5) * 3
        for action in range(5):
            theta = torch.tensor(policy.theta[state], dtype=torch.float64, requires_grad=True)
            torch.log_softmax(theta, -1)[action].backward()
            assert np.allclose(grad_log_prob(policy, state, action), theta.grad.numpy(), atol=1e-6)


def test_returns_are_discounted_sums():
    assert returns([1.0, 0.0, 2.0], gamma=0.5) == [1.5, 1.0, 2.0]
    assert returns([], gamma=0.9) == []


def test_update_is_gradient_ascent_on_the_reinforce_surrogate():
    """θ moves by lr · ∇ Σ_t (G_t − b(s_t)) log π(a_t|s_t), the gradient taken before the move, even
    when a state repeats within the episode."""
    policy = SoftmaxPolicy(3)
    rng = np.random.default_rng(1)
    policy.theta = {s: rng.normal(size=3) for s in "xy"}
    policy.baseline = {"x": 0.3}
    states, actions, rewards = ["x", "y", "x"], [2, 0, 1], [1.0, -2.0, 0.5]
    table = {s: torch.tensor(policy.theta[s], requires_grad=True) for s in "xy"}
    g = returns(rewards, 0.9)
    baselines = [0.3, 0.0, 0.3]  # the running means before the update
    surrogate = sum(
        (g[t] - baselines[t]) * torch.log_softmax(table[s], -1)[a]
        for t, (s, a) in enumerate(zip(states, actions))
    )
    surrogate.backward()
    before = {s: v.copy() for s, v in policy.theta.items()}
    reinforce_update(policy, states, actions, rewards, lr=0.1, gamma=0.9)
    for s in "xy":
        assert np.allclose(policy.theta[s] - before[s], 0.1 * table[s].grad.numpy(), atol=1e-6)


def test_bandit_reaches_the_brute_force_optimum():
    like = [[0.2, 0.5, 0.8], [0.9, 0.3, 0.4], [0.1, 0.6, 0.2]]
    env, policy = FeedbackBandit(like, seed=0), SoftmaxPolicy(3, seed=0)
    for _ in range(3000):
        reinforce_update(policy, *play(env, policy), lr=0.5)
    best = np.argmax(like, axis=1)  # brute force: the reply each kind of user likes most
    assert [policy.greedy((k,)) for k in range(3)] == best.tolist()
    assert all(policy.probs((k,))[best[k]] > 0.9 for k in range(3))


@pytest.mark.parametrize("task", ["order_enquiry", "return_refund"])
def test_dialogue_policy_reaches_the_value_iteration_optimum(task):
    from minillm.rl import DialogueEnv, greedy_policy, run_episode, value_iteration

    env = DialogueEnv(task=task, deterministic=True)
    best = greedy_policy(value_iteration(env.transition_model(), gamma=0.95))
    optimum = run_episode(env, lambda obs: best[tuple(obs.tolist())])["reward"]
    policy = SoftmaxPolicy(env.action_space.n, seed=0)
    for _ in range(2500):
        reinforce_update(policy, *play(env, policy), lr=0.005)
    learned = run_episode(env, lambda obs: policy.greedy(tuple(obs.tolist())))["reward"]
    assert learned == optimum == 35.0
