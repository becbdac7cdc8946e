"""How it works: the people, the data categories, the budget, and what the numbers mean."""

import streamlit as st

import ui
from core.engine import POPULARITY_BUDGET_SHARE
from core.people.population import describe, generate_profiles
from core.presentation.glossary import define, load_glossary
from core.privacy import guarantee
from core.privacy.guarantee import one_line
from core.setting.formatting import format_epsilon

scenario = ui.page_setup(
    "How it works",
    "Where the numbers come from, in plain language. Nothing on these pages is hard-coded: "
    "every figure is computed from the synthetic people for the settings in the sidebar.",
)
dataset = ui.current_dataset()
schema = dataset.schema

st.markdown("#### What is collected, and why")
rows = []
for category, info in schema.category_info.items():
    rows.append(
        {
            "Data": info["label"],
            "What it is": info["plain"].capitalize(),
            "What it is used for": info["purpose"].capitalize(),
            "Shared by (consent, after opt-out)": (
                f"{scenario.consent(category) * (1 - scenario.opt_out):.0%} of people"
            ),
        }
    )
st.table(rows)

if dataset.is_builtin:
    st.markdown("#### The synthetic people")
    st.write(
        f"{scenario.profiles:,} made-up shoppers. Each has a hidden taste over 8 product "
        "categories that drives what they browse and buy; age, gender, income and where they "
        "live shift that taste, realistically but imperfectly. About 8% have distinct tastes (a "
        "minority segment). The model predicts the category of each person's next purchase."
    )
    sample = describe(generate_profiles(1_000, scenario.seed)).head(8)
    labels = {f.name: f"{f.label} ({f.unit})" if f.unit else f.label for f in schema.features}
    labels.update(segment="Taste segment", next_category="Next purchase (label)")
    st.dataframe(
        sample.rename(columns=labels), width="stretch", hide_index=True, key="sample_people"
    )
else:
    st.markdown("#### Your people")
    st.write(
        f"{dataset.population.n_profiles:,} people from {ui.plain(dataset.name)}, held in this "
        f"session only. The model predicts their {schema.n_classes}-class label from the "
        f"{len(schema.features)} columns you declared as features; the table below is the "
        "public schema you declared."
    )
st.markdown("#### The guarantee")
st.write(
    f"**What is protected:** {guarantee.UNIT}. **Against what:** {guarantee.NEIGHBOURING}. "
    "Every release is ε-differentially private for that unit: "
    + one_line(scenario, scenario.epsilon)
)
st.markdown(
    "**Treated as public:**\n"
    + "\n".join(f"- {item}" for item in guarantee.PUBLIC)
    + f"\n\n{guarantee.SECRET_NOISE}\n\n{guarantee.EXACT_FIGURES}"
)
if scenario.k > 1:
    st.warning(guarantee.k_anonymity_caveat(scenario.k, scenario.epsilon), icon=":material/group:")
st.caption(
    "Each release, its mechanism, its sensitivity and a proof sketch: docs/privacy.md in the "
    "project. diffprivlib's models are used with one step changed each (the exact training-set "
    "size, empty classes, the logistic regression's intercept, the forest's rows), and each "
    "person's draws (consent, opt-out, held out for testing) are coins of their own, so that this "
    "guarantee holds."
)

st.markdown("#### The privacy budget")
st.write(
    f"ε = {format_epsilon(scenario.epsilon)} is the whole budget of one release. "
    f"When the opt-out rate is above 0, {POPULARITY_BUDGET_SHARE:.0%} of it releases the "
    "popular-items list opted-out people receive (a differentially private histogram of "
    "everyone's purchase category, opted-out people included) and the rest trains the model; "
    "otherwise the model gets all of it, and at an opt-out rate of 1 the list does. The settings "
    "decide this, never how many people ended up in training: with few or none the model is "
    "still released, noise only. Under local DP the same differentially private histogram "
    "counts the randomised reports (they hide what each person sent, not that they sent one). "
    "Every bound the noise depends on (for the built-in "
    "people: age 18–90, at most 60 page views, …) is fixed in a public schema before any data "
    "is seen, so nothing leaks through the bounds."
)
with st.expander("The public schema"):
    st.dataframe(
        [
            {
                "feature": f.name,
                "category": f.category,
                "range or values": ", ".join(f.values)
                if f.values
                else f"{f.lower:g} – {f.upper:g}",
                "unit": f.unit,
                "quasi-identifier": "yes" if f.quasi_identifier else "",
            }
            for f in schema.features
        ],
        width="stretch",
        hide_index=True,
        column_config={
            "quasi-identifier": st.column_config.TextColumn(help=define("quasi-identifier"))
        },
    )

st.markdown("#### Reading the charts")
st.write(
    "**Band**: private models differ by luck of the noise; the band holds 90% of them. "
    "**Ceiling** (dashed): the same model on the same data collected, with no privacy noise at "
    "all. **Floor** (dotted): recommending the most popular categories to everyone, counted "
    "exactly from everyone's purchases: no profile is used, but the count is a statistic of "
    "personal data. Ceiling and floor are exact statistics, shown to teach, not released; people "
    "who opt out receive a differentially private popular-items list."
)

st.markdown("#### Words used in this app")
st.markdown(
    "\n".join(f"- **{term}**: {text}" for term, text in load_glossary().items()),
)
