"""Files on tickets: size and type limits, images recognised by content, nothing active stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import Attachment, Comment
from gongdan.tickets.services import IncomingFile, attachment_add, ticket_comment, ticket_create

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def ticket(requester, category):
    return ticket_create(actor=requester, subject="Broken screen", category=category)


def test_a_photo_is_stored_as_an_inline_image_with_its_hash(requester, ticket):
    attachment = attachment_add(
        actor=requester, ticket=ticket, file=IncomingFile("../../现场照片.jpg", image_bytes("JPEG"))
    )
    assert attachment.filename == "现场照片.jpg"
    assert attachment.is_image and attachment.content_type == "image/jpeg"
    assert len(attachment.sha256) == 64
    assert "现场照片" not in attachment.file.name  # stored under a random name
    with attachment.file.open("rb") as stored:
        assert stored.read()[:2] == b"\xff\xd8"


def test_a_file_renamed_to_png_is_not_treated_as_an_image(requester, ticket):
    attachment = attachment_add(
        actor=requester, ticket=ticket, file=IncomingFile("fake.png", b"MZ\x90\x00 not an image")
    )
    assert not attachment.is_image
    assert attachment.content_type == "application/octet-stream"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<p>hi</p>"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("innocent.txt", b"<!DOCTYPE html><script>alert(1)</script>"),
        ("tool.exe", b"MZ\x90\x00"),
        ("empty.txt", b""),
    ],
)
def test_active_or_empty_files_are_refused(requester, ticket, name, content):
    with pytest.raises(ValidationFailed) as error:
        attachment_add(actor=requester, ticket=ticket, file=IncomingFile(name, content))
    assert "file" in error.value.details
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused(settings, requester, ticket):
    settings.GONGDAN_MAX_ATTACHMENT_BYTES = 1024
    with pytest.raises(ValidationFailed) as error:
        attachment_add(actor=requester, ticket=ticket, file=IncomingFile("big.pdf", b"%PDF" + b"0" * 2000))
    assert error.value.code == "file_too_large"


def test_one_bad_file_in_a_reply_saves_neither_the_reply_nor_the_other_files(requester, ticket):
    files = [IncomingFile("ok.png", image_bytes()), IncomingFile("bad.svg", b"<svg/>")]
    with pytest.raises(ValidationFailed):
        ticket_comment(actor=requester, ticket=ticket, body="two files", files=files)
    assert not Comment.objects.exists()
    assert not Attachment.objects.exists()


def test_a_reply_with_files_keeps_them_on_the_comment(requester, ticket):
    comment = ticket_comment(actor=requester, ticket=ticket, body="", files=[IncomingFile("a.png", image_bytes()),
                                                                           IncomingFile("log.txt", b"error 42")])  # fmt: skip
    assert sorted(a.filename for a in comment.attachments.all()) == ["a.png", "log.txt"]
    event = ticket.events.get(kind="commented")
    assert event.data["attachments"] == ["a.png", "log.txt"]
