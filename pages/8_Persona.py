"""A persona: one synthetic person's data, what the model infers, what they are shown."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import ui
from core.engine.persona import collected_table
from core.presentation.explain import model_budget_words
from core.presentation.figures import PALETTE, title_spec

scenario = ui.page_setup(
    "A persona",
    "Privacy is personal. Pick someone, choose what they share, and see what the platform "
    "collects, what the private model infers and what they are recommended.",
    page_fields=("persona", "persona_shares"),
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


name = ui.page_control("persona", options=list(personas), on_change=_reset_shares)
persona = personas[name]
if "persona_shares" not in st.session_state:
    _reset_shares()
st.write(persona.description)
if persona.opted_out:
    st.info(f"{name} opted out of personalisation: nothing is collected for recommendations.")
    shares = ()
else:
    shares = ui.page_control("persona_shares", label=f"What {name} shares")
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
    st.markdown("#### What the private model infers")
    if report["private_probabilities"] is None:
        st.write("Nothing: no personal model is used for this person.")
    else:
        released = report["private_probabilities"]
        figure = go.Figure(
            go.Bar(
                x=list(schema.class_labels),
                y=released,
                # Whiskers: lowest to highest over the possible draws (probabilities: in [0, 1]).
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": report["private_high"] - released,
                    "arrayminus": released - report["private_low"],
                },
                marker_color=PALETTE["private"],
            )
        )
        figure.update_layout(
            title=title_spec("How likely each next purchase looks to the model", ui.font_size()),
            yaxis={"tickformat": ".0%", "title": "Model's probability", "rangemode": "tozero"},
            font={"size": ui.font_size()},
            margin={"l": 10, "r": 10, "t": 60, "b": 10},
        )
        ui.chart(
            figure,
            key="persona_chart",
            caption="Bars: the model released at these settings (noise draw 0; it gets "
            f"{model_budget_words(report['epsilon_model'], report['epsilon_spent'])}). "
            "Whiskers, what-if: the lowest and highest "
            f"probability over {report['draws']} possible noise draws. Only one model is ever "
            "released; the others show how different its answer could have been.",
        )

st.markdown("#### Top 3 recommendations")
columns = st.columns(3)
lists = [
    ("With these settings (the released model)", report["private_top3"]),
    ("Full personalisation (no privacy, all data)", report["full_top3"]),
    ("Opted out (popular items)", report["opt_out_top3"]),
]
no_list = (
    "Not released at these settings: nobody opted out, so no popular-items list is published. "
    "Move the opt-out slider to see it."
)
missing = {lists[2][0]: no_list} | ({lists[0][0]: no_list} if persona.opted_out else {})
for column, (title, top3) in zip(columns, lists, strict=True):
    with column, st.container(border=True):
        st.markdown(f"**{title}**")
        if top3 is None:
            st.write(missing.get(title, "Not available: nobody left to learn from."))
        else:
            st.markdown("\n".join(f"{i + 1}. {schema.class_label(c)}" for i, c in enumerate(top3)))
frequency = pd.Series(report["private_top3_frequency"], index=schema.class_labels)
if report["draws"] > 1:
    st.caption(
        f"What-if over {report['draws']} possible noise draws (only one model is ever released, "
        "the one listed first): how often each category would have made the top 3. "
        + ", ".join(f"{label} {share:.0%}" for label, share in frequency.items() if share > 0)
        + "."
    )
