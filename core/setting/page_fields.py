"""Settings of one page that belong in a link: a small table in the style of the Scenario's.

The Scenario (:mod:`core.setting.scenario`) holds what every page shares. A few pages also have a
setting of their own: the accuracy target, the persona and what they share, the Who pays view. They
round-trip through the URL like the Scenario's fields: the page writes its fields into the URL on
every run, and a session's first run reads them leniently (a bad value falls back to the page's
default, with a notice naming the field, what is allowed and what was given). Widget keys are
the field names, as for the Scenario.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.setting.schema import CATEGORIES

NONE_WORD = "none"  # an empty list in a URL (an empty value would look like a missing one)
MAX_TEXT = 80  # a persona name from a link: longer text is refused before any lookup


@dataclass(frozen=True)
class PageField:
    """One row of the page-field table.

    ``kind`` is ``float`` (a number in [minimum, maximum]), ``str`` (one of ``choices``) or
    ``tuple`` (any number of ``choices``, written comma-separated). A field whose choices depend
    on the data (the personas of an upload) has none here; the caller passes them.
    """

    name: str  # URL parameter and widget key
    page: str  # the page script that draws it
    kind: type
    widget: str  # slider, radio, selectbox or multiselect
    label: str
    help: str
    default_words: str  # the page's default, which may be computed from the data, in words
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()

    def describe_range(self, choices: tuple[str, ...] | None = None) -> str:
        choices = self.choices if choices is None else choices
        if self.kind is float:
            return f"a number in [{self.minimum:g}, {self.maximum:g}]"
        listed = ", ".join(choices)
        if self.kind is tuple:
            return f"a comma-separated list of {listed} (or {NONE_WORD})"
        return f"one of {listed}"

    def check(self, value: Any, choices: tuple[str, ...] | None = None) -> Any:
        """Validate one value; TypeError/ValueError naming the field, the range and the value."""
        choices = self.choices if choices is None else choices
        if self.kind is float:
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(self._message(value, choices))
            number = float(value)
            if not (math.isfinite(number) and self.minimum <= number <= self.maximum):
                raise ValueError(self._message(value, choices))
            return number
        if self.kind is tuple:
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise TypeError(self._message(value, choices))
            if len(set(value)) != len(value) or not set(value) <= set(choices):
                raise ValueError(self._message(value, choices))
            return tuple(value)
        if not isinstance(value, str):
            raise TypeError(self._message(value, choices))
        if value not in choices:
            raise ValueError(self._message(value, choices))
        return value

    def parse(self, text: str, choices: tuple[str, ...] | None = None) -> Any:
        """Parse the URL form (see :meth:`format`); ValueError naming the field if it is bad."""
        if not isinstance(text, str):
            raise TypeError(self._message(text, choices))
        stripped = text.strip()
        if len(stripped) > MAX_TEXT and self.kind is not tuple:
            raise ValueError(self._message(text, choices))
        if self.kind is float:
            try:
                if not stripped.isascii() or "_" in stripped:
                    raise ValueError
                number = float(stripped)
            except ValueError:
                raise ValueError(self._message(text, choices)) from None
            return self.check(number, choices)
        if self.kind is tuple:
            if stripped.lower() == NONE_WORD:
                return ()
            return self.check(tuple(part.strip() for part in stripped.split(",")), choices)
        return self.check(stripped, choices)

    def format(self, value: Any) -> str:
        """The URL form: shortest float text, a name, or a comma-separated list ('none': empty)."""
        if self.kind is float:
            text = repr(float(value))
            return text[:-2] if text.endswith(".0") else text
        if self.kind is tuple:
            return ",".join(value) or NONE_WORD
        return str(value)

    def _message(self, value: Any, choices: tuple[str, ...] | None) -> str:
        return (
            f"The '{self.name}' parameter must be {self.describe_range(choices)}. "
            f"Got {value!r} instead."
        )


PAGE_FIELDS: tuple[PageField, ...] = (
    PageField(
        "accuracy_target",
        "pages/1_Accuracy_target.py",
        float,
        "slider",
        "I need at least this share of right first suggestions",
        "The accuracy your service needs: the page finds the smallest ε that delivers it.",
        "halfway between popular items for everyone and the model without privacy",
        minimum=0.05,
        maximum=0.95,
        step=0.01,
    ),
    PageField(
        "who_pays_view",
        "pages/2_Who_pays.py",
        str,
        "radio",
        "Compare",
        "Segments: majority tastes vs a minority with distinct tastes (built-in data), or the "
        "values of your data's group column. Age bands: by true age.",
        "segments",
        choices=("segments", "age_bands"),
    ),
    PageField(
        "persona",
        "pages/8_Persona.py",
        str,
        "selectbox",
        "Person",
        "One synthetic person (or, on an upload, one row of your data) to look at up close.",
        "the first person",
    ),
    PageField(
        "persona_shares",
        "pages/8_Persona.py",
        tuple,
        "multiselect",
        "What this person shares",
        "Each category is collected only with consent.",
        "what the person shares in their description",
        choices=CATEGORIES,
    ),
)
PAGE_FIELDS_BY_NAME: dict[str, PageField] = {f.name: f for f in PAGE_FIELDS}


def page_fields(page: str) -> tuple[PageField, ...]:
    """The fields page script ``page`` draws (may be empty)."""
    return tuple(f for f in PAGE_FIELDS if f.page == page)


def parse_page_params(
    params: Mapping[str, Any], choices: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Read the page fields a URL carries, leniently; other parameters are not ours to judge.

    ``choices`` gives the choices of fields that depend on the data (``persona``). Returns the
    values that could be read and one notice per value that could not, naming the field, what
    is allowed, what was given and the default used instead.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name, raw in params.items():
        spec = PAGE_FIELDS_BY_NAME.get(name)
        if spec is None:
            continue
        text = raw[-1] if isinstance(raw, list | tuple) and raw else raw
        allowed = (choices or {}).get(name)
        try:
            values[name] = spec.parse(str(text), allowed)
        except (TypeError, ValueError):
            shown = str(text) if len(str(text)) <= 40 else str(text)[:37] + "..."
            notices.append(
                f"Ignored {name}={shown!r}: it must be {spec.describe_range(allowed)}. "
                f"Using the default ({spec.default_words})."
            )
    return values, notices
