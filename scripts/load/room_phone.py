"""A phone in a workshop room: what its browser keeps of the participant page and the clicks it
sends, over Streamlit's WebSocket protocol (``protocol``), and how it reads the page's answer."""

from __future__ import annotations

import asyncio
import time

from core.rooms.workshop import PICK_EPSILON, RANDOMISED_RESPONSE, ROOM_CONSENT
from scripts.load.protocol import (
    CONTEXT_INFO,
    fetch_page,
    open_stream,
    read_until_finished,
    widget_key,
    widget_state,
)

RUN_TIMEOUT_S = 60
RETRY_TEXT = "did not answer just now"  # the phone's message while the database is away
ACK_TEXTS = ("Your answer is in", "already answered")
TOKEN_COOKIE = "pte_browser"  # ui/room.py's browser-token cookie


class Phone:
    """What a phone's browser keeps of the participant page: widgets, buttons, auto-rerun."""

    def __init__(self, query_string: str, token: str | None = None):
        self.query_string = query_string
        self.token = token  # the browser's cookie token (None: the page makes one per session)
        self.alerts: list[str] = []
        self.widgets: dict = {}  # widget id → WidgetState the browser sends back
        self.sliders: dict = {}  # user key → Slider proto (its option labels)
        self.buttons: dict = {}  # user key (or form id for a submit button) → Button proto
        self.auto_rerun: tuple[float, str] | None = None
        self.script_hash = ""
        self.exceptions: list[str] = []
        self.begin()

    def begin(self) -> None:
        self.run_id: str | None = None
        self.finished = self.finished_at = None
        self.alerts = []  # message boxes of the run that begins

    @property
    def cookie(self) -> str | None:
        return f"{TOKEN_COOKIE}={self.token}" if self.token else None

    def apply(self, msg, now: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.run_id = msg.metadata.run.script_run_id or "?"
            self.finished = self.finished_at = None
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_rerun = (msg.auto_rerun.interval, msg.auto_rerun.fragment_id)
        elif kind == "script_finished":
            run_id = msg.metadata.run.script_run_id
            if self.run_id is not None and (not run_id or run_id == self.run_id):
                self.finished, self.finished_at = msg.script_finished, now
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            if msg.metadata.active_script_hash:
                self.script_hash = msg.metadata.active_script_hash
            element = msg.delta.new_element
            element_kind = element.WhichOneof("type")
            if element_kind == "exception":
                self.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif element_kind == "alert":
                self.alerts.append(element.alert.body)
            elif element_kind == "button":
                button = element.button
                name = button.form_id if button.is_form_submitter else widget_key(button.id)
                self.buttons[name] = button
            elif element_kind == "slider":
                self.sliders[widget_key(element.slider.id)] = element.slider
            state = widget_state(element)
            if state is not None:
                widget = getattr(element, element_kind)
                if state.id not in self.widgets or getattr(widget, "set_value", False):
                    self.widgets[state.id] = state

    def message(self, base_url: str, *, trigger=None, fragment: str | None = None):
        """The rerun BackMsg a browser sends (with a button's trigger, or as an auto-rerun)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.widget_states.SetInParent()
        rerun.widget_states.widgets.extend(self.widgets.values())
        if trigger is not None:
            rerun.widget_states.widgets.append(WidgetState(id=trigger.id, trigger_value=True))
        if self.script_hash:
            rerun.page_script_hash = self.script_hash
        else:
            rerun.page_name = "Room"
        if fragment:
            rerun.fragment_id = fragment
            rerun.is_auto_rerun = True
        for name, value in CONTEXT_INFO.items():
            setattr(rerun.context_info, name, value)
        rerun.context_info.url = f"{base_url}/Room?{self.query_string}"
        return msg

    def set_widget(self, key: str, value) -> None:
        state = next(s for i, s in self.widgets.items() if widget_key(i) == key)
        if isinstance(value, bool):
            state.bool_value = value
        else:
            del state.string_array_value.data[:]
            state.string_array_value.data.append(value)

    def pending(self, activity_ids: dict, answered: set) -> tuple[str, int] | None:
        """(kind, id) of an activity whose answer controls are on the page and not answered."""
        for activity_id, kind in activity_ids.items():
            if activity_id in answered:
                continue
            wanted = {
                RANDOMISED_RESPONSE: f"rr_yes_{activity_id}",
                ROOM_CONSENT: f"consent_form_{activity_id}",
                PICK_EPSILON: f"send_epsilon_{activity_id}",
            }[kind]
            if wanted in self.buttons:
                return kind, activity_id
        return None


async def run(ws, phone: Phone, base_url: str, **kwargs) -> float:
    """Send one rerun and read until it is over; return when it was sent."""
    phone.begin()
    if not kwargs.get("fragment"):
        phone.auto_rerun = None  # a full run: the page announces its timed fragments anew
    sent = time.monotonic()
    await ws.send(phone.message(base_url, **kwargs).SerializeToString())
    await read_until_finished(ws, phone, sent + RUN_TIMEOUT_S)
    return sent


async def answer(ws, phone: Phone, base_url: str, kind: str, activity_id: int, rng) -> float:
    """Answer like a person on the page; return the send time of the answering click."""
    if kind == RANDOMISED_RESPONSE:
        true_yes = rng.random() < 0.3
        said_yes = true_yes if rng.random() < 0.5 else rng.random() < 0.5
        button = phone.buttons[f"{'rr_yes' if said_yes else 'rr_no'}_{activity_id}"]
        return await run(ws, phone, base_url, trigger=button)
    if kind == ROOM_CONSENT:
        for category in ("demographics", "location", "browsing", "purchases"):
            phone.set_widget(f"consent_{category}_{activity_id}", rng.random() < 0.5)
        phone.set_widget(f"consent_opt_out_{activity_id}", rng.random() < 0.2)
        return await run(ws, phone, base_url, trigger=phone.buttons[f"consent_form_{activity_id}"])
    slider = phone.sliders[f"pick_epsilon_{activity_id}"]
    phone.set_widget(f"pick_epsilon_{activity_id}", rng.choice(list(slider.options)))
    await run(ws, phone, base_url)  # the slider's own rerun relabels the send button
    return await run(ws, phone, base_url, trigger=phone.buttons[f"send_epsilon_{activity_id}"])


async def land(phone: Phone, base_url: str, code: str):
    """Open the participants' link on ``base_url`` as a browser does; return the WebSocket."""
    # Every page path serves the same index.html; fetch_page resolves its assets from the root,
    # so ask the root (the bytes are those of /Room?room=…).
    await asyncio.to_thread(fetch_page, f"{base_url}/?room={code}")
    ws = await open_stream(base_url, cookie=phone.cookie)
    await run(ws, phone, base_url)
    return ws


def acknowledged(phone: Phone) -> bool | None:
    """After an answer's run: True (the page says it is in, or already was), False (the page
    says the database did not answer: send again), None (neither shown)."""
    text = "\n".join(phone.alerts)
    if RETRY_TEXT in text:
        return False
    if any(ack in text for ack in ACK_TEXTS):
        return True
    return None
