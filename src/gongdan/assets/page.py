"""What higher apps add to the asset page, registered from their AppConfig.ready() (the assets app sits below
tickets and imports none of them): maintenance adds the work orders, downtime and MTBF/MTTR."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gongdan.accounts.models import User
    from gongdan.assets.models import Asset


@dataclass(frozen=True)
class AssetPanel:
    """A card on the asset page; `context(actor, asset)` returns the template's variables or None."""

    key: str
    template: str
    context: Callable[[User, Asset], dict[str, Any] | None]
    order: int = 100


_panels: dict[str, AssetPanel] = {}


def register_asset_panel(panel: AssetPanel) -> None:
    held = _panels.get(panel.key)
    if held is not None and held.template != panel.template:
        raise ValueError(f"an asset panel named {panel.key!r} is already registered")
    _panels[panel.key] = panel


def asset_panels(actor: User, asset: Asset) -> tuple[list[str], dict[str, Any]]:
    templates: list[str] = []
    context: dict[str, Any] = {}
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        values = panel.context(actor, asset)
        if values is None:
            continue
        context.update(values)
        templates.append(panel.template)
    return templates, context
