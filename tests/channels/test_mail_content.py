"""What arrives in a mail survives into the ticket: charsets, encoded subjects and file names, attachments and
inline images, HTML (sanitised). Each mail goes through a real dovecot over IMAPS."""

from __future__ import annotations

import base64
import io
from email.message import EmailMessage

import pytest
from PIL import Image

from gongdan.channels import imap
from gongdan.channels.models import InboundMail
from gongdan.tickets.models import Ticket
from tests.channels.conftest import make_mail

pytestmark = pytest.mark.django_db


def deliver_and_poll(dovecot, mailbox, raw: bytes) -> Ticket:
    dovecot.append(raw, folder=mailbox.folder)
    result = imap.poll(mailbox.pk)
    assert result.error == ""
    record = InboundMail.objects.get()
    assert record.state == InboundMail.State.TICKET, (record.reason, record.detail)
    return Ticket.objects.get()


def raw_mail(*, subject_header: bytes, charset: str, body: bytes, encoding: str = "base64") -> bytes:
    payload = base64.encodebytes(body) if encoding == "base64" else body
    return (
        b"From: =?utf-8?b?" + base64.b64encode("王芳".encode()) + b"?= <wang.fang@customer.example>\r\n"
        b"To: support@example.test\r\n"
        b"Subject: " + subject_header + b"\r\n"
        b"Message-ID: <" + charset.encode() + b"-1@customer.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: " + encoding.encode() + b"\r\n\r\n" + payload
    )


def encoded_word(text: str, charset: str, codec: str | None = None) -> bytes:
    return b"=?" + charset.encode() + b"?B?" + base64.b64encode(text.encode(codec or charset)) + b"?="


# (label in the mail, codec that writes the bytes, subject, body) — the GB2312-labelled mail carries 镕, a
# character only GBK has, as real mail from old clients does; the Big5 one carries the HKSCS 嘅 (Cantonese).
CASES = [
    ("gb2312", "gbk", "服务器宕机 朱镕基", "机房的服务器宕机了，镕"),
    ("gbk", "gbk", "网络中断", "整栋楼的网络都断了"),
    ("gb18030", "gb18030", "系统故障 𠀀", "报表系统打不开 𠀀"),
    ("big5", "big5hkscs", "印表機故障 嘅", "三樓的印表機壞了，咗"),
    ("utf-8", "utf-8", "Ärger mit dem Drucker ✓", "Der Drucker im 3. Stock druckt nicht. 🙂"),
    ("iso-2022-jp", "iso2022_jp", "プリンターが故障しました", "三階のプリンターが動きません。"),
]


@pytest.mark.parametrize(("charset", "codec", "subject", "body"), CASES, ids=[c[0] for c in CASES])
def test_each_charset_reads_back_as_written(dovecot, mailbox, charset, codec, subject, body):
    raw = raw_mail(
        subject_header=encoded_word(subject, charset, codec), charset=charset, body=body.encode(codec)
    )

    ticket = deliver_and_poll(dovecot, mailbox, raw)

    assert (ticket.subject, ticket.description) == (subject, body)
    assert ticket.requester.name == "王芳"


def test_raw_8bit_gbk_subject_and_quoted_printable_body(dovecot, mailbox):
    # Some clients send the subject as raw GBK bytes with no encoded word at all.
    raw = raw_mail(subject_header="报修：空调不制冷".encode("gbk"), charset="gbk",
                   body=b"=C3=BB=D3=D0=C0=E4=C6=F8", encoding="quoted-printable")  # fmt: skip

    ticket = deliver_and_poll(dovecot, mailbox, raw)

    assert ticket.subject == "报修：空调不制冷"
    assert ticket.description == "没有冷气"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_attachments_with_encoded_names_and_an_inline_image_are_kept(dovecot, mailbox):
    # Given an HTML mail with an inline image (cid:), a PDF named in RFC 2231, a spreadsheet named in an RFC 2047
    # GB2312 encoded word (as Foxmail and old Outlook do), and an executable that must not be kept
    message = make_mail(subject="=?utf-8?q?=E5=8F=91=E7=A5=A8?= 问题", body="见附件。")
    message.add_alternative('<p>见附件 <b>截图</b>：<img src="cid:shot@x"></p>', subtype="html")
    message.get_payload()[1].add_related(_png(), "image", "png", cid="<shot@x>")
    message.add_attachment(
        b"%PDF-1.4 test", maintype="application", subtype="pdf", filename="发票 2026年11月.pdf"
    )
    message.add_attachment(
        b"PK\x03\x04 sheet", maintype="application", subtype="octet-stream", filename="x.xlsx"
    )
    sheet = message.get_payload()[-1]
    sheet.replace_header(
        "Content-Disposition", f'attachment; filename="{encoded_word("报价.xlsx", "gb2312").decode()}"'
    )
    message.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="setup.exe"
    )
    raw = message.as_bytes()
    assert b"filename*=utf-8''" in raw  # the stdlib writes non-ASCII names as RFC 2231

    ticket = deliver_and_poll(dovecot, mailbox, raw)

    # Then the ticket has the image (shown inline as an image), the PDF and the spreadsheet under their real
    # names; the .exe is refused and the description says so
    files = {a.filename: a for a in ticket.attachments.all()}
    assert set(files) == {"shot.png", "发票 2026年11月.pdf", "报价.xlsx"}, files
    assert files["shot.png"].is_image
    assert files["发票 2026年11月.pdf"].content_type == "application/pdf"
    assert ticket.subject == "发票 问题"
    assert ticket.description.startswith("见附件。")
    assert "setup.exe: Files of type .exe are not accepted." in ticket.description


def test_html_only_mail_becomes_text_and_scripts_never_survive(dovecot, mailbox):
    message = EmailMessage()
    message["From"] = "li.na@customer.example"
    message["To"] = "support@example.test"
    message["Subject"] = "网页报错"
    message["Message-ID"] = "<html-only@customer.example>"
    message.set_content(
        '<div>登录后页面<b>报错</b>：</div><div>错误码 500</div><script>alert("x")</script>'
        '<img src="x" onerror="alert(1)">',
        subtype="html",
    )

    ticket = deliver_and_poll(dovecot, mailbox, message.as_bytes())

    assert ticket.description == "登录后页面报错：\n错误码 500"
    assert "<script" not in ticket.description_html and "onerror" not in ticket.description_html
