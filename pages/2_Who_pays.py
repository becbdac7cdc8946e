"""Who pays: accuracy per group across ε; noise hurts small groups first."""

import pandas as pd
import streamlit as st

import ui
from core.controls import AGE_BANDS
from core.figures import format_epsilon, frontier_summary, segment_figure

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
    groups = {"accuracy_majority": "Majority tastes", "accuracy_minority": "Minority tastes"}
else:
    groups = {f"accuracy_age_{low}_{high}": f"Ages {label}" for low, high, label in AGE_BANDS}

figure = segment_figure(table, groups, current_epsilon=scenario.epsilon, font_size=ui.font_size())
st.plotly_chart(figure, key="segments_chart", width="stretch")

at_current = table[(table["epsilon"] - scenario.epsilon).abs() < 1e-12]
if not at_current.empty:
    means = {label: at_current[column].mean() for column, label in groups.items()}
    best, worst = max(means, key=means.get), min(means, key=means.get)
    gap = 100 * (means[best] - means[worst])
    st.info(
        f"At ε = {format_epsilon(scenario.epsilon)}, people with {best.lower()} get "
        f"{means[best]:.0%} of recommendations right and people with {worst.lower()} "
        f"{means[worst]:.0%}: a gap of {gap:.0f} percentage points (average over noise draws).",
        icon=":material/lightbulb:",
    )
summary = pd.DataFrame(
    {
        label: frontier_summary(table, column).set_index("epsilon")["mean"]
        for column, label in groups.items()
    }
)
summary.index = [format_epsilon(e) for e in summary.index]
summary.index.name = "ε"
st.dataframe(summary.style.format("{:.1%}"), width="stretch", height=35 * (len(summary) + 1) + 3)
