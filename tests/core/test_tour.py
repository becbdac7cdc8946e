"""Tour answers: computed, and in the terms of their question."""

from core.presentation.tour import answer, load_steps


def test_attack_answer_says_how_often_right_like_its_question():
    """The question asks 'right 99% of the time': the answer gives the attack's share right."""
    step = next(s for s in load_steps() if s.key == "attack")
    result = {
        "max_membership_guess": 0.9933,
        "membership_attack": {
            "private": {"auc": 0.501, "auc_low": 0.48, "auc_high": 0.52, "guess_accuracy": 0.512}
        },
    }
    text = answer(step, lambda scenario: result)
    assert "right 99% of the time" in step.question
    assert text.startswith("The guarantee allows at most 99%.")
    assert "is right 51% of the time" in text and "coin flip gets 50%" in text
