"""The import/export screen (/assets/transfer/) and its API (/api/v1/asset-register/import and /export)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from gongdan.assets.models import Asset
from tests.api.conftest import ApiClient, assert_error
from tests.clients import signed_in

GOOD = "code,name,type\r\nL1,总装线,line\r\nL2,包装线,line\r\n".encode("gbk")
BAD = b"code,name,type\r\nL1,Line,line\r\nL2,Line 2,boiler\r\n"


def _upload(content: bytes, name: str = "assets.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_preview_then_import_on_the_screen(admin_browser, line_type, django_assert_max_num_queries):
    url = reverse("assets:register_transfer")
    assert admin_browser.get(url).status_code == 200

    preview = admin_browser.post(url, {"kind": "assets", "file": _upload(GOOD)})
    body = preview.content.decode()
    assert preview.status_code == 200 and 'id="import-confirm"' in body and "总装线" not in body
    assert not Asset.objects.exists()
    token = preview.context["token"]

    done = admin_browser.post(url, {"token": token})
    assert done.status_code == 200 and done.context["report"].applied
    assert sorted(Asset.objects.values_list("name", flat=True)) == ["包装线", "总装线"]
    assert admin_browser.post(url, {"token": token}).status_code == 400  # the file was used once


def test_errors_are_listed_by_row_and_column_and_the_import_is_not_offered(admin_browser, line_type):
    response = admin_browser.post(
        reverse("assets:register_transfer"), {"kind": "assets", "file": _upload(BAD)}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "gd-import-error" in body and "<code>type</code>" in body and "boiler" in body
    assert 'id="import-confirm"' in body and "disabled" in body.split('id="import-confirm"')[1][:40]


def test_a_file_that_cannot_be_read_is_a_form_error(admin_browser, line_type):
    response = admin_browser.post(
        reverse("assets:register_transfer"), {"kind": "assets", "file": _upload(b"\x00\x01binary", "x.exe")}
    )
    assert response.status_code == 422 and "is-invalid" in response.content.decode()


def test_a_tampered_token_is_refused(admin_browser):
    response = admin_browser.post(reverse("assets:register_transfer"), {"token": "abc:def"})
    assert response.status_code == 400


def test_only_administrators_reach_the_screen(agent, lead):
    for user in (agent, lead):
        client = signed_in(user)
        assert client.get(reverse("assets:register_transfer")).status_code in (302, 403)
        assert client.get(reverse("assets:register_download", args=["assets", "csv"])).status_code in (
            302,
            403,
        )


def test_the_template_and_export_downloads(admin_browser, compressor_type, make_asset):
    make_asset("AC-01")
    template = admin_browser.get(
        reverse("assets:register_download", args=["assets", "xlsx"]), {"template": "1"}
    )
    sheet = load_workbook(io.BytesIO(template.content))["assets"]
    assert [c.value for c in sheet[1]][:3] == ["code", "name", "type"] and sheet.max_row == 1
    assert "cf.power_kw" in [c.value for c in sheet[1]]
    export = admin_browser.get(reverse("assets:register_download", args=["assets", "csv"]))
    assert export["Content-Disposition"].startswith("attachment;")
    assert "AC-01" in export.content.decode("utf-8-sig")
    assert admin_browser.get(reverse("assets:register_download", args=["boats", "csv"])).status_code == 404


def test_the_api_returns_the_report_and_imports(admin_user, line_type, agent):
    api = ApiClient(admin_user)

    dry = api.client.post(
        "/api/v1/asset-register/import",
        {"file": _upload(BAD), "kind": "assets", "dry_run": "true"},
        headers=api.headers,
    )
    assert dry.status_code == 200, dry.content
    report = dry.json()
    assert report["applied"] is False and report["failed"] == 1
    assert report["rows"][1]["errors"] == [
        {"row": 3, "column": "type", "message": "No asset type has the code “boiler”."}
    ]

    valid = api.client.post(
        "/api/v1/asset-register/import",
        {"file": _upload(BAD), "kind": "assets", "mode": "valid"},
        headers=api.headers,
    )
    assert valid.json()["applied"] is True and list(Asset.objects.values_list("code", flat=True)) == ["L1"]

    unreadable = api.client.post(
        "/api/v1/asset-register/import", {"file": _upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
                                  "kind": "assets"}, headers=api.headers,
    )  # fmt: skip
    assert_error(unreadable, 422, "file_type")
    other = ApiClient(agent)
    refused = other.client.post(
        "/api/v1/asset-register/import", {"file": _upload(GOOD), "kind": "assets"}, headers=other.headers
    )
    assert_error(refused, 403)


def test_the_api_exports_the_same_format(admin_user, line_type, django_assert_max_num_queries):
    api = ApiClient(admin_user)
    api.client.post(
        "/api/v1/asset-register/import", {"file": _upload(GOOD), "kind": "assets"}, headers=api.headers
    )

    with django_assert_max_num_queries(12):
        response = api.get("asset-register/export", {"kind": "assets", "format": "csv"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code,name,type") and len(lines) == 3
    assert_error(api.get("asset-register/export", {"kind": "boats"}), 422)
