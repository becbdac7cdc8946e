"""What protects against what: threats × controls, from well-known facts."""

import json

import pandas as pd
import streamlit as st

import ui
from core.setting.schema import DATA_DIR

ui.page_setup(
    "What protects against what",
    "No single practice protects against everything. Read across a row to see which controls "
    "help against a threat, down a column to see what a control is good for.",
)
matrix = json.loads((DATA_DIR / "threats.json").read_text(encoding="utf-8"))
symbols = {"yes": "● yes", "partly": "◐ partly", "no": "✗ no"}
table = pd.DataFrame(
    {
        threat: [symbols[level] for level, _ in entry["cells"]]
        for threat, entry in matrix["threats"].items()
    },
    index=matrix["controls"],
).T
st.dataframe(table, width="stretch", key="threat_matrix")
st.info(
    "Encryption is essential against outsiders and costs no accuracy, but it protects data in "
    "storage and in transit only: the model is trained on decrypted data, so encryption does "
    "nothing against inference from the model. That is what differential privacy is for.",
    icon=":material/lightbulb:",
)
for threat, entry in matrix["threats"].items():
    with st.expander(threat):
        for control, (level, why) in zip(matrix["controls"], entry["cells"], strict=True):
            st.markdown(f"- **{control}** — {symbols[level]}: {why}")
        if entry["page"]:
            st.page_link(entry["page"], label="See it measured", icon=":material/arrow_forward:")
