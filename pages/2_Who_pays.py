"""Who pays: accuracy per group across ε; noise hurts small groups first."""

import pandas as pd
import streamlit as st

import ui
from core.presentation.explain import group_gap_sentence, noise_reversal_sentence
from core.presentation.figures import frontier_summary, segment_figure
from core.setting.formatting import format_epsilon

dataset = ui.current_dataset()
scenario = ui.page_setup(
    "Who pays for privacy",
    "The same noise is a bigger share of a small group's signal. "
    + (
        "People with rare tastes (the minority segment, 8%) lose personalisation first."
        if dataset.is_builtin
        else "Compare the groups of your data's group column."
    ),
    page_fields=("who_pays_view",),
)
table = ui.frontier_for(scenario)
data = ui.get_workbench(ui.noise_free(scenario)).data
VIEW_NAMES = {
    "segments": "Taste segments" if dataset.is_builtin else "Groups",
    "age_bands": "Age bands",
}
views = {
    "segments": {
        f"accuracy_{name}": dataset.segment_labels.get(name, name) for name in data.segment_names
    },
    "age_bands": {
        f"accuracy_age_{low}_{high}": f"Ages {label}" for low, high, label in data.age_bands
    },
}
# A view needs two groups to compare: an upload without a group column has one ("Everyone").
views = {name: groups for name, groups in views.items() if len(groups) >= 2}
if not views:
    st.info(
        "Nothing to compare here: your data has no group column and no age column. "
        "Declare one on the Your own data page to see who pays for privacy.",
        icon=":material/info:",
    )
    st.stop()
if len(views) > 1:
    view = ui.page_control("who_pays_view", options=list(views), format_func=VIEW_NAMES.get)
else:
    view = next(iter(views))
    st.caption(f"Compared: {VIEW_NAMES[view].lower()} (the only grouping your data has).")
groups = views.get(view) or next(iter(views.values()))
figure = segment_figure(table, groups, current_epsilon=scenario.epsilon, font_size=ui.font_size())
ui.chart(figure, key="segments_chart")

at_current = table[(table["epsilon"] - scenario.epsilon).abs() < 1e-12]
gap = group_gap_sentence(
    scenario.epsilon, {label: at_current[column].mean() for column, label in groups.items()}
)
if gap:
    st.info(ui.plain(gap), icon=":material/lightbulb:")  # group names come from an upload
reversal = noise_reversal_sentence(table, groups)
if reversal:
    st.caption(ui.plain(reversal))
summary = pd.DataFrame(
    {
        label: frontier_summary(table, column).set_index("epsilon")["mean"]
        for column, label in groups.items()
    }
)
summary.index = [format_epsilon(e) for e in summary.index]
summary.index.name = "ε"
st.dataframe(summary.style.format("{:.1%}"), width="stretch", height=35 * (len(summary) + 1) + 3)
