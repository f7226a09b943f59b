"""Phone numbers people type when they report without an account, checked with Google's libphonenumber
(the `phonenumbers` package) and kept in E.164 (+8613812345678) so agents can call back from any phone.

Two shapes are accepted: a Chinese mobile number as people write it at home (138 1234 5678, 13812345678,
+86 138-1234-5678), and any valid international number written with its country code (+44 20 7946 0958).
A Chinese landline without +86 is refused: a callback number on a public form should reach a person."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongdan.core.domain_errors import ValidationFailed

MAX_TYPED = 30


def _refuse() -> ValidationFailed:
    message = _(
        "Enter a Chinese mobile number (e.g. 138 1234 5678) or an international number starting with + "
        "and the country code."
    )
    return ValidationFailed(message, code="phone_invalid", details={"phone": [message]})


def clean_phone(raw: str) -> str:
    """The number in E.164, or ValidationFailed naming the `phone` field."""
    import phonenumbers  # its metadata when a number is first checked, not at start (decision 0176)

    mobile_types = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    typed = (raw or "").strip()
    if not typed:
        return ""
    if len(typed) > MAX_TYPED or not typed.isprintable():
        raise _refuse()
    international = typed.startswith(("+", "＋", "00"))
    if typed.startswith("00"):
        typed = "+" + typed[2:]
    try:
        number = phonenumbers.parse(typed.replace("＋", "+"), None if international else "CN")
    except phonenumbers.NumberParseException:
        raise _refuse() from None
    if not phonenumbers.is_valid_number(number):
        raise _refuse()
    if not international and phonenumbers.number_type(number) not in mobile_types:
        raise _refuse()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
