"""Your own data: one test per bad-file case, the mapping's checks, and a dataset that works."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.engine import evaluate, frontier, workbench_for
from core.engine.lenses import homogeneity_example, k_point, local_central_point
from core.people.population import MAX_PROFILES, describe, generate_profiles
from core.people.upload import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    ColumnMapping,
    Mapping,
    UploadError,
    build_dataset,
    nice_bands,
    read_table,
    split_values,
)
from core.setting.scenario import Scenario

CLASSES = ("Books", "Electronics", "Fashion", "Groceries", "Home & garden", "Sports & outdoors")


def _csv(rows: int = 300, seed: int = 5) -> str:
    """A small profile table as a CSV string: numbers, categories, a label and a group."""
    frame = describe(generate_profiles(max(rows, 1_000), seed)).head(rows)
    columns = ["age", "gender", "income", "region", "views_books", "orders_toys"]
    return frame[[*columns, "segment", "next_category"]].to_csv(index=False)


def _mapping(**changes) -> Mapping:
    columns = {
        "age": ColumnMapping("age", "quasi-identifier", "demographics", "numeric", 18, 90),
        "gender": ColumnMapping(
            "gender",
            "quasi-identifier",
            "demographics",
            "categorical",
            values=("female", "male", "non-binary"),
        ),
        "income": ColumnMapping("income", "feature", "demographics", "numeric", 0, 200),
        "region": ColumnMapping(
            "region",
            "feature",
            "location",
            "categorical",
            values=("North", "North-East", "East", "South", "South-West", "West"),
        ),
        "views_books": ColumnMapping("views_books", "feature", "browsing", "numeric", 0, 60),
        "orders_toys": ColumnMapping("orders_toys", "feature", "purchases", "numeric", 0, 20),
        "segment": ColumnMapping("segment", "group", type="categorical", values=("majority",)),
        "next_category": ColumnMapping(
            "next_category", "label", type="categorical", values=CLASSES + ("Beauty & health",)
        ),
    }
    columns.update(changes)
    return Mapping(tuple(c for c in columns.values() if c is not None))


def _error(data: bytes) -> str:
    with pytest.raises(UploadError) as caught:
        read_table(data)
    return str(caught.value)


# -- bad files: one test per case ----------------------------------------------------------------


def test_empty_file():
    """A 0-byte file is refused as empty."""
    assert "empty" in _error(b"")


def test_blank_lines_only():
    """A file of blank lines is refused."""
    assert "blank" in _error(b"\n\n  \n")


def test_header_only():
    """A header without rows says so and counts the columns."""
    message = _error(b"age,income,label\n")
    assert "no rows" in message and "3 columns" in message


def test_duplicated_headers_name_the_columns():
    """A repeated column name is named with both positions."""
    message = _error(b"age,income,age,label\n1,2,3,a\n")
    assert "'age' appears twice" in message and "columns 1 and 3" in message


def test_empty_header_name():
    """An empty column name is named by its position."""
    assert "Column 2 has an empty name" in _error(b"age,,label\n1,2,a\n")


def test_one_column_says_which_separator_it_saw():
    """A file that splits into one column is refused with the allowed separators."""
    message = _error(b"age:income:label\n1:2:a\n3:4:b\n")
    assert "Only one column" in message


def test_semicolon_file_is_read_and_noted():
    """Semicolon-separated files are detected; decimal commas stay text."""
    table = read_table(b"age;income;label\n30;2,5;a\n40;3;b\n")
    assert table.columns == ("age", "income", "label")
    assert table.frame.loc[2, "income"] == "2,5"
    assert any("semicolons" in note for note in table.notes)


def test_tab_file_is_read():
    """Tab-separated files are detected."""
    assert read_table(b"age\tlabel\n30\ta\n").delimiter == "\t"


def test_ragged_row_is_named():
    """A row with the wrong number of fields is named by its line."""
    message = _error(b"age,income,label\n1,2,a\n3,4\n")
    assert "Row 3 has 2 fields" in message and "header has 3" in message


def test_utf8_bom_is_removed_and_noted():
    """A UTF-8 BOM does not end up in the first column name."""
    table = read_table("\ufeffâge,label\n30,a\n".encode())
    assert table.columns[0] == "âge"
    assert any("BOM" in note for note in table.notes)


def test_latin1_is_read_with_a_note_naming_the_line():
    """Non-UTF-8 text is read as Latin-1 with a note naming the first odd line."""
    table = read_table("age,city\n30,Zürich\n40,Bern\n".encode("latin-1"))
    assert table.frame.loc[2, "city"] == "Zürich"
    assert table.encoding == "Latin-1"
    assert any("not UTF-8" in note and "line 2" in note for note in table.notes)


def test_utf16_with_bom_is_read():
    """UTF-16 with a BOM (as some spreadsheet exports write) is read."""
    table = read_table("age,label\n30,a\n".encode("utf-16"))
    assert table.columns == ("age", "label")


def test_file_over_the_size_limit():
    """A file over the upload limit is refused with the limit."""
    message = _error(b"a,b\n" + b"1,2\n" * (MAX_UPLOAD_BYTES // 4 + 1))
    assert "limit is 20 MB" in message


def _wide(columns: int, rows: int = 3) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns))
    row = ",".join("1" for _ in range(columns))
    return (header + "\n" + (row + "\n") * rows).encode()


def test_file_over_the_column_limit_names_limit_and_count():
    """10,000 columns (which once froze the tab) are refused from the header, naming both."""
    message = _error(_wide(10_000))
    assert "10,000 columns" in message and f"the limit is {MAX_COLUMNS:,}" in message


def test_file_at_the_column_limit_is_read():
    """Exactly the column limit is allowed."""
    assert len(read_table(_wide(MAX_COLUMNS)).columns) == MAX_COLUMNS


def test_file_over_the_row_limit(monkeypatch):
    """More rows than the people slider allows are refused with the limit (checked while reading;
    the limit is lowered here so the test reads 1,001 rows, not a million)."""
    assert MAX_ROWS == MAX_PROFILES
    monkeypatch.setattr("core.people.upload.MAX_ROWS", 1_000)
    message = _error(b"a,b\n" + b"1,2\n" * 1_001)
    assert "more than 1,000 rows" in message and "the limit is 1,000 people" in message
    assert read_table(b"a,b\n" + b"1,2\n" * 1_000).frame.shape == (1_000, 2)


def test_file_over_the_cell_limit():
    """Rows × columns over the cell limit (10 million; a 20 MB file can hold 20 million empty
    cells) is refused, naming the limit, the width and the rows allowed at that width."""
    columns = MAX_COLUMNS
    rows = MAX_CELLS // columns + 1
    data = (",".join(f"c{i}" for i in range(columns)) + "\n").encode()
    data += (b"1" + b"," * (columns - 1) + b"\n") * rows
    assert len(data) < MAX_UPLOAD_BYTES
    message = _error(data)
    assert f"the limit is {MAX_CELLS:,} cells" in message
    assert f"{columns} columns at most {MAX_CELLS // columns:,} rows" in message


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PK\x03\x04\x14\x00", "Excel workbook"),
        (b"%PDF-1.7\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"\x00\x01\x02binary\x00", "binary data"),
    ],
)
def test_binary_file_renamed_csv(head, kind):
    """Binary files renamed .csv are recognised and refused."""
    message = _error(head + bytes(range(256)) * 4)
    assert kind in message and "CSV" in message


def test_quoted_fields_with_delimiters_inside():
    """Quoted cells keep their commas and quotes."""
    table = read_table(b'name,label\n"Smith, J.",a\n"O""Neil",b\n')
    assert list(table.frame["name"]) == ["Smith, J.", 'O"Neil']


# -- bad values: mapped onto the schema -----------------------------------------------------------


def _table(text: str | None = None):
    return read_table((text or _csv()).encode())


def test_nan_cells_become_not_collected_and_are_counted():
    """Empty and NaN cells are counted, named, and not collected for those people."""
    lines = _csv().splitlines()
    header = lines[0].split(",")
    at = header.index("income")
    for row in (1, 5):
        cells = lines[row].split(",")
        cells[at] = "NaN" if row == 1 else ""
        lines[row] = ",".join(cells)
    dataset = build_dataset(_table("\n".join(lines)), _mapping())
    note = next(n for n in dataset.notes if "'income'" in n and "NaN" in n)
    assert "2 empty or NaN cells" in note and "rows 2 and 6" in note
    income = dataset.population.features["income"].to_numpy()
    assert np.isnan(income[[0, 4]]).all()
    bench = workbench_for(Scenario(seed=1), dataset=dataset)
    column = bench.schema.columns.index("income")
    both = np.concatenate([bench.data.train.observed, bench.data.test.observed])
    assert (~both[:, column]).sum() >= 2  # those people's income is not collected
    assert not np.isnan(bench.data.train.X).any()


def _with_cell(line: int, column: str, value: str) -> str:
    """The sample CSV with one cell replaced (``line`` counts the header as 0)."""
    lines = _csv().splitlines()
    cells = lines[line].split(",")
    cells[lines[0].split(",").index(column)] = value
    lines[line] = ",".join(cells)
    return "\n".join(lines)


def test_infinite_value_is_an_error_naming_row_and_column():
    """An infinite value is an error naming its column and row."""
    with pytest.raises(UploadError, match=r"'income' holds infinite values \('inf'\) at row 4"):
        build_dataset(_table(_with_cell(3, "income", "inf")), _mapping())


def test_text_in_a_number_column_names_row_and_column():
    """Text in a numeric column is an error naming the value and column."""
    with pytest.raises(UploadError, match=r"'age' is mapped as numeric but holds text \('forty'\)"):
        build_dataset(_table(_with_cell(7, "age", "forty")), _mapping())


def test_values_outside_declared_bounds_are_clipped_and_counted():
    """Values outside the declared bounds are clipped to them and counted."""
    mapping = _mapping(income=ColumnMapping("income", "feature", "demographics", "numeric", 0, 30))
    table = _table()
    raw = pd.to_numeric(table.frame["income"]).to_numpy()
    dataset = build_dataset(table, mapping)
    note = next(n for n in dataset.notes if "'income'" in n and "clipped" in n)
    assert f"{int((raw > 30).sum())} values outside the declared bounds [0, 30]" in note
    assert dataset.population.features["income"].max() == 30


def test_one_class_only():
    """A label with a single class in the file is refused."""
    lines = _csv().splitlines()
    header = lines[0].split(",")
    at = header.index("next_category")
    lines = [lines[0]] + [",".join([*row.split(",")[:at], "Books"]) for row in lines[1:]]
    with pytest.raises(UploadError, match="only one class in the file \\('Books'\\)"):
        build_dataset(_table("\n".join(lines)), _mapping())


def test_too_few_labelled_rows():
    """Fewer labelled rows than the minimum are refused."""
    with pytest.raises(UploadError, match="at least 50"):
        build_dataset(_table(_csv(rows=30)), _mapping())


def test_undeclared_classes_drop_rows_and_say_so():
    """Rows whose label is not in the declared classes are dropped and counted."""
    mapping = _mapping(
        next_category=ColumnMapping("next_category", "label", type="categorical", values=CLASSES)
    )
    dataset = build_dataset(_table(), mapping)
    note = next(n for n in dataset.notes if "'next_category'" in n)
    assert "not in the declared list" in note and "dropped" in note
    assert dataset.population.n_profiles < 300


def test_bounds_are_required_and_never_taken_from_the_file():
    """A numeric feature without declared bounds is refused; none are inferred."""
    mapping = _mapping(age=ColumnMapping("age", "feature", "demographics", "numeric"))
    with pytest.raises(UploadError, match="public lower and upper bounds.*never taken"):
        build_dataset(_table(), mapping)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"next_category": None}, "exactly one label"),
        ({"age": ColumnMapping("age", "feature", "nowhere", "numeric", 0, 1)}, "data category"),
        ({"age": ColumnMapping("age", "feature", "demographics", "numeric", 5, 5)}, "lower <"),
        ({"gender": ColumnMapping("gender", "feature", "demographics", "categorical")}, "values"),
        ({"zip": ColumnMapping("zip")}, "does not have"),
    ],
)
def test_mapping_errors_name_the_column(change, message):
    """Each kind of bad declaration gets a message naming it."""
    with pytest.raises(UploadError, match=message):
        build_dataset(_table(), _mapping(**change))


def test_mapping_round_trips_through_json_and_rejects_junk():
    """Saved declarations load back equal; junk JSON is refused."""
    mapping = _mapping()
    assert Mapping.from_json(mapping.to_json()) == mapping
    with pytest.raises(UploadError, match="not a saved column mapping"):
        Mapping.from_json('{"columns": 3}')


def test_split_values_and_nice_bands():
    """Typed value lists are cleaned; band widths are 1-2-5 sizes."""
    assert split_values(" a, b,,a , c ") == ("a", "b", "c")
    assert nice_bands(18, 90) == (5.0, 10.0, 20.0, 50.0)
    assert nice_bands(0, 1) == (0.05, 0.1, 0.2, 0.5)


# -- a good upload works through the engine and lenses ------------------------------------------


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(_table(_csv(rows=2_000)), _mapping())


def test_dataset_schema_and_people_follow_the_mapping(dataset):
    """The dataset has the declared schema, the labelled rows and a stable fingerprint."""
    schema = dataset.schema
    assert [f.name for f in schema.quasi_identifiers] == ["age", "gender"]
    assert schema.classes[0] == "Books" and schema.n_classes == 7
    labels = read_table(_csv(rows=2_000).encode()).frame["next_category"]
    assert dataset.population.n_profiles == labels.isin(CLASSES + ("Beauty & health",)).sum()
    assert dataset.population.segment_names == ("segment=majority", "segment=unknown")
    assert dataset.fingerprint.startswith("upload-")
    assert dataset.fingerprint == build_dataset(_table(_csv(rows=2_000)), _mapping()).fingerprint


def test_engine_runs_on_the_upload(dataset):
    """evaluate and frontier run on an upload and stay in range."""
    scenario = Scenario(seed=3, epsilon=10.0, repeats=3)
    result = evaluate(scenario, dataset=dataset)
    assert result["n_train"] + result["n_test"] == dataset.population.n_profiles
    assert result["popularity_accuracy"] <= result["nonprivate_accuracy"] + 0.05
    assert set(result["segment_names"]) == {"segment=majority", "segment=unknown"}
    table = frontier(workbench_for(scenario, dataset=dataset), [0.1, 10.0], 3)
    assert table["accuracy"].between(0, 1).all()


def test_lenses_run_on_the_upload(dataset):
    """k-anonymity, local vs central and homogeneity run on an upload."""
    scenario = Scenario(seed=3, repeats=2)
    rows = k_point(scenario, 10, dataset)
    assert rows["share_suppressed"].iloc[0] <= 0.05
    assert "age" in rows["generalisation"].iloc[0]
    local = local_central_point(scenario, 1.0, repeats=2, dataset=dataset)
    assert set(local["mode"]) == {"central", "local"}
    example = homogeneity_example(workbench_for(scenario.replace(k=5), dataset=dataset))
    assert example is None or example["description"].startswith(("people", "everyone"))


# -- hostile bytes --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_a_table_or_a_clear_error(data):
    """Whatever is uploaded, read_table returns a table or raises UploadError, nothing else."""
    try:
        table = read_table(data)
    except UploadError as error:
        assert str(error)
    else:
        assert len(table.columns) >= 2 and len(table.frame) >= 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=8), min_size=60, max_size=80))
def test_any_cells_in_a_mapped_column_give_a_dataset_or_a_clear_error(cells):
    """Arbitrary text in a numeric feature column: a Dataset or an UploadError, never a crash."""
    rng = np.random.default_rng(0)
    labels = rng.choice(["a", "b"], len(cells))
    frame = pd.DataFrame({"x": [c.replace("\x00", "") for c in cells], "y": labels})
    mapping = Mapping(
        (
            ColumnMapping("x", "feature", "browsing", "numeric", 0, 10),
            ColumnMapping("y", "label", type="categorical", values=("a", "b")),
        )
    )
    try:
        table = read_table(frame.to_csv(index=False).encode())
        dataset = build_dataset(table, mapping)
    except UploadError as error:
        assert str(error)
    else:
        values = dataset.population.features["x"].to_numpy()
        assert np.all(np.isnan(values) | ((values >= 0) & (values <= 10)))


def test_bom_then_latin1_is_read_as_latin1():
    """A UTF-8 BOM followed by Latin-1 bytes is read as Latin-1 with a note, not a crash."""
    table = read_table(b"\xef\xbb\xbfage,city\n30," + "Zürich".encode("latin-1") + b"\n")
    assert table.encoding == "Latin-1"
    assert any("not UTF-8" in note for note in table.notes)


def test_overflowing_number_is_an_error():
    """A number too large for a float (1e400) is refused like inf, not clipped silently."""
    with pytest.raises(UploadError, match=r"'income' holds numbers too large"):
        build_dataset(_table(_with_cell(2, "income", "1e400")), _mapping())
