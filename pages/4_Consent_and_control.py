"""Consent & control: which data is worth asking for, and what opting out costs whom."""

import numpy as np
import streamlit as st

import ui
from core.engine.lenses import CONSENT_RATES, OPT_OUT_RATES
from core.presentation.explain import consent_gain_sentence
from core.presentation.figures import collected_figure, consent_figure, group_bars, opt_out_heatmap
from core.presentation.glossary import explain
from core.setting.schema import CATEGORIES

scenario = ui.page_setup(
    "Consent & control",
    "Each person decides which data categories to share, or opts out of personalisation. "
    "Move the consent and opt-out sliders in the sidebar; the charts vary one at a time.",
)
result = ui.get_evaluation(scenario)

columns = st.columns(3)
columns[0].metric(
    "Personal data collected",
    ui.percent(result["data_collected_share"]),
    help="A privacy-loss measure of its own, separate from ε. "
    + explain("person × category cells"),
)
segments = result["segments"]
columns[1].metric(
    "Right for people who opted in" if scenario.opt_out else "Right for everyone (none opted out)",
    ui.percent(segments["opted_in"]["accuracy"]),
    help="At the settings in the sidebar, averaged over the noise draws. The charts below show "
    "everyone together.",
)
columns[2].metric(
    "Right for people who opted out",
    ui.percent(segments["opted_out"]["accuracy"]),
    help="They get the differentially private popular-items list.",
)

sweep = ui.progressive(
    "Retraining for every consent rate",
    [(c, r) for c in CATEGORIES for r in CONSENT_RATES],
    lambda item: ui.consent_point(scenario, *item),
)
gain = (
    sweep[sweep["consent_rate"] == 1.0].groupby("category")["accuracy"].mean()
    - sweep[sweep["consent_rate"] == 0.0].groupby("category")["accuracy"].mean()
)
at_rate = sweep.groupby(["category", "consent_rate"])["accuracy"].std(ddof=1).fillna(0.0)
spread = {
    category: float(np.hypot(at_rate[(category, 1.0)], at_rate[(category, 0.0)]))
    for category in gain.index
}
st.info(
    consent_gain_sentence(scenario.epsilon, gain.to_dict(), spread), icon=":material/lightbulb:"
)
left, right = st.columns(2)
ui.chart(consent_figure(sweep, font_size=ui.font_size()), key="consent_chart", container=left)
ui.chart(collected_figure(sweep, font_size=ui.font_size()), key="collected_chart", container=right)
st.caption(
    "Both charts: right first suggestions for everyone (people who opted out get the "
    "popular-items list). "
    f"Left: each category's consent rate varied from 0% to 100% while the others stay as set; "
    f"bars: ±1 standard deviation over {scenario.repeats} noise draws. Right: the same points "
    "against the share of personal data the platform holds."
)

st.markdown("#### Opting out")
if scenario.opt_out == 0:
    st.info("Nobody has opted out. Move the opt-out slider in the sidebar to compare the groups.")
else:
    bars = {
        "Opted in (personalised)": (
            segments["opted_in"]["accuracy"],
            segments["opted_in"]["accuracy_std"],
        ),
        "Opted out (popular items)": (
            segments["opted_out"]["accuracy"],
            segments["opted_out"]["accuracy_std"],
        ),
    }
    ui.chart(
        group_bars(bars, title="Who gets good recommendations", font_size=ui.font_size()),
        key="opt_out_bars",
    )
grid = ui.progressive(
    "Retraining for every opt-out rate",
    list(OPT_OUT_RATES),
    lambda rate: ui.opt_out_row(scenario, rate),
)
ui.chart(opt_out_heatmap(grid, font_size=ui.font_size()), key="opt_out_heatmap")
st.caption(
    "Each cell: accuracy for everyone (opted-in people get the private model, opted-out people "
    "the popular-items list), averaged over 3 noise draws. Fewer people left to learn from "
    "makes the same ε cost more."
)
