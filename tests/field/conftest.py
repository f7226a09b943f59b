"""Field app helpers: a signed-in phone (session cookie + CSRF header, as the app's script sends them),
places with and without coordinates, and jobs made by the ticket services."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from gongdan.assets.services import location_create
from gongdan.tickets.services import ticket_assign, ticket_create


class Phone:
    def __init__(self, user: Any) -> None:
        self.user = user
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        self.client.get("/m/")  # sets the csrftoken cookie, as opening the app does

    @property
    def csrf(self) -> str:
        return self.client.cookies["csrftoken"].value

    def get(self, path: str, **kw: Any):
        return self.client.get(path, **kw)

    def post(
        self,
        path: str,
        data: Any = None,
        *,
        key: str | None = None,
        content_type: str = "application/json",
        **kw: Any,
    ):
        url = path if path.startswith("/") else f"/api/v1/field/{path}"
        body = data if isinstance(data, bytes | str) else json.dumps(data if data is not None else {})
        headers = {
            "X-CSRFToken": self.csrf,
            "Idempotency-Key": key or uuid.uuid4().hex,
            **kw.pop("headers", {}),
        }
        return self.client.post(url, data=body, content_type=content_type, headers=headers, **kw)


@pytest.fixture
def phone_of():
    return Phone


@pytest.fixture
def phone(agent) -> Phone:
    return Phone(agent)


@pytest.fixture
def site(db):
    # Shanghai, Pudong: the job's place has coordinates through its site.
    return location_create(
        actor=None, name="浦东园区", kind="site", latitude="31.221500", longitude="121.544000", code="PD"
    )


@pytest.fixture
def room(site):
    return location_create(actor=None, parent=site, name="B2-301", kind="room", code="B2-301")


@pytest.fixture
def make_job(requester, category, agent, room):
    def make(*, assignee: Any = agent, **kwargs: Any):
        kwargs.setdefault("subject", "空调漏水 AC leaking")
        kwargs.setdefault("category", category)
        kwargs.setdefault("location", room)
        ticket = ticket_create(actor=requester, **kwargs)
        if assignee is not None:
            ticket = ticket_assign(actor=assignee, ticket=ticket, assignee=assignee)
        return ticket

    return make


@pytest.fixture
def job(make_job):
    return make_job()


def jpeg(width: int = 800, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def png_data_url(width: int = 300, height: int = 120) -> str:
    import base64

    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), "white")
    for x in range(20, width - 20):
        image.putpixel((x, height // 2 + (x % 17) - 8), (20, 30, 60))
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


HERE = {"latitude": 31.2216, "longitude": 121.5441, "accuracy": 12}  # ~15 m from the site's point
