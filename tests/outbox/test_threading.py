from gongdan.outbox.threading import (
    subject_tag,
    ticket_message_id,
    ticket_number_from_subject,
    ticket_pk_from_headers,
    ticket_thread_root,
)


def test_a_signed_message_id_names_its_ticket():
    mid = ticket_message_id(42, domain="desk.example.com")
    assert mid.startswith("<gd.42.") and mid.endswith("@desk.example.com>")
    assert ticket_pk_from_headers([None, f"<other@x> {mid}"]) == 42
    assert ticket_pk_from_headers([ticket_thread_root(7, domain="d")]) == 7


def test_a_forged_or_altered_message_id_names_nothing():
    mid = ticket_message_id(42, domain="d")
    assert ticket_pk_from_headers([mid.replace("<gd.42.", "<gd.43.")]) is None
    assert ticket_pk_from_headers(["<gd.43.0123456789abcdef.0123456789abcdef@d>"]) is None
    assert ticket_pk_from_headers(["", "<random@example.com>"]) is None


def test_subject_tags_round_trip():
    assert ticket_number_from_subject(f"Re: AW: {subject_tag('GD-2026-000123')} Printer") == "GD-2026-000123"
    assert ticket_number_from_subject("Re: [IT-000045] x") == "IT-000045"
    assert ticket_number_from_subject("Meeting [tomorrow]") is None
    assert ticket_number_from_subject(None) is None
