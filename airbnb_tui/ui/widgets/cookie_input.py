"""The cookie field: masked, and able to take a whole multi-line "Copy as cURL" paste.

Textual's Input keeps only the first line of a paste; a cURL snippet spans many, with the cookie
somewhere in the middle. This field keeps every line and shows nothing but bullets; what the
operator sees instead is :func:`cookie_summary` — how many cookies and which, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.widgets import Input

SUMMARY_NAMES = 2
PREFERRED_NAMES = ("_aat", "_user_attributes", "_airbed_session_id")


class CookieInput(Input):
    """A password Input whose paste keeps newlines (``Input.value`` holds the raw text)."""

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        super().__init__(password=True, id=id, placeholder=placeholder, compact=True)

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            start, end = sorted(self.selection)
            if start == end:
                self.insert_text_at_cursor(event.text)
            else:
                self.replace(event.text, start, end)
        event.stop()
        event.prevent_default()


def cookie_summary(cookies: Mapping[str, str]) -> str:
    """``23 cookies (_aat, _user_attributes, …)``: names only, the auth ones first."""
    names = [name for name in PREFERRED_NAMES if name in cookies]
    names += [name for name in cookies if name not in names]
    shown = ", ".join(names[:SUMMARY_NAMES])
    more = ", …" if len(names) > SUMMARY_NAMES else ""
    count = len(cookies)
    return f"{count} cookie{'s' if count != 1 else ''} ({shown}{more})"
