"""Privacy label: a plain-language notice generated from the current settings."""

import streamlit as st

import ui
from core.presentation.explain import privacy_label

scenario = ui.page_setup(
    "Privacy label",
    "The notice a person would read, written from the current settings. Every number is "
    "computed; change a setting and the label changes. Below the notice, set apart: what this "
    "simulation measured, which a real notice could not publish as it is.",
)
result = ui.get_evaluation(scenario)
with st.container(border=True):
    sections = privacy_label(scenario, result, ui.current_dataset().schema, ui.data_words())
    for heading, text in sections[:-1]:
        st.markdown(f"#### {heading}")
        st.markdown(text)
measured_heading, measured = sections[-1]
st.markdown(f"#### {measured_heading}")
st.caption(measured)
