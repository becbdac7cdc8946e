"""A persona: one synthetic person's data, what the model infers, what they are shown."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import ui
from core.figures import PALETTE
from core.persona import collected_table
from core.schema import CATEGORIES

scenario = ui.page_setup(
    "A persona",
    "Privacy is personal. Pick someone, choose what they share, and see what the platform "
    "collects, what the private model infers and what they are recommended.",
)
schema = ui.current_dataset().schema
personas = ui.personas()
if not personas:
    st.info("No complete row with a label was found in your data to show up close.")
    st.stop()
if st.session_state.get("persona") not in personas:
    # The data changed (an upload, or back to the built-in people): start from its first person.
    st.session_state.pop("persona", None)
    st.session_state.pop("persona_shares", None)


def _reset_shares():
    persona = personas[st.session_state["persona"]]
    st.session_state["persona_shares"] = [] if persona.opted_out else list(persona.shares)


name = st.selectbox("Person", list(personas), key="persona", on_change=_reset_shares)
persona = personas[name]
if "persona_shares" not in st.session_state:
    _reset_shares()
st.write(persona.description)
if persona.opted_out:
    st.info(f"{name} opted out of personalisation: nothing is collected for recommendations.")
    shares = ()
else:
    shares = tuple(
        st.multiselect(
            f"What {name} shares",
            list(CATEGORIES),
            key="persona_shares",
            help="Each category is collected only with consent.",
        )
    )
report = ui.persona_view(scenario, name, shares)

left, right = st.columns([2, 3])
with left:
    st.markdown("#### What is collected")
    st.dataframe(
        collected_table(
            persona, schema, shares, ui.get_workbench(ui.noise_free(scenario)).data.anonymisation
        ),
        hide_index=True,
        height=420,
        width="stretch",
        key="collected",
    )
with right:
    st.markdown(f"#### What the private model infers (ε = {scenario.epsilon:g})")
    if report["private_probabilities"] is None:
        st.write("Nothing: no personal model is used for this person.")
    else:
        figure = go.Figure(
            go.Bar(
                x=list(schema.class_labels),
                y=report["private_probabilities"],
                error_y={"type": "data", "array": report["private_probabilities_std"]},
                marker_color=PALETTE["private"],
            )
        )
        figure.update_layout(
            title={"text": f"How likely each next purchase looks ({report['draws']} noise draws)"},
            yaxis={"tickformat": ".0%", "title": "Model's probability"},
            font={"size": ui.font_size()},
            margin={"l": 10, "r": 10, "t": 60, "b": 10},
        )
        likeliest = int(np.argmax(report["private_probabilities"]))
        ui.chart(
            figure,
            key="persona_chart",
            caption=f"Likeliest next purchase for {ui.plain(name)}: "
            f"{ui.plain(schema.class_labels[likeliest])}, "
            f"{report['private_probabilities'][likeliest]:.0%} on average "
            f"(± {report['private_probabilities_std'][likeliest]:.0%} between noise draws).",
        )

st.markdown("#### Top 3 recommendations")
columns = st.columns(3)
lists = [
    ("With these settings", report["private_top3"]),
    ("Full personalisation (no privacy, all data)", report["full_top3"]),
    ("Opted out (popular items)", report["opt_out_top3"]),
]
for column, (title, top3) in zip(columns, lists, strict=True):
    with column, st.container(border=True):
        st.markdown(f"**{title}**")
        if top3 is None:
            st.write("Not available: nobody left to learn from.")
        else:
            st.markdown("\n".join(f"{i + 1}. {schema.class_label(c)}" for i, c in enumerate(top3)))
frequency = pd.Series(report["private_top3_frequency"], index=schema.class_labels)
if report["draws"]:
    st.caption(
        "How often each category made the private top 3 across noise draws: "
        + ", ".join(f"{label} {share:.0%}" for label, share in frequency.items() if share > 0)
    )
