"""One lockout for every way in (decision 0080). django-axes counts failed sign-ins per username and per
client address in the database, refuses a locked-out username or address before any password is checked,
and answers with our lockout page or API error. Every door — the sign-in page, the Django admin, the API's
token endpoint, the phone app (it signs in through the sign-in page) — calls Django's `authenticate`, so
axes sees them all.

What axes does not do is make its count-then-check atomic: a hundred parallel wrong passwords would all read
"no failures yet" and all be checked against the account. `SignInGuardBackend`, first in
AUTHENTICATION_BACKENDS, takes a lease per username (one holder) and per address (a few) with a conditional
UPDATE before axes reads the count, and gives it back only after axes has recorded the outcome. A request
that cannot get its lease within GONGDAN_SIGNIN_LEASE_WAIT seconds is refused and counted as a failure.
After a few failures each further one is answered more slowly (the progressive delay), with the lease still
held, so the next guess for that account waits as well."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import unicodedata
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_parameters, get_client_username, get_credentials
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Q, Sum, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import SignInLease
from gongdan.accounts.signals import account_locked
from gongdan.api.error_shape import error_response
from gongdan.core.client_address import client_address

LEASE_SECONDS = 30  # a lease left by a process that died frees itself after this
POLL_SECONDS = 0.05


def normalise_username(value: Any) -> str:
    """How a typed username is counted: NFKC, trimmed, case-folded (usernames are unique ignoring case)."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().casefold()


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the normalised username from the credentials or the posted form."""
    if credentials and credentials.get("username") is not None:
        return normalise_username(credentials["username"])
    if request is not None and request.POST.get("username") is not None:
        return normalise_username(request.POST.get("username"))
    return None


def lockout_parameters(request_or_attempt: Any, credentials: dict[str, Any] | None = None) -> list[str]:
    """AXES_LOCKOUT_PARAMETERS: a username and an address each count on their own; a failure that names no
    account (a mailed portal link that does not open) counts against the address alone, so blank usernames
    from many places never add up to a lockout of their own."""
    if credentials is not None and credentials.get("username") == "":
        return ["ip_address"]
    return ["username", "ip_address"]


NO_ACCOUNT: dict[str, Any] = {"username": ""}


def address_locked_out(request: HttpRequest) -> bool:
    """True when the client address has used up its failures (any door's). Doors that take no password — the
    portal's mailed links — ask this before they do anything."""
    if not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, credentials=dict(NO_ACCOUNT))


def count_failure_without_account(request: HttpRequest) -> None:
    """Count a failed way in that names no account (a wrong or spent portal link) against the address, with
    the same progressive delay and lockout as a wrong password."""
    if settings.AXES_ENABLED:
        user_login_failed.send(sender=__name__, credentials=dict(NO_ACCOUNT), request=request)


def axes_client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client address, or None (stored as NULL) when the peer gave none."""
    address = client_address(request)
    return None if address == "unknown" else address


def lease_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def _take(key: str, places: int) -> bool:
    """Take one of `places` places under `key`, or the whole lease when its holders let it lapse."""
    now = timezone.now()
    lapsed = Q(lease_until__lt=now)
    take = SignInLease.objects.filter(Q(key=key) & (Q(holders__lt=places) | lapsed)).update(
        holders=Case(When(lapsed, then=Value(1)), default=F("holders") + 1),
        lease_until=now + dt.timedelta(seconds=LEASE_SECONDS),
    )
    if take:
        return True
    if SignInLease.objects.filter(key=key).exists():
        return False
    SignInLease.objects.bulk_create([SignInLease(key=key)], ignore_conflicts=True)
    return _take(key, places)


def release_leases(request: HttpRequest) -> None:
    if keys := getattr(request, "_gongdan_sign_in_leases", []):
        SignInLease.objects.filter(key__in=keys, holders__gt=0).update(holders=F("holders") - 1)
    request._gongdan_sign_in_leases = []  # type: ignore[attr-defined]


class AxesHandler(AxesDatabaseHandler):
    """axes's database handler with fewer statements on the hot path (bench/signin.py): the failure counts of
    every lockout parameter in one query, the reset on success in one DELETE, and no clean-up of expired
    records on success (failures still clean up; a success only removes its own records)."""

    def _parameters(self, request: HttpRequest, credentials: dict[str, Any] | None) -> list[Q]:
        username = get_client_username(request, credentials)
        address, agent = getattr(request, "axes_ip_address", None), getattr(request, "axes_user_agent", "")
        found = get_client_parameters(username, address, agent, request, credentials)  # type: ignore[arg-type]
        return [Q(**kwargs) for kwargs in found]

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        parameters = self._parameters(request, credentials)
        if not parameters:
            return 0
        attempts = AccessAttempt.objects.all()
        if isinstance(settings.AXES_COOLOFF_TIME, dt.timedelta):
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        either = parameters[0]
        for parameter in parameters[1:]:
            either |= parameter
        sums = attempts.filter(either).aggregate(
            **{
                f"p{n}": Sum("failures_since_start", filter=parameter)
                for n, parameter in enumerate(parameters)
            }
        )
        return max(int(value or 0) for value in sums.values())

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        parameters = self._parameters(request, credentials)
        if not parameters:
            return 0
        either = parameters[0]
        for parameter in parameters[1:]:
            either |= parameter
        count, _deleted = AccessAttempt.objects.filter(either).delete()
        return int(count)

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        if settings.AXES_RESET_ON_SUCCESS:
            self.reset_user_attempts(request, get_credentials(user.get_username()))


class SignInGuardBackend:
    """First in AUTHENTICATION_BACKENDS: authenticates no one, only takes the leases. It has no `get_user`,
    so sessions (and the test client's force_login) name the backend that did sign the user in."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None or username is None or not settings.AXES_ENABLED:
            return None
        places = [
            (lease_key("user", normalise_username(username)), 1),
            (lease_key("ip", client_address(request)), settings.GONGDAN_SIGNIN_ADDRESS_CONCURRENCY),
        ]
        held: list[str] = getattr(request, "_gongdan_sign_in_leases", [])
        request._gongdan_sign_in_leases = held  # type: ignore[attr-defined]
        deadline = time.monotonic() + settings.GONGDAN_SIGNIN_LEASE_WAIT
        for key, count in places:
            while not _take(key, count):
                if time.monotonic() >= deadline:
                    release_leases(request)
                    request._gongdan_sign_in_busy = True  # type: ignore[attr-defined]
                    raise PermissionDenied("another sign-in for this account or address is being checked")
                time.sleep(POLL_SECONDS)
            held.append(key)
        return None


class LockoutBackend(AxesStandaloneBackend):
    """axes's refusal of a locked-out username or address. A call without a request (the shell, a management
    command, the test client's login()) comes from no client and is not counted or refused."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]


def progressive_delay(failures: int) -> float:
    """Seconds to hold the answer to the `failures`-th failure in a row: none for the first few, then
    doubling up to a cap."""
    free = settings.GONGDAN_SIGNIN_DELAY_AFTER
    if failures <= free:
        return 0.0
    return float(
        min(
            settings.GONGDAN_SIGNIN_DELAY_BASE * 2 ** (failures - free - 1), settings.GONGDAN_SIGNIN_DELAY_MAX
        )
    )


def after_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Connected after axes's own receiver (axes is installed before accounts), so the failure is recorded."""
    if request is None:
        return
    if delay := progressive_delay(int(getattr(request, "axes_failures_since_start", 0) or 0)):
        time.sleep(delay)
    release_leases(request)


def after_success(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None:
        release_leases(request)


def username_failures(username: str) -> int:
    """Failed sign-ins counted against this (normalised) username within the lockout time."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return int(total or 0)


def is_locked_out(username: str) -> bool:
    return username_failures(normalise_username(username)) >= settings.AXES_FAILURE_LIMIT


def on_locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                  ip_address: str | None = None, **kwargs: Any) -> None:  # fmt: skip
    """axes says so on every refused attempt; we announce only the attempt that crossed the limit, and name
    the account only when its own username reached it (not an address shared with others)."""
    failures = int(getattr(request, "axes_failures_since_start", 0) or 0)
    if failures != settings.AXES_FAILURE_LIMIT or not username:
        return
    user = None
    if username_failures(username) >= settings.AXES_FAILURE_LIMIT:
        user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
    account_locked.send(
        sender=SignInGuardBackend, username=username, ip_address=ip_address, user=user,
        until=timezone.now() + settings.AXES_COOLOFF_TIME,
    )  # fmt: skip


def connect() -> None:
    user_locked_out.connect(on_locked_out, dispatch_uid="gongdan.sign_in_guard.locked_out")
    user_login_failed.connect(after_failure, dispatch_uid="gongdan.sign_in_guard.failure")
    user_logged_in.connect(after_success, dispatch_uid="gongdan.sign_in_guard.success")


class SignInLeaseMiddleware:
    """Gives back whatever leases a request still holds when it ends (a success that did not call login(),
    such as the API's token endpoint, or an exception), and answers a sign-in that found no free place with
    429 rather than as a wrong password: its password was never checked."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response: HttpResponse = self.get_response(request)
        finally:
            if getattr(request, "_gongdan_sign_in_leases", None):
                release_leases(request)
        if getattr(request, "_gongdan_sign_in_busy", False) and not getattr(
            request, "axes_locked_out", False
        ):
            response = busy_response(request)
        return response


def busy_message() -> str:
    return _("Another sign-in to this account is being checked; try again in a few seconds.")


def busy_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = error_response(429, "sign_in_busy", busy_message())
    else:
        response = HttpResponse(busy_message(), status=429, content_type="text/plain; charset=utf-8")
    response.headers["Retry-After"] = "3"
    return response


def lockout_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return max(1, int(cool_off.total_seconds() // 60)) if isinstance(cool_off, dt.timedelta) else 0


def lockout_message() -> str:
    return _(
        "Too many failed sign-ins: this account or address is locked for %(minutes)d minutes. Try again later"
        " or ask an administrator to unlock it."
    ) % {"minutes": lockout_minutes()}
