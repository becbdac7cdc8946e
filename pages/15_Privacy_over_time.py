"""Privacy over time: every retraining spends privacy again. What has one person given up?"""

import pandas as pd
import streamlit as st

import ui
from core.over_time import plan as planner
from core.over_time.plan_explain import (
    HEADLINE_METHOD,
    budget_takeaway,
    curve_takeaway,
    format_total,
    headline,
    local_note,
    releases_words,
    unit_sentences,
)
from core.over_time.plan_figures import budget_figure, loss_curve_figure, unit_figure
from core.presentation.export import report_html, to_safe_csv
from core.privacy import guarantee
from core.setting.formatting import format_epsilon, guess_text
from ui import plan as plan_ui

plan_ui.init_state()  # before page_setup, which rewrites the URL with the Scenario's fields
scenario = ui.page_setup(
    "Privacy over time",
    "A recommender is retrained on the same people every day, week or month, and every release "
    "spends privacy again. After a year, what has one person given up, and what does each "
    "release still deliver?",
    in_page=("epsilon",),
)
for notice in plan_ui.notices():
    st.warning(notice, icon=":material/link_off:")

columns = st.columns(4)
scenario = ui.control("epsilon", columns[0])
plan_ui.control("releases_per_year", columns[1])
plan_ui.control("years", columns[2])
plan_ui.control("delta", columns[3])
plan = plan_ui.current_plan(scenario)

# The curve's last row is the plan's total under every accountant (cached with the curve).
curve = plan_ui.loss_curve(plan.epsilon, plan.releases, plan.delta)
totals = {method: float(curve[method].iloc[-1]) for method in planner.METHODS}
refs = ui.references_for(scenario)
point = planner.accuracy_by_epsilon(plan_ui.accuracy_at(scenario, [plan.epsilon]))
point = point.loc[plan.epsilon].to_dict()
# With k-anonymity first, each release is ε-DP for the stored table only (core.privacy.guarantee).
per_person = scenario.k == 1
answer = headline(plan, totals, point, refs, per_person=per_person)
total = totals[HEADLINE_METHOD]
guesses = planner.best_guesses(plan.epsilon, plan.releases, plan.delta, totals)
ui.headline_numbers(
    [
        (
            f"Given up after {releases_words(plan.releases)}",
            f"ε = {format_total(total)}",
            f"at δ = {plan.delta:g}; adding up: {format_total(totals['basic'])}",
            planner.ASSUMPTIONS[HEADLINE_METHOD],
        ),
        (
            "Attacker's best guess",
            f"≤ {guess_text(guesses['exact'][HEADLINE_METHOD])} right",
            f"exact for these releases · from (ε, δ) alone: "
            f"≤ {guess_text(guesses['from_epsilon_delta'][HEADLINE_METHOD])} · coin flip: 50%",
            f"With a 50/50 prior. Exact for these releases: {planner.GUESS_WORDS['exact']} "
            f"From (ε, δ) alone: {planner.GUESS_WORDS['from_epsilon_delta']}",
        ),
        (
            "Each release still gets right",
            ui.percent(point["accuracy"]),
            f"90% of draws: {point['accuracy_q05']:.0%}–{point['accuracy_q95']:.0%}",
            f"Right first suggestions of one release at ε = {format_epsilon(plan.epsilon)}, "
            "over independent noise draws.",
        ),
        (
            "With no privacy noise",
            ui.percent(refs["nonprivate_accuracy"]),
            f"Exact popular items for everyone: {refs['popularity_accuracy']:.0%}",
            "The ceiling: the same model trained on the same data collected, with no noise at "
            "all. The floor: everyone gets the most popular categories, counted exactly from "
            "everyone's purchases (an exact statistic of personal data, shown to teach).",
        ),
    ],
    takeaway=answer,
)

if not per_person:
    st.warning(guarantee.k_anonymity_caveat(scenario.k, scenario.epsilon), icon=":material/group:")
if scenario.local_epsilon > 0:
    st.info(local_note(scenario.local_epsilon), icon=":material/devices:")

# -- 1. how losses add up ----------------------------------------------------------------------
curve_chart = loss_curve_figure(
    curve, epsilon=plan.epsilon, delta=plan.delta, font_size=ui.font_size()
)
st.plotly_chart(curve_chart, key="loss_curve_chart", width="stretch")
curve_text = curve_takeaway(plan, totals)
st.markdown(curve_text)
with st.expander("What each accountant assumes"):
    for method, label in planner.METHOD_LABELS.items():
        st.markdown(f"**{label}.** {planner.ASSUMPTIONS[method]}")
    st.markdown(planner.NUMERICAL_NOTE)
    st.markdown(
        "**The attacker's best guess, read two ways.** "
        f"From (ε, δ) alone: {planner.GUESS_WORDS['from_epsilon_delta']} "
        f"Exact for these releases: {planner.GUESS_WORDS['exact']}"
    )
    st.markdown(
        "All of them assume the same people are in every release (the worst case for them) and "
        "each release is ε-DP for one person's whole record; people who join later have fewer "
        "releases behind them."
    )
with st.expander("The data behind the chart"):
    st.dataframe(curve, hide_index=True, key="loss_curve_table")

# -- 2. the budget turned around -----------------------------------------------------------------
st.subheader("The budget turned around")
plan_ui.control("yearly_budget")
budget = plan_ui.budget_table(plan.yearly_budget, plan.delta)
budget = planner.budget_accuracy(
    budget, plan_ui.accuracy_at(scenario, budget["epsilon_per_release"])
)
budget_chart = budget_figure(
    budget,
    yearly_budget=plan.yearly_budget,
    ceiling=refs["nonprivate_accuracy"],
    floor=refs["popularity_accuracy"],
    font_size=ui.font_size(),
)
st.plotly_chart(budget_chart, key="budget_chart", width="stretch")
budget_text = budget_takeaway(budget, plan.yearly_budget, refs["popularity_accuracy"])
st.markdown(budget_text)
st.caption(planner.FRESHNESS_NOTE)
with st.expander("The data behind the chart"):
    st.dataframe(budget, hide_index=True, key="budget_table")

# -- 3. the unit of protection -------------------------------------------------------------------
st.subheader("What one ε protects: a person or a purchase")
events = plan_ui.events(scenario)
unit_chart = None
unit_text = ""
if events is None:
    st.info(
        "This data declares no numeric purchase columns (data category 'purchases'), so there "
        "are no purchase counts per person to read. The engine's guarantee still covers each "
        "person's whole record."
    )
else:
    summary = planner.event_summary(events, plan.epsilon, plan.delta)
    sentences = unit_sentences(summary, plan.epsilon, plan.delta)
    st.markdown(
        sentences["guarantee"]
        if per_person
        else "With k-anonymity on, the engine's ε covers the stored table; one person is "
        "protected only as a group (see the warning above)."
    )
    st.markdown(sentences["event_level"])
    losses = plan_ui.event_level_losses(plan.epsilon, int(events.max()), plan.delta)
    histogram = planner.event_histogram(events)
    unit_chart = unit_figure(
        losses, histogram, epsilon=plan.epsilon, delta=plan.delta, font_size=ui.font_size()
    )
    st.plotly_chart(unit_chart, key="unit_chart", width="stretch")
    unit_text = sentences["takeaway"]
    st.markdown(unit_text)
    consent = (
        f" Consent for purchases is at {scenario.consent_purchases:.0%}: the platform would hold "
        "these counts only for the people who agreed; the chart shows everyone's."
        if scenario.consent_purchases < 1
        else ""
    )
    st.caption(
        "Purchase counts are the stored ones (each column clipped to its public bound), read "
        "exactly from the data to plan with: this distribution is not itself a private release."
        + consent
    )
    with st.expander("The data behind the chart"):
        st.dataframe(losses, hide_index=True, key="unit_table")
        st.dataframe(histogram, hide_index=True, key="unit_histogram")

st.download_button(
    "Download a report of this plan (HTML, works offline)",
    # Built only when clicked: the report inlines plotly.js (several MB).
    data=lambda: report_html(
        f"Privacy over time: {plan.releases} releases at ε = {format_epsilon(plan.epsilon)}",
        sections=[
            ("The answer", answer),
            (
                "The attacker's best guess, read two ways",
                f"Exact for these releases: ≤ {guesses['exact'][HEADLINE_METHOD]:.1%} "
                f"(Laplace releases: ≤ {guesses['exact']['pld']:.1%}). "
                f"{planner.GUESS_WORDS['exact']}\n"
                f"From (ε, δ) alone: ≤ {guesses['from_epsilon_delta'][HEADLINE_METHOD]:.1%}. "
                f"{planner.GUESS_WORDS['from_epsilon_delta']}",
            ),
            ("How the losses add up", curve_text),
            ("What each accountant assumes", "\n".join(planner.ASSUMPTIONS.values())),
            ("The budget turned around", budget_text + "\n" + planner.FRESHNESS_NOTE),
            ("Unit of protection", unit_text),
        ],
        figures=[f for f in (curve_chart, budget_chart, unit_chart) if f is not None],
        tables=[
            ("Plan", pd.DataFrame({"value": plan.to_params()})),
            # As text: the report shows numbers below 1 as percentages, and these are ε.
            ("Total loss by number of releases", curve.set_index("releases").map("{:.4g}".format)),
        ],
    ),
    file_name="privacy_over_time.html",
    mime="text/html",
    key="download_plan_report",
)
st.download_button(
    "Download the budget table (CSV)",
    data=lambda: to_safe_csv(budget),
    file_name="privacy_budget_per_cadence.csv",
    mime="text/csv",
    key="download_budget",
)
