"""The workshop room's UI: the per-browser token, the room store, links and QR codes.

Kept apart from the explorer's controls and caches so the room pages and the saved scenarios'
ownership checks share one place without growing those modules.

The per-browser token
---------------------
A random ``secrets.token_urlsafe`` value that stops one browser voting twice and marks what it
saves as its own. Streamlit 1.67 can read cookies (``st.context.cookies``, sent with the page's
WebSocket handshake) but has no API to set one. Options weighed:

- ``st.session_state`` alone: lost on every reload, so a reload would be a fresh vote.
- a URL query parameter: survives reloads, but the address bar is what people copy and share,
  and the token would travel in every shared link.
- a cookie written once by a tiny script (``st.html(..., unsafe_allow_javascript=True)``; the
  script contains only our own token, checked against a strict pattern, never user input) and
  read back with ``st.context.cookies`` on the next connection: survives reloads, never appears
  in a link. Chosen. Where cookies are blocked it degrades to the session-only token.

A participant who clears cookies or opens a private window gets a new token and could answer
again: the token stops accidental double votes and floods, not a determined person with many
browsers (the page says nothing stronger).
"""

from __future__ import annotations

import io
import os
import re
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st

from core.rooms.workshop import (
    BROWSER_TOKEN_PATTERN,
    FACILITATOR_KEY_PATTERN,
    RoomError,
    new_secret,
)
from core.store.room_store import RoomStore, RoomUnavailableError
from core.store.storage import Actor
from ui.cached import open_store
from ui.display import plain

TOKEN_COOKIE = "pte_browser"
TOKEN_COOKIE_MAX_AGE_S = 7 * 24 * 3600
COOKIE_NAME_PATTERN = re.compile(r"^pte_[a-z_]+[A-Z0-9]*$")
PARTICIPANT_PAGE = "pages/16_Room.py"
PARTICIPANT_PATH = "Room"  # the URL path Streamlit gives pages/16_Room.py
FACILITATOR_PATH = "Room_facilitator"
PUBLIC_URL_ENV = "PTE_PUBLIC_URL"  # e.g. https://workshop.example.org behind a proxy
FALLBACK_BASE_URL = "http://localhost:8501"


def browser_token() -> str:
    """This browser's random token: from its cookie if it has one, else a new one."""
    token = st.session_state.get("_browser_token")
    if token:
        return token
    cookie = st.context.cookies.get(TOKEN_COOKIE)
    if isinstance(cookie, str) and BROWSER_TOKEN_PATTERN.match(cookie):
        token = cookie
    else:
        token = new_secret()
        st.session_state["_browser_token_to_store"] = True
    st.session_state["_browser_token"] = token
    return token


def remember_browser() -> None:
    """Write a new token to a cookie once per session (call at the bottom of the page)."""
    token = browser_token()
    if st.session_state.pop("_browser_token_to_store", False):
        write_cookie(TOKEN_COOKIE, token)


def write_cookie(name: str, value: str) -> None:
    """Set a cookie from the browser (Streamlit cannot); only our own random values go in."""
    # Both are ours (a fixed name, a token_urlsafe value): checked so nothing else can be
    # written into the script.
    if not (FACILITATOR_KEY_PATTERN.match(value) and COOKIE_NAME_PATTERN.match(name)):
        raise ValueError(f"Refusing to write cookie {name!r}: not one of the app's own values.")
    st.html(
        f"<script>document.cookie = '{name}={value}; path=/; "
        f"max-age={TOKEN_COOKIE_MAX_AGE_S}; SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
    )


def room_key_cookie(code: str) -> str:
    return "pte_room_key_" + code.replace("-", "")


def remembered_room_key(code: str) -> str | None:
    """The facilitator key this browser keeps for room ``code`` (see write_cookie)."""
    key = st.context.cookies.get(room_key_cookie(code))
    return key if isinstance(key, str) and FACILITATOR_KEY_PATTERN.match(key) else None


def facilitated_rooms() -> frozenset[str]:
    """Rooms whose facilitator key this session has shown (on the facilitator page)."""
    return frozenset(st.session_state.get("_facilitated_rooms", ()))


def mark_facilitator(code: str) -> None:
    st.session_state["_facilitated_rooms"] = set(facilitated_rooms()) | {code}


def owner_keys() -> frozenset[str]:
    """Owner keys of saved scenarios this session was given at save or has typed in."""
    return frozenset(st.session_state.get("_owner_keys", ()))


def add_owner_key(key: str) -> None:
    st.session_state["_owner_keys"] = set(owner_keys()) | {key}


def actor() -> Actor:
    """Who this session is, for the saved scenarios' ownership rules."""
    return Actor(browser_token(), facilitated_rooms(), owner_keys())


@st.cache_resource(max_entries=4)
def _room_store_at(url: str) -> RoomStore:
    # One per database for the process (see ui.cached._store_at).
    return RoomStore(url)


def get_room_store() -> RoomStore:
    return open_store(_room_store_at)


def ended_message(store: RoomStore, code: str) -> str | None:
    """A calm sentence for a phone when room ``code`` was closed by its facilitator (the normal
    end of a workshop, not an error); None for any other reason a room cannot be read."""
    try:
        room = store.room(code, allow_closed=True)
    except RoomError:
        return None
    if not room.closed:
        return None
    return (
        f"Room {room.code} has closed: the workshop is over and every answer has been deleted. "
        "Thank you for taking part. To join another room, type its code below."
    )


def base_url() -> str:
    """scheme://host:port the participants reach: $PTE_PUBLIC_URL, else this page's own URL."""
    configured = os.environ.get(PUBLIC_URL_ENV, "").strip().rstrip("/")
    if configured:
        return configured
    url = st.context.url
    if not url:
        return FALLBACK_BASE_URL
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def participant_link(code: str) -> str:
    """The link participants open: the room code only, never a token or a key."""
    return f"{base_url()}/{PARTICIPANT_PATH}?{urlencode({'room': code})}"


def facilitator_link(code: str, key: str) -> str:
    """The facilitator's own link: whoever has it can run (and close) the room."""
    return f"{base_url()}/{FACILITATOR_PATH}?{urlencode({'room': code, 'key': key})}"


def qr_png(url: str, scale: int = 8) -> bytes:
    """A QR code of ``url`` as a PNG (black on white, readable from the back of a room).

    A PNG through ``st.image`` rather than inline SVG: ``st.html`` sanitises its markup, and an
    image scales with the column on any projector.
    """
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


HIDE_SIDEBAR_CSS = (
    "<style>"
    '[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],'
    '[data-testid="stExpandSidebarButton"] { display: none; }'
    "</style>"
)


def wait_for_database(message: str, check, every_s: float) -> None:
    """The database is away (a restart, a network blip): say so, keep the page (room, token, key)
    and rerun it by itself once ``check()`` stops raising RoomUnavailableError. Stops the run."""
    st.warning(plain(message), icon=":material/sync_problem:")

    @st.fragment(run_every=every_s)
    def retry() -> None:
        # The first (inline) run only arms the timer: a rerun from here would loop at once.
        if not st.session_state.pop("_database_retry_armed", False):
            st.session_state["_database_retry_armed"] = True
            return
        try:
            check()
        except RoomUnavailableError:
            st.session_state["_database_retry_armed"] = True
            return
        except ValueError:
            pass  # the database answers (with another error the page itself will show)
        st.rerun()

    retry()
    remember_browser()
    st.stop()
