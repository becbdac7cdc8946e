"""Local vs central DP: the same ε, spent by the platform or by each person."""

import pandas as pd
import streamlit as st

import ui
from core.engine.lenses import LENS_EPSILONS, LENS_REPEATS
from core.engine.persona import persona_matrix
from core.people.encoding import model_bounds
from core.presentation.explain import local_central_headline
from core.presentation.figures import local_central_figure
from core.privacy.controls import LOCAL_LABEL_SHARE, stream
from core.privacy.guarantee import local_k_anonymity_caveat
from core.privacy.mechanisms import laplace_truncated
from core.setting.formatting import format_epsilon
from core.setting.schema import CATEGORIES

scenario = ui.page_setup(
    "Local vs central differential privacy",
    "Central: people send true data and the platform adds noise to what it learns. Local: each "
    "person randomises their whole record, purchase category included, before sending it, so "
    "the platform never receives a true value (it still sees who sent one).",
)
refs = ui.references_for(scenario)
if scenario.k > 1:
    # k-anonymity generalises from everyone's true quasi-identifiers before any randomisation.
    st.warning(
        local_k_anonymity_caveat(
            scenario.k,
            "their "
            + ", ".join(f.label.lower() for f in ui.current_dataset().schema.quasi_identifiers),
        )
        + ". Set k to 1 for local DP on the whole record.",
        icon=":material/group:",
    )


# The user's own setting first, by Explore's path and with Explore's draws: the same numbers.
setting = ui.setting_point(scenario)
own = ui.local_central_point(scenario, scenario.epsilon, scenario.repeats)
own_means = own.groupby("mode")["accuracy"].mean()
local_alone = None
if scenario.local_epsilon > 0:
    alone = ui.local_central_point(scenario, scenario.local_epsilon, scenario.repeats)
    local_alone = float(alone.loc[alone["mode"] == "local", "accuracy"].mean())
st.info(
    local_central_headline(
        scenario.epsilon,
        scenario.local_epsilon,
        setting["accuracy"],
        float(own_means["central"]),
        float(own_means["local"]),
        local_alone,
        refs["popularity_accuracy"],
        setting["draws"],
    ),
    icon=":material/lightbulb:",
)
table = ui.progressive(
    "Training with central and local noise at every ε",
    list(LENS_EPSILONS),
    lambda epsilon: ui.local_central_point(scenario, epsilon),
)
ui.chart(
    local_central_figure(table, floor=refs["popularity_accuracy"], font_size=ui.font_size()),
    key="local_central_chart",
)
if scenario.repeats != LENS_REPEATS:
    st.caption(
        f"Curves: {LENS_REPEATS} noise draws per ε, where Explore averages {scenario.repeats}: "
        "each local draw re-randomises every person's record and retrains, so the curves keep to "
        f"a few. The numbers above, for your own ε, average {scenario.repeats} draws, as on "
        "Explore."
    )

left, right = st.columns(2)
with left, st.container(border=True):
    st.markdown("**Central: you must trust the platform**")
    st.write(
        "It stores your true data, so a breach or an insider sees it. It promises to add noise "
        "to what it releases (the model); you rely on that promise."
    )
with right, st.container(border=True):
    st.markdown("**Local: you trust only your own device**")
    st.write(
        "What leaves your device is already randomised, purchase category included. Nobody, not "
        "the platform, not an attacker who steals its database, learns your true values beyond "
        "what ε allows; they do see that you sent something."
    )

st.markdown(
    f"#### What the platform sees for one person, at ε = {format_epsilon(scenario.epsilon)}"
)
schema = ui.current_dataset().schema
persona = next((p for p in ui.personas().values() if set(p.shares) == set(CATEGORIES)), None)
if persona is None:
    st.info("No complete row with a label was found in your data to show up close.")
    st.stop()
true_row, observed = persona_matrix(persona, schema)
lower, upper = model_bounds(schema)
noisy_row = laplace_truncated(
    true_row,
    epsilon=scenario.epsilon * (1 - LOCAL_LABEL_SHARE) / true_row.shape[1],
    sensitivity=upper - lower,
    lower=lower,
    upper=upper,
    rng=stream(scenario.seed, 40),
)
at_bound = (noisy_row[0] <= lower) | (noisy_row[0] >= upper)
rows = []
column = 0
for feature in schema.features:
    width = len(feature.columns)
    clamped = at_bound[column : column + width]
    if feature.type == "categorical":
        noisy = noisy_row[0, column : column + width]
        shown = " · ".join(f"{v} {x:.2f}" for v, x in zip(feature.values, noisy, strict=True))
        bound_note = f"{int(clamped.sum())} of {width} flags, to 0 or 1" if clamped.any() else "no"
    else:
        span = feature.upper - feature.lower
        value = feature.lower + noisy_row[0, column] * span
        shown = f"{value:.1f}"
        side = "lowest" if value <= feature.lower + 1e-9 else "highest"
        bound_note = f"yes, to the {side} value allowed" if clamped.any() else "no"
    unit = f" ({feature.unit})" if feature.unit else ""
    rows.append(
        {
            "Feature": feature.label + unit,
            "Central (true value)": str(persona.features[feature.name]),
            "Local (what is sent)": shown,
            "Clamped to the public range?": bound_note,
        }
    )
    column += width
st.caption(
    f"{persona.name} shares everything. Under local DP half of ε = "
    f"{format_epsilon(scenario.epsilon)} randomises the purchase category (randomised "
    f"response) and each of the {true_row.shape[1]} values gets an equal share of the other half "
    "and is randomised on the device with Laplace noise. A category is sent as one yes/no flag "
    "(1 or 0) per value, each with noise. When the noise pushes a value past the public range, "
    "the device sends the range's end instead (clamped): at small ε that happens to most "
    "values, so an age of 90 or 'female 1.00, male 0.00, non-binary 1.00' for a man is the "
    "noise speaking, not the person."
)
# A static table: its cells wrap, where a data grid cut the long rows off on the right.
st.table(pd.DataFrame(rows).set_index("Feature"))
