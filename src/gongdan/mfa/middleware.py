"""Someone whose role must have a second factor, signed in with only their password, reaches nothing but the
enrolment pages (and signing out, the language switch) until they have set one up."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from gongdan.api.error_shape import error_response
from gongdan.mfa import sign_in_state


class EnrolmentRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if sign_in_state.must_enrol(request) and request.user.is_authenticated and not self._allowed(request):
            if request.path.startswith("/api/"):
                return error_response(
                    403, "second_factor_enrolment_required",
                    _("Set up two-factor sign-in first: your role requires it."),
                )  # fmt: skip
            return HttpResponseRedirect(reverse("mfa:enrol"))
        return self.get_response(request)

    @staticmethod
    def _allowed(request: HttpRequest) -> bool:
        path = request.path
        open_paths = (reverse("mfa:enrol"), reverse("accounts:logout"), reverse("accounts:set_language"),
                      settings.STATIC_URL or "/static/", "/healthz")  # fmt: skip
        return path.startswith(open_paths)
