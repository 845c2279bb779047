"""The dashboard's two themes, dark and light, registered as Textual themes.

Colours live here and in the .tcss files only. Under ``NO_COLOR`` Textual renders in monochrome
and the stylesheet's ``:nocolor`` rules keep states readable by text style alone.
"""

from __future__ import annotations

from textual.theme import Theme

DARK = Theme(
    name="airbnb-tui-dark",
    primary="#FF5A5F",
    secondary="#00A699",
    accent="#FC642D",
    warning="#FFB400",
    error="#E0435E",
    success="#3FB37F",
    foreground="#E6E6E6",
    background="#1B1B1F",
    surface="#242429",
    panel="#2E2E35",
    dark=True,
)

LIGHT = Theme(
    name="airbnb-tui-light",
    primary="#D93B40",
    secondary="#007A70",
    accent="#C4461A",
    warning="#A86F00",
    error="#B3203A",
    success="#1E7F52",
    foreground="#222222",
    background="#F7F7F7",
    surface="#EDEDED",
    panel="#E2E2E2",
    dark=False,
)

THEMES = (DARK, LIGHT)
DEFAULT_THEME = DARK.name


def toggled(current: str) -> str:
    """The other theme of the pair: dark after our light theme, light after any other."""
    return LIGHT.name if current != LIGHT.name else DARK.name
