"""The Attack audit page: the privacy audit of the current setting, and the heuristic attack."""

from core.engine import budget_split, workbench_for
from core.privacy.audit import audit_workbench
from core.setting.scenario import Scenario
from tests.app.conftest import open_page

SMALL = {"profiles": 5000, "repeats": 3}
# One setting for the tests that read the audit and the attack: the second finds both cached.
AUDITED = {**SMALL, "opt_out": 0.2}


def _metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_audit_shows_cores_bound_beside_the_claimed_epsilon(no_exceptions):
    """The page's "audit shows ε ≥" is core.privacy.audit's figure for the same setting and seed."""
    at = open_page("pages/7_Attack_audit.py", **AUDITED)
    no_exceptions(at)
    scenario = Scenario(**AUDITED)
    model_epsilon, _ = budget_split(scenario, scenario.epsilon)
    expected = audit_workbench(workbench_for(scenario), model_epsilon, seed=scenario.seed)
    shown = _metrics(at)
    assert shown["The audit shows ε ≥"] == f"{expected.epsilon_lower_bound:.2f}"
    assert shown["Claimed ε of the model"] == "0.9"
    assert shown["Most these runs could show"] == f"{expected.power_limit:.2f}"
    text = " ".join(c.value for c in at.caption)
    assert f"{expected.trials_per_side:,} independent releases a side" in text
    # One audit, one seed: the page does not let its bound read like the best of several.
    assert "This is one audit, with one seed" in text
    assert "the other 0.1 pays for the popular-items list" in text
    assert "this audit tests the model, not the popular-items list" in text
    assert any(
        f"The audit shows ε ≥ {expected.epsilon_lower_bound:.2f} with 95% confidence" in s.value
        for s in at.success
    )


def test_audit_reruns_from_the_cache_without_error(no_exceptions):
    """A rerun replays the cached audit (its progress bar included) and shows the same figure."""
    at = open_page("pages/7_Attack_audit.py", profiles=1000, repeats=1)
    no_exceptions(at)
    first = _metrics(at)
    at.run()
    no_exceptions(at)
    assert _metrics(at) == first
    assert len(at.get("progress")) == 0


def test_membership_attack_is_labelled_a_heuristic(no_exceptions):
    """The one-model attack's ε is called a heuristic, never a proof or a bound."""
    at = open_page("pages/7_Attack_audit.py", **AUDITED)
    no_exceptions(at)
    columns = list(at.dataframe[0].value.columns)
    assert "ε estimate from this attack (heuristic)" in columns
    assert not any("proven" in c for c in columns)
    assert any("a heuristic, not a bound" in s.value for s in at.subheader)
