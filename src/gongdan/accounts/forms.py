"""What the people screens accept: users, teams, skills, organisations, and one's own sign-in and profile."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Language, Organisation, Role, ServiceTier, Skill, Team
from gongdan.accounts.services import EMAIL_DOMAIN
from gongdan.core.trees import tree_rows
from gongdan.web.forms import MarksInvalid, TablerForm, TreeChoiceField


def time_zone_choices() -> list[tuple[str, str]]:
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


class TeamsField(forms.ModelMultipleChoiceField):
    """Every team, so editing a user never drops them from an inactive one; inactive ones say so."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.label if obj.is_active else gettext("%(name)s (inactive)") % {"name": obj.label}


class UserForm(TablerForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.REQUESTER)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ZH_HANS)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial="Asia/Shanghai")
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="—",
    )
    sees_organisation_tickets = forms.BooleanField(
        label=_("Sees the organisation's tickets"),
        required=False,
        help_text=_("A requester with this grant sees every ticket of their organisation."),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Optional. Without one, the user cannot sign in with a password until one is set."),
    )
    teams = TeamsField(
        label=_("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            del self.fields["username"]
            self.fields["password"].label = _("New password")
            self.fields["password"].help_text = _("Leave empty to keep the current password.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("role") == Role.REQUESTER and data.get("teams"):
            self.add_error("teams", _("Requesters cannot be in a team; give the user a staff role first."))
        return data

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = (
            "display_name",
            "email",
            "phone",
            "role",
            "language",
            "time_zone",
            "organisation",
            "sees_organisation_tickets",
        )
        return {name: data[name] for name in names}


class SkillLevelsForm(TablerForm):
    LEVELS = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]

    def __init__(self, *args: Any, skills: Iterable[Skill], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skills = list(skills)
        for skill in self.skills:
            self.fields[f"skill_{skill.pk}"] = forms.TypedChoiceField(
                label=skill.label, choices=self.LEVELS, coerce=int, empty_value=None, required=False
            )
            self.fields[f"skill_{skill.pk}"].widget.attrs["class"] = "form-select"

    def levels(self) -> dict[Skill, int]:
        return {
            skill: self.cleaned_data[f"skill_{skill.pk}"]
            for skill in self.skills
            if self.cleaned_data.get(f"skill_{skill.pk}")
        }

    def rows(self) -> list[tuple[Skill, Any]]:
        return [(skill, self[f"skill_{skill.pk}"]) for skill in self.skills]


class TeamForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    email = forms.EmailField(label=_("Team email"), required=False, max_length=254)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.all()
        rows = tree_rows(teams, sort_key=lambda t: (t.label.lower(), t.pk))
        self.fields["parent"] = TreeChoiceField(
            rows, label_of=lambda t: t.label, label=_("Parent team"), queryset=teams
        )
        if team is not None:
            below = {team.pk}
            changed = True
            while changed:  # teams have no materialised path; walk down from the team
                more = {t.pk for t in teams if t.parent_id in below} - below
                changed = bool(more)
                below |= more
            cast(TreeChoiceField, self.fields["parent"]).disable_subtree(below)
        else:
            del self.fields["is_active"]
        self.order_fields(["name", "name_en", "parent", "description", "email", "is_active"])
        self.fields["parent"].widget.attrs["class"] = "form-select"


class TeamMembersForm(forms.Form):
    members = forms.ModelMultipleChoiceField(queryset=Team.objects.none(), required=False)
    leads = forms.ModelMultipleChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("members", "leads"):
            cast(forms.ModelMultipleChoiceField, self.fields[name]).queryset = candidates


class SkillForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=80)
    name_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OrganisationForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    service_tier = forms.ChoiceField(label=_("Service tier"), choices=ServiceTier.choices)
    email_domain = forms.CharField(
        label=_("Email domain"),
        max_length=200,
        required=False,
        help_text=_("Requesters whose address ends with this domain belong here, e.g. example.com."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]

    def clean_email_domain(self) -> str:
        value = self.cleaned_data["email_domain"].strip().lower().lstrip("@")
        if value and not EMAIL_DOMAIN.match(value):
            raise forms.ValidationError(_("Enter a domain such as example.com."))
        return value


COMMON_TIME_ZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
]


class SignInForm(MarksInvalid, AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "username", "autofocus": True}
        )
        self.fields["password"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "current-password"}
        )

    def get_invalid_login_error(self) -> forms.ValidationError:
        """A backend that could not check the password at all (a directory that is down) leaves a notice on
        the request that says so, instead of "wrong password"."""
        notice = getattr(self.request, "sign_in_notice", None)
        if notice:
            return forms.ValidationError(notice, code="sign_in_notice")
        return super().get_invalid_login_error()


class ProfileForm(MarksInvalid, forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64,
                                help_text=_("Pick a common zone or type any IANA name, e.g. Asia/Urumqi."))  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
        self.fields["time_zone"].widget.attrs.update({"list": "time-zones", "autocomplete": "off"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["display_name"].widget.attrs["autocomplete"] = "name"

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(_("Unknown time zone.")) from None
        return value


class PasswordForm(MarksInvalid, PasswordChangeForm):
    """Checks the old password and the strength of the new one; the service stores it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control",
                                                         "placeholder": _("e.g. monitoring script")}))  # fmt: skip


class SignInPolicyForm(TablerForm):
    """The security administrator's sign-in policy (decision 0115); the service checks the ranges again."""

    staff_min_length = forms.IntegerField(
        label=_("Minimum password length for staff"), min_value=8, max_value=128
    )
    requester_min_length = forms.IntegerField(
        label=_("Minimum password length for requesters"), min_value=6, max_value=128
    )
    history_count = forms.IntegerField(
        label=_("Passwords remembered"), min_value=0, max_value=24,
        help_text=_("Staff cannot reuse any of their last N passwords. 0 turns the history off."),
    )  # fmt: skip
    staff_max_age_days = forms.IntegerField(
        label=_("Staff password expiry (days)"), min_value=0, max_value=3650,
        help_text=_("After this many days staff must choose a new password at their next sign-in. 0: never."),
    )  # fmt: skip
    staff_idle_minutes = forms.IntegerField(
        label=_("Staff idle timeout (minutes)"), min_value=1, max_value=24 * 60,
        help_text=_("Signed out after this long without a request."),
    )  # fmt: skip
    staff_session_hours = forms.IntegerField(
        label=_("Staff session lifetime (hours)"), min_value=1, max_value=24 * 30,
        help_text=_("Signed out this long after signing in, however active."),
    )  # fmt: skip
    requester_idle_minutes = forms.IntegerField(
        label=_("Requester idle timeout (minutes)"), min_value=1, max_value=30 * 24 * 60
    )
    requester_session_hours = forms.IntegerField(
        label=_("Requester session lifetime (hours)"), min_value=1, max_value=24 * 365
    )
    reset_link_minutes = forms.IntegerField(
        label=_("Password reset link lifetime (minutes)"), min_value=5, max_value=24 * 60
    )
