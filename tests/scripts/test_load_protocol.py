"""The load test's protocol client: widget states and rerun messages as the browser sends them."""

import base64
import json
import struct

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider

from scripts.load import protocol

EPSILON_ID = "$$ID-2640a633e8c29c0535743a7c78876ed6-epsilon"
LABELS = ["0.1", "0.2", "0.5", "1", "2"]


def epsilon_delta(raw_value: str = "1", fragment_id: str = "frag") -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.active_script_hash = "page-hash"
    msg.delta.fragment_id = fragment_id
    slider = msg.delta.new_element.slider
    slider.id, slider.type, slider.set_value = EPSILON_ID, Slider.SELECT_SLIDER, True
    slider.options.extend(LABELS)
    slider.raw_value.append(raw_value)
    return msg


def new_session(run_id: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.new_session.initialize.session_id = "session-1"
    msg.metadata.run.script_run_id = run_id
    return msg


def finished(run_id: str, status: int = ForwardMsg.FINISHED_SUCCESSFULLY) -> ForwardMsg:
    msg = ForwardMsg(script_finished=status)
    msg.metadata.run.script_run_id = run_id
    return msg


def chart(x) -> ForwardMsg:
    msg = ForwardMsg()
    spec = {"data": [{"name": "Private model", "x": [0.1, 1]}, {"name": "Your setting", "x": x}]}
    msg.delta.new_element.plotly_chart.spec = json.dumps(spec)
    return msg


def test_widget_key_reads_the_user_key():
    """The key is everything after the id's hash, dashes included; other ids have none."""
    assert protocol.widget_key(EPSILON_ID) == "epsilon"
    assert protocol.widget_key("$$ID-abc-consent-rate") == "consent-rate"
    assert protocol.widget_key("plain") is None


def test_select_slider_state_is_its_option_label():
    """A select slider is sent as its formatted label (string_array_value), as Chromium does."""
    state = protocol.widget_state(epsilon_delta("0.5").delta.new_element)
    assert state.id == EPSILON_ID
    assert list(state.string_array_value.data) == ["0.5"]


@pytest.mark.parametrize(
    ("kind", "fields", "value_field", "expected"),
    [
        ("slider", {"default": [0.3]}, "double_array_value", [0.3]),
        (
            "slider",
            {"default": [0.3], "value": [0.6], "set_value": True},
            "double_array_value",
            [0.6],
        ),
        ("checkbox", {"default": True}, "bool_value", True),
        ("number_input", {"value": 42.0, "data_type": NumberInput.INT}, "int_value", 42),
        ("number_input", {"default": 0.5, "data_type": NumberInput.FLOAT}, "double_value", 0.5),
        ("selectbox", {"raw_value": "Naive Bayes"}, "string_value", "Naive Bayes"),
        ("selectbox", {"options": ["A", "B"], "default": 1}, "string_value", "B"),
    ],
)
def test_widget_state_of_each_kind(kind, fields, value_field, expected):
    """Each widget kind carries the browser's value field: the script's value, else the default."""
    element = Element(**{kind: {"id": "$$ID-hash-key", **fields}})
    state = protocol.widget_state(element)
    value = getattr(state, value_field)
    assert (list(value.data) if hasattr(value, "data") else value) == expected


def test_selectbox_without_choice_sends_the_id_alone():
    """A select box with index=None has no value: the browser sends its id and nothing else."""
    element = Element()
    element.selectbox.id = "$$ID-hash-preset"
    element.selectbox.options.extend(["A", "B"])
    state = protocol.widget_state(element)
    assert state.id == "$$ID-hash-preset" and state.WhichOneof("value") is None


def test_buttons_are_not_kept():
    """Buttons send a trigger only when clicked: no state is kept for them."""
    element = Element()
    element.button.id = "$$ID-hash-reset"
    assert protocol.widget_state(element) is None


@pytest.mark.parametrize(
    "x",
    [[2.0], {"dtype": "f8", "bdata": base64.b64encode(struct.pack("<d", 2.0)).decode()}],
)
def test_your_setting_x_reads_lists_and_typed_arrays(x):
    """The marker's x is found in a plain list and in Plotly's base64 typed array."""
    spec = chart(x).delta.new_element.plotly_chart.spec
    assert protocol.your_setting_x(spec) == 2.0
    assert protocol.your_setting_x('{"data": []}') is None


def test_page_follows_a_run_and_builds_the_fragment_rerun():
    """A run is over at its own script_finished; the ε move is a fragment rerun of every widget."""
    page = protocol.ProtocolPage("epsilon=1&seed=42")
    page.apply(finished("old-run"), now=0.5)  # a run that started before: ignored
    assert page.finished is None
    for msg in (new_session("run-1"), epsilon_delta("1"), chart([1.0])):
        page.apply(msg, now=1.0)
    page.apply(ForwardMsg(page_info_changed={"query_string": "epsilon=1&seed=42&k=1"}), now=1.0)
    page.apply(finished("run-1"), now=2.0)
    assert (page.finished, page.finished_at, page.chart_x) == (0, 2.0, 1.0)
    assert page.session_id == "session-1" and page.epsilon_label() == "1"

    page.set_epsilon("2")
    sent = BackMsg()
    sent.ParseFromString(page.rerun("http://host/", fragment=True).SerializeToString())
    rerun = sent.rerun_script
    assert rerun.query_string == "epsilon=1&seed=42&k=1"
    assert (rerun.fragment_id, rerun.page_script_hash) == ("frag", "page-hash")
    assert [list(w.string_array_value.data) for w in rerun.widget_states.widgets] == [["2"]]
    assert rerun.context_info.url == "http://host/"

    page.begin()
    page.apply(new_session("run-2"), now=3.0)
    page.apply(epsilon_delta("1"), now=3.1)  # set_value: the script's value wins, as in a browser
    page.apply(finished("run-2", ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY), now=3.2)
    assert page.finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    assert page.chart_x is None and page.epsilon_label() == "1"


def test_first_rerun_has_empty_widget_states_and_no_fragment():
    """The landing rerun carries the link's query string, an empty widget list, no fragment."""
    rerun = protocol.ProtocolPage("epsilon=1&seed=7").rerun("http://host/").rerun_script
    assert rerun.query_string == "epsilon=1&seed=7"
    assert rerun.HasField("widget_states") and not rerun.widget_states.widgets
    assert rerun.fragment_id == "" and rerun.page_script_hash == ""
