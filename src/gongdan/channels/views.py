"""Settings screens (administrators): mailboxes, and the incoming mail log with its quarantine."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import render_page
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_record
from gongdan.channels import imap, selectors, services, tasks
from gongdan.channels.forms import MailboxForm, initial_for
from gongdan.channels.models import ERROR_KINDS, InboundMail, Mailbox
from gongdan.channels.parsing import UnreadableMail, body_text, parse_mail
from gongdan.core.domain_errors import DomainError
from gongdan.core.ids import parse_id

HEADER_LABELS = (
    ("From", pgettext_lazy("mail header", "From")), ("To", pgettext_lazy("mail header", "To")),
    ("Cc", pgettext_lazy("mail header", "Cc")), ("Subject", pgettext_lazy("mail header", "Subject")),
    ("Date", pgettext_lazy("mail header", "Date")), ("Message-ID", "Message-ID"),
)  # fmt: skip


MAILBOXES = SettingsScreen(
    model=Mailbox, section="mailboxes", form_class=MailboxForm, list_url="channels:mailbox_list",
    list_template="channels/mailbox_list.html", list_name="mailboxes", rows=selectors.mailbox_list,
    create=services.mailbox_create, update=services.mailbox_update, instance_key="mailbox",
    form_template="channels/mailbox_form.html", form_kwargs=lambda mailbox: {"mailbox": mailbox},
    initial=initial_for, name_of=lambda mailbox: mailbox.name,
    new_title=gettext_lazy("New mailbox"), edit_title=gettext_lazy("Edit mailbox"),
    saved=gettext_lazy("Mailbox %(name)s was saved."),
)  # fmt: skip
mailbox_list, mailbox_create, mailbox_edit = MAILBOXES.list_view, MAILBOXES.create_view, MAILBOXES.edit_view


@admin_required
@require_POST
def mailbox_test(request: AdminRequest, pk: int) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=pk)
    ok, detail = imap.check_connection(mailbox)
    if ok:
        messages.success(request, _("Signed in to %(name)s: %(count)s mails in %(folder)s.")
                         % {"name": mailbox.name, "count": detail, "folder": mailbox.folder})  # fmt: skip
    else:  # which step failed, never the server's or the socket's words (no port scanning through here)
        messages.error(
            request,
            _("%(name)s: %(error)s") % {"name": mailbox.name, "error": ERROR_KINDS.get(detail, detail)},
        )
    return redirect("channels:mailbox_list")


@admin_required
@require_POST
def mailbox_poll_now(request: AdminRequest, pk: int) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=pk)
    tasks.mailbox_poll(mailbox.pk)
    messages.success(request, _("%(name)s will be checked for new mail now.") % {"name": mailbox.name})
    return redirect("channels:mailbox_list")


@admin_required
def mail_list(request: AdminRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in InboundMail.State.values else ""
    before = parse_id(request.GET.get("before")) or None
    rows, next_before = selectors.mail_list(state=state, before=before)
    return render_page(request, "channels/mail_list.html", section="incoming_mail", rows=rows, state=state,
                       states=InboundMail.State.choices, counts=selectors.mail_counts(), before=before,
                       next_before=next_before)  # fmt: skip


@admin_required
def mail_detail(request: AdminRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(InboundMail.objects.select_related("mailbox", "ticket"), pk=pk)
    preview, headers, files, problem = "", [], [], ""
    if record.raw is not None:
        try:
            parsed = parse_mail(bytes(record.raw))
        except UnreadableMail as exc:
            problem = str(exc)
        else:
            preview = body_text(parsed)[:20_000]
            headers = [
                (label, parsed.header(name)) for name, label in HEADER_LABELS if parsed.has_header(name)
            ]
            files = [(f.name, len(f.content)) for f in parsed.files]
    return render_page(request, "channels/mail_detail.html", section="incoming_mail", mail=record, preview=preview,
                       headers=headers, files=files, problem=problem)  # fmt: skip


@admin_required
def mail_raw(request: AdminRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(InboundMail, pk=pk)
    if record.raw is None:
        return HttpResponse(
            _("The original of this mail is not kept."), status=404, content_type="text/plain"
        )
    # The original holds whatever the sender wrote, headers and attachments included: who downloads it is on record.
    audit_record(kind=audit_kinds.RESTRICTED_ACCESS, actor=request.user, object_type="channels.inboundmail",
                 object_id=record.pk, detail={"what": "original mail (.eml)"})  # fmt: skip
    response = HttpResponse(bytes(record.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="mail-{record.pk}.eml"'
    return response


@admin_required
@require_POST
def mail_retry(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        record = services.mail_retry(actor=request.user, mail_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if record.state == InboundMail.State.QUARANTINED:
            messages.error(request, _("Still could not be handled: %(detail)s") % {"detail": record.detail})
        else:
            messages.success(request, _("Handled: %(state)s.") % {"state": record.get_state_display()})
    return redirect("channels:mail_detail", pk=pk)
