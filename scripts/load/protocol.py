"""Streamlit's WebSocket protocol as a browser speaks it, for clients that need no browser.

The browser's side of a session without the browser: the same WebSocket, the same protobuf
messages and the same widget states that Chromium sends (captured from Chromium 156 against
streamlit 1.67 with Playwright's WebSocket frame events), so the server runs the real script for
every session while a client costs a few milliseconds of CPU per move. ``ProtocolPage`` is what
the browser keeps of the Explore page; the room's phones (``room_phone``) reuse the rest.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import struct
import time
import urllib.parse
import urllib.request

LANDING_TIMEOUT_S = 180
STREAM_PATH = "/_stcore/stream"
EPSILON_KEY = "epsilon"
YOUR_SETTING = "Your setting"
# The browser's context: sent with every rerun (st.context reads it).
CONTEXT_INFO = {
    "timezone": "UTC",
    "timezone_offset": 0,
    "locale": "en-US",
    "is_embedded": False,
    "color_scheme": "light",
}

ASSET_PATTERN = re.compile(r'(?:src|href)="\./(static/[^"]+)"')


def widget_key(widget_id: str) -> str | None:
    """The user key of a widget id ``$$ID-<hash>-<key>`` (None for an id of another shape)."""
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "$$ID" else None


def widget_state(element):
    """The WidgetState the browser keeps for a new element, or None when it keeps none.

    Only the widget kinds this app draws on the Explore page are modelled; buttons send a trigger
    only when clicked and page links never, so the browser sends neither on a rerun.
    """
    from streamlit.proto.NumberInput_pb2 import NumberInput
    from streamlit.proto.Slider_pb2 import Slider
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    kind = element.WhichOneof("type")
    if kind not in ("slider", "selectbox", "number_input", "checkbox"):
        return None
    widget = getattr(element, kind)
    state = WidgetState(id=widget.id)
    if kind == "slider":
        values = widget.value if widget.set_value else widget.default
        if widget.type == Slider.SELECT_SLIDER:  # sent as the formatted option labels
            labels = list(widget.raw_value) or [widget.options[int(i)] for i in values]
            state.string_array_value.data.extend(labels)
        else:
            state.double_array_value.data.extend(values)
    elif kind == "selectbox":
        if widget.HasField("raw_value"):
            state.string_value = widget.raw_value
        elif widget.HasField("default"):
            state.string_value = widget.options[widget.default]
        # else no option chosen (index=None): the browser sends the id alone
    elif kind == "number_input":
        has_value = widget.HasField("value")
        if has_value or widget.HasField("default"):
            value = widget.value if has_value else widget.default
            if widget.data_type == NumberInput.INT:
                state.int_value = int(value)
            else:
                state.double_value = value
    else:  # checkbox, toggle
        state.bool_value = widget.value if widget.set_value else widget.default
    return state


def your_setting_x(spec: str) -> float | None:
    """x of the "Your setting" marker in a Plotly figure's JSON (plain list or typed array)."""
    try:
        figure = json.loads(spec)
    except ValueError:
        return None
    for trace in figure.get("data", []):
        if not str(trace.get("name", "")).startswith(YOUR_SETTING):
            continue
        x = trace.get("x")
        if isinstance(x, dict) and x.get("dtype") == "f8" and "bdata" in x:
            raw = base64.b64decode(x["bdata"])
            x = list(struct.unpack(f"<{len(raw) // 8}d", raw))
        if isinstance(x, list) and x:
            try:
                return float(x[0])
            except (TypeError, ValueError):
                return None
    return None


class ProtocolPage:
    """What the browser keeps of a session's page: widget states, URL and the run in flight.

    ``apply`` reads one ForwardMsg the way the frontend does for what a rerun needs: new widgets
    (and values the script set) update the widget states, ``page_info_changed`` updates the query
    string, and the ε slider's delta gives its id, option labels, fragment and page script hash.
    ``begin`` starts watching a new run: it is the first ``new_session`` that arrives after it,
    and it is over at the ``script_finished`` carrying that run's id.
    """

    def __init__(self, query_string: str):
        self.query_string = query_string
        self.widgets: dict = {}  # widget id → WidgetState, in the order first seen
        self.session_id: str | None = None
        self.epsilon: dict | None = None  # id, options, fragment_id, page_script_hash
        self.exceptions: list[str] = []
        self.begin()

    def begin(self) -> None:
        self.run_id: str | None = None
        self.finished: int | None = None  # ScriptFinishedStatus of the run
        self.finished_at: float | None = None
        self.chart_x: float | None = None
        self.chart_at: float | None = None

    def apply(self, msg, now: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.run_id = msg.metadata.run.script_run_id or "?"
            self.finished = self.finished_at = self.chart_x = self.chart_at = None
            if msg.new_session.initialize.session_id:
                self.session_id = msg.new_session.initialize.session_id
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "script_finished":
            run_id = msg.metadata.run.script_run_id
            if self.run_id is not None and (not run_id or run_id == self.run_id):
                self.finished, self.finished_at = msg.script_finished, now
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg, now)

    def _element(self, msg, now: float) -> None:
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:500])
        elif kind == "plotly_chart":
            self.chart_x, self.chart_at = your_setting_x(element.plotly_chart.spec), now
        state = widget_state(element)
        if state is None:
            return
        widget = getattr(element, kind)
        if state.id not in self.widgets or widget.set_value:
            self.widgets[state.id] = state
        if kind == "slider" and widget_key(widget.id) == EPSILON_KEY:
            self.epsilon = {
                "id": widget.id,
                "options": list(widget.options),
                "fragment_id": msg.delta.fragment_id,
                "page_script_hash": msg.metadata.active_script_hash,
            }

    def epsilon_label(self) -> str | None:
        """The ε slider's current option label, as the browser would send it."""
        state = self.widgets.get(self.epsilon["id"]) if self.epsilon else None
        data = state.string_array_value.data if state is not None else []
        return data[0] if data else None

    def set_epsilon(self, label: str) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        state = WidgetState(id=self.epsilon["id"])
        state.string_array_value.data.append(label)
        self.widgets[state.id] = state

    def rerun(self, url: str, fragment: bool = False):
        """The rerun BackMsg the browser sends: every widget state, the URL's query string and,
        for a widget inside a fragment, that fragment's id and the page's script hash."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.widget_states.SetInParent()  # present even when empty, as the browser sends it
        rerun.widget_states.widgets.extend(self.widgets.values())
        if fragment:
            rerun.fragment_id = self.epsilon["fragment_id"]
            rerun.page_script_hash = self.epsilon["page_script_hash"]
        for name, value in CONTEXT_INFO.items():
            setattr(rerun.context_info, name, value)
        rerun.context_info.url = url
        return msg


async def open_stream(base_url: str, session_id: str | None = None, cookie: str | None = None):
    """The page's WebSocket, as the browser opens it (``session_id``: a reconnect; ``cookie``:
    the Cookie header the browser would send, which the app reads as ``st.context.cookies``)."""
    from websockets.asyncio.client import connect

    # The subprotocol header carries ("streamlit", XSRF token, session to resume); the token
    # only matters for st.login cookies, which this app does not use.
    subprotocols = ["streamlit", "no-xsrf-token", session_id] if session_id else ["streamlit"]
    return await connect(
        "ws" + base_url.removeprefix("http") + STREAM_PATH,
        origin=base_url,
        subprotocols=subprotocols,
        proxy=None,
        ping_interval=None,  # browsers never ping; the server's pings are answered
        max_size=2**24,
        open_timeout=LANDING_TIMEOUT_S,
        additional_headers={"Cookie": cookie} if cookie else None,
    )


async def read_until_finished(ws, page: ProtocolPage, deadline: float) -> None:
    """Apply ForwardMsgs until the watched run is over (not "finished early for a rerun")."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    while page.finished is None or page.finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
        if page.finished is not None:  # interrupted: wait for the run that replaced it
            page.begin()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the run did not finish in time")
        data = await asyncio.wait_for(ws.recv(decode=False), remaining)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        page.apply(msg, time.monotonic())


def fetch_page(url: str) -> int:
    """What a browser's first visit asks over HTTP: the page, its scripts and styles, health and
    host config (not the chunks the page loads later, e.g. Plotly's). Returns bytes received."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = url.split("?", 1)[0].rstrip("/")

    def get(target: str) -> bytes:
        request = urllib.request.Request(target, headers={"Accept-Encoding": "gzip"})
        with opener.open(request, timeout=LANDING_TIMEOUT_S) as response:
            return response.read()

    page = get(url)
    received = len(page)
    text = page.decode("utf-8", "replace")
    for path in dict.fromkeys(ASSET_PATTERN.findall(text)):
        received += len(get(f"{base}/{path}"))
    for path in ("_stcore/health", "_stcore/host-config"):
        received += len(get(f"{base}/{path}"))
    return received


async def protocol_landing(url: str, page: ProtocolPage, deadline: float):
    """Open the page like a first visit; return the WebSocket once the first run is over."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    base_url = url.split("/?", 1)[0]
    await asyncio.to_thread(fetch_page, url)
    ws = await open_stream(base_url)
    try:
        page.begin()
        await ws.send(page.rerun(base_url + "/").SerializeToString())
        await read_until_finished(ws, page, deadline)
        if page.finished != ForwardMsg.FINISHED_SUCCESSFULLY:
            raise RuntimeError(f"first run ended with status {page.finished}")
        if page.epsilon is None or page.chart_x is None:
            raise RuntimeError("first run sent no ε slider or no chart")
    except BaseException:
        await ws.close()
        raise
    return ws


async def protocol_warm_up(url: str) -> float:
    """The facilitator's visit of the shared link, over the protocol: seconds to the chart."""
    page = ProtocolPage(urllib.parse.urlsplit(url).query)
    start = time.monotonic()
    ws = await protocol_landing(url, page, start + LANDING_TIMEOUT_S)
    await ws.close()
    return page.finished_at - start
