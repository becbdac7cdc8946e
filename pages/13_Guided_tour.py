"""Guided tour: eight teaching moments, each asking the room before revealing a computed answer."""

import streamlit as st

import ui
from core.presentation.tour import answer, load_steps

scenario = ui.page_setup(
    "Guided tour",
    "About ten minutes for a room. Each step sets the app to a moment worth discussing, asks a "
    f"question, and reveals an answer computed from {ui.data_words()}.",
)
if not ui.current_dataset().is_builtin:
    st.info(
        "The questions were written for the built-in synthetic shoppers; the answers are "
        "computed on your data, so some questions (rare tastes, age, region) may not fit it.",
        icon=":material/info:",
    )
steps = load_steps()
index = st.session_state.setdefault("tour_step", 0)


def _go(to: int) -> None:
    st.session_state["tour_step"] = max(0, min(len(steps) - 1, to))
    st.session_state["tour_reveal"] = False
    ui.apply_tour_step(steps[st.session_state["tour_step"]].scenario)


step = steps[index]
st.progress((index + 1) / len(steps), text=f"Step {index + 1} of {len(steps)}: {step.title}")
if scenario != step.scenario:
    st.button(
        "Set the app to this step",
        on_click=ui.apply_tour_step,
        args=(step.scenario,),
        key="tour_apply",
        type="primary",
    )
with st.container(border=True):
    st.markdown(f"### {step.title}")
    st.markdown(f"#### {step.question}")
    st.caption("Ask the room first. Hands up, or a quick vote.")
    if st.toggle("Reveal the answer", key="tour_reveal"):
        with st.spinner("Computing…"):
            st.success(answer(step, ui.get_evaluation), icon=":material/check_circle:")
        st.page_link(
            step.page,
            label="See it on its page",
            icon=":material/arrow_forward:",
            query_params=ui.url_params(step.scenario),
        )

previous, following = st.columns(2)
previous.button(
    "← Previous", on_click=_go, args=(index - 1,), disabled=index == 0, key="tour_previous"
)
following.button(
    "Next →", on_click=_go, args=(index + 1,), disabled=index == len(steps) - 1, key="tour_next"
)
st.caption(
    "Each step sets the app to its own settings (Set the app, Next, Previous). Yours are kept: "
    "**Restore mine** in the sidebar, on every page, brings them back; **Keep these** keeps the "
    "tour's."
)
st.caption(
    "Tip for facilitators: add `simple=1` to the link you give the room to hide the advanced "
    "controls, and `projector=1` for large text."
)
