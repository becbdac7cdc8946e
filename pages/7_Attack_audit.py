"""Attack audit: a real membership-inference attack against DP's theoretical ceiling."""

import math

import pandas as pd
import streamlit as st

import ui
from core.figures import attack_figure, format_epsilon
from core.lenses import LENS_EPSILONS

scenario = ui.page_setup(
    "Attack audit",
    "An attacker sees the trained model and a person's record and guesses whether that person "
    "was in the training data (membership inference). DP caps their success; here we measure it.",
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
    f"The strongest measured attack reaches AUC {worst['auc']:.3f} (95% CI "
    f"{worst['auc_low']:.3f}–{worst['auc_high']:.3f}; 0.5 is a coin flip), well under the "
    "ceiling DP allows at large ε. The guarantee is a worst case over all attackers and all "
    "datasets; real attacks on a model that does not memorise do much worse.",
    icon=":material/lightbulb:",
)
ui.chart(attack_figure(table, font_size=ui.font_size()), key="attack_chart")

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
st.dataframe(shown, hide_index=True, width="stretch", key="attack_table")
n_members = int(table["n_members"].iloc[0]) if len(table) else 0
st.caption(
    f"Loss-threshold attack (Yeom et al. 2018) on {n_members:,} training members and as many "
    "held-out people. The empirical ε lower bound (Jagielski et al. 2020) uses 95% "
    "Clopper–Pearson intervals on a threshold chosen on a separate half: it is what the attack "
    "proves, never more than the nominal ε."
)
