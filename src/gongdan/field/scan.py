"""What a scanned (or typed) code names, and where the phone goes with it.

Codes the phone understands:
- the address on a technician label: `<site>/m/locations/<id>/` (or any other /m/ page);
- the address on a public "report a problem here" label: `<site>/portal/new/?location=<id>` (or the
  form without an account, `/portal/report/?location=<id>`) — a technician scanning it is shown that
  place, with its open jobs and a "new ticket here" button;
- the address on an asset's label, `<site>/a/<code>/` → the asset's page;
- a ticket number (GD-2026-000123) → the job;
- a location's code as written on the wall ("B2-F3-R301") → the place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.assets.models import Asset, AssetStatus, Location
from gongdan.core.domain_errors import NotFound, ValidationFailed
from gongdan.field import selectors

MAX_CODE = 500
TICKET_NUMBER = re.compile(r"^[A-Z][A-Z0-9]{0,9}-[0-9A-Z-]{1,30}$")


@dataclass(frozen=True)
class Target:
    kind: str  # "job", "location", "asset" or "page"
    url: str


def _location_target(location_id: int | str) -> Target:
    try:
        pk = int(location_id)
    except (TypeError, ValueError):
        raise NotFound(_("No job or place has this code.")) from None
    if not Location.objects.filter(pk=pk, is_active=True).exists():
        raise NotFound(_("No job or place has this code."))
    return Target("location", reverse("field:location", args=[pk]))


def _asset_target(code: str) -> Target:
    asset = Asset.objects.filter(code__iexact=code[:60]).exclude(status=AssetStatus.RETIRED).first()
    if asset is None:
        raise NotFound(_("No job or place has this code."))
    return Target("asset", reverse("assets:asset_detail", args=[asset.code]))


def resolve_code(*, actor: User, code: str) -> Target:
    code = (code or "").strip()
    if not code:
        message = _("Scan a code or type a ticket number.")
        raise ValidationFailed(message, details={"code": [message]})
    if len(code) > MAX_CODE or not code.isprintable():
        message = _("This is not a code Gongdan made.")
        raise ValidationFailed(message, details={"code": [message]})
    if "/" in code:
        try:
            parts = urlsplit(code)
        except ValueError:  # e.g. "http://[" : not an address at all
            raise NotFound(_("No job or place has this code.")) from None
        path = parts.path or "/"
        if path.startswith(("/portal/new", "/portal/report")):
            query = parse_qs(parts.query)
            if asset_code := query.get("asset", [""])[0]:
                return _asset_target(asset_code)
            return _location_target(query.get("location", [""])[0])
        if path.startswith("/a/") and path.count("/") == 3:
            return _asset_target(path.split("/")[2])
        if path.startswith("/m/"):
            try:
                match = resolve(path)
            except Resolver404:
                raise NotFound(_("No job or place has this code.")) from None
            if match.url_name == "location":
                return _location_target(match.kwargs["pk"])
            if match.url_name == "job":
                selectors.job_get(actor=actor, number=match.kwargs["number"])
                return Target("job", reverse("field:job", args=[match.kwargs["number"].upper()]))
            return Target("page", path)
        raise NotFound(_("No job or place has this code."))
    upper = code.upper()
    if TICKET_NUMBER.match(upper):
        try:
            ticket = selectors.job_get(actor=actor, number=upper)
        except NotFound:
            ticket = None
        if ticket is not None:
            return Target("job", reverse("field:job", args=[ticket.number]))
    location = Location.objects.filter(code__iexact=code, is_active=True).order_by("pk").first()
    if location is not None:
        return Target("location", reverse("field:location", args=[location.pk]))
    raise NotFound(_("No job or place has this code."))
