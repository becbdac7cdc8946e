"""Attack audit: a DP audit of the current setting, then a membership attack on one model."""

import math

import pandas as pd
import streamlit as st

import ui
from core.engine.lenses import LENS_EPSILONS
from core.presentation.explain import (
    attack_cap_sentence,
    audit_rates_sentence,
    audit_scope_sentence,
    model_budget_words,
)
from core.presentation.figures import attack_figure
from core.presentation.glossary import explain
from core.privacy.audit import one_audit_words
from core.setting.formatting import format_epsilon, guess_text
from core.setting.scenario import MODELS

scenario = ui.page_setup(
    "Attack audit",
    "Differential privacy is a promise about every possible attacker. Here we try to break it: "
    "first with a privacy audit of the current setting, then with a membership attack on one "
    "trained model.",
)

st.subheader("Privacy audit of this setting")
st.markdown(
    "A **privacy audit** checks the promise from outside. It trains the model many times on the "
    "training data *without* and *with* one extra person (a *canary*, chosen to be as easy to "
    "spot as possible), each time with fresh noise, and asks how well an attack on the released "
    "model tells the two apart. If the guarantee holds, no attack does better than ε allows, so "
    "the audit can show ε at most the claimed value, except with 5% probability. A smaller figure "
    "does not mean the model is more private than claimed: it is what this attack, with this "
    "many runs, can prove."
)
audit = ui.privacy_audit(scenario)
if audit is None:
    st.info("No model is released in this setting (everyone opts out): nothing to audit.")
else:
    claimed, shown = audit["claimed_epsilon"], audit["epsilon_lower_bound"]
    left, middle, right = st.columns(3)
    left.metric("Claimed ε of the model", format_epsilon(claimed))
    middle.metric("The audit shows ε ≥", f"{shown:.2f}")
    right.metric("Most these runs could show", f"{audit['power_limit']:.2f}")
    sentence = (
        f"The audit shows ε ≥ {shown:.2f} with {audit['confidence']:.0%} confidence, beside the "
        f"claimed ε = {format_epsilon(claimed)}."
    )
    if audit["epsilon_lower_bound"] > claimed:
        st.error(
            sentence + " That is more than the claim: the release leaks more than its ε says.",
            icon=":material/error:",
        )
    else:
        st.success(sentence + " The claim survived this audit.", icon=":material/verified:")
    scope = audit_scope_sentence(scenario.k, claimed)
    if scope:
        st.warning(scope, icon=":material/group:")
    if claimed < scenario.epsilon:
        st.caption(
            f"The model gets {model_budget_words(claimed, scenario.epsilon)}; this audit tests the "
            "model, not the popular-items list."
        )
    if scenario.model == "gaussian_nb":
        setting = (
            "on this setting's own training data, without and with the canary: "
            f"{audit['canary']}. It assumes an attacker who knows every other training record "
            "and the canary, and noise they cannot regenerate (the audit draws its own)"
        )
    else:
        setting = (
            f"on a tiny data set, without and with the canary ({audit['canary']}): "
            f"{MODELS[scenario.model].lower()} is refitted with diffprivlib for every run, too "
            "slow for this setting's data"
        )
    st.caption(
        f"{audit['trials_per_side']:,} independent releases a side {setting}. The attack's "
        "score and "
        f"threshold are chosen on the first half of the runs; the bound comes from the other "
        f"{audit['evaluation_trials']:,} a side ("
        + audit_rates_sentence(audit["true_positive_rate"], audit["false_positive_rate"])
        + "), with Clopper–Pearson intervals."
        + " With this many runs even a perfect attack could show "
        f"no more than ε ≥ {audit['power_limit']:.2f}. "
        f"{one_audit_words(audit['confidence'])} Method and tests: docs/audit.md."
    )

st.subheader("Membership attack on one trained model (a heuristic, not a bound)")
st.markdown(
    "An attacker sees one trained model and a person's record and guesses whether that person "
    "was in the training data (membership inference), from how confident the model is about them."
)
table = ui.progressive(
    "Attacking the model at every ε",
    [None, *LENS_EPSILONS],
    lambda epsilon: ui.attack_point(scenario, epsilon),
)
if table.empty or "model" not in table:
    st.info(
        "Nobody is left to attack: with these settings nobody is in training, or no opted-in "
        "person is held out to compare them with."
    )
    st.stop()
private = table[table["model"] == "private"]
worst = private.loc[private["auc"].idxmax()]
st.info(
    f"The strongest measured attack on the private model reaches AUC {worst['auc']:.3f} "
    f"(95% CI {worst['auc_low']:.3f}–{worst['auc_high']:.3f}; 0.5 is a coin flip) at "
    f"ε = {format_epsilon(worst['epsilon'])}, where DP caps every attack at AUC "
    f"{worst['theoretical_max_auc']:.3f}"
    + (
        f" (for one person under k-anonymity: k·ε = {format_epsilon(worst['person_epsilon'])})"
        if scenario.k > 1
        else ""
    )
    + ". The guarantee is a worst case over all attackers and "
    "all data sets; this attack on typical people is one attacker among many.",
    icon=":material/lightbulb:",
)
# A measurement whose interval reaches its cap is said and explained, never left bare.
for row in private.itertuples():
    crossing = attack_cap_sentence(
        row.auc, row.auc_low, row.auc_high, row.theoretical_max_auc, scenario.k, row.epsilon
    )
    if crossing:
        st.warning(crossing, icon=":material/info:")
ui.chart(attack_figure(table, font_size=ui.font_size()), key="attack_chart")

shown_table = pd.DataFrame(
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
        # The one guess format ('99.9+%', never a rounded-up 100.0%); no cap without privacy.
        "DP cap on the guess": [
            "none" if math.isinf(e) else guess_text(g)
            for e, g in zip(table["epsilon"], table["theoretical_max_guess"], strict=True)
        ],
        "ε estimate from this attack (heuristic)": table["epsilon_lower_bound"].map(
            "{:.2f}".format
        ),
    }
)
column_help = {
    "Attack AUC": explain("AUC"),
    "95% CI": explain("95% CI"),
    "Best guess right": "How often the attack is right at its best cut-off, on a set where half "
    "the people were in the training data (a coin flip: 50%).",
    "ε estimate from this attack (heuristic)": "A rough figure from this attack's scores: a "
    "heuristic, not a bound (see below the table).",
}
st.dataframe(
    shown_table,
    hide_index=True,
    width="stretch",
    key="attack_table",
    column_config={
        name: st.column_config.TextColumn(help=text) for name, text in column_help.items()
    },
)
n_members = int(table["n_members"].iloc[0]) if len(table) else 0
st.caption(
    "Loss-threshold attack (it guesses 'was in the training data' when the model is unusually "
    f"sure about a person) on {n_members:,} people who were in the training data and as many "
    "kept out of it. The ε estimate applies the audit's formula to these people's scores, but "
    "its trials are different people scored by one trained model, not independent runs of the "
    "mechanism on neighbouring data sets: it is a heuristic, not a bound, and is not evidence "
    "for or against the claimed ε. The privacy audit above is. Sources: below."
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
