"""Reading a raw mail: headers in any charset, the text and HTML bodies, attachments and inline images.

The stdlib parser (``policy.default``) does the MIME work. Chinese and Japanese mail needs more care than it
gives: GB2312 labels routinely carry GBK characters, Big5 mail carries HKSCS, and some clients send raw 8-bit
headers with no encoding at all, so text is decoded with the superset codec and a fallback list.
"""

from __future__ import annotations

import email.header
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from gongdan.core.html_sanitize import sanitize_html
from gongdan.tickets.services import IncomingFile

# Labels that under-promise what senders actually put in the bytes.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
    "big5": "big5hkscs", "x-big5": "big5hkscs", "cp950": "big5hkscs",
    "iso-2022-jp": "iso2022_jp_ext", "shift_jis": "cp932", "x-sjis": "cp932", "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949", "us-ascii": "utf-8", "ascii": "utf-8", "iso-8859-1": "cp1252", "latin1": "cp1252",
}  # fmt: skip
FALLBACK_CHARSETS = ("utf-8", "gb18030", "big5hkscs", "cp1252")


class UnreadableMail(ValueError):
    """The mail can't be turned into anything useful (no sender, broken structure): it goes to quarantine."""


@dataclass
class ParsedMail:
    message_id: str
    subject: str
    sender_email: str
    sender_name: str
    to: list[str]
    cc: list[str]
    in_reply_to: str
    references: str
    text: str
    html: str
    html_source: str = ""
    files: list[IncomingFile] = field(default_factory=list)
    message: EmailMessage | None = None

    def header(self, name: str) -> str:
        assert self.message is not None
        return header_text(self.message, name)

    def has_header(self, name: str) -> bool:
        assert self.message is not None
        return name in self.message


def decode_bytes(data: bytes, charset: str | None) -> str:
    label = (charset or "").strip().strip('"').lower()
    codec = CHARSET_SUPERSETS.get(label, label)
    if codec:
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            pass
    for fallback in FALLBACK_CHARSETS:
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return value if isinstance(value, str) else str(value)
    return None


def header_text(message: Message, name: str) -> str:
    """A header as text: RFC 2047 encoded words decoded with the superset codec; raw 8-bit headers (which the
    parser keeps as surrogate escapes) tried as UTF-8, GB18030 and Big5."""
    raw = _raw_header(message, name)
    if raw is None:
        return ""
    raw = re.sub(r"\r?\n[ \t]", " ", raw)  # unfold
    parts: list[str] = []
    try:
        chunks = email.header.decode_header(raw)
    except (email.errors.HeaderParseError, ValueError):
        chunks = [(raw, None)]
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            data = chunk.encode("utf-8", errors="surrogateescape")
            parts.append(decode_bytes(data, None))
        else:
            parts.append(decode_bytes(chunk, charset))
    # decode_header drops the space between an encoded word and plain text; keep words apart.
    text = "".join(p if i == 0 or not _needs_space(parts[i - 1], p) else " " + p for i, p in enumerate(parts))
    return " ".join(text.split())


def _needs_space(before: str, after: str) -> bool:
    return (
        bool(before)
        and bool(after)
        and not before[-1].isspace()
        and not after[0].isspace()
        and (before[-1].isascii() and after[0].isascii())
    )


def _addresses(message: Message, name: str) -> list[str]:
    values = [header_text(message, name)] if name in message else []
    return [addr.lower() for _n, addr in getaddresses(values) if "@" in addr]


def part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre",
               "hr", "ul", "ol"}  # fmt: skip
_SKIP_TAGS = {"script", "style", "head", "title"}


class _HtmlText(HTMLParser):
    """HTML to plain text for the ticket's description, dropping the quoted history mail clients wrap in
    blockquote / gmail_quote / Outlook's divRplyFwdMsg when `drop_quotes` is set."""

    def __init__(self, *, drop_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.drop_quotes = drop_quotes
        self.out: list[str] = []
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        values = {k: (v or "") for k, v in attrs}
        quote = self.drop_quotes and (
            tag == "blockquote"
            or "gmail_quote" in values.get("class", "")
            or values.get("id", "") in {"divRplyFwdMsg", "appendonsend", "reply-intro"}
        )
        if self.drop_quotes and values.get("id", "") in {"divRplyFwdMsg", "appendonsend"}:
            self.stopped = True  # Outlook: everything after this marker is the quoted mail
            return
        skip = tag in _SKIP_TAGS or quote
        if tag not in {"br", "hr", "img", "meta", "link", "input"}:
            self.stack.append((tag, skip))
        if skip:
            self.skip_depth += 1
        if tag in _BLOCK_TAGS and not self.skip_depth:
            self._break(tag)

    def _break(self, tag: str) -> None:
        """A paragraph ends in a blank line, any other block in one line break (never more)."""
        wanted = 2 if tag == "p" else 1
        text = "".join(self.out[-3:])
        have = len(text) - len(text.rstrip("\n")) if text.strip(" ") else wanted
        self.out.append("\n" * max(0, wanted - have))

    def handle_endtag(self, tag: str) -> None:
        if self.stopped:
            return
        while self.stack:
            open_tag, skip = self.stack.pop()
            if skip:
                self.skip_depth -= 1
            if open_tag == tag:
                break
        if tag in _BLOCK_TAGS and not self.skip_depth:
            self._break(tag)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth and not self.stopped:
            self.out.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str, *, drop_quotes: bool = False) -> str:
    parser = _HtmlText(drop_quotes=drop_quotes)
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.out).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _extension_for(content_type: str) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "text/plain": ".txt"}.get(
        content_type
    ) or (mimetypes.guess_extension(content_type) or ".bin")


def _filename(part: Message, index: int) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    name = ""
    if raw is not None:
        if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
            charset, _lang, value = raw
            data = value.encode("latin-1", errors="surrogateescape") if isinstance(value, str) else value
            name = decode_bytes(data, charset)
        else:
            value = email.utils.collapse_rfc2231_value(raw)
            name = "".join(
                decode_bytes(c.encode("utf-8", "surrogateescape"), None)
                if isinstance(c, str)
                else decode_bytes(c, cs)
                for c, cs in email.header.decode_header(value)
            )
    if not name:
        stem = (part.get("Content-ID") or "").strip("<> ").split("@")[0] or f"part-{index}"
        name = re.sub(r"[^\w.-]", "_", stem)[:60] + _extension_for(part.get_content_type())
    return name


def parse_mail(raw: bytes) -> ParsedMail:
    """Read a mail. Raises UnreadableMail when there is no sender to answer or the structure is broken."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it still can't take is quarantined
        raise UnreadableMail(f"unparseable: {exc}") from exc
    assert isinstance(message, EmailMessage)
    sender_name, sender_email = parseaddr(header_text(message, "From"))
    sender_email = sender_email.strip().lower()
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", sender_email):
        raise UnreadableMail("no usable sender address in From")
    text_part: Message | None = None
    html_part: Message | None = None
    files: list[IncomingFile] = []
    index = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        index += 1
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        has_name = bool(part.get_param("filename", header="content-disposition") or part.get_param("name"))
        if (
            content_type == "text/plain"
            and disposition != "attachment"
            and not has_name
            and text_part is None
        ):
            text_part = part
        elif (
            content_type == "text/html" and disposition != "attachment" and not has_name and html_part is None
        ):
            html_part = part
        elif content_type.startswith(("multipart/", "message/delivery-status")):
            continue
        else:
            if content_type == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
                content = inner.as_bytes() if isinstance(inner, Message) else b""
                name = _filename(part, index)
                name = name if name.lower().endswith(".eml") else f"{name.rsplit('.', 1)[0]}.eml"
            else:
                payload = part.get_payload(decode=True)
                content = payload if isinstance(payload, bytes) else b""
                name = _filename(part, index)
            if content:
                files.append(IncomingFile(name=name, content=content))
    text = part_text(text_part) if text_part is not None else ""
    html = part_text(html_part) if html_part is not None else ""
    message_id = (message.get("Message-ID") or "").strip()
    return ParsedMail(
        message_id=" ".join(str(message_id).split())[:255],
        subject=header_text(message, "Subject"),
        sender_email=sender_email,
        sender_name=sender_name.strip()[:150],
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        in_reply_to=header_text(message, "In-Reply-To"),
        references=header_text(message, "References"),
        text=text.replace("\r\n", "\n"),
        html=sanitize_html(html) if html else "",
        html_source=html,
        files=files,
        message=message,
    )


def mail_key(message_id: str, raw: bytes) -> str:
    """What makes two fetches the same mail: its Message-ID, or its bytes when it has none."""
    basis = message_id.strip().encode() if message_id.strip() else b"raw:" + raw
    return hashlib.sha256(basis).hexdigest()


def body_text(mail: ParsedMail, *, drop_quotes: bool = False) -> str:
    if mail.text.strip():
        return mail.text.strip()
    if mail.html_source:  # turned into text, never shown as HTML: reading the unsanitised source is safe
        return html_to_text(mail.html_source, drop_quotes=drop_quotes)
    return ""
