"""Command palette entries for every action of the screen the palette was opened on."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from airbnb_tui.ui.keymap import BoundAction, available_actions


class ActionsProvider(Provider):
    """Offers each bound action of the calling screen and of the app, with its key as a hint."""

    def _actions(self) -> list[BoundAction]:
        return available_actions(self.screen, self.app)

    async def _run(self, item: BoundAction) -> None:
        await self.app.run_action(item.action, item.target)

    async def discover(self) -> Hits:
        for item in self._actions():
            yield DiscoveryHit(
                item.description,
                partial(self._run, item),
                help=f"{item.key} · {item.tooltip}",
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item in self._actions():
            score = matcher.match(item.description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(item.description),
                    partial(self._run, item),
                    text=item.description,
                    help=f"{item.key} · {item.tooltip}",
                )
