"""A dialogue manager learned by trial and error: the customer-service task as an MDP with a
simulated user (``DialogueEnv``), tabular Q-learning, value iteration as the exact reference,
baselines, evaluation, and a way to talk to the learned policy yourself."""

from minillm.rl.agents import QLearningAgent, RandomPolicy, RulePolicy, linear_decay, power_decay
from minillm.rl.env import DialogueEnv
from minillm.rl.evaluation import (
    compare,
    evaluate,
    learning_curve,
    mean_ci,
    run_episode,
    train_agent,
)
from minillm.rl.planning import bellman_residual, greedy_policy, optimal_actions, value_iteration
from minillm.rl.play import PolicyChat, PolicyReply
from minillm.rl.state import SYSTEM_ACTS, USER_ACTS, DialogueState, UserAct
from minillm.rl.tasks import TASKS
from minillm.rl.user import AgendaUser

__all__ = [
    "SYSTEM_ACTS",
    "TASKS",
    "USER_ACTS",
    "AgendaUser",
    "DialogueEnv",
    "DialogueState",
    "PolicyChat",
    "PolicyReply",
    "QLearningAgent",
    "RandomPolicy",
    "RulePolicy",
    "UserAct",
    "bellman_residual",
    "compare",
    "evaluate",
    "greedy_policy",
    "learning_curve",
    "linear_decay",
    "mean_ci",
    "optimal_actions",
    "power_decay",
    "run_episode",
    "train_agent",
    "value_iteration",
]
