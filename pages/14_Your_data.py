"""Your own data: upload a CSV of profiles, declare what each column is, run every page on it."""

import streamlit as st

import ui
from core.people.anonymity import MAX_QUASI_IDENTIFIERS
from core.people.upload import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_MB,
    ROLES,
    Mapping,
    UploadError,
    build_dataset,
    frame_from_mapping,
    mapping_from_frame,
    read_table,
    sample_csv,
    sample_mapping,
    suggest_mapping,
    with_seen_values,
)
from core.setting.schema import CATEGORIES

scenario = ui.page_setup(
    "Your own data",
    "Upload a table of profiles (one row per person), say what each column is, and every page "
    "runs on it instead of the built-in synthetic shoppers.",
)
dataset = ui.current_dataset()
if not dataset.is_builtin:
    st.success(
        f"Every page now runs on **{ui.plain(dataset.name)}**: "
        f"{dataset.population.n_profiles:,} people, {len(dataset.schema.features)} features, "
        f"{dataset.schema.n_classes} classes to recommend.",
        icon=":material/database:",
    )
    st.button("Back to the built-in synthetic people", on_click=ui.use_builtin_data, key="builtin")

st.markdown(
    "**Where your file goes.** Nowhere: it stays in this browser session's memory on the server, "
    "is not written to disk, and no other session can see it. Closing the tab forgets it. "
    "Links copy the settings, not the data.\n\n"
    "**What you declare.** After the upload you say what each column is and give the public "
    "range of every number (ages 18 to 90, a catalogue's price limit). Those ranges are never "
    "computed from your file: differential privacy scales its noise to them, and a range read "
    "off the data would move with one person's extreme value, which itself leaks that person."
)
with st.expander("Try it with a sample file first"):
    st.write(
        "2,000 built-in synthetic people as a CSV, and the column declarations that go with it. "
        "Upload both below."
    )
    left, right = st.columns(2)
    left.download_button(
        "Sample profiles (CSV)", sample_csv(), "sample_profiles.csv", "text/csv", key="sample"
    )
    right.download_button(
        "Its column declarations (JSON)",
        sample_mapping().to_json(),
        "sample_mapping.json",
        "application/json",
        key="sample_mapping",
    )

uploaded = st.file_uploader(
    f"Profiles (CSV, up to {MAX_UPLOAD_MB} MB and {MAX_COLUMNS} columns)",
    type=["csv", "tsv", "txt"],
    key="upload_file",
    help="A header row with column names, then one row per person. Commas, semicolons, tabs or "
    "vertical bars; UTF-8 (Latin-1 is read with a warning). Limits: "
    f"{MAX_UPLOAD_MB} MB, {MAX_COLUMNS} columns, {MAX_ROWS:,} rows and {MAX_CELLS:,} cells "
    "(rows × columns).",
)
if uploaded is None:
    st.stop()

# Parse once per file; the form below reruns the page on every edit.
if st.session_state.get("_upload_id") != uploaded.file_id:
    st.session_state["_upload_id"] = uploaded.file_id
    st.session_state.pop("mapping_editor", None)
    try:
        table = read_table(uploaded.getvalue())
    except UploadError as error:
        st.session_state["_upload_table"] = None
        st.session_state["_upload_error"] = str(error)
    else:
        st.session_state["_upload_table"] = table
        st.session_state["_upload_error"] = None
        st.session_state["_mapping_draft"] = suggest_mapping(table)
table = st.session_state.get("_upload_table")
if table is None:
    st.error(
        f"{ui.plain(uploaded.name)}: {ui.plain(st.session_state['_upload_error'])}",
        icon=":material/error:",
    )
    st.stop()

for note in table.notes:
    st.info(ui.plain(note), icon=":material/info:")
st.markdown(f"#### {ui.plain(uploaded.name)}: {len(table.frame):,} rows, first ones")
st.dataframe(table.frame.head(6), width="stretch", key="upload_preview")

st.markdown("#### What is each column?")
st.markdown(
    f"""
- **role**: `feature` (the recommender learns from it), `quasi-identifier` (a feature that
  could identify someone combined with others, like age or postcode; k-anonymity coarsens these,
  at most {MAX_QUASI_IDENTIFIERS}), `label` (exactly one: what to recommend), `group` (optional:
  compare accuracy per group on *Who pays*), `ignore`.
- **category**: which consent slider controls it ({", ".join(CATEGORIES)}).
- **lower / upper**: the **public** range of a number (never computed from your file, see
  above). Values outside it are clipped and counted.
- **values**: the public list of categories (comma-separated) for a categorical feature,
  a group or the label. Values not in the list count as not collected (label: row dropped).
"""
)
saved = st.file_uploader(
    "Optional: a saved column declaration (JSON)", type=["json"], key="upload_mapping"
)
if saved is not None and st.session_state.get("_mapping_id") != saved.file_id:
    st.session_state["_mapping_id"] = saved.file_id
    try:
        mapping = Mapping.from_json(saved.getvalue().decode("utf-8", errors="replace"))
    except UploadError as error:
        st.error(ui.plain(str(error)), icon=":material/error:")
    else:
        st.session_state["_mapping_draft"] = frame_from_mapping(mapping, table)
        st.session_state.pop("mapping_editor", None)


def _copy_seen_values() -> None:
    st.session_state["_mapping_draft"] = with_seen_values(st.session_state["_mapping_draft"], table)
    st.session_state.pop("mapping_editor", None)


edited = st.data_editor(
    st.session_state["_mapping_draft"],
    key="mapping_editor",
    hide_index=True,
    num_rows="fixed",
    width="stretch",
    disabled=["column", "seen in file"],
    column_config={
        "role": st.column_config.SelectboxColumn(options=list(ROLES), required=True),
        "category": st.column_config.SelectboxColumn(options=list(CATEGORIES), required=True),
        "type": st.column_config.SelectboxColumn(options=["numeric", "categorical"], required=True),
        "lower": st.column_config.NumberColumn(help="Public lower bound (numeric features)"),
        "upper": st.column_config.NumberColumn(help="Public upper bound (numeric features)"),
        "values": st.column_config.TextColumn(help="Public list, comma-separated"),
        "seen in file": st.column_config.TextColumn(help="What your file holds, for reference"),
    },
)
st.button(
    "Fill empty value lists with the values seen in the file",
    on_click=_copy_seen_values,
    key="copy_seen",
    help="Only if those lists are public knowledge (a product catalogue, a census list): a list "
    "taken from the file is not covered by differential privacy, and a value only one person "
    "has would reveal them.",
)

use, keep = st.columns(2)
if use.button("Use this data on every page", type="primary", key="use_upload"):
    try:
        new = build_dataset(table, mapping_from_frame(edited), name=uploaded.name)
    except UploadError as error:
        st.error(ui.plain(str(error)), icon=":material/error:")
    else:
        ui.use_dataset(new)
        st.rerun()
try:
    mapping_json = mapping_from_frame(edited).to_json()
except UploadError:
    mapping_json = None
keep.download_button(
    "Save these declarations (JSON)",
    mapping_json or "{}",
    "column_mapping.json",
    "application/json",
    key="download_mapping",
    disabled=mapping_json is None,
    help="To reuse them with the next version of this file. The data itself is never saved.",
)
if not dataset.is_builtin:
    for note in dataset.notes:
        st.warning(ui.plain(note), icon=":material/rule:")
