"""Every write to the audit trail: `audit_record` (the hook every app calls) and `audit_purge` (the one path
that deletes, by whole segments behind a checkpoint)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.audit import kinds, tasks
from gongdan.audit.chain import GENESIS, digest
from gongdan.audit.chain import canonical as canonical_content
from gongdan.audit.models import AuditEntry, ChainHead, Checkpoint, HashAlgorithm
from gongdan.audit.origin import current as current_origin
from gongdan.audit.origin import origin_of
from gongdan.audit.snapshots import changed, field_values
from gongdan.audit.verification import verify_chain
from gongdan.core.domain_errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

MAX_DETAIL_BYTES = 64 * 1024
PERMIT_TABLE = "audit_purge_permit"  # not a model: see migration 0002 and docs/decisions/0086


def hash_algorithm() -> str:
    algorithm = str(getattr(settings, "GONGDAN_AUDIT_HASH", HashAlgorithm.SHA256)).lower()
    if algorithm not in HashAlgorithm.values:
        raise ValueError(f"GONGDAN_AUDIT_HASH must be one of {HashAlgorithm.values}, not {algorithm!r}")
    return algorithm


def _json_safe(detail: Mapping[str, Any] | None) -> tuple[dict[str, Any], str]:
    """What the database will give back: plain JSON types (dates as ISO text, decimals as text), and the JSON
    text the INSERT sends (built once)."""
    text = json.dumps(dict(detail or {}), cls=DjangoJSONEncoder, ensure_ascii=False)
    if len(text.encode()) > MAX_DETAIL_BYTES:
        raise ValueError(f"an audit entry's detail is limited to {MAX_DETAIL_BYTES} bytes")
    value: dict[str, Any] = json.loads(text)
    return value, text


def _lock_head() -> ChainHead:
    """The one row every append locks: appends queue here, so the chain never forks."""
    try:
        return ChainHead.objects.select_for_update().get(pk=1)
    except ChainHead.DoesNotExist:  # the migration creates it; a flushed test database may not have it
        ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
        return ChainHead.objects.select_for_update().get(pk=1)


# No savepoint of its own: an append that fails leaves the caller's transaction to fail with it (a change
# must not commit without its entry), and two statements fewer per append (bench/audit.py).
@transaction.atomic(savepoint=False)
def audit_record(
    *,
    kind: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_username: str = "",
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    detail: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry, in the caller's transaction (it commits or rolls back with the change it records).
    `actor=None` is the system; `actor_username` names someone who is not a user (a failed sign-in's
    attempted username). Where from: `request` when given, else the request being served.

    The entry is written unchained — one INSERT, no lock — and takes its place in the hash chain after the
    commit, in a batch (`audit_chain_pending`, decision 0135): the change's transaction never waits for
    another's, and an entry rolled back with its change never enters the chain."""
    if not kinds.is_known(kind):
        raise ValueError(f"unknown audit kind {kind!r}: register it with gongdan.audit.kinds.register_kind")
    origin = origin_of(request) if request is not None else current_origin()
    detail_value, detail_json = _json_safe(detail)
    user = actor if actor is not None and actor.is_authenticated else None
    entry = AuditEntry(
        occurred_at=timezone.now(),
        actor_id=user.pk if user is not None else None,
        actor_username=(user.get_username() if user is not None else actor_username)[:150],
        actor_role=str(getattr(user, "role", ""))[:32],
        address=origin.address,
        user_agent=origin.user_agent,
        kind=kind,
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        object_repr=str(object_repr)[:200],
        detail=detail_value,
        algorithm=hash_algorithm(),
        seq=None,
        prev_hash="",
        hash="",
    )
    _insert(entry, detail_json)
    chain_after_commit()
    return entry


def _insert(entry: AuditEntry, detail_json: str) -> None:
    """`entry.save(force_insert=True)`, cut to what the append needs (decisions 0135, 0180):
    - the statement is built once per database vendor, not compiled by the ORM on every change;
    - the row carries no sequence number (NULL until the chainer fills it) and the detail goes as the JSON
      text already built by `_json_safe`, not serialised a second time;
    - on PostgreSQL it is a server-side prepared statement per connection (psycopg's `prepare=True` on a
      server-binding cursor; Django's cursors bind on the client and never prepare): parsed and planned once
      per pooled connection, then each append sends only its values."""
    fields = _insert_fields()
    sql = _INSERT_SQL.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        sql = _INSERT_SQL[connection.vendor] = (
            f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)})"  # noqa: S608 (our own table and columns)
            f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(str(AuditEntry._meta.pk.column))}"
        )
    params = [
        detail_json
        if field.name == "detail"
        else field.get_db_prep_save(getattr(entry, field.attname), connection)
        for field in fields
    ]
    with _append_cursor() as cursor:
        cursor.execute(sql, params)
        entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias


_INSERT_SQL: dict[str, str] = {}
# Not sent: the chainer fills it after the commit (the column is NULL until then).
_FILLED_LATER = frozenset({"seq"})


def _insert_fields() -> list[Any]:
    return [
        field for field in AuditEntry._meta.concrete_fields
        if not field.primary_key and field.name not in _FILLED_LATER
    ]  # fmt: skip


def _append_cursor() -> Any:
    """Django's cursor on SQLite; on PostgreSQL a server-binding cursor that prepares what it runs, wrapped
    like Django's own (query logging and counting, execute wrappers, error translation)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's automatic preparing off; its cursors bind on the client and never prepare,
        # so this threshold only lets the explicit `prepare=True` below through.
        raw.prepare_threshold = _NEVER_AUTOMATICALLY
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor: Any = _preparing_cursor_class()(raw)
    return (
        connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
    )


_NEVER_AUTOMATICALLY = 2**31 - 1


@functools.cache
def _preparing_cursor_class() -> Any:
    # psycopg is imported here, on PostgreSQL only: a SQLite site's web process marks it missing (project/start.py).
    import psycopg

    class PreparingCursor(psycopg.Cursor[Any]):
        def execute(
            self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
        ) -> Any:
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def chain_after_commit() -> None:
    """One wake-up of the chainer per transaction, however many entries it appended."""
    connection_ = transaction.get_connection()
    if connection_.in_atomic_block and any(
        getattr(entry[1], "_gongdan_audit_chain", False) for entry in connection_.run_on_commit
    ):
        return
    transaction.on_commit(tasks.schedule_chaining)


CHAIN_BATCH = 500


def audit_chain_pending(*, limit: int | None = None) -> int:
    """Give every committed, unchained entry its place in the chain, oldest row first: its sequence number,
    the previous entry's hash and its own. Runs with the head row locked, so chainers on several processes
    take turns and the chain stays one line; each batch commits on its own. Returns how many were chained."""
    chained = 0
    while limit is None or chained < limit:
        size = CHAIN_BATCH if limit is None else min(CHAIN_BATCH, limit - chained)
        with transaction.atomic():
            head = _lock_head()
            batch = list(AuditEntry.objects.filter(seq__isnull=True).order_by("pk")[:size])
            if not batch:
                break
            seq, previous = head.seq, head.hash or GENESIS
            for entry in batch:
                seq += 1
                entry.seq, entry.prev_hash = seq, previous
                entry.hash = digest(entry.algorithm, previous, canonical_content(entry))
                previous = entry.hash
            # One statement run for many rows (psycopg pipelines it): bulk_update's CASE grows with the batch.
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {AuditEntry._meta.db_table} SET seq = %s, prev_hash = %s, hash = %s"  # noqa: S608 (our table name)
                    " WHERE id = %s",
                    [(entry.seq, entry.prev_hash, entry.hash, entry.pk) for entry in batch],
                )
            ChainHead.objects.filter(pk=1).update(seq=seq, hash=previous)
            if tasks.syslog_configured():
                transaction.on_commit(tasks.schedule_syslog)
        chained += len(batch)
        if len(batch) < size:
            break
    return chained


def unchained_count() -> int:
    return AuditEntry.objects.filter(seq__isnull=True).count()


def retention_days() -> int:
    return max(180, int(getattr(settings, "GONGDAN_AUDIT_RETENTION_DAYS", 180)))


@transaction.atomic
def audit_purge(*, before: datetime | None = None, now: datetime | None = None) -> Checkpoint | None:
    """Remove the oldest entries, a whole segment at a time: every entry up to the last one written before
    `before` (default: the retention period ago; never less than 180 days). The segment is verified first —
    a broken link is kept as evidence and the purge refused — then deleted behind a permit row the triggers
    accept, a checkpoint keeps the last removed entry's hash for the verify to start from, and the purge is
    itself recorded. Returns the checkpoint, or None when nothing was old enough."""
    now = now or timezone.now()
    oldest_allowed = now - timedelta(days=retention_days())
    cutoff = before or oldest_allowed
    if cutoff > oldest_allowed:
        raise ValidationFailed(
            _("Audit entries are kept for at least %(days)s days.") % {"days": retention_days()},
            details={"before": [_("Too recent.")]},
        )
    audit_chain_pending()  # an old entry still unchained gets its place before the segment is cut
    head = _lock_head()
    first_kept = (
        AuditEntry.objects.filter(occurred_at__gte=cutoff, seq__isnull=False)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    last_seq = (first_kept.first() or head.seq + 1) - 1
    previous = Checkpoint.objects.order_by("-seq").first()
    if last_seq <= (previous.seq if previous else 0):
        return None
    verdict = verify_chain(until_seq=last_seq)
    if not verdict.ok:
        assert verdict.broken is not None
        raise Conflict(
            _("The audit chain is broken at entry %(seq)s; nothing was purged.")
            % {"seq": verdict.broken.seq},
            code="audit_chain_broken",
        )
    last = AuditEntry.objects.get(seq=last_seq)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PERMIT_TABLE} (reason) VALUES (%s)", ["purge"])  # noqa: S608 (a constant table name)
        deleted, _by_model = AuditEntry.objects.filter(seq__lte=last_seq).delete()
        cursor.execute(f"DELETE FROM {PERMIT_TABLE}")  # noqa: S608 (a constant table name)
    checkpoint = Checkpoint.objects.create(seq=last_seq, hash=last.hash, purged=deleted, purged_before=cutoff)
    audit_record(
        kind=kinds.AUDIT_PURGE,
        object_type="audit.checkpoint",
        object_id=checkpoint.pk,
        detail={"through_seq": last_seq, "purged": deleted, "before": cutoff.isoformat()},
    )
    return checkpoint


def _object_type(instance: Model) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


@transaction.atomic
def audit_configuration_change(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    instance: Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    object_id: str | int | None = None,
) -> AuditEntry | None:
    """Record a settings change: `before` None is a create, `after` None a delete (take `before` with
    `gongdan.audit.snapshots.field_values` before the change, `after` once it is saved). An edit that
    changed nothing is not recorded."""
    if before is None:
        kind, detail = kinds.CONFIG_CREATE, {"after": after or {}}
    elif after is None:
        kind, detail = kinds.CONFIG_DELETE, {"before": before}
    else:
        old, new = changed(before, after)
        if not new:
            return None
        kind, detail = kinds.CONFIG_UPDATE, {"before": old, "after": new}
    return audit_record(
        kind=kind,
        actor=actor,
        object_type=_object_type(instance),
        object_id=object_id if object_id is not None else (instance.pk or ""),
        object_repr=str(instance),
        detail=detail,
    )


def audited_configuration_save[T](
    *, actor: AbstractBaseUser | AnonymousUser | None, row: Model | None, save: Callable[[], T]
) -> T:
    """For settings views that call their service themselves: run `save` (the service call) and record the
    row's before/after in one transaction. `row` None: `save` creates and returns the new row (alone or first
    in a tuple)."""
    with transaction.atomic():
        before = field_values(row) if row is not None else None
        saved = save()
        returned = (
            saved if isinstance(saved, tuple) else (saved,)
        )  # (row, shown-once secret) from some creates
        target = next((item for item in returned if isinstance(item, Model)), row)
        if target is None or target.pk is None:
            return saved
        fresh = type(target)._default_manager.get(pk=target.pk)
        audit_configuration_change(actor=actor, instance=fresh, before=before, after=field_values(fresh))
    return saved


def audited_configuration_delete(
    *, actor: AbstractBaseUser | AnonymousUser | None, row: Model, delete: Callable[[], object]
) -> None:
    """For settings views that delete through their service themselves: run `delete` and record the row as it
    was, in one transaction."""
    with transaction.atomic():
        pk, before = row.pk, field_values(row)
        delete()
        audit_configuration_change(actor=actor, instance=row, before=before, after=None, object_id=pk)
