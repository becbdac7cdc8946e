"""Save & compare: keep settings under a name, put 2–6 side by side, take the evidence away."""

import json

import pandas as pd
import streamlit as st

import ui
from core.engine import measures
from core.presentation.explain import comparison_headline, frontier_takeaway, shared_frontiers
from core.presentation.export import (
    comparison_numbers,
    comparison_table,
    readable_time,
    report_html,
    to_safe_csv,
)
from core.presentation.figures import overlay_figure
from core.setting.presets import load_presets
from core.store.storage import StorageError, new_owner_key
from ui import room as ui_room

scenario = ui.page_setup(
    "Save & compare",
    "Save the current settings with a name and a note, reopen them later, and compare up to "
    "six saved settings or presets side by side. Downloads work offline.",
)
store = ui.get_store()
# Everyone reads and copies; only a scenario's creator (its browser or its owner key) or its
# room's facilitator changes it.
actor = ui_room.actor()
ui_room.remember_browser()

st.markdown("#### Save the current settings")
with st.form("save_form", clear_on_submit=True, border=True):
    name = st.text_input("Name", max_chars=80, key="save_name")
    note = st.text_area("Note (optional)", max_chars=2000, key="save_note")
    if st.form_submit_button("Save", type="primary"):
        owner_key = new_owner_key()
        try:
            store.save(name, scenario, note, actor=actor, owner_key=owner_key)
        except StorageError as error:
            st.error(ui.plain(str(error)))
        else:
            ui_room.add_owner_key(owner_key)
            actor = ui_room.actor()
            st.success(f"Saved as {ui.plain(name.strip())}.")
            # Shown once, like a room's facilitator key: only its hash is stored.
            st.info(
                "**Your owner key** for it, shown only now. Keep it: with it you can rename or "
                "delete this scenario from any browser, even after this one forgets you "
                "(cookies cleared, another device).",
                icon=":material/key:",
            )
            st.code(owner_key, language=None)

saved = store.list()


def _owner_words(saved_scenario) -> str:
    if saved_scenario.owner is None:
        return "anyone (saved before owners)"
    if saved_scenario.room_code:
        return f"room {saved_scenario.room_code}"
    return "you" if actor.can_edit(saved_scenario) else "someone else"


st.markdown("#### Saved scenarios")
if not saved:
    st.info("Nothing saved yet.")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": s.name,
                    "Note": s.note,
                    "ε": s.scenario.epsilon,
                    "Opt-out": f"{s.scenario.opt_out:.0%}",
                    "k": s.scenario.k,
                    "People": s.scenario.profiles,
                    "Saved": readable_time(s.updated_at),
                    "Owner": _owner_words(s),
                }
                for s in saved
            ]
        ),
        hide_index=True,
        width="stretch",
        key="saved_table",
    )
    by_id = {s.id: s for s in saved}

    def _rename(saved_id: int) -> None:
        # A callback runs before the widgets: the pick can follow the new name at once.
        new_name = st.session_state.get("rename_to", "")
        try:
            store.rename(saved_id, new_name, actor=actor)
        except StorageError as error:
            st.session_state["_saved_message"] = ("error", str(error))
            return
        st.session_state["_saved_message"] = ("success", f"Renamed to {new_name.strip()}.")
        st.session_state["saved_pick"] = saved_id
        st.session_state["rename_to"] = ""

    def _delete(saved_id: int, name: str) -> None:
        # Untick: the next scenario picked must be confirmed on its own.
        st.session_state["confirm_delete"] = False
        try:
            store.delete(saved_id, actor=actor)
        except StorageError as error:
            st.session_state["_saved_message"] = ("error", str(error))
            return
        st.session_state["_saved_message"] = ("success", f"Deleted {name}.")

    kind, message = st.session_state.pop("_saved_message", (None, None))
    if kind == "success":
        st.success(ui.plain(message), icon=":material/check_circle:")
    elif kind == "error":
        st.error(ui.plain(message))
    if st.session_state.get("saved_pick") not in by_id:
        st.session_state.pop("saved_pick", None)
    chosen_id = st.selectbox(
        "Pick one", list(by_id), format_func=lambda i: by_id[i].name, key="saved_pick"
    )
    chosen = by_id[chosen_id]

    def _use_key(saved_id: int, room_code: str | None) -> None:
        # The typed key gives this session the owner's (or the room facilitator's) rights.
        typed = st.session_state.get("owner_key_input", "").strip()
        st.session_state["owner_key_input"] = ""
        if not typed:
            return
        try:
            if room_code and ui_room.get_room_store().is_facilitator(room_code, typed):
                ui_room.mark_facilitator(room_code)
            elif store.owner_key_matches(saved_id, typed):
                ui_room.add_owner_key(typed)
            else:
                st.session_state["_saved_message"] = (
                    "error",
                    "That key is not this scenario's owner key"
                    + (f" nor the facilitator key of room {room_code}" if room_code else "")
                    + ". Keys are case-sensitive; paste the whole key.",
                )
                return
        except (StorageError, ValueError) as error:
            st.session_state["_saved_message"] = ("error", str(error))
            return
        st.session_state["_saved_message"] = ("success", "Key accepted: you can change it now.")

    editable = actor.can_edit(chosen)
    if not editable:
        st.caption(
            "Only its creator (the browser that saved it, or whoever has its owner key)"
            + (" or the room's facilitator" if chosen.room_code else "")
            + " can rename or delete it. Load it and save it under another name to keep a copy."
        )
        st.text_input(
            "Owner key"
            + (" or the room's facilitator key" if chosen.room_code else "")
            + " (if it is yours)",
            type="password",
            key="owner_key_input",
            on_change=_use_key,
            args=(chosen.id, chosen.room_code),
        )
    load, rename, delete = st.columns(3)
    load.button(
        "Load into the controls", on_click=ui.reset_to, args=(chosen.scenario,), key="load_saved"
    )
    with rename:
        st.text_input("New name", key="rename_to", max_chars=80)
        st.button(
            "Rename",
            key="rename_saved",
            disabled=not editable,
            on_click=_rename,
            args=(chosen.id,),
        )
    with delete:
        sure = st.checkbox(f"Yes, delete {ui.plain(chosen.name)}", key="confirm_delete")
        st.button(
            "Delete",
            key="delete_saved",
            disabled=not (sure and editable),
            on_click=_delete,
            args=(chosen.id, chosen.name),
        )

st.markdown("#### Compare")
options = {"Current settings": scenario}
options.update({f"Preset · {p.name}": p.scenario for p in load_presets()})
options.update({f"Saved · {s.name}": s.scenario for s in saved})
picked = st.multiselect(
    "Pick 2 to 6 settings",
    list(options),
    default=list(options)[:2],
    max_selections=6,
    key="compare_pick",
)
if len(picked) < 2:
    st.info("Pick at least two settings to compare.")
    st.stop()

named = {}
frontiers = {}
bar = st.progress(0.0, text="Evaluating each setting")
for index, label in enumerate(picked):
    choice = options[label]
    named[label] = (choice, ui.get_evaluation(choice))
    frontiers[label] = ui.get_frontier(ui.noise_free(choice))
    bar.progress(
        (index + 1) / len(picked), text=f"Evaluating each setting ({index + 1}/{len(picked)})"
    )
bar.empty()

table = comparison_table(named)
st.info(ui.plain(comparison_headline(named)), icon=":material/lightbulb:")
st.dataframe(table, width="stretch", key="comparison_table")
figure = overlay_figure(
    frontiers,
    font_size=ui.font_size(),
    points={label: (s.epsilon, r["accuracy"]) for label, (s, r) in named.items()},
)
ui.chart(figure, key="compare_chart")
for labels in shared_frontiers(named):
    st.caption(
        ui.plain(
            f"{', '.join(labels[:-1])} and {labels[-1]} differ only in ε (or not at all): they "
            "share one frontier, drawn on top of each other. The ◆ markers show each one's ε."
        )
    )
st.caption("Use the camera icon on the chart to save it as a PNG.")

numbers = comparison_numbers(named)
dataset = ui.current_dataset()
data_note = (
    "Built-in synthetic shoppers (people generated from each setting's profiles and seed)."
    if dataset.is_builtin
    else f"Uploaded data {dataset.name!r}: {dataset.population.n_profiles:,} people "
    f"(fingerprint {dataset.fingerprint}); every setting was computed on it."
)
st.caption(ui.plain(f"Data: {data_note}"))
sections = [
    ("Data", data_note),
    *(
        (
            label,
            frontier_takeaway(
                s.epsilon,
                r["accuracy"],
                r["accuracy_std"],
                r["popularity_accuracy"],
                r["nonprivate_accuracy"],
                draws=s.repeats,
                local_epsilon=s.local_epsilon,
                local_ceiling=r.get("local_plain_accuracy"),
            ),
        )
        for label, (s, r) in named.items()
    ),
]
downloads = st.columns(3)
downloads[0].download_button(
    "Numbers (CSV)", to_safe_csv(numbers), "comparison.csv", "text/csv", key="download_csv"
)
downloads[1].download_button(
    "Numbers (JSON)",
    json.dumps(
        [
            {"setting": label, "scenario": s.to_dict(), "result": measures(r)}
            for label, (s, r) in named.items()
        ],
        indent=2,
    ),
    "comparison.json",
    "application/json",
    key="download_json",
)
downloads[2].download_button(
    "Report (HTML, works offline)",
    # Built only when clicked: the report inlines plotly.js (several MB).
    lambda: report_html(
        "Privacy settings compared",
        sections=sections,
        figures=[figure],
        tables=[("Every setting and every measure", table)],
        data_note=ui.report_data_note(),
    ),
    "privacy_comparison.html",
    "text/html",
    key="download_report",
)
