"""Privacy budgets under concurrency: every release spends on its own accountant, no cross-talk."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from diffprivlib.accountant import BudgetAccountant

from core.engine import evaluate
from core.setting.scenario import Scenario


@pytest.mark.parametrize("model", ["gaussian_nb", "random_forest"])
def test_concurrent_evaluations_spend_only_their_own_budget(model):
    """Eight sessions at different ε at once: each reports its own ε; the default is untouched."""
    default = BudgetAccountant.load_default(None)
    spent_before = default.total()
    epsilons = [0.05, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0]
    scenarios = [
        Scenario(model=model, epsilon=e, profiles=2000, repeats=2, opt_out=0.1 * (i % 2))
        for i, e in enumerate(epsilons)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(evaluate, scenarios))
    for scenario, result in zip(scenarios, results, strict=True):
        assert result["epsilon_spent"] == pytest.approx(scenario.epsilon)
        assert result["scenario"]["epsilon"] == scenario.epsilon
    assert BudgetAccountant.load_default(None).total() == spent_before
