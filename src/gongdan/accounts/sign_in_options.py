"""Other ways to sign in, offered on the sign-in page below the password form. Higher apps (single sign-on)
register a function from their AppConfig.ready() that lists the options for a request; the accounts app
imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class SignInOption:
    label: str  # "Sign in with …", translated
    url: str
    icon: str = "ti-login"


_sources: list[Callable[[HttpRequest], list[SignInOption]]] = []


def register_sign_in_options(source: Callable[[HttpRequest], list[SignInOption]]) -> None:
    if source not in _sources:
        _sources.append(source)


def sign_in_options(request: HttpRequest) -> list[SignInOption]:
    return [option for source in _sources for option in source(request)]
