"""Anonymisation: k-anonymity's risk reduction and accuracy cost, next to DP, and its limits."""

import streamlit as st

import ui
from core.engine.lenses import K_VALUES
from core.presentation.explain import anonymity_takeaway
from core.presentation.figures import anonymity_figure
from core.presentation.glossary import explain
from core.privacy.guarantee import k_anonymity_caveat

quasi_identifiers = ui.quasi_identifier_words()
scenario = ui.page_setup(
    "Anonymisation",
    "Hiding in a crowd: every stored record is coarsened until it looks like at least k−1 others "
    f"in {quasi_identifiers} (k-anonymity). Move k in the sidebar.",
)
result = ui.get_evaluation(scenario)
anonymity = result["anonymity"]
before, after = anonymity["before"], anonymity["after"]

st.markdown(f"**Stored as:** {anonymity['generalisation']} (k = {scenario.k})")
columns = st.columns(4)
columns[0].metric(
    "Unique before",
    ui.percent(before["share_unique"], 1),
    help=f"Records alone in their group of equal {quasi_identifiers}: re-identifiable by anyone "
    "who knows those facts.",
)
columns[1].metric(
    f"In groups smaller than k = {scenario.k} before",
    ui.percent(before["share_below_k"], 1),
)
columns[2].metric(
    "Worst-case risk after",
    ui.percent(after["max_risk"], 1),
    help=explain("prosecutor risk"),
)
risk_change = 100 * (after["mean_risk"] - before["mean_risk"])
columns[3].metric(
    "Average risk after",
    ui.percent(after["mean_risk"], 2),
    # No arrow for no change (k = 1 stores records as they are): a red "↑ 0.0 pp" read as a loss.
    delta=f"{risk_change:+.1f} pp" if abs(risk_change) >= 0.05 else None,
    delta_color="inverse",
    help="The same risk averaged over every record. " + explain("prosecutor risk"),
)
st.caption(
    f"{anonymity['share_suppressed']:.1%} of records were too rare even after coarsening: their "
    f"{quasi_identifiers} are hidden (suppressed), the rest of the record is kept. Suppressed "
    "records all look alike, so they count as one more group, and it must reach k as well."
)
if scenario.k > 1:
    st.warning(k_anonymity_caveat(scenario.k, scenario.epsilon), icon=":material/group:")

sweep = ui.progressive("Retraining for every k", list(K_VALUES), lambda k: ui.k_point(scenario, k))
frontier = ui.frontier_for(scenario.replace(k=1))
cost = sweep[sweep["k"] == 1]["accuracy"].mean() - sweep[sweep["k"] == 100]["accuracy"].mean()
at_epsilon = frontier[(frontier["epsilon"] - scenario.epsilon).abs() < 1e-12]["accuracy"]
dp_cost = (
    sweep[sweep["k"] == 1]["nonprivate_accuracy"].iloc[0] - at_epsilon.mean()
    if not at_epsilon.empty
    else None
)
st.info(
    anonymity_takeaway(scenario.epsilon, scenario.local_epsilon, cost, dp_cost),
    icon=":material/lightbulb:",
)
ui.chart(anonymity_figure(sweep, frontier, font_size=ui.font_size()), key="anonymity_chart")

st.markdown("#### What k-anonymity does not protect against")
example = ui.homogeneity_example(scenario)
col_a, col_b = st.columns(2)
with col_a, st.container(border=True):
    st.markdown("**Homogeneity: the group gives the secret away**")
    if example:
        st.write(
            f"Among the {example['size']} {example['description']}, {example['share']:.0%} next "
            f"bought {example['category']} (against {example['base_rate']:.0%} of everyone). "
            "Knowing someone is in this group reveals their likely next purchase, however large "
            "k is."
        )
    else:
        st.write("No group is large enough to show an example at this k.")
with col_b, st.container(border=True):
    st.markdown("**Linkage through other attributes**")
    unique = ui.get_workbench(ui.noise_free(scenario)).data.purchase_unique_share
    if unique is None:
        st.write(
            "k-anonymity only coarsens the quasi-identifiers. Any other column rare enough to "
            "single someone out (a purchase history, a loyalty-card record) still links them. "
            "Differential privacy has no such blind spot."
        )
    else:
        st.write(
            f"k-anonymity only coarsens the quasi-identifiers. {unique:.0%} of people are unique "
            "on their purchase history alone: anyone holding a loyalty-card record can single "
            "them out. Differential privacy has no such blind spot."
        )
