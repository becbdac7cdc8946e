"""Privacy label: a plain-language notice generated from the current settings."""

import streamlit as st

import ui
from core.explain import privacy_label
from core.schema import load_schema

scenario = ui.page_setup(
    "Privacy label",
    "The notice a person would read, written from the current settings. Every number is "
    "computed; change a setting and the label changes.",
)
result = ui.get_evaluation(scenario)
with st.container(border=True):
    for heading, text in privacy_label(scenario, result, load_schema()):
        st.markdown(f"#### {heading}")
        st.markdown(text)
