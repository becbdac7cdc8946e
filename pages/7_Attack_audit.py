"""Attack audit: a real membership-inference attack against DP's theoretical ceiling."""

import math

import pandas as pd
import streamlit as st

import ui
from core.figures import attack_figure, format_epsilon
from core.glossary import explain
from core.lenses import LENS_EPSILONS

scenario = ui.page_setup(
    "Attack audit",
    "An attacker sees the trained model and a person's record and guesses whether that person "
    "was in the training data (membership inference). Differential privacy caps their success; "
    "here we measure it.",
)
table = ui.progressive(
    "Attacking the model at every ε",
    [None, *LENS_EPSILONS],
    lambda epsilon: ui.attack_point(scenario, epsilon),
)
if table.empty or "model" not in table:
    st.info("Nobody is left to attack: with these settings no model is trained on anyone.")
    st.stop()
private = table[table["model"] == "private"]
twin = table[table["model"] == "non-private"]
worst = private.loc[private["auc"].idxmax()]
st.info(
    f"The strongest measured attack is right {worst['guess_accuracy']:.0%} of the time at its "
    f"best cut-off (a coin flip: 50%); its AUC is {worst['auc']:.3f} (95% CI "
    f"{worst['auc_low']:.3f}–{worst['auc_high']:.3f}; 0.5 is a coin flip), well under the "
    "ceiling DP allows at large ε. The guarantee is a worst case over all attackers and all "
    "datasets; real attacks on a model that does not memorise do much worse.",
    icon=":material/lightbulb:",
)
st.plotly_chart(attack_figure(table, font_size=ui.font_size()), key="attack_chart")

shown = pd.DataFrame(
    {
        "Model": [
            "without privacy" if math.isinf(e) else f"private, ε = {format_epsilon(e)}"
            for e in table["epsilon"]
        ],
        "Attack AUC": table["auc"].map("{:.3f}".format),
        "95% CI": [
            f"{lo:.3f}–{hi:.3f}" for lo, hi in zip(table["auc_low"], table["auc_high"], strict=True)
        ],
        "Best guess right": table["guess_accuracy"].map("{:.1%}".format),
        "DP cap on the guess": table["theoretical_max_guess"].map("{:.1%}".format),
        "ε proven by the attack (lower bound)": table["epsilon_lower_bound"].map("{:.2f}".format),
    }
)
column_help = {
    "Attack AUC": explain("AUC"),
    "95% CI": explain("95% CI"),
    "Best guess right": "How often the attack is right at its best cut-off, on a set where half "
    "the people were in the training data (a coin flip: 50%).",
    "ε proven by the attack (lower bound)": explain("empirical ε lower bound", "nominal ε"),
}
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    key="attack_table",
    column_config={
        name: st.column_config.TextColumn(help=text) for name, text in column_help.items()
    },
)
n_members = int(table["n_members"].iloc[0]) if len(table) else 0
st.caption(
    "The attack guesses 'was in the training data' when the model is unusually sure about a "
    f"person. It was tried on {n_members:,} people who were in the training data and as many "
    "who were kept out of it. 'ε proven by the attack' is the smallest ε that fits how well it "
    "did, computed with exact 95% intervals on a cut-off chosen on a separate half of the "
    "people: what the attack proves at least, never more than the ε the model was trained with."
)
with st.expander("Methods and sources"):
    st.markdown(
        "- Loss-threshold membership attack: Yeom, Giacomelli, Fredrikson and Jha, *Privacy "
        "risk in machine learning*, IEEE CSF 2018.\n"
        "- Empirical ε lower bound from an attack: Jagielski, Ullman and Oprea, *Auditing "
        "differentially private machine learning*, NeurIPS 2020.\n"
        "- Exact (Clopper–Pearson) intervals for the attack's error rates: Clopper and Pearson, "
        "Biometrika 1934. AUC interval: Hanley and McNeil, Radiology 1982."
    )
