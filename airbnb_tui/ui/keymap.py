"""The actions a screen offers, read from its bindings: one list for the help screen and the
command palette, so a key, its description and its palette entry can never drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

OWN_PACKAGE = "airbnb_tui.ui"


@dataclass(frozen=True)
class BoundAction:
    """A binding as the operator sees it: the key, what it does, and where it runs."""

    key: str
    description: str
    tooltip: str
    action: str
    binding_id: str | None
    target: DOMNode


def _own_bindings(node: DOMNode) -> list[Binding]:
    """Bindings declared by this project's classes (Textual's built-ins are left out)."""
    found: list[Binding] = []
    seen: set[str] = set()
    for cls in type(node).__mro__:
        if not cls.__module__.startswith(OWN_PACKAGE):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.action not in seen:
                seen.add(binding.action)
                found.append(binding)
    return found


def available_actions(
    screen: Screen[Any], app: App[Any], *, enabled_only: bool = True
) -> list[BoundAction]:
    """The actions ``screen`` and ``app`` offer, screen first.

    ``enabled_only`` leaves out what cannot run right now (the palette); the help lists all.
    """
    actions: list[BoundAction] = []
    for node in (screen, app):
        for binding in _own_bindings(node):
            if not binding.description:
                continue
            if enabled_only:
                _namespace, name, parameters = parse_action(binding.action)
                if not node.check_action(name, parameters):
                    continue
            actions.append(
                BoundAction(
                    key=app.get_key_display(binding),
                    description=binding.description,
                    tooltip=binding.tooltip,
                    action=binding.action,
                    binding_id=binding.id,
                    target=node,
                )
            )
    return actions


class FooterSync:
    """Refreshes a screen's footer only when one of its actions became (un)available.

    ``refresh_bindings`` recomposes the footer; calling it on every poll (twice a second on the
    job screen) costs CPU and can flicker, so the screens call :meth:`update` instead.
    """

    def __init__(self, screen: Screen[Any]) -> None:
        self.screen = screen
        self._actions = [parse_action(binding.action)[1:] for binding in _own_bindings(screen)]
        self._last: tuple[bool | None, ...] | None = None

    def update(self) -> None:
        state = tuple(self.screen.check_action(name, params) for name, params in self._actions)
        if state != self._last:
            self._last = state
            self.screen.refresh_bindings()
