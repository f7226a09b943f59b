"""The shape of what the identity provider screens accept; the rules are in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Team
from gongdan.sso.models import MAPPABLE_ROLES, IdentityProvider, MappingRule, MatchBy
from gongdan.sso.services import SECRET_FIELDS, provider_fields
from gongdan.web.forms import LabelledChoiceField, TablerForm

_model = IdentityProvider._meta


def _label(name: str) -> Any:
    return getattr(_model.get_field(name), "verbose_name", name)


def _help(name: str) -> Any:
    return getattr(_model.get_field(name), "help_text", "")


class SecretInput(forms.PasswordInput):
    """Never renders a stored secret back; says that one is stored instead."""

    def __init__(self, *, stored: bool = False) -> None:
        placeholder = _("Stored — leave empty to keep it") if stored else ""
        super().__init__(
            render_value=False, attrs={"autocomplete": "new-password", "placeholder": placeholder}
        )


class ProviderForm(TablerForm):
    third_width = ("order", "default_role", "match_existing_by", "timeout_seconds", "username_attribute")

    name = forms.CharField(label=_("Name (Chinese)"), max_length=120,
                           help_text=_("On the button: “Sign in with <name>”."))  # fmt: skip
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    slug = forms.CharField(label=_label("slug"), max_length=40, help_text=_help("slug"))
    issuer = forms.URLField(label=_label("issuer"), max_length=500, required=False, help_text=_help("issuer"),
                            assume_scheme="https")  # fmt: skip
    api_base = forms.URLField(label=_label("api_base"), max_length=500, required=False, help_text=_help("api_base"),
                              assume_scheme="https")  # fmt: skip
    client_id = forms.CharField(label=_label("client_id"), max_length=255, required=False)
    client_secret = forms.CharField(label=_label("client_secret"), max_length=500, required=False)
    agent_id = forms.CharField(label=_label("agent_id"), max_length=64, required=False)
    scopes = forms.CharField(label=_label("scopes"), max_length=255, required=False, initial="openid profile email",
                             help_text=_("Add groups (or your provider's name for it) to map groups to roles."))  # fmt: skip
    server_uri = forms.CharField(label=_label("server_uri"), max_length=255, required=False,
                                 help_text=_help("server_uri"))  # fmt: skip
    start_tls = forms.BooleanField(label=_label("start_tls"), required=False)
    tls_verify = forms.BooleanField(label=_label("tls_verify"), required=False, initial=True)
    ca_certificate = forms.CharField(label=_label("ca_certificate"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    bind_dn = forms.CharField(label=_label("bind_dn"), max_length=255, required=False,
                              help_text=_("e.g. cn=gongdan,ou=services,dc=example,dc=com"))  # fmt: skip
    bind_password = forms.CharField(label=_label("bind_password"), max_length=500, required=False)
    user_search_base = forms.CharField(label=_label("user_search_base"), max_length=255, required=False,
                                       help_text=_("e.g. ou=people,dc=example,dc=com"))  # fmt: skip
    user_search_filter = forms.CharField(
        label=_label("user_search_filter"), max_length=255, required=False, initial="(uid={username})",
        help_text=_("AD: (sAMAccountName={username}). {username} is escaped."),
    )  # fmt: skip
    user_dn_template = forms.CharField(label=_label("user_dn_template"), max_length=255, required=False,
                                       help_text=_help("user_dn_template"))  # fmt: skip
    group_search_base = forms.CharField(label=_label("group_search_base"), max_length=255, required=False,
                                        help_text=_("Optional: groups listing members here, besides memberOf."))  # fmt: skip
    username_attribute = forms.CharField(label=_label("username_attribute"), max_length=64, required=False,
                                         initial="uid")  # fmt: skip
    timeout_seconds = forms.IntegerField(
        label=_label("timeout_seconds"), min_value=1, max_value=60, initial=5
    )
    default_role = forms.ChoiceField(label=_label("default_role"), initial="requester",
                                     choices=[(r.value, r.label) for r in MAPPABLE_ROLES],
                                     help_text=_("When no mapping rule gives a role."))  # fmt: skip
    match_existing_by = forms.ChoiceField(label=_label("match_existing_by"), choices=MatchBy.choices, required=False,
                                          help_text=_("Only when the provider vouches for this value."))  # fmt: skip
    order = forms.IntegerField(label=_label("order"), min_value=0, max_value=999, initial=10)
    create_users = forms.BooleanField(label=_("Create an account on first sign-in (mapped by the rules below)"),
                                      required=False)  # fmt: skip
    is_enabled = forms.BooleanField(label=_("Enabled: offer this sign-in method"), required=False)

    def __init__(
        self, *args: Any, kind: str, provider: IdentityProvider | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        keep = set(provider_fields(kind))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for name in SECRET_FIELDS:
            if name in self.fields:
                self.fields[name].widget = SecretInput(
                    stored=bool(provider is not None and getattr(provider, name))
                )
                self.fields[name].widget.attrs["class"] = "form-control"
        if "timeout_seconds" not in keep:
            self.fields.pop("timeout_seconds", None)


def provider_initial(provider: IdentityProvider) -> dict[str, Any]:
    return {n: getattr(provider, n) for n in provider_fields(provider.kind) if n not in SECRET_FIELDS}


class RuleForm(TablerForm):
    third_width = ("claim", "operator", "value")

    provider = forms.ModelChoiceField(queryset=IdentityProvider.objects.all(), widget=forms.HiddenInput)
    claim = forms.CharField(label=MappingRule._meta.get_field("claim").verbose_name, max_length=100,
                            help_text=MappingRule._meta.get_field("claim").help_text)  # fmt: skip
    operator = forms.ChoiceField(label=_("Test"), choices=MappingRule.Operator.choices)
    value = forms.CharField(label=_("Value"), max_length=255, help_text=_("e.g. it-support"))
    role = forms.ChoiceField(label=_("Role"), required=False,
                             choices=[("", _("Keep the default")), *((r.value, r.label) for r in MAPPABLE_ROLES)])  # fmt: skip
    team = LabelledChoiceField(label=_("Team"), queryset=Team.objects.filter(is_active=True).order_by("name"),
                               required=False, empty_label=_("No team"))  # fmt: skip
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=10)

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class RuleEditForm(RuleForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["provider"]
