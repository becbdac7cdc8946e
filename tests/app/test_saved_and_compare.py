"""Save & compare page: save, list, load, rename, delete, compare with downloads."""

import pytest

from tests.app.conftest import chart_specs, open_page

PAGE = "pages/12_Saved_and_compare.py"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PTE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_save_load_rename_delete(no_exceptions, data_dir):
    """A saved setting is listed, loads back into the controls, can be renamed and deleted."""
    at = open_page(PAGE, epsilon=5, opt_out=0.3, profiles=5000, repeats=3)
    no_exceptions(at)
    at.text_input(key="save_name").input("Board meeting")
    at.text_area(key="save_note").input("=cmd|' /C calc'!A0")
    at.button[0].click().run()  # the form's submit button
    no_exceptions(at)
    assert any("Saved as" in s.value for s in at.success)
    assert (data_dir / "scenarios.sqlite3").exists()
    assert at.dataframe[0].value["Name"].tolist() == ["Board meeting"]

    at.select_slider(key="epsilon").set_value(0.1).run()
    at.button(key="load_saved").click().run()
    no_exceptions(at)
    assert at.select_slider(key="epsilon").value == 5.0

    at.text_input(key="rename_to").input("Renamed").run()
    at.button(key="rename_saved").click().run()
    no_exceptions(at)
    assert at.dataframe[0].value["Name"].tolist() == ["Renamed"]

    at.checkbox(key="confirm_delete").check().run()
    at.button(key="delete_saved").click().run()
    no_exceptions(at)
    assert any("Nothing saved yet" in i.value for i in at.info)


def test_empty_name_is_refused_with_a_message(no_exceptions):
    """Saving without a name shows an error and saves nothing."""
    at = open_page(PAGE, profiles=5000, repeats=3)
    at.button[0].click().run()
    no_exceptions(at)
    assert any("needs a name" in e.value for e in at.error)


def test_compare_two_presets(no_exceptions):
    """Comparing settings shows the table of settings and measures and overlaid frontiers."""
    at = open_page(PAGE, profiles=5000, repeats=3)
    no_exceptions(at)
    at.multiselect(key="compare_pick").set_value(
        ["Current settings", "Preset · Strict regulator", "Preset · Ad-tech maximum"]
    ).run()
    no_exceptions(at)
    table = at.dataframe[-1].value
    assert table.shape[1] == 3 and "Right first suggestion" in table.index
    traces = chart_specs(at)[0]["data"]
    # Legend entries (each band is named too, for the chart's data table, but not in the legend).
    names = [t.get("name") for t in traces if t.get("name") and t.get("showlegend") is not False]
    assert names == ["Current settings", "Preset · Strict regulator", "Preset · Ad-tech maximum"]
    markers = [t for t in traces if t.get("name", "").endswith(": its ε")]
    assert [m["text"][0] for m in markers][:1] == ["ε = 1"]  # each setting's own ε, marked


def test_rename_shows_the_new_name_and_delete_asks_again(no_exceptions):
    """After a rename the pick shows the new name with a confirmation; after a delete the
    confirmation box is unticked for the next scenario."""
    at = open_page(PAGE, profiles=5000, repeats=3)
    for name in ("First", "Second"):
        at.text_input(key="save_name").input(name)
        at.button[0].click().run()
    at.selectbox(key="saved_pick").select_index(1).run()
    picked = at.selectbox(key="saved_pick").value
    at.text_input(key="rename_to").input("Renamed").run()
    at.button(key="rename_saved").click().run()
    no_exceptions(at)
    assert at.selectbox(key="saved_pick").value == picked
    assert at.selectbox(key="saved_pick").format_func(picked) == "Renamed"
    assert any("Renamed to Renamed" in s.value for s in at.success)

    at.checkbox(key="confirm_delete").check().run()
    at.button(key="delete_saved").click().run()
    no_exceptions(at)
    assert any("Deleted Renamed" in s.value for s in at.success)
    assert at.checkbox(key="confirm_delete").value is False
    assert at.button(key="delete_saved").disabled


def test_identical_settings_get_no_winner(no_exceptions):
    """Two identical settings: no 'most accurate' winner, and a note that frontiers coincide."""
    at = open_page(PAGE, profiles=5000, repeats=3)
    at.text_input(key="save_name").input("Same")
    at.button[0].click().run()
    at.multiselect(key="compare_pick").set_value(["Current settings", "Saved · Same"]).run()
    no_exceptions(at)
    assert any("identical" in i.value for i in at.info)
    assert not any("Most accurate" in i.value for i in at.info)
    assert any("share one frontier" in c.value for c in at.caption)


def test_markup_in_names_is_shown_as_text(no_exceptions):
    """A name full of HTML/Markdown is stored verbatim and displayed escaped, never rendered."""
    hostile = "<img src=x onerror=alert(1)> [link](http://example.com) **bold**"
    at = open_page(PAGE, profiles=5000, repeats=3)
    at.text_input(key="save_name").input(hostile)
    at.button[0].click().run()
    no_exceptions(at)
    assert at.dataframe[0].value["Name"].tolist() == [hostile]
    label = at.checkbox(key="confirm_delete").label
    assert "\\<img" in label and "\\[link\\]" in label and "\\*\\*bold" in label


def test_owner_key_shown_at_save_lets_a_new_browser_delete_it(no_exceptions, data_dir):
    """The key shown once at save gives the owner back their rights from a browser without the
    old cookie (issue 20, item 10): without it delete stays disabled, a wrong key is refused."""
    first = open_page(PAGE, profiles=5000, repeats=3)
    first.text_input(key="save_name").input("Mine")
    first.button[0].click().run()
    no_exceptions(first)
    [shown] = [c.value for c in first.code]
    assert "owner key" in " ".join(i.value for i in first.info).lower()
    assert shown not in (data_dir / "scenarios.sqlite3").read_bytes().decode("latin-1")

    later = open_page(PAGE, profiles=5000, repeats=3)  # a new session: no cookie, a new token
    no_exceptions(later)
    later.checkbox(key="confirm_delete").check().run()
    assert later.button(key="delete_saved").disabled
    later.text_input(key="owner_key_input").input("x" * 22).run()
    no_exceptions(later)
    assert any("not this scenario's owner key" in e.value for e in later.error)
    assert later.button(key="delete_saved").disabled
    later.text_input(key="owner_key_input").input(shown).run()
    no_exceptions(later)
    assert any("Key accepted" in s.value for s in later.success)
    later.checkbox(key="confirm_delete").check().run()
    later.button(key="delete_saved").click().run()
    no_exceptions(later)
    assert any("Nothing saved yet" in i.value for i in later.info)


def test_room_facilitator_key_gives_the_rights_over_the_room_scenario(no_exceptions, data_dir):
    """A room's saved scenario: typing the room's facilitator key on this page (from a session
    that never opened the facilitator page) lets that person rename it."""
    from core.setting.scenario import Scenario
    from core.store.room_store import RoomStore
    from core.store.storage import DB_NAME, ScenarioStore, owner_of_room

    code, key = RoomStore(data_dir / DB_NAME).open_room()
    ScenarioStore(data_dir / DB_NAME).save("Our room", Scenario(), owner=owner_of_room(code))
    at = open_page(PAGE, profiles=5000, repeats=3)
    assert at.button(key="rename_saved").disabled
    at.text_input(key="owner_key_input").input(key).run()
    no_exceptions(at)
    at.text_input(key="rename_to").input("Our room, renamed").run()
    at.button(key="rename_saved").click().run()
    no_exceptions(at)
    assert at.dataframe[0].value["Name"].tolist() == ["Our room, renamed"]


@pytest.mark.parametrize("page", ["pages/12_Saved_and_compare.py", "pages/16_Room.py"])
def test_a_bad_database_url_is_a_message_not_a_traceback(monkeypatch, no_exceptions, page):
    """PTE_DATABASE_URL that is not a supported database URL: the store's pages say so and stop;
    Explore still runs."""
    monkeypatch.setenv("PTE_DATABASE_URL", "mysql://someone:secret@db.example/pte")
    at = open_page(page, profiles=2_000, repeats=2)
    no_exceptions(at)
    errors = " ".join(e.value for e in at.error)
    assert "PTE_DATABASE_URL" in errors and "postgresql" in errors
    assert "secret" not in errors
    explore = open_page(profiles=2_000, repeats=2)
    no_exceptions(explore)
    assert explore.get("plotly_chart")
