"""Value iteration on a known model ``P[s][a] = [(p, s', r, terminated)]``: the exact Q* that
Q-learning should find by trial and error."""

from __future__ import annotations

import numpy as np

__all__ = ["bellman_residual", "greedy_policy", "optimal_actions", "value_iteration"]


def _backup(P: dict, Q: dict, gamma: float, s) -> np.ndarray:
    """Σ_s' p (r + γ max_a' Q(s',a') (1 − terminated)) for every action of s."""
    out = np.zeros(len(P[s]))
    for a, outcomes in P[s].items():
        for p, s2, r, terminated in outcomes:
            future = 0.0 if terminated or s2 not in Q else Q[s2].max()
            out[a] += p * (r + gamma * future)
    return out


def value_iteration(
    P: dict, gamma: float, tol: float = 1e-12, max_iterations: int = 100_000
) -> dict:
    """Q* by repeated Bellman optimality backups, until no value moves by more than ``tol``."""
    if not 0.0 <= gamma < 1.0:
        raise ValueError(f"gamma must be in [0, 1) for value iteration to converge, got {gamma!r}")
    Q = {s: np.zeros(len(actions)) for s, actions in P.items()}
    for _ in range(max_iterations):
        delta = 0.0
        for s in P:  # in place (Gauss-Seidel): converges to the same fixed point, faster
            new = _backup(P, Q, gamma, s)
            delta = max(delta, float(np.abs(new - Q[s]).max()))
            Q[s] = new
        if delta < tol:
            return Q
    raise RuntimeError(f"value iteration did not converge to {tol} in {max_iterations} sweeps")


def bellman_residual(P: dict, Q: dict, gamma: float) -> float:
    """max |Q(s,a) − (r + γ max Q(s',·))| over the model: 0 exactly at the fixed point."""
    return max(float(np.abs(Q[s] - _backup(P, Q, gamma, s)).max()) for s in P)


def greedy_policy(Q: dict) -> dict:
    """s → argmax_a Q(s,a), ties to the lowest action."""
    return {s: int(np.argmax(q)) for s, q in Q.items()}


def optimal_actions(q: np.ndarray, tol: float = 1e-9) -> set[int]:
    """Every action within ``tol`` of the best: optimal policies may differ only among these."""
    return {int(a) for a in np.flatnonzero(q >= q.max() - tol)}
