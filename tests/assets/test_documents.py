"""Documents and photos on assets: the attachment checks, 0600 storage, thumbnails, access, audited delete."""

import io
import os
import stat

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gongdan.assets.documents import asset_document_add, asset_document_delete
from gongdan.assets.models import AssetDocument, AssetEvent
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.core.uploads import IncomingFile
from tests.api.conftest import ApiClient, assert_error
from tests.clients import signed_in

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png(size=(1200, 800)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def asset(make_asset):
    return make_asset("AC-01")


def test_a_photo_is_kept_0600_with_a_thumbnail_and_recorded(asset, admin_user):
    document = asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile("pump.png", png()))

    assert (document.kind, document.is_image, document.content_type) == ("photo", True, "image/png")
    assert stat.S_IMODE(os.stat(default_storage.path(document.file.name)).st_mode) == 0o600
    assert "pump" not in document.file.name  # the stored name never comes from the uploader
    with Image.open(default_storage.path(document.thumbnail.name)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 320
    assert AssetEvent.objects.filter(asset=asset, kind="document_added").exists()
    assert AuditEntry.objects.filter(kind="assets.document_add", object_id=str(document.pk)).exists()


def test_a_manual_is_a_document_without_thumbnail(asset, admin_user):
    document = asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile("manual.pdf", PDF),
                                  title="  Operating   manual ")  # fmt: skip
    assert (document.kind, document.title, document.content_type) == (
        "manual",
        "Operating manual",
        "application/pdf",
    )
    assert not document.thumbnail


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", ""),
        ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", ""),
        ("run.exe", b"MZ\x90\x00", ""),
        ("empty.pdf", b"", ""),
        ("manual.pdf", PDF, "photo"),
        ("manual.pdf", PDF, "poster"),
    ],
)
def test_unsafe_or_wrong_files_are_refused_and_nothing_is_kept(asset, admin_user, name, content, kind):
    with pytest.raises(ValidationFailed):
        asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile(name, content), kind=kind)
    assert not AssetDocument.objects.exists()


def test_the_size_limit_of_attachments_applies(asset, admin_user, settings):
    settings.GONGDAN_MAX_ATTACHMENT_BYTES = 100
    with pytest.raises(ValidationFailed) as caught:
        asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile("big.pdf", PDF * 10))
    assert caught.value.code == "file_too_large"


def test_agents_cannot_add_or_remove(asset, admin_user, agent):
    with pytest.raises(PermissionDenied):
        asset_document_add(actor=agent, asset=asset, incoming=IncomingFile("m.pdf", PDF))
    document = asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile("m.pdf", PDF))
    with pytest.raises(PermissionDenied):
        asset_document_delete(actor=agent, document=document)


def test_delete_is_audited_and_the_files_go_after_commit(
    asset, admin_user, django_capture_on_commit_callbacks
):
    document = asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile("p.png", png()))
    paths = [document.file.name, document.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        asset_document_delete(actor=admin_user, document=document)

    assert not AssetDocument.objects.exists()
    assert not any(default_storage.exists(p) for p in paths)
    entry = AuditEntry.objects.get(kind="assets.document_delete")
    assert entry.detail["asset"] == "AC-01" and entry.detail["filename"] == "p.png"
    assert AssetEvent.objects.filter(asset=asset, kind="document_removed").exists()


def test_the_asset_page_lists_documents_and_thumbnails(
    asset, admin_user, agent, django_assert_max_num_queries
):
    for n in range(3):
        asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile(f"p{n}.png", png((64, 48))))
        asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile(f"m{n}.pdf", PDF))
    client = signed_in(agent)

    with django_assert_max_num_queries(25):
        response = client.get(reverse("assets:asset_detail", args=["AC-01"]))
    body = response.content.decode()
    assert body.count("thumbnail.jpg") == 3 and "m2.pdf" in body
    assert "doc-file" not in body  # agents do not upload


def test_files_are_served_to_staff_only_with_safe_headers(asset, admin_user, agent, requester):
    photo = asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile("p.png", png((64, 48))))
    manual = asset_document_add(actor=admin_user, asset=asset, incoming=IncomingFile("m.pdf", PDF))
    client = signed_in(agent)

    image = client.get(reverse("assets:document_file", args=["AC-01", photo.pk]))
    assert image["Content-Type"] == "image/png" and "attachment" not in image.get("Content-Disposition", "")
    assert image["X-Content-Type-Options"] == "nosniff" and "sandbox" in image["Content-Security-Policy"]
    pdf = client.get(reverse("assets:document_file", args=["AC-01", manual.pk]))
    assert pdf["Content-Disposition"].startswith("attachment")
    thumb = client.get(reverse("assets:document_thumbnail", args=["AC-01", photo.pk]))
    assert thumb["Content-Type"] == "image/jpeg"
    assert client.get(reverse("assets:document_file", args=["OTHER", photo.pk])).status_code == 404
    assert (
        signed_in(requester).get(reverse("assets:document_file", args=["AC-01", photo.pk])).status_code == 403
    )


def test_upload_and_delete_on_the_page(asset, admin_browser):
    upload = admin_browser.post(
        reverse("assets:document_upload", args=["AC-01"]),
        {"file": SimpleUploadedFile("manual.pdf", PDF), "kind": "manual", "title": "说明书"},
    )
    assert upload.status_code == 302
    document = AssetDocument.objects.get()
    assert document.title == "说明书"
    refused = admin_browser.post(
        reverse("assets:document_upload", args=["AC-01"]), {"file": SimpleUploadedFile("x.html", b"<html>")}
    )
    assert refused.status_code == 302 and AssetDocument.objects.count() == 1
    gone = admin_browser.post(reverse("assets:document_delete", args=["AC-01", document.pk]))
    assert gone.status_code == 302 and not AssetDocument.objects.exists()


def test_the_api(asset, admin_user, agent):
    api = ApiClient(admin_user)
    created = api.client.post(
        "/api/v1/assets/AC-01/documents",
        {"file": SimpleUploadedFile("p.png", png((64, 48))), "title": "铭牌"},
        headers=api.headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "photo" and body["is_image"] and body["title"] == "铭牌"

    listed = ApiClient(agent).get("assets/AC-01/documents")
    assert [d["id"] for d in listed.json()] == [body["id"]]
    download = ApiClient(agent).get(f"asset-documents/{body['id']}")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    refused = api.client.post(
        "/api/v1/assets/AC-01/documents",
        {"file": SimpleUploadedFile("x.svg", b"<svg/>")},
        headers=api.headers,
    )
    assert_error(refused, 422)
    assert_error(ApiClient(agent).delete(f"asset-documents/{body['id']}"), 403)
    assert api.delete(f"asset-documents/{body['id']}").status_code == 204
    assert_error(api.get(f"asset-documents/{body['id']}"), 404)
