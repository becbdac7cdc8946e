"""Your own data in the app: upload, declare columns, and every page runs on the upload."""

import json

import pytest

import ui
from core.people.upload import sample_csv, sample_mapping
from tests.app.conftest import chart_specs, open_page, values

PAGE = "pages/14_Your_data.py"
# Every page but this one, from the app's own navigation list.
EVERY_PAGE = [path for path, _, _ in ui.PAGES if path != PAGE]


def _upload(at, data: bytes, name: str = "people.csv"):
    at.file_uploader(key="upload_file").set_value((name, data, "text/csv"))
    at.run()
    return at


def _use_sample(at):
    """Upload the sample file and its saved declarations, then press 'Use this data'."""
    _upload(at, sample_csv(rows=1_500), "sample_profiles.csv")
    mapping = sample_mapping().to_json().encode()
    at.file_uploader(key="upload_mapping").set_value(("m.json", mapping, "application/json"))
    at.run()
    at.button(key="use_upload").click()
    at.run()
    return at


@pytest.fixture(scope="module")
def on_upload():
    """An app session that runs on the uploaded sample (ε kept small for speed)."""
    at = open_page(PAGE, repeats=3)
    return _use_sample(at)


def test_page_explains_and_waits_for_a_file(no_exceptions):
    """Before any upload the page says where the file goes and why bounds are declared."""
    at = open_page(PAGE)
    no_exceptions(at)
    text = " ".join(m.value for m in at.markdown)
    assert "never computed from your file" in text
    assert "not written to disk" in text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"age,income,label\n", "no rows"),
        (b"a,b,a\n1,2,3\n", "appears twice"),
        (b"PK\x03\x04" + bytes(300), "Excel workbook"),
        (b"a:b:c\n1:2:3\n", "Only one column"),
        # Once froze the tab for minutes; now refused from its header.
        (
            (",".join(f"c{i}" for i in range(10_000)) + "\n" + "1," * 9_999 + "1\n").encode(),
            "10,000 columns; the limit is 500",
        ),
    ],
)
def test_bad_files_show_a_message_and_the_app_keeps_working(data, expected, no_exceptions):
    """A bad file shows an error and the other pages still run."""
    at = _upload(open_page(PAGE), data)
    no_exceptions(at)
    assert any(expected in e.value for e in at.error), [e.value for e in at.error]
    # The rest of the app still works in the same session.
    at.switch_page("app.py")
    at.run()
    no_exceptions(at)
    assert chart_specs(at)


def test_latin1_file_is_read_with_a_notice(no_exceptions):
    """A Latin-1 file is read correctly with a notice."""
    data = "age,city,label\n" + "".join(f"{20 + i},Zürich,{'ab'[i % 2]}\n" for i in range(60))
    at = _upload(open_page(PAGE), data.encode("latin-1"))
    no_exceptions(at)
    assert any("read as Latin" in i.value for i in at.info)
    assert at.dataframe[0].value["city"].iloc[0] == "Zürich"


def test_suggested_draft_has_no_bounds_from_the_data(no_exceptions):
    """The suggested declarations leave bounds empty and refuse to run without them."""
    at = _upload(open_page(PAGE), sample_csv(rows=300))
    no_exceptions(at)
    draft = at.session_state["_mapping_draft"]
    assert draft["lower"].isna().all() and draft["upper"].isna().all()
    # Using the draft as is fails with a message asking for public declarations, first the
    # label's classes; with them filled from the file, the numeric bounds.
    at.button(key="use_upload").click()
    at.run()
    assert any("needs a public list of at least 2 classes" in e.value for e in at.error)
    at.button(key="copy_seen").click()
    at.run()
    at.button(key="use_upload").click()
    at.run()
    assert any("public lower and upper bounds" in e.value for e in at.error)
    assert "dataset" not in at.session_state


def test_declarations_and_use_switch_the_session_to_the_upload(on_upload, no_exceptions):
    """Upload + saved declarations + Use switches the session to the upload."""
    no_exceptions(on_upload)
    dataset = on_upload.session_state["dataset"]
    assert dataset.population.n_profiles == 1_500
    assert any("Every page now runs on" in s.value for s in on_upload.success)
    assert any("this session only" in c.value for c in on_upload.sidebar.caption)


@pytest.mark.parametrize("page", EVERY_PAGE)
def test_every_page_runs_on_the_upload(on_upload, page, no_exceptions):
    """Every page runs without exception on the uploaded data."""
    on_upload.switch_page(page)
    on_upload.run()
    no_exceptions(on_upload)
    assert on_upload.session_state["dataset"].fingerprint.startswith("upload-")


def test_explore_chart_is_computed_on_the_upload(on_upload, no_exceptions):
    """The frontier on the upload differs from the built-in one at the same settings."""
    on_upload.switch_page("app.py")
    on_upload.run()
    uploaded = chart_specs(on_upload)[0]
    builtin = chart_specs(open_page("app.py", repeats=3))[0]

    def average(spec):
        line = next(t for t in spec["data"] if t.get("name") == "Private model (average)")
        return values(line["y"])

    assert len(average(uploaded)) == len(average(builtin))
    assert not (average(uploaded) == average(builtin)).all()


def test_who_pays_offers_the_group_column(on_upload, no_exceptions):
    """Who pays draws one line per value of the upload's group column."""
    on_upload.switch_page("pages/2_Who_pays.py")
    on_upload.run()
    no_exceptions(on_upload)
    names = {t["name"] for t in chart_specs(on_upload)[0]["data"]}
    assert {"segment: majority", "segment: minority"} <= names


def test_back_to_builtin(on_upload, no_exceptions):
    """The back button returns the session to the built-in people."""
    on_upload.switch_page(PAGE)
    on_upload.run()
    on_upload.button(key="builtin").click()
    on_upload.run()
    no_exceptions(on_upload)
    assert "dataset" not in on_upload.session_state


def test_saved_mapping_round_trips():
    """The sample's declarations use every role but ignore."""
    mapping = json.loads(sample_mapping().to_json())
    assert {c["role"] for c in mapping["columns"]} == {
        "feature",
        "quasi-identifier",
        "group",
        "label",
    }


def test_markup_in_a_file_is_shown_as_text(no_exceptions):
    """Column names and cells are user text: escaped in messages, plain cells in the table."""
    data = b"<script>alert(1)</script>,x,<script>alert(1)</script>\n1,2,3\n"
    at = _upload(open_page(PAGE), data)
    no_exceptions(at)
    message = next(e.value for e in at.error if "appears twice" in e.value)
    assert "\\<script\\>" in message and "<script>" not in message.replace("\\<", "")


def test_the_upload_is_not_written_to_disk(tmp_path, monkeypatch, no_exceptions):
    """Uploading and using a file leaves no file behind in the app's data directory."""
    monkeypatch.setenv("PTE_DATA_DIR", str(tmp_path / "data"))
    at = _use_sample(open_page(PAGE, repeats=2))
    no_exceptions(at)
    assert at.session_state["dataset"].population.n_profiles == 1_500
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == [], written


def test_who_pays_without_a_group_column_offers_no_lone_option(no_exceptions):
    """No group column: no 'Groups' choice with one group; the only grouping (age) is named."""
    import dataclasses

    from core.people.upload import Mapping

    mapping = sample_mapping()
    without_group = Mapping(
        tuple(
            dataclasses.replace(c, role="ignore") if c.role == "group" else c
            for c in mapping.columns
        )
    )
    at = open_page(PAGE, repeats=3)
    _upload(at, sample_csv(rows=1_500), "sample_profiles.csv")
    payload = without_group.to_json().encode()
    at.file_uploader(key="upload_mapping").set_value(("m.json", payload, "application/json"))
    at.run()
    at.button(key="use_upload").click()
    at.run()
    at.switch_page("pages/2_Who_pays.py").run()
    no_exceptions(at)
    assert not [r for r in at.radio if r.key == "who_pays_view"]
    assert any("Compared: age bands" in c.value for c in at.caption)
