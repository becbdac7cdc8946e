"""Accuracy target: "I need at least X% accuracy" → the least privacy loss that gives it."""

import streamlit as st

import ui
from core.presentation.explain import (
    epsilon_card,
    local_limit_sentence,
    smallest_epsilon_for,
    structure_limit_sentence,
)
from core.presentation.figures import PALETTE, frontier_figure
from core.setting.formatting import format_epsilon

scenario = ui.page_setup(
    "Accuracy target",
    "Policy question first: how much accuracy do you need? This finds the smallest ε "
    "(the least privacy loss) on the frontier that delivers it.",
    page_fields=("accuracy_target",),
)
table = ui.frontier_for(scenario)
refs = ui.references_for(scenario)
floor, ceiling = refs["popularity_accuracy"], refs["nonprivate_accuracy"]

target = ui.page_control(
    "accuracy_target",
    default=round(min(max((floor + ceiling) / 2, 0.05), 0.95), 2),
    help="The accuracy your service needs. The model without privacy reaches "
    f"{ceiling:.0%}; recommending popular items reaches {floor:.0%}.",
)
st.caption(
    f"A planning step: ε is chosen from the accuracy measured on {ui.data_words()} set aside "
    "for testing (never used for training). On the real service the accuracy will differ; "
    "plan with the margin on the right."
)
needs_no_data = target <= floor
typical = None if needs_no_data else smallest_epsilon_for(table, target, statistic="mean")
safe = None if needs_no_data else smallest_epsilon_for(table, target, statistic="q05")
best_private = float(table.groupby("epsilon")["accuracy"].mean().max())
# With local DP on, the people's own noise caps every central ε: that is the limit to name.
local_limit = refs.get("local_plain_accuracy") if scenario.local_epsilon > 0 else None
# The random forest's random trees cap it whatever ε (its accuracy with exact labels).
structure = refs.get("structure_accuracy")

left, right = st.columns(2)
if needs_no_data:
    st.success(
        f"No personalised model needed: recommending the most popular items to everyone "
        f"already gets {floor:.0%} right, at or above your target of {target:.0%}. No model "
        "has to learn from anyone's profile. The list itself is counted from everyone's "
        "purchases (this figure is the exact count), so a platform would still release it "
        "with differential privacy, spending a small ε.",
        icon=":material/check_circle:",
    )
with left, st.container(border=True):
    st.markdown("#### On average")
    if needs_no_data:
        st.write(
            "Any ε: the popular-items list reaches the target; releasing it takes only "
            "the small ε of one differentially private count."
        )
    elif typical is None and local_limit is not None and local_limit < target:
        st.error(local_limit_sentence(scenario.local_epsilon, local_limit, ceiling, target))
    elif typical is None and structure is not None and structure < target:
        st.error(structure_limit_sentence(structure, ceiling, target))
    elif typical is None and ceiling >= target:
        st.error(
            f"Not reachable with privacy: the private model averages at most "
            f"{best_private:.0%} even at ε = {format_epsilon(table['epsilon'].max())}, below "
            f"your target. The same model without privacy gets {ceiling:.0%}. Lower the target "
            "or collect more data (consent, more people)."
        )
    elif typical is None:
        st.error(
            f"Not reachable: even the model without privacy gets only {ceiling:.0%}, below your "
            f"target of {target:.0%}. Lower the target or collect more data (consent, more "
            "people)."
        )
    else:
        st.metric("Smallest ε", format_epsilon(typical))
        st.write(epsilon_card(typical)["sentence"])
with right, st.container(border=True):
    st.markdown("#### In 95% of noise draws")
    if needs_no_data:
        st.write("Popular items need no noise draw: nothing is trained.")
    elif safe is None:
        st.warning(
            "No ε on the frontier reaches the target in 95% of draws. "
            "A single private model can be unlucky; plan with margin."
        )
    else:
        st.metric("Smallest ε", format_epsilon(safe))
        st.write(
            "Noise differs from one training run to the next. At this ε, at least 95% of "
            "private models reach the target, not just the average one."
        )

figure = frontier_figure(
    table,
    current_epsilon=typical or scenario.epsilon,
    current_mean=target if typical else ui.current_point(scenario, table)["accuracy"],
    current_std=0.0,
    ceiling=ceiling,
    floor=floor,
    font_size=ui.font_size(),
    current_label=(
        f"Smallest ε for the target: {format_epsilon(typical)}"
        if typical
        else f"Your setting: ε = {format_epsilon(scenario.epsilon)}"
    ),
)
figure.add_hline(
    y=target,
    line={"color": PALETTE["target"], "width": 2, "dash": "dashdot"},
    annotation_text=f"Your target: {target:.0%}",
)
ui.chart(figure, key="target_chart")
st.caption(
    f"The model without privacy reaches {ceiling:.0%}: no ε can promise more. "
    "Between the ε values that were trained, the answer is interpolated on the log scale; "
    "the frontier uses the settings in the sidebar (consent, opt-out, k, people)."
)
