"""Explore: the landing page. Move ε and watch what privacy costs in personalisation."""

import pandas as pd
import streamlit as st

import ui
from core.presentation.explain import epsilon_card, frontier_takeaway, local_dp_words, spread_words
from core.presentation.export import report_html, settings_table, to_safe_csv
from core.presentation.figures import frontier_figure
from core.privacy.guarantee import one_line, person_epsilon
from core.setting.formatting import format_epsilon

scenario = ui.page_setup(
    "Privacy Tradeoff Explorer",
    f"A recommender learns from {ui.data_words()} under differential privacy. "
    "Move ε: left is more private, right is more accurate.",
    in_page=("epsilon",),
)
# Everything but ε is fixed during an ε move: the frontier and references come from the cache.
table = ui.frontier_for(scenario)
refs = ui.references_for(scenario)


@st.fragment
def explore(table: pd.DataFrame, refs: dict) -> None:
    # A fragment: moving ε reruns only this part of the page, not the sidebar and header.
    scenario = ui.control("epsilon")
    projector = ui.is_projector()
    point = ui.current_point(scenario, table)
    # k-anonymity first: one person is protected only as a group, at best k·ε (docs/privacy.md).
    card = epsilon_card(person_epsilon(scenario.k, scenario.epsilon))
    schema = ui.current_dataset().schema
    n_classes = schema.n_classes
    local_note = local_tip = ""
    if scenario.local_epsilon > 0:
        # Everything released in local mode is learnt from the reports: ε_local protects it too.
        local_guess = epsilon_card(scenario.local_epsilon)["headline"]
        local_note = f" · what your record says: {local_guess} (local ε)"
        local_tip = (
            f" Local DP (ε_local = {format_epsilon(scenario.local_epsilon)}): "
            + local_dp_words(scenario, schema)
        )
    takeaway = frontier_takeaway(
        scenario.epsilon,
        point["accuracy"],
        point["accuracy_std"],
        refs["popularity_accuracy"],
        refs["nonprivate_accuracy"],
        refs.get("structure_accuracy"),
        draws=point["draws"],
        local_epsilon=scenario.local_epsilon,
        local_ceiling=refs.get("local_plain_accuracy"),
    )
    ui.headline_numbers(
        [
            (
                "Right first suggestion",
                ui.percent(point["accuracy"]),
                spread_words(point["accuracy_std"], point["draws"]),
                "Share of people whose next purchase category was the model's top suggestion, "
                f"averaged over {point['draws']} noise draws. pp: percentage points, the "
                "difference between two percentages.",
            ),
            (
                "Right within top 3",
                ui.percent(point["hit_at_3"]),
                spread_words(point["hit_at_3_std"], point["draws"])
                if n_classes > 3
                else f"Trivial here: with only {n_classes} categories, the top 3 holds them all",
                "Share of people whose next purchase category was among the top 3 suggestions.",
            ),
            (
                "With no privacy noise",
                ui.percent(refs["nonprivate_accuracy"]),
                f"Exact popular items for everyone: {refs['popularity_accuracy']:.0%}",
                "The ceiling: the same model trained on the same data collected, with no noise "
                "at all (neither the platform's nor the people's own). The floor: everyone gets "
                "the most popular categories, counted exactly from everyone's purchases: no "
                "profile is used, but it is an exact statistic of personal data, shown to teach. "
                "People who opt out receive a differentially private version of that list.",
            ),
            (
                "Attacker's best guess",
                card["headline"],
                (
                    f"{card['strength'].capitalize()} · coin flip: 50%"
                    if scenario.k == 1
                    else f"At best, as a group of k = {scenario.k} (k-anonymity is not DP)"
                )
                + local_note,
                "Differential privacy caps how often anyone can correctly tell whether you are "
                "in the data, even knowing everyone else: e^ε / (1 + e^ε). It protects one "
                "person's whole record and assumes the noise is kept secret." + local_tip,
            ),
        ],
        # On a projector the chart comes right under the numbers; the sentence follows it.
        takeaway="" if projector else takeaway,
    )
    figure = frontier_figure(
        table,
        current_epsilon=scenario.epsilon,
        current_mean=point["accuracy"],
        current_std=point["accuracy_std"],
        ceiling=refs["nonprivate_accuracy"],
        floor=refs["popularity_accuracy"],
        font_size=ui.font_size(),
        structure=refs.get("structure_accuracy"),
    )
    if projector:
        # A short chart: a short axis title, or it runs into the chart's title.
        figure.update_layout(height=ui.PROJECTOR_CHART_HEIGHT, yaxis_title_text="Right picks")
    ui.chart(figure, key="frontier_chart")
    if projector:
        ui.headline_numbers([], takeaway=takeaway)
    meaning = card["sentence"]
    if scenario.k > 1:
        meaning = (
            f"k-anonymity (k = {scenario.k}) recodes everyone's records with everyone's data "
            "first, so for one person this is group privacy, and at best: read it as "
            f"k·ε. {meaning}"
        )
    if local_tip:
        meaning += local_tip
    st.markdown(f"#### What ε = {format_epsilon(scenario.epsilon)} means for you\n\n{meaning}")
    st.caption(f"The guarantee: {one_line(scenario, scenario.epsilon)}")
    st.download_button(
        "Download a report of this view (HTML, works offline)",
        # Built only when clicked: the report inlines plotly.js (several MB).
        data=lambda: report_html(
            f"Privacy Tradeoff Explorer: ε = {format_epsilon(scenario.epsilon)}",
            sections=[
                ("Takeaway", takeaway),
                (f"What ε = {format_epsilon(scenario.epsilon)} means", meaning),
                ("The guarantee", one_line(scenario, scenario.epsilon)),
            ],
            figures=[figure],
            tables=[("Settings", settings_table(scenario))],
            data_note=ui.report_data_note(),
        ),
        file_name="privacy_view.html",
        mime="text/html",
        key="download_report",
    )


explore(table, refs)
draws = int(table["repeat"].nunique())
st.caption(
    f"Shaded band: where 90% of {draws} independent noise draws land at each ε. Each draw is a "
    "different private model trained on the same people."
    if draws > 1
    else "One noise draw per ε: no band, so how much a private model varies by luck is not "
    "measured. Raise the noise repeats (Advanced) to see it."
)
st.download_button(
    "Download the frontier (CSV)",
    data=lambda: to_safe_csv(table),
    file_name="privacy_frontier.csv",
    mime="text/csv",
    key="download_frontier",
)
