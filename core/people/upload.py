"""Your own data: read an uploaded CSV of profiles safely and map it onto the engine's roles.

Two steps, each raising :class:`UploadError` with a message that names the problem and where it
is (row, column) and says what is allowed:

1. :func:`read_table` turns the uploaded bytes into a table of strings: size limit, binary files,
   encodings (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else Latin-1 with a note), delimiter
   (``,`` ``;`` tab ``|``, detected), duplicated or empty headers, ragged rows.
2. :func:`build_dataset` applies a :class:`Mapping` the user declared in a form: each column's
   role (feature with its data category, quasi-identifier, label, fairness group, ignored), and
   for features their **public** bounds or value lists. Bounds are never computed from the
   uploaded data: differential privacy calibrates its noise to them, and bounds taken from the
   data would let one person's extreme value move the noise, which is itself a leak. Values
   outside the declared bounds are clipped and counted; empty/NaN cells and values outside a
   declared list become "not collected" for that person; rows without a declared label are
   dropped and counted.

Nothing here writes to disk: the parsed table lives in the caller's session.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from core.people.anonymity import MAX_QUASI_IDENTIFIERS
from core.people.dataset import Dataset
from core.people.person_keys import content_keys
from core.people.population import MAX_PROFILES, Population, describe, generate_profiles
from core.setting.schema import CATEGORIES, Schema, load_schema, schema_from_dict

MAX_UPLOAD_MB = 20  # the same limit as server.maxUploadSize in .streamlit/config.toml
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MIN_ROWS = 50
MAX_ROWS = MAX_PROFILES  # the same limit as the "Number of people" slider
# The mapping form has one row per column and guessing each column's type reads all its cells:
# 10,000 columns took ~60 s to draft (and froze the browser tab). 500 columns draft in about a
# second and leave room for the ignored columns of a database export.
MAX_COLUMNS = 500
# Every cell becomes a Python string while the file is read (~60 bytes each): 10 million cells
# is about 0.6-0.9 GB for a moment. A 20 MB file of empty cells (",,,") could hold 20 million.
MAX_CELLS = 10_000_000
MAX_MODEL_COLUMNS = 200
MAX_CATEGORY_VALUES = 50
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
MISSING_WORDS = {"", "nan", "na", "n/a", "null", "none"}
INFINITE_WORDS = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
ROLES = ("feature", "quasi-identifier", "label", "group", "ignore")
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive or an Excel workbook (.xlsx)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"SQLite format 3": "an SQLite database",
}
_SHOWN_ROWS = 5  # rows named in a message before "and N more"


class UploadError(ValueError):
    """A file or mapping the app cannot use; the message says what and where."""


def _rows_text(rows: np.ndarray) -> str:
    """'rows 3, 8 and 12' or 'rows 3, 8, 12, 20, 31 and 7 more' (file row numbers)."""
    rows = [int(r) for r in rows]
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:_SHOWN_ROWS])
    if len(rows) > _SHOWN_ROWS:
        return f"rows {shown} and {len(rows) - _SHOWN_ROWS} more"
    head, last = shown.rsplit(", ", 1)
    return f"rows {head} and {last}"


# -- step 1: bytes -> table of strings -----------------------------------------------------------


@dataclass(frozen=True)
class RawTable:
    """An uploaded CSV as strings: header, one row per person, and how it was read."""

    frame: pd.DataFrame  # every cell a stripped string
    encoding: str
    delimiter: str
    notes: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.frame.columns)


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """Text, encoding name and notes. UTF-8 first; Latin-1 only as a noted fallback."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 with BOM", []
        except UnicodeDecodeError:
            data = data[3:]  # a BOM, then not UTF-8 after all: fall through to Latin-1
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16", ["The file is UTF-16; it was read as such."]
        except UnicodeDecodeError:
            raise UploadError(
                "The file starts like UTF-16 text but is not valid UTF-16. Save it as UTF-8 CSV."
            ) from None
    try:
        return data.decode("utf-8"), "UTF-8", []
    except UnicodeDecodeError as error:
        position = error.start
    line = data[:position].count(b"\n") + 1
    # Latin-1 maps every byte to a character, so it always decodes; say so, since accented
    # letters may then be wrong if the file was in another code page.
    return (
        data.decode("latin-1"),
        "Latin-1",
        [
            f"The file is not UTF-8 (first non-UTF-8 byte on line {line}); it was read as "
            "Latin-1 (ISO-8859-1). Check that accented letters look right below, or save the "
            "file as UTF-8 and upload it again."
        ],
    )


def _check_binary(data: bytes) -> None:
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise UploadError(
                f"This file is {kind}, not a CSV text file (even if its name ends in .csv). "
                "Export the sheet as CSV (comma-separated, UTF-8) and upload that."
            )
    head = data[:65536]
    # UTF-16 text has many NULs by design; any other text file has none.
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadError(
            "This file contains binary data (NUL bytes), so it is not a CSV text file. "
            "Export your data as CSV (comma-separated, UTF-8) and upload that."
        )


def _pick_delimiter(text: str) -> str:
    """The allowed delimiter that splits the first lines into the most, equal, fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    best, best_fields = ",", 1
    for delimiter in DELIMITERS:
        fields = [len(next(csv.reader([line], delimiter=delimiter))) for line in lines]
        if fields and min(fields) == max(fields) and fields[0] > best_fields:
            best, best_fields = delimiter, fields[0]
    return best


def _read_rows(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and numbered non-blank rows; every limit is checked as soon as it is crossed.

    The header's width is checked before any row is read, and the row and cell limits while
    reading, so a file far over a limit is refused in the time it takes to reach the limit.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    body: list[tuple[int, list[str]]] = []
    max_rows = MAX_ROWS
    try:
        for number, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [name.strip() for name in row]
                _check_header(header)
                max_rows = min(MAX_ROWS, MAX_CELLS // len(header))
                continue
            if len(row) != len(header):
                raise UploadError(
                    f"Row {number} has {len(row)} fields but the header has {len(header)}. "
                    f"Check the separator ({DELIMITERS[delimiter]} detected) and quoting on "
                    "that line."
                )
            body.append((number, row))
            if len(body) > max_rows:
                _too_many_rows(len(header))
    except csv.Error as error:
        raise UploadError(f"The file is not valid CSV: {error}.") from None
    if header is None:
        raise UploadError("The file holds no values, only separators and blank lines.")
    if not body:
        raise UploadError(
            f"The file has a header ({len(header)} columns) but no rows of data. "
            "Add one row per person."
        )
    return header, body


def _check_header(header: list[str]) -> None:
    if len(header) < 2:
        others = [name for d, name in DELIMITERS.items() if d in header[0]]
        hint = f" It contains {others[0]}: is that the separator?" if others else ""
        raise UploadError(
            f"Only one column was found in the header ({header[0][:60]!r}).{hint} The file "
            "needs at least two columns (features and a label), separated by commas, "
            "semicolons, tabs or vertical bars."
        )
    if len(header) > MAX_COLUMNS:
        raise UploadError(
            f"The file has {len(header):,} columns; the limit is {MAX_COLUMNS:,}. Keep the "
            "columns you want to use (features, quasi-identifiers, the label, a group) and "
            "upload that."
        )
    for position, name in enumerate(header, start=1):
        if not name:
            raise UploadError(f"Column {position} has an empty name in the header row.")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise UploadError(
                f"The column name {name!r} appears twice in the header (columns {seen[name]} "
                f"and {position}). Column names must be unique: rename one of them."
            )
        seen[name] = position


def _too_many_rows(columns: int) -> None:
    """Refuse a file over the row limit, or over the cell limit at its width."""
    if MAX_ROWS * columns <= MAX_CELLS:
        raise UploadError(
            f"The file has more than {MAX_ROWS:,} rows of data; the limit is {MAX_ROWS:,} "
            "people. Upload a sample of the rows."
        )
    rows = MAX_CELLS // columns
    raise UploadError(
        f"The file has more than {rows:,} rows of {columns} columns, over "
        f"{MAX_CELLS:,} cells (rows × columns); the limit is {MAX_CELLS:,} cells, so at "
        f"{columns} columns at most {rows:,} rows. Upload fewer rows or fewer columns."
    )


def read_table(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> RawTable:
    """Parse uploaded bytes into a table of strings, or raise :class:`UploadError`."""
    if len(data) == 0:
        raise UploadError("The file is empty (0 bytes). Upload a CSV with a header row and rows.")
    if len(data) > max_bytes:
        raise UploadError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{max_bytes / 1024 / 1024:g} MB. Upload a sample of the rows."
        )
    _check_binary(data)
    text, encoding, notes = _decode(data)
    if "\x00" in text:
        raise UploadError("This file contains NUL characters, so it is not a CSV text file.")
    if not text.strip():
        raise UploadError("The file holds only blank lines. Upload a CSV with a header and rows.")
    delimiter = _pick_delimiter(text)
    header, body = _read_rows(text, delimiter)
    frame = pd.DataFrame([[cell.strip() for cell in row] for _, row in body], columns=header)
    frame.index = [number for number, _ in body]  # file row numbers, for messages
    if encoding == "UTF-8 with BOM":
        notes.append("The file starts with a UTF-8 byte-order mark (BOM); it was removed.")
    if delimiter != ",":
        notes.append(f"The columns are separated by {DELIMITERS[delimiter]}.")
    return RawTable(frame=frame, encoding=encoding, delimiter=delimiter, notes=tuple(notes))


# -- step 2: the user's mapping -> a Dataset ------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """What one uploaded column is, as the user declared it."""

    column: str
    role: str = "feature"  # one of ROLES
    category: str = "demographics"  # data category of a feature
    type: str = "numeric"  # numeric or categorical (features and groups)
    lower: float | None = None  # public bounds of a numeric feature
    upper: float | None = None
    values: tuple[str, ...] = ()  # public value list of a categorical feature, or the classes


@dataclass(frozen=True)
class Mapping:
    columns: tuple[ColumnMapping, ...] = field(default_factory=tuple)

    def to_json(self) -> str:
        return json.dumps({"columns": [asdict(c) for c in self.columns]}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        """A saved mapping; raises UploadError if it is not one."""
        try:
            raw = json.loads(text)
            columns = tuple(
                ColumnMapping(
                    column=str(entry["column"]),
                    role=str(entry.get("role", "feature")),
                    category=str(entry.get("category", "demographics")),
                    type=str(entry.get("type", "numeric")),
                    lower=None if entry.get("lower") is None else float(entry["lower"]),
                    upper=None if entry.get("upper") is None else float(entry["upper"]),
                    values=tuple(str(v) for v in entry.get("values", ())),
                )
                for entry in raw["columns"]
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise UploadError(f"This is not a saved column mapping ({error}).") from None
        return cls(columns)

    def by_role(self, *roles: str) -> tuple[ColumnMapping, ...]:
        return tuple(c for c in self.columns if c.role in roles)


def split_values(text: str) -> tuple[str, ...]:
    """'a, b ,c' -> ('a', 'b', 'c'): a value list typed in the form (duplicates removed)."""
    return tuple(dict.fromkeys(part.strip() for part in str(text).split(",") if part.strip()))


def nice_bands(lower: float, upper: float) -> tuple[float, ...]:
    """Band widths for a numeric quasi-identifier: about 20, 10, 5 and 2 bands of 1-2-5 sizes."""
    span = upper - lower
    widths = []
    for count in (20, 10, 5, 2):
        raw = span / count
        magnitude = 10 ** math.floor(math.log10(raw))
        width = min((m * magnitude for m in (1, 2, 5, 10)), key=lambda w: abs(math.log(w / raw)))
        widths.append(float(width))
    return tuple(sorted(set(widths)))


def _check_mapping(table: RawTable, mapping: Mapping) -> None:
    unknown = [c.column for c in mapping.columns if c.column not in table.columns]
    if unknown:
        raise UploadError(f"The mapping names columns the file does not have: {unknown}.")
    for c in mapping.columns:
        if c.role not in ROLES:
            raise UploadError(f"Column {c.column!r}: role {c.role!r}; allowed roles are {ROLES}.")
        if c.role in ("feature", "quasi-identifier") and c.category not in CATEGORIES:
            raise UploadError(
                f"Column {c.column!r}: data category {c.category!r}; allowed: {CATEGORIES}."
            )
        if c.type not in ("numeric", "categorical"):
            raise UploadError(f"Column {c.column!r}: type must be numeric or categorical.")
    labels = mapping.by_role("label")
    if len(labels) != 1:
        raise UploadError(
            f"Choose exactly one label column (what to recommend); {len(labels)} chosen."
        )
    if len(labels[0].values) < 2:
        raise UploadError(
            f"The label column {labels[0].column!r} needs a public list of at least 2 classes."
        )
    if len(mapping.by_role("group")) > 1:
        raise UploadError("Choose at most one group column for the fairness view.")
    features = mapping.by_role("feature", "quasi-identifier")
    if not features:
        raise UploadError("Choose at least one feature column for the recommender to learn from.")
    if len(mapping.by_role("quasi-identifier")) > MAX_QUASI_IDENTIFIERS:
        raise UploadError(
            f"{len(mapping.by_role('quasi-identifier'))} quasi-identifiers chosen; at most "
            f"{MAX_QUASI_IDENTIFIERS} keep the k-anonymity search exact and fast."
        )
    n_columns = 0
    for c in (*features, *mapping.by_role("group")):
        if c.type == "numeric" and c.role != "group":
            if c.lower is None or c.upper is None:
                raise UploadError(
                    f"Column {c.column!r}: give its public lower and upper bounds (for example "
                    "a legal range or a catalogue limit). They are never taken from the file."
                )
            if not (math.isfinite(c.lower) and math.isfinite(c.upper) and c.lower < c.upper):
                raise UploadError(
                    f"Column {c.column!r}: the bounds must be finite numbers with lower < upper "
                    f"(got {c.lower} and {c.upper})."
                )
            n_columns += 1
        else:
            if not c.values:
                raise UploadError(f"Column {c.column!r}: give its public list of values.")
            if len(c.values) > MAX_CATEGORY_VALUES:
                raise UploadError(
                    f"Column {c.column!r}: {len(c.values)} values; at most "
                    f"{MAX_CATEGORY_VALUES} (group rare ones, or map it as numeric)."
                )
            n_columns += len(c.values) if c.role != "group" else 0
    if n_columns > MAX_MODEL_COLUMNS:
        raise UploadError(
            f"The mapping makes {n_columns} model columns; at most {MAX_MODEL_COLUMNS}."
        )


def _numeric(table: RawTable, c: ColumnMapping, notes: list[str]) -> np.ndarray:
    cells = table.frame[c.column]
    lowered = cells.str.lower()
    missing = lowered.isin(MISSING_WORDS).to_numpy()
    infinite = lowered.isin(INFINITE_WORDS).to_numpy()
    if infinite.any():
        raise UploadError(
            f"Column {c.column!r} holds infinite values ({cells[infinite].iloc[0]!r}) at "
            f"{_rows_text(table.frame.index[infinite])}. Use finite numbers, or leave the cell "
            "empty if the value is unknown."
        )
    values = pd.to_numeric(cells.where(~missing), errors="coerce").to_numpy(dtype=float)
    overflow = np.isinf(values)  # e.g. 1e400: a number too large to hold
    if overflow.any():
        raise UploadError(
            f"Column {c.column!r} holds numbers too large to hold ({cells[overflow].iloc[0]!r}) "
            f"at {_rows_text(table.frame.index[overflow])}. Use finite numbers."
        )
    text = np.isnan(values) & ~missing
    if text.any():
        raise UploadError(
            f"Column {c.column!r} is mapped as numeric but holds text "
            f"({cells[text].iloc[0][:40]!r}) at {_rows_text(table.frame.index[text])}. "
            "Use numbers with a dot as decimal mark, or map the column as categorical."
        )
    outside = ~np.isnan(values) & ((values < c.lower) | (values > c.upper))
    if outside.any():
        notes.append(
            f"Column {c.column!r}: {int(outside.sum())} values outside the declared bounds "
            f"[{c.lower:g}, {c.upper:g}] were clipped to them "
            f"({_rows_text(table.frame.index[outside])})."
        )
    if missing.any():
        notes.append(
            f"Column {c.column!r}: {int(missing.sum())} empty or NaN cells are treated as not "
            f"collected for those people ({_rows_text(table.frame.index[missing])})."
        )
    return np.clip(values, c.lower, c.upper)


def _codes(table: RawTable, c: ColumnMapping, notes: list[str], what: str) -> np.ndarray:
    """Index into ``c.values`` per row; -1 where empty or not in the declared list."""
    cells = table.frame[c.column]
    lookup = {value: index for index, value in enumerate(c.values)}
    codes = cells.map(lookup).fillna(-1).to_numpy(dtype=np.int64)
    empty = cells.str.lower().isin(MISSING_WORDS).to_numpy()
    undeclared = (codes < 0) & ~empty
    if undeclared.any():
        examples = sorted(set(cells[undeclared]))[:3]
        notes.append(
            f"Column {c.column!r}: {int(undeclared.sum())} values not in the declared list "
            f"(e.g. {', '.join(repr(e[:30]) for e in examples)}) {what} "
            f"({_rows_text(table.frame.index[undeclared])})."
        )
    if empty.any():
        notes.append(
            f"Column {c.column!r}: {int(empty.sum())} empty cells {what} "
            f"({_rows_text(table.frame.index[empty])})."
        )
    return codes


def fingerprint(table: RawTable, mapping: Mapping) -> str:
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(table.frame, index=True).to_numpy().tobytes())
    digest.update(mapping.to_json().encode())
    return "upload-" + digest.hexdigest()[:24]


def mapped_schema(mapping: Mapping) -> Schema:
    """The public schema the mapping declares (the built-in category texts, generic labels)."""
    features = []
    for c in mapping.by_role("feature", "quasi-identifier"):
        entry = {
            "name": c.column,
            "label": c.column,
            "category": c.category,
            "type": c.type,
            "quasi_identifier": c.role == "quasi-identifier",
        }
        if c.type == "numeric":
            entry.update(lower=c.lower, upper=c.upper)
            if c.role == "quasi-identifier":
                entry["bands"] = list(nice_bands(c.lower, c.upper))
        else:
            entry["values"] = list(c.values)
        features.append(entry)
    label = mapping.by_role("label")[0]
    category_info = {
        category: {
            **load_schema().category_info[category],
            "plain": ", ".join(f["name"] for f in features if f["category"] == category)
            or "nothing in this file",
        }
        for category in CATEGORIES
    }
    return schema_from_dict(
        {"label": {"values": list(label.values)}, "categories": category_info, "features": features}
    )


def build_dataset(table: RawTable, mapping: Mapping, name: str = "Your data") -> Dataset:
    """The Dataset the mapping makes of the table, or raise :class:`UploadError`."""
    _check_mapping(table, mapping)
    schema = mapped_schema(mapping)
    notes = list(table.notes)
    label_mapping = mapping.by_role("label")[0]
    label = _codes(table, label_mapping, notes, "have no label: those rows were dropped")
    keep = label >= 0
    if keep.sum() < MIN_ROWS:
        raise UploadError(
            f"Only {int(keep.sum())} rows have a label in the declared class list; at least "
            f"{MIN_ROWS} are needed to train and test a recommender."
        )
    present = np.unique(label[keep])
    if len(present) < 2:
        raise UploadError(
            f"The label column {label_mapping.column!r} has only one class in the file "
            f"({label_mapping.values[present[0]]!r}); a recommender needs people with at least "
            "2 different classes."
        )
    columns = {}
    for c in mapping.by_role("feature", "quasi-identifier"):
        if c.type == "numeric":
            columns[c.column] = _numeric(table, c, notes)
        else:
            columns[c.column] = _codes(
                table, c, notes, "are treated as not collected for those people"
            )
    segment_names, segment_labels = ("everyone",), {"everyone": "Everyone"}
    segment = np.zeros(len(table.frame), dtype=np.int64)
    groups = mapping.by_role("group")
    if groups:
        group = groups[0]
        codes = _codes(table, group, [], "")
        names = [f"{group.column}={value}" for value in group.values]
        segment_labels = {
            name: f"{group.column}: {value}"
            for name, value in zip(names, group.values, strict=True)
        }
        if (codes < 0).any():
            names.append(f"{group.column}=unknown")
            segment_labels[names[-1]] = f"{group.column}: unknown"
            codes = np.where(codes < 0, len(names) - 1, codes)
        segment_names, segment = tuple(names), codes
    population = Population(
        features=pd.DataFrame({name: values[keep] for name, values in columns.items()}),
        segment=segment[keep],
        label=label[keep],
        seed=0,
        # Each person's own key, from their own row (core.people.person_keys): deleting another row
        # moves nobody's split, coins or tree.
        key=content_keys(table.frame)[keep],
        segment_names=segment_names,
    )
    return Dataset(
        name=name,
        schema=schema,
        population=population,
        fingerprint=fingerprint(table, mapping),
        segment_labels=segment_labels,
        notes=tuple(notes),
    )


# -- the mapping form: a table the user edits ----------------------------------------------------

EDITOR_COLUMNS = ("column", "role", "category", "type", "lower", "upper", "values", "seen in file")
_CATEGORY_HINTS = {
    "demographics": ("age", "gender", "sex", "income", "household", "born", "education", "job"),
    "location": ("region", "city", "postcode", "zip", "country", "urban", "state", "town"),
    "browsing": ("view", "click", "visit", "browse", "page", "session", "search"),
    "purchases": ("order", "purchase", "spend", "buy", "basket", "cart", "bought"),
}
_SEEN_SHOWN = 12


def _looks_numeric(cells: pd.Series) -> bool:
    present = cells[~cells.str.lower().isin(MISSING_WORDS)]
    if present.empty:
        return False
    parsed = pd.to_numeric(present, errors="coerce")
    return bool(parsed.notna().mean() >= 0.95)


def _guess_category(name: str) -> str:
    lowered = name.lower()
    for category, hints in _CATEGORY_HINTS.items():
        if any(hint in lowered for hint in hints):
            return category
    return "demographics"


def seen_values(table: RawTable, column: str) -> tuple[str, ...]:
    """Distinct non-empty values of a column, most frequent first (the uploader's own data)."""
    cells = table.frame[column]
    cells = cells[~cells.str.lower().isin(MISSING_WORDS)]
    return tuple(cells.value_counts().index)


def suggest_mapping(table: RawTable) -> pd.DataFrame:
    """A first draft of the mapping form: types and categories guessed from names and cells.

    Bounds and value lists stay empty: they must be public facts the user declares. The last
    column is suggested as the label when it looks like a short list of classes.
    """
    rows = []
    for position, column in enumerate(table.columns):
        cells = table.frame[column]
        numeric = _looks_numeric(cells)
        seen = seen_values(table, column)
        role = "feature"
        if not numeric and len(seen) > MAX_CATEGORY_VALUES:
            role = "ignore"  # free text or identifiers: nothing a recommender should learn
        if position == len(table.columns) - 1 and not numeric and 2 <= len(seen) <= 50:
            role = "label"
        shown = ", ".join(seen[:_SEEN_SHOWN]) + (" …" if len(seen) > _SEEN_SHOWN else "")
        rows.append(
            {
                "column": column,
                "role": role,
                "category": _guess_category(column),
                "type": "numeric" if numeric else "categorical",
                "lower": None,
                "upper": None,
                "values": "",
                "seen in file": "numbers" if numeric else shown,
            }
        )
    return pd.DataFrame(rows, columns=list(EDITOR_COLUMNS))


def with_seen_values(draft: pd.DataFrame, table: RawTable) -> pd.DataFrame:
    """The draft with every empty value list of a categorical column filled from the file."""
    draft = draft.copy()
    for index, row in draft.iterrows():
        if row["type"] == "categorical" and not str(row["values"] or "").strip():
            draft.loc[index, "values"] = ", ".join(seen_values(table, row["column"]))
    return draft


def _bound(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UploadError(f"A bound must be a number; got {value!r}.") from None


def mapping_from_frame(frame: pd.DataFrame) -> Mapping:
    """The Mapping an edited form table declares."""
    return Mapping(
        tuple(
            ColumnMapping(
                column=str(row["column"]),
                role=str(row["role"] or "ignore"),
                category=str(row["category"] or "demographics"),
                type=str(row["type"] or "numeric"),
                lower=_bound(row["lower"]),
                upper=_bound(row["upper"]),
                values=split_values(row["values"] or ""),
            )
            for _, row in frame.iterrows()
            if str(row["role"] or "ignore") != "ignore"
        )
    )


def frame_from_mapping(mapping: Mapping, table: RawTable) -> pd.DataFrame:
    """The form table for a saved mapping: its declarations on this file's columns."""
    draft = suggest_mapping(table)
    declared = {c.column: c for c in mapping.columns}
    for index, row in draft.iterrows():
        c = declared.get(row["column"])
        if c is None:
            draft.loc[index, "role"] = "ignore"
            continue
        draft.loc[index, ["role", "category", "type"]] = [c.role, c.category, c.type]
        draft.loc[index, ["lower", "upper"]] = [c.lower, c.upper]
        draft.loc[index, "values"] = ", ".join(c.values)
    return draft


# -- a sample to try the feature with ------------------------------------------------------------


def sample_csv(rows: int = 2_000, seed: int = 7) -> bytes:
    """Built-in synthetic people as an upload would look (a few columns, readable values)."""
    frame = describe(generate_profiles(max(rows, 1_000), seed)).head(rows)
    columns = ["age", "gender", "income", "region", "urban", "views_books", "views_electronics"]
    columns += ["views_fashion", "orders_groceries", "orders_home", "segment", "next_category"]
    return frame[columns].to_csv(index=False).encode()


def sample_mapping() -> Mapping:
    """The public declarations for :func:`sample_csv`, from the built-in schema."""
    schema = load_schema()
    roles = {"age": "quasi-identifier", "gender": "quasi-identifier", "region": "quasi-identifier"}
    columns = []
    for name in ("age", "gender", "income", "region", "urban", "views_books"):
        columns.append(_declared(schema, name, roles.get(name, "feature")))
    for name in ("views_electronics", "views_fashion", "orders_groceries", "orders_home"):
        columns.append(_declared(schema, name, "feature"))
    columns.append(
        ColumnMapping("segment", "group", type="categorical", values=("majority", "minority"))
    )
    columns.append(
        ColumnMapping("next_category", "label", type="categorical", values=schema.class_labels)
    )
    return Mapping(tuple(columns))


def _declared(schema: Schema, name: str, role: str) -> ColumnMapping:
    feature = schema.feature(name)
    if feature.type == "numeric":
        return ColumnMapping(name, role, feature.category, "numeric", feature.lower, feature.upper)
    return ColumnMapping(name, role, feature.category, "categorical", values=feature.values)
