"""Walking the chain: from the newest checkpoint (or the beginning) to the head, every entry must follow the
one before it (consecutive numbers, its `prev_hash` equal to that entry's hash) and hash to what it
says. The first link that fails is named; a row edited in place fails its own hash, a row removed fails
the next one's numbering, rows removed from the end fail the comparison with the head. Entries written but
not yet chained (decision 0135) are counted and reported, not judged: they have no link yet."""

from __future__ import annotations

from gongdan.audit.chain import GENESIS, Break, Verdict, entry_hash
from gongdan.audit.models import AuditEntry, ChainHead, Checkpoint

BATCH = 2000


def verify_chain(*, until_seq: int | None = None) -> Verdict:
    checkpoint = Checkpoint.objects.order_by("-seq").first()
    expected_seq = (checkpoint.seq if checkpoint else 0) + 1
    expected_prev = checkpoint.hash if checkpoint else GENESIS
    first_seq: int | None = None
    checked = 0
    unchained = AuditEntry.objects.filter(seq__isnull=True).count()
    rows = AuditEntry.objects.filter(seq__gte=expected_seq).order_by("seq")
    if until_seq is not None:
        rows = rows.filter(seq__lte=until_seq)
    for entry in rows.iterator(chunk_size=BATCH):
        first_seq = first_seq or entry.seq
        if entry.seq != expected_seq:
            return Verdict(checked, first_seq, entry.seq, Break(expected_seq, "missing"), unchained)
        if entry.prev_hash != expected_prev:
            return Verdict(
                checked, first_seq, entry.seq, Break(entry.seq, "previous hash differs"), unchained
            )
        if entry_hash(entry) != entry.hash:
            return Verdict(checked, first_seq, entry.seq, Break(entry.seq, "content changed"), unchained)
        checked += 1
        expected_seq += 1
        expected_prev = entry.hash
    last_seq = expected_seq - 1
    if until_seq is None:
        head = ChainHead.objects.filter(pk=1).first()
        head_seq = head.seq if head else 0
        if head_seq > last_seq:
            return Verdict(checked, first_seq, last_seq, Break(last_seq + 1, "missing"), unchained)
        if head is not None and head_seq == last_seq and head_seq and head.hash != expected_prev:
            return Verdict(checked, first_seq, last_seq, Break(last_seq, "head hash differs"), unchained)
    return Verdict(checked, first_seq, last_seq if checked else None, None, unchained)
