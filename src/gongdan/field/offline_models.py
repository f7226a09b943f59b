"""The 3D models the phone keeps offline (decision 0167): for the assets of the technician's open work
orders, the GLB each is drawn with (its own, its type's, or its parent machine's) and the viewer script, in
the order of the job list, until GONGDAN_FIELD_OFFLINE_MODEL_BYTES is reached. The service worker asks for
this list (`/m/offline/models.json`), keeps what it names and drops what it no longer names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.templatetags.static import static
from django.urls import reverse

from gongdan.accounts.models import User
from gongdan.assets.access import can_see_assets
from gongdan.assets.models import Asset
from gongdan.core.trees import path_ids
from gongdan.field.selectors import my_jobs
from gongdan.meters.models import TwinModel
from gongdan.meters.selectors import twin_view

VIEWER_SCRIPT = "vendor/model-viewer/model-viewer.min.js"
MAX_MODELS = 20


def viewer_url() -> str:
    return static(VIEWER_SCRIPT)


def model_url(model: TwinModel) -> str:
    """The file's address carries its digest: a replaced model is a new address, so no stale copy is shown."""
    return f"{reverse('meters:twin_model_file', args=[model.pk])}?v={model.sha256[:12]}"


@dataclass
class OfflineModels:
    urls: list[str] = field(default_factory=list)
    bytes: int = 0
    skipped: int = 0  # models left out by the size bound


def _model_for(asset: Asset, by_asset: dict[int, TwinModel], by_type: dict[int, TwinModel],
               ancestors: dict[int, Asset]) -> TwinModel | None:  # fmt: skip
    """As meters.selectors.twin_model_for, on rows read in bulk: the asset's, its type's, then up the tree."""
    chain = [asset] + [ancestors[pk] for pk in reversed(path_ids(asset.path)[:-1]) if pk in ancestors]
    for current in chain:
        found = by_asset.get(current.pk) or by_type.get(current.asset_type_id)
        if found is not None:
            return found
    return None


def offline_models(*, actor: User) -> OfflineModels:
    """Four queries whatever the number of jobs: the jobs, their assets' ancestors, the models."""
    result = OfflineModels()
    if not can_see_assets(actor):
        return result
    jobs = my_jobs(actor=actor)
    asset_ids = [job.ticket.asset_id for job in jobs if job.ticket.asset_id]
    if not asset_ids:
        return result
    assets = {a.pk: a for a in Asset.objects.filter(pk__in=asset_ids).only("pk", "path", "asset_type_id")}
    above = {pk for a in assets.values() for pk in path_ids(a.path)[:-1]}
    ancestors = {a.pk: a for a in Asset.objects.filter(pk__in=above).only("pk", "path", "asset_type_id")}
    every = {**assets, **ancestors}
    models = list(
        TwinModel.objects.filter(
            Q(asset_id__in=every) | Q(asset_type_id__in={a.asset_type_id for a in every.values()})
        ).only("pk", "asset_id", "asset_type_id", "size", "sha256")
    )
    by_asset = {m.asset_id: m for m in models if m.asset_id}
    by_type = {m.asset_type_id: m for m in models if m.asset_type_id}
    limit = int(settings.GONGDAN_FIELD_OFFLINE_MODEL_BYTES)
    chosen: list[TwinModel] = []
    for asset_id in dict.fromkeys(asset_ids):
        asset = assets.get(asset_id)
        model = _model_for(asset, by_asset, by_type, ancestors) if asset else None
        if model is None or model in chosen:
            continue
        if len(chosen) >= MAX_MODELS or result.bytes + model.size > limit:
            result.skipped += 1
            continue
        chosen.append(model)
        result.bytes += model.size
    if chosen:
        result.urls = [viewer_url(), *(model_url(m) for m in chosen)]
    return result


def phone_twin(actor: User, ticket: Any) -> dict[str, Any] | None:
    """The job page's 3D card: the model (at its offline address) with the meters' hotspots."""
    if ticket.asset_id is None or not can_see_assets(actor):
        return None
    view = twin_view(ticket.asset, about=ticket.asset)
    if view is None:
        return None
    return {**view, "url": model_url(view["model"]), "viewer": viewer_url()}
