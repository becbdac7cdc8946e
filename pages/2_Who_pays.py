"""Who pays: accuracy per group across ε; noise hurts small groups first."""

import pandas as pd
import streamlit as st

import ui
from core.controls import AGE_BANDS
from core.figures import frontier_summary, segment_figure

scenario = ui.page_setup(
    "Who pays for privacy",
    "The same noise is a bigger share of a small group's signal. People with rare tastes "
    "(the minority segment, 8%) lose personalisation first.",
)
table = ui.frontier_for(scenario)

view = st.radio(
    "Compare",
    ["Taste segments", "Age bands"],
    horizontal=True,
    key="who_pays_view",
    help="Segments: majority tastes vs a minority with distinct tastes. Age bands: by true age.",
)
if view == "Taste segments":
    groups = {"accuracy_majority": "Majority tastes", "accuracy_minority": "Minority tastes (8%)"}
else:
    groups = {f"accuracy_age_{low}_{high}": f"Age {label}" for low, high, label in AGE_BANDS}

figure = segment_figure(table, groups, current_epsilon=scenario.epsilon, font_size=ui.font_size())
st.plotly_chart(figure, key="segments_chart", width="stretch")

at_current = table[(table["epsilon"] - scenario.epsilon).abs() < 1e-12]
if not at_current.empty:
    means = {label: at_current[column].mean() for column, label in groups.items()}
    best, worst = max(means, key=means.get), min(means, key=means.get)
    st.info(
        f"At ε = {scenario.epsilon:g}: {best} get {means[best]:.0%} right, "
        f"{worst} {means[worst]:.0%}. A gap of {means[best] - means[worst]:.0%} points, "
        "averaged over the noise draws.",
        icon=":material/lightbulb:",
    )
summary = pd.DataFrame(
    {
        label: frontier_summary(table, column).set_index("epsilon")["mean"]
        for column, label in groups.items()
    }
)
st.dataframe(summary.style.format("{:.1%}"), width="stretch")
