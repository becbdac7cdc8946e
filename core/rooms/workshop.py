"""Workshop rooms: codes, facilitator keys, and the maths of the three room activities.

Pure functions only (no storage, no Streamlit): :mod:`core.store.room_store` keeps rooms and
answers; the room pages draw them (:mod:`ui.room_facilitator`, :mod:`ui.room_participant`) with the
numbers and sentences built here.

**Randomised response** (Warner 1965, in its "forced yes" coin form). Before answering a yes/no
question each participant flips a *truth coin* that lands heads with probability ``p``:

- heads: answer truthfully;
- tails: flip a fair second coin and answer "yes" on heads, "no" on tails.

So P(say yes | truly yes) = p + (1 − p)/2 = (1 + p)/2 and P(say yes | truly no) = (1 − p)/2.
With a true "yes" share π in the room, the expected "yes" share is

    λ = P(say yes) = p·π + (1 − p)/2,

which gives the unbiased estimator π̂ = (λ̂ − (1 − p)/2) / p from the observed share λ̂ (its
expectation is exactly π because it is linear in λ̂). The answer one person sends is ε-local
differentially private with

    ε = ln( P(yes | yes) / P(yes | no) ) = ln( (1 + p) / (1 − p) )

(the "no" answers give the same ratio the other way round), so the fair coin p = 1/2 gives
ε = ln 3. Whoever sees one randomised answer, starting from a 50% belief, ends at most at odds
e^ε : 1 (3 : 1, i.e. 75%, for the fair coin). The guarantee covers one answer to one question;
a person answering k such questions spends up to k·ε.

The 95% interval: the Wilson score interval for λ, mapped through the same linear map as the
estimator and clipped to [0, 1]. The map is increasing, so it keeps Wilson's coverage for π, and
clipping to the range π lives in cannot lose coverage.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from core.setting.formatting import format_epsilon, percent
from core.setting.scenario import EPSILON_STOPS, FIELDS_BY_NAME, Scenario
from core.setting.schema import CATEGORIES


class RoomError(ValueError):
    """A room action that cannot be done (bad code, expired or closed room, bad answer)."""


# -- room codes and facilitator keys -------------------------------------------------------------
# No 0/O, 1/I/L: a code read off a projector or typed on a phone cannot be misread.
ROOM_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ROOM_CODE_LENGTH = 6  # 31^6 ≈ 8.9e8 codes, shown as two groups of three: K7Q-2MF
DEFAULT_ROOM_HOURS = 24.0
MAX_ROOM_HOURS = 72.0
FACILITATOR_KEY_BYTES = 16  # 128 bits: guessing is hopeless, so a wrong key needs no lock-out
BROWSER_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,86}$")
FACILITATOR_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,86}$")


def new_room_code() -> str:
    """A fresh random room code such as ``K7Q-2MF`` (from :mod:`secrets`)."""
    letters = "".join(secrets.choice(ROOM_CODE_ALPHABET) for _ in range(ROOM_CODE_LENGTH))
    return f"{letters[:3]}-{letters[3:]}"


def normalise_room_code(text: Any) -> str:
    """Read a typed or linked room code leniently (case, spaces, dash); raise RoomError if bad."""
    if not isinstance(text, str):
        raise RoomError(f"A room code is text such as K7Q-2MF. Got {text!r} instead.")
    letters = re.sub(r"[\s\-]", "", text).upper()
    if len(letters) != ROOM_CODE_LENGTH or any(ch not in ROOM_CODE_ALPHABET for ch in letters):
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise RoomError(
            f"A room code has {ROOM_CODE_LENGTH} characters from {ROOM_CODE_ALPHABET} "
            f"(no 0, 1, I, L or O), such as K7Q-2MF. Got {shown!r} instead."
        )
    return f"{letters[:3]}-{letters[3:]}"


def new_secret() -> str:
    """A random URL-safe secret: a facilitator key or a per-browser token."""
    return secrets.token_urlsafe(FACILITATOR_KEY_BYTES)


def hash_secret(secret: str) -> str:
    """SHA-256 of a secret (keys and browser tokens are stored only hashed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: Any, stored_hash: str) -> bool:
    """Whether ``secret`` hashes to ``stored_hash``, in constant time; False for non-text."""
    if not isinstance(secret, str) or not FACILITATOR_KEY_PATTERN.match(secret):
        return False
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def check_room_hours(hours: Any) -> float:
    """Validate a room lifetime in hours: a number in (0, MAX_ROOM_HOURS]."""
    if isinstance(hours, bool) or not isinstance(hours, int | float):
        raise TypeError(
            f"The 'hours' parameter must be a number in (0, {MAX_ROOM_HOURS:g}]. "
            f"Got {hours!r} instead."
        )
    if not (math.isfinite(hours) and 0 < hours <= MAX_ROOM_HOURS):
        raise ValueError(
            f"The 'hours' parameter must be a number in (0, {MAX_ROOM_HOURS:g}]. "
            f"Got {hours!r} instead."
        )
    return float(hours)


# -- activities ----------------------------------------------------------------------------------
RANDOMISED_RESPONSE = "randomised_response"
ROOM_CONSENT = "consent"
PICK_EPSILON = "epsilon"
ACTIVITY_KINDS = {
    RANDOMISED_RESPONSE: "Randomised response: a yes/no question nobody has to answer honestly",
    ROOM_CONSENT: "The room's consent: what would you share?",
    PICK_EPSILON: "Pick your ε",
}
MAX_QUESTION_LENGTH = 200
SAMPLE_QUESTIONS = (
    "Have you ever reused a password on more than one website?",
    "Have you ever clicked 'accept all cookies' without reading?",
    "Have you ever looked up an ex on social media?",
    "Have you ever lied about your age online?",
    "Have you ever shared a streaming account password outside your household?",
)


def check_question(question: Any) -> str:
    """A yes/no question: 1 to 200 characters once whitespace is collapsed (kept verbatim)."""
    if not isinstance(question, str):
        raise RoomError(f"A question is text. Got {type(question).__name__} instead.")
    cleaned = " ".join(question.split())
    if not cleaned:
        raise RoomError("Type a yes/no question (1 to 200 characters).")
    if len(cleaned) > MAX_QUESTION_LENGTH:
        raise RoomError(
            f"The question is {len(cleaned)} characters long; at most {MAX_QUESTION_LENGTH} "
            "are allowed."
        )
    return cleaned


# -- randomised response -------------------------------------------------------------------------
@dataclass(frozen=True)
class Coin:
    """A truth coin: heads (probability ``truth_probability``) means answer truthfully."""

    name: str
    label: str
    truth_probability: float
    real_coins: str  # how to make this coin from ordinary fair coins

    @property
    def epsilon(self) -> float:
        return randomised_response_epsilon(self.truth_probability)


COINS: dict[str, Coin] = {
    coin.name: coin
    for coin in (
        Coin(
            "fair",
            "Fair coin (truth half the time)",
            0.5,
            "Flip a coin. Heads: answer truthfully. Tails: flip again and answer "
            "yes on heads, no on tails.",
        ),
        Coin(
            "cautious",
            "Cautious coin (truth a quarter of the time: more private, less accurate)",
            0.25,
            "Flip two coins. Both heads: answer truthfully. Otherwise: flip once more "
            "and answer yes on heads, no on tails.",
        ),
        Coin(
            "candid",
            "Candid coin (truth three times in four: less private, more accurate)",
            0.75,
            "Flip two coins. Unless both are tails, answer truthfully. Both tails: flip "
            "once more and answer yes on heads, no on tails.",
        ),
    )
}


def _check_truth_probability(truth_probability: Any) -> float:
    if isinstance(truth_probability, bool) or not isinstance(truth_probability, int | float):
        raise TypeError(
            "The 'truth_probability' parameter must be a number in (0, 1). "
            f"Got {truth_probability!r} instead."
        )
    if not 0 < truth_probability < 1:
        raise ValueError(
            "The 'truth_probability' parameter must be a number in (0, 1). "
            f"Got {truth_probability!r} instead."
        )
    return float(truth_probability)


def yes_probability(truth_probability: float, true_yes: bool | float) -> float:
    """P(say yes) = p·π + (1 − p)/2, for a person (π = 0 or 1) or a room's true share π."""
    p = _check_truth_probability(truth_probability)
    return p * float(true_yes) + (1 - p) / 2


def randomised_response_epsilon(truth_probability: float) -> float:
    """ε of one randomised answer: ln((1 + p) / (1 − p)); ln 3 for the fair coin p = 1/2."""
    p = _check_truth_probability(truth_probability)
    return math.log((1 + p) / (1 - p))


def posterior_odds(epsilon: float, prior: float = 0.5) -> float:
    """Largest odds of "truly yes" after seeing one ε-LDP answer, from ``prior``: e^ε·q/(1−q)."""
    if not 0 < prior < 1:
        raise ValueError(f"The 'prior' parameter must be in (0, 1). Got {prior!r} instead.")
    return math.exp(epsilon) * prior / (1 - prior)


def odds_text(odds: float) -> str:
    """Odds as words a room reads at a glance: 3.0 -> '3 : 1', 1.67 -> '5 : 3'."""
    fraction = Fraction(odds).limit_denominator(10)
    if abs(float(fraction) - odds) < 1e-6 * max(odds, 1):
        return f"{fraction.numerator} : {fraction.denominator}"
    return f"{odds:.1f} : 1"


def epsilon_text(epsilon: float) -> str:
    """ε as the room reads it: ln of the odds when they are a simple fraction ('ln 3 ≈ 1.10')."""
    fraction = Fraction(math.exp(epsilon)).limit_denominator(10)
    if abs(math.log(fraction) - epsilon) > 1e-9:
        return f"{epsilon:.2f}"
    ratio = f" {fraction.numerator}" if fraction.denominator == 1 else f"({fraction})"
    return f"ln{ratio} ≈ {epsilon:.2f}"


@dataclass(frozen=True)
class CoinOutcome:
    """One pass of the protocol on this device: the coins and the answer to send."""

    truth_heads: bool  # the truth coin (kept on the device, never sent)
    second_heads: bool | None  # the fair coin, flipped only when the truth coin was tails
    said_yes: bool  # the only thing sent to the server


def randomise(
    true_yes: bool, truth_probability: float, uniform: Callable[[], float]
) -> CoinOutcome:
    """Run the protocol once. ``uniform()`` returns a number in [0, 1) (e.g. SystemRandom)."""
    p = _check_truth_probability(truth_probability)
    if not isinstance(true_yes, bool):
        raise TypeError(f"The 'true_yes' parameter must be True or False. Got {true_yes!r}.")
    if uniform() < p:
        return CoinOutcome(True, None, true_yes)
    second = uniform() < 0.5
    return CoinOutcome(False, second, second)


@dataclass(frozen=True)
class RandomisedResponseEstimate:
    """The room's randomised answers read back into an estimate of the true "yes" share."""

    answers: int
    said_yes: int
    truth_probability: float
    yes_share: float | None  # the raw share of randomised "yes" answers
    estimate: float | None  # unbiased, may fall outside [0, 1] by chance
    low: float | None  # 95% interval (Wilson on the yes share, transformed, clipped)
    high: float | None
    epsilon: float

    @property
    def shown_estimate(self) -> float | None:
        """The estimate clipped to [0, 1] for display (a share cannot be negative)."""
        return None if self.estimate is None else min(1.0, max(0.0, self.estimate))


Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if trials <= 0:
        raise ValueError(f"The 'trials' parameter must be a positive integer. Got {trials!r}.")
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def estimate_true_share(
    said_yes: int, answers: int, truth_probability: float
) -> RandomisedResponseEstimate:
    """Unbiased estimate of the true "yes" share from ``said_yes`` of ``answers``, with 95% CI."""
    p = _check_truth_probability(truth_probability)
    if not (isinstance(answers, int) and isinstance(said_yes, int) and 0 <= said_yes <= answers):
        raise ValueError(
            "The 'said_yes' and 'answers' parameters must be integers with "
            f"0 <= said_yes <= answers. Got said_yes={said_yes!r}, answers={answers!r} instead."
        )
    epsilon = randomised_response_epsilon(p)
    if answers == 0:
        return RandomisedResponseEstimate(0, 0, p, None, None, None, None, epsilon)

    def to_true_share(yes_share: float) -> float:
        return (yes_share - (1 - p) / 2) / p

    low, high = wilson_interval(said_yes, answers)
    return RandomisedResponseEstimate(
        answers=answers,
        said_yes=said_yes,
        truth_probability=p,
        yes_share=said_yes / answers,
        estimate=to_true_share(said_yes / answers),
        low=min(1.0, max(0.0, to_true_share(low))),
        high=min(1.0, max(0.0, to_true_share(high))),
        epsilon=epsilon,
    )


def estimate_from_answers(
    answers: Iterable[Mapping], truth_probability: float
) -> RandomisedResponseEstimate:
    """The room's estimate from its randomised answers (each ``{"said_yes": bool}``)."""
    said_yes = [check_answer(RANDOMISED_RESPONSE, a)["said_yes"] for a in answers]
    return estimate_true_share(sum(said_yes), len(said_yes), truth_probability)


# -- answers, checked before they reach the store ------------------------------------------------
def check_answer(kind: str, answer: Any, truth_probability: float | None = None) -> dict:
    """Validate one participant's answer to an activity of ``kind``; return its canonical form.

    - randomised response: ``{"said_yes": bool}`` (the randomised answer only);
    - consent: ``{"share": {category: bool for the four categories}, "opt_out": bool}``;
    - pick your ε: ``{"epsilon": one of EPSILON_STOPS}``.
    """
    if not isinstance(answer, Mapping):
        raise RoomError(f"An answer is a mapping. Got {type(answer).__name__} instead.")
    if kind == RANDOMISED_RESPONSE:
        said_yes = answer.get("said_yes")
        if not isinstance(said_yes, bool) or set(answer) != {"said_yes"}:
            raise RoomError(f"A randomised answer is yes or no. Got {dict(answer)!r} instead.")
        return {"said_yes": said_yes}
    if kind == ROOM_CONSENT:
        share, opt_out = answer.get("share"), answer.get("opt_out")
        if (
            not isinstance(share, Mapping)
            or set(share) != set(CATEGORIES)
            or not all(isinstance(v, bool) for v in share.values())
            or not isinstance(opt_out, bool)
            or set(answer) != {"share", "opt_out"}
        ):
            raise RoomError(
                f"A consent answer says yes or no for each of {', '.join(CATEGORIES)} and "
                f"for opting out. Got {dict(answer)!r} instead."
            )
        return {"share": {c: share[c] for c in CATEGORIES}, "opt_out": opt_out}
    if kind == PICK_EPSILON:
        epsilon = answer.get("epsilon")
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, int | float)
            or float(epsilon) not in EPSILON_STOPS
            or set(answer) != {"epsilon"}
        ):
            raise RoomError(
                f"Pick ε from {', '.join(f'{e:g}' for e in EPSILON_STOPS)}. "
                f"Got {dict(answer)!r} instead."
            )
        return {"epsilon": float(epsilon)}
    raise RoomError(f"Unknown activity kind {kind!r}; allowed: {', '.join(ACTIVITY_KINDS)}.")


# -- activity 2: the room's consent choices as a Scenario ----------------------------------------
# The consent activity is not differential privacy, so its totals are released once, when the
# answers close, and only from this many choices. Totals updated as choices arrive would give each
# choice away (the change from one total to the next is the newest person's choice), and a total
# of one or two people is their choices.
MIN_CONSENT_CHOICES = 5


def consent_totals_shown(choices: int, revealed: bool) -> bool:
    """Whether the room's consent totals may be shown: once revealed, from MIN_CONSENT_CHOICES."""
    return bool(revealed) and choices >= MIN_CONSENT_CHOICES


def consent_withheld_text(choices: int, revealed: bool) -> str:
    """Why the consent totals are not shown (yet): one sentence for the projector and phones."""
    people = "1 person" if choices == 1 else f"{choices} people"
    if not revealed:
        return (
            f"{people} sent choices so far. The room's totals appear when the answers close, if "
            f"at least {MIN_CONSENT_CHOICES} people sent choices: totals that changed as each "
            "choice arrived would show that choice."
        )
    return (
        f"Only {people} sent choices, fewer than {MIN_CONSENT_CHOICES}: the room's totals are "
        "not shown, because totals of so few would show people's own choices."
    )


def consent_shares(answers: Iterable[Mapping]) -> dict[str, float] | None:
    """Share of the room sharing each category, and share opting out; None with no answers.

    Each category's share counts everyone who answered (opted out or not), as the Scenario's
    consent rates and opt-out rate are separate knobs applied to everyone.
    """
    answers = [check_answer(ROOM_CONSENT, a) for a in answers]
    if not answers:
        return None
    shares = {
        f"consent_{c}": sum(a["share"][c] for a in answers) / len(answers) for c in CATEGORIES
    }
    shares["opt_out"] = sum(a["opt_out"] for a in answers) / len(answers)
    return shares


def room_scenario(answers: Iterable[Mapping], base: Scenario | None = None) -> Scenario | None:
    """``base`` (default Scenario) with the room's consent and opt-out shares; None if empty.

    The Scenario validates every field itself, so a room can never produce an invalid one.
    """
    shares = consent_shares(answers)
    if shares is None:
        return None
    base = base or Scenario()
    # Rates as the sliders show them (whole percent), so the explorer link reads cleanly.
    rounded = {name: round(value, 2) for name, value in shares.items()}
    for name in rounded:
        FIELDS_BY_NAME[name].check(rounded[name])
    return base.replace(**rounded)


# -- activity 3: everyone's ε --------------------------------------------------------------------
@dataclass(frozen=True)
class EpsilonChoices:
    """How many participants picked each ε stop, and the room's median choice."""

    counts: dict[float, int]
    median: float | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def most_private(self) -> float | None:
        """The smallest ε anybody picked; None with no picks."""
        return min((epsilon for epsilon, n in self.counts.items() if n), default=None)


def epsilon_choices(answers: Iterable[Mapping]) -> EpsilonChoices:
    """Count the room's ε picks per stop (every stop listed, zeros included) and their median."""
    picks = sorted(check_answer(PICK_EPSILON, a)["epsilon"] for a in answers)
    tally = Counter(picks)
    counts = {stop: tally.get(stop, 0) for stop in EPSILON_STOPS}
    # The lower median: an ε somebody actually picked, never an average of two stops.
    median = picks[(len(picks) - 1) // 2] if picks else None
    return EpsilonChoices(counts, median)


# -- what the room pages say ---------------------------------------------------------------------
# The projector's and the phones' numbers and sentences, so the pages only lay them out. A
# headline is (label, value, note, explanation): the row ``ui.headline_numbers`` draws.
Headline = tuple[str, str, str, str]


def count_text(number: int, noun: str) -> str:
    """A count and its noun, plural unless exactly one: '1 answer', '3 answers'."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


def closed_room_text(code: str, deleted: int) -> str:
    """What the facilitator reads after closing room ``code`` and deleting ``deleted`` answers."""
    return f"Room {code} closed; {count_text(deleted, 'answer')} deleted."


def coin_choice_text(coin: Coin) -> str:
    """A coin as the facilitator picks it: its label and the ε of one answer."""
    return f"{coin.label}: ε = {epsilon_text(coin.epsilon)}"


# What a phone's server learns, said on every activity of the participants' page. The token is a
# random value the browser keeps (ui.room.remember_browser); the store keeps its SHA-256 only.
SERVER_SEES = (
    "**What the server sees:** only the answer you send, and a random token kept by this "
    "browser. The token stops double votes; it also links your answers to the activities of "
    "this room (not to other rooms), so the server could tell that the same unnamed browser "
    "gave them. The app stores no name and no IP address. Closing the room deletes the answers."
)


def coin_instructions_text(coin: Coin) -> str:
    """What a phone reads before a randomised-response answer (Markdown): which coin to flip.

    The page's coin is flipped in the browser and never sent: only the resulting yes/no is.
    """
    return (
        f"**Before you answer:** {coin.real_coins} Use a real coin, or this page's coin, which is "
        "flipped in your browser and never sent."
    )


def randomised_response_server_text(coin: Coin) -> str:
    """The projector's note under the randomised-response chart: what the server received."""
    return (
        "The server received only the randomised yes/no of each phone, never a coin. "
        f"Coin: {coin.real_coins}"
    )


def consent_not_private_text() -> str:
    """The phone's note under the consent choices (Markdown): not DP, and what protects them."""
    return (
        "This activity is not randomised and not differentially private: your choices are "
        "stored as you send them. The projector shows only the room's totals, once, when the "
        f"answers close, and only if at least {MIN_CONSENT_CHOICES} people sent choices (a "
        "total of a few people can still give someone away). " + SERVER_SEES
    )


# The projector's note under the room's consent result: totals of declared choices, not DP; the
# accuracy bars still carry the model's noise.
CONSENT_PROJECTOR_NOTE = (
    "Not differential privacy: an aggregate of the choices each phone declared, shown to "
    "the room. Bars: ±1 standard deviation over noise draws."
)


def projector_status_text(code: str, answers: int, revealed: bool, refresh_s: float) -> str:
    """The projector's status line: room, answers so far, and whether they are still open.

    ``refresh_s`` is how often (seconds) the open view rereads the room. The load test reads the
    count from this line (scripts/load/room_scenario.py).
    """
    state = "revealed" if revealed else f"answers open · updates every {refresh_s:g} s"
    return f"Room {code} · {count_text(answers, 'answer')} · {state}"


def randomised_response_headlines(
    result: RandomisedResponseEstimate, coin: Coin, revealed: bool
) -> list[Headline]:
    """The projector's numbers for a randomised-response question: the estimate, the raw yes
    share and ε per answer; once revealed, also how sure anyone can be about one person."""
    interval = "—" if result.low is None else f"95% interval {result.low:.0%}–{result.high:.0%}"
    items = [
        (
            "Truly yes (estimate)",
            percent(result.shown_estimate),
            interval,
            "Unbiased estimate: (share of yes − (1 − p)/2) / p, with p the chance the coin says "
            "'tell the truth'. Interval: Wilson's 95% interval of the yes share, mapped the same "
            "way and clipped to 0–100%.",
        ),
        (
            "Said yes after the coin",
            percent(result.yes_share),
            count_text(result.answers, "answer"),
            "The raw share of 'yes' the server received. The coin adds yes and no at random.",
        ),
        (
            "ε per answer",
            epsilon_text(result.epsilon).split(" ≈ ")[0],
            f"≈ {result.epsilon:.2f} · {coin.label.split(' (')[0].lower()}",
            "ln(P(yes | truly yes) / P(yes | truly no)) for this coin: local differential "
            "privacy of one answer to this one question.",
        ),
    ]
    if revealed:
        odds = posterior_odds(result.epsilon)
        items.append(
            (
                "How sure about one person?",
                odds_text(odds),
                f"at most {odds / (1 + odds):.0%}, from an even guess",
                "Seeing one person's answer moves even odds (1 : 1) about their true answer at "
                "most to e^ε : 1.",
            )
        )
    return items


def randomised_response_odds_text(coin: Coin) -> str:
    """What a phone says before answering with ``coin``: nobody can be sure of one answer."""
    odds = posterior_odds(coin.epsilon)
    return (
        f"Nobody can know your true answer: a 'yes' from you is {odds:.3g} times as likely if "
        f"your true answer is yes as if it is no, so from an even guess anyone can be at most "
        f"{odds_text(odds)} sure of your true answer "
        f"(ε = {epsilon_text(coin.epsilon)} for this one question). The server never sees a "
        "coin."
    )


def randomised_response_result_text(result: RandomisedResponseEstimate) -> str:
    """The revealed result as a phone shows it (Markdown); needs at least one answer."""
    if result.answers == 0:
        raise ValueError("The 'result' parameter must count at least one answer. Got 0 instead.")
    odds = posterior_odds(result.epsilon)
    return (
        f"95% interval: **{result.low:.0%} to {result.high:.0%}**, from "
        f"{count_text(result.answers, 'answer')}, of which {result.yes_share:.0%} said yes "
        "after the coin.\n\n"
        f"How sure could anyone be about one person's answer? At most **{odds_text(odds)}** "
        f"({odds / (1 + odds):.0%}), starting from an even guess: "
        f"ε = {epsilon_text(result.epsilon)}."
    )


def consent_headlines(
    result: Mapping, everyone: Mapping, shares: Mapping[str, float], epsilon: float
) -> list[Headline]:
    """The projector's numbers for the room's consent choices.

    ``result`` and ``everyone`` are evaluations (accuracy, its spread over noise draws, share
    of data collected, per segment) of the room's Scenario and of the same ε with everyone
    sharing everything; ``shares`` is :func:`consent_shares`.
    """
    return [
        (
            "The room's choices",
            percent(result["accuracy"]),
            f"± {100 * result['accuracy_std']:.1f} pp · "
            f"{result['data_collected_share']:.0%} of the data collected",
            "Right first suggestions for everyone, with the room's consent and opt-out "
            "shares applied to the synthetic shoppers; ± is the spread over noise draws. "
            "Data collected: share of person × category cells the platform holds.",
        ),
        (
            "Everyone shares all",
            percent(everyone["accuracy"]),
            f"same ε = {format_epsilon(epsilon)}, nobody opts out",
            "",
        ),
        (
            "Opted out get",
            percent(result["segments"]["opted_out"]["accuracy"]),
            f"popular items · {shares['opt_out']:.0%} of the room",
            "People who opt out get the differentially private popular-items list.",
        ),
    ]


def consent_totals_text(shares: Mapping[str, float], category_labels: Mapping[str, str]) -> str:
    """The room's consent totals as a phone lists them (Markdown): each category, then opt-out."""
    lines = [f"- {category_labels[c]}: **{shares[f'consent_{c}']:.0%}**" for c in CATEGORIES]
    lines.append(f"- Opt out entirely: **{shares['opt_out']:.0%}**")
    return "#### What the room would share\n" + "\n".join(lines)


def epsilon_headlines(choices: EpsilonChoices) -> list[Headline]:
    """The projector's numbers for the room's ε picks: how many, the median, the smallest."""
    median, most_private = choices.median, choices.most_private
    return [
        ("Picks", str(choices.total), "from the room", ""),
        (
            "Median ε",
            "—" if median is None else format_epsilon(median),
            ""
            if median is None
            else f"odds about you grow at most {odds_text(posterior_odds(median))}",
            "",
        ),
        (
            "Most private pick",
            "—" if most_private is None else format_epsilon(most_private),
            "",
            "",
        ),
    ]
