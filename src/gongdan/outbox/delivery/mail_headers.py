"""Mail header values made safe to send, whatever a person typed or a row already holds.

A display name, a ticket subject or an admin's setting can carry a carriage return, a line feed or another
control character. Python's mail library refuses such a header (it would let the value start a header of its
own: "\\r\\nBcc: someone"), so one bad name used to make every mail that quoted it fail to build, be retried and
then dropped. Here every header value is folded onto one line before the message is built; the mail library
then encodes what is not ASCII (RFC 2047). Names are refused at the edge too (accounts), but rows stored before
that still have to be sendable.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from gongdan.core.single_line import one_line

# RFC 5322 field names: printable ASCII except the colon.
_FIELD_NAME = re.compile(r"^[!-9;-~]{1,76}$")
# Headers that name recipients or describe the body: only the mail builder sets these, never a row's headers.
RESERVED = frozenset(
    {"to", "cc", "bcc", "from", "sender", "return-path", "resent-to", "resent-cc", "resent-bcc",
     "resent-from", "resent-sender", "content-type", "content-transfer-encoding", "mime-version", "subject",
     "date"}
)  # fmt: skip
MAX_HEADER_CHARS = 900
_NAMED = re.compile(r"^(?P<name>.*)<(?P<address>[^<>]*)>$")


def clean_address(value: object) -> str:
    """A single mailbox ("Name <a@b>" or "a@b") with its display name folded, or "" if it is not one."""
    text = one_line(value)
    match = _NAMED.match(text)
    name, address = (match["name"], match["address"]) if match else ("", text)
    name = one_line(name.strip().strip('"'), limit=200)
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        return ""
    if not name:
        return address
    # Quoted, so a comma, a colon or an angle bracket in the name cannot make a second address or a group.
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def clean_headers(headers: dict[str, object] | None) -> dict[str, str]:
    """Extra headers with one-line values; names that are not header names, and the headers that only the
    builder sets (recipients, sender, body type), are dropped. Reply-To must be one valid address."""
    cleaned: dict[str, str] = {}
    for name, value in (headers or {}).items():
        name = str(name).strip()
        if not _FIELD_NAME.match(name) or name.lower() in RESERVED:
            continue
        if name.lower() == "reply-to":
            address = clean_address(value)
            if address:
                cleaned[name] = address
            continue
        text = one_line(value, limit=MAX_HEADER_CHARS)
        if text:
            cleaned[name] = text
    return cleaned
