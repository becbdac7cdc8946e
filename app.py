"""Explore: the landing page. Move ε and watch what privacy costs in personalisation."""

import pandas as pd
import streamlit as st

import ui
from core.explain import epsilon_card, frontier_takeaway, spread_words
from core.export import report_html, settings_table, to_safe_csv
from core.figures import format_epsilon, frontier_figure

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
    point = ui.current_point(scenario, table)
    card = epsilon_card(scenario.epsilon)
    n_classes = ui.current_dataset().schema.n_classes
    takeaway = frontier_takeaway(
        scenario.epsilon,
        point["accuracy"],
        point["accuracy_std"],
        refs["popularity_accuracy"],
        refs["nonprivate_accuracy"],
        draws=point["draws"],
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
                "Without privacy",
                ui.percent(refs["nonprivate_accuracy"]),
                f"No personalisation: {refs['popularity_accuracy']:.0%}",
                "The same model trained without noise on the same people: the ceiling, the best "
                "this data and model can do. No personalisation (the floor): recommending the "
                "most popular items to everyone, which needs nobody's data.",
            ),
            (
                "Attacker's best guess",
                card["headline"],
                f"{card['strength'].capitalize()} · coin flip: 50%",
                "Differential privacy caps how often anyone can correctly tell whether you are "
                "in the data: e^ε / (1 + e^ε).",
            ),
        ],
        takeaway=takeaway,
    )
    figure = frontier_figure(
        table,
        current_epsilon=scenario.epsilon,
        current_mean=point["accuracy"],
        current_std=point["accuracy_std"],
        ceiling=refs["nonprivate_accuracy"],
        floor=refs["popularity_accuracy"],
        font_size=ui.font_size(),
    )
    st.plotly_chart(figure, key="frontier_chart", width="stretch")
    st.markdown(
        f"#### What ε = {format_epsilon(scenario.epsilon)} means for you\n\n{card['sentence']}"
    )
    st.download_button(
        "Download a report of this view (HTML, works offline)",
        # Built only when clicked: the report inlines plotly.js (several MB).
        data=lambda: report_html(
            f"Privacy Tradeoff Explorer: ε = {format_epsilon(scenario.epsilon)}",
            sections=[
                ("Takeaway", takeaway),
                (f"What ε = {format_epsilon(scenario.epsilon)} means", card["sentence"]),
            ],
            figures=[figure],
            tables=[("Settings", settings_table(scenario))],
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
