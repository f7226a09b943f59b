from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import STAFF_ROLES, Team, User
from gongdan.reports.models import Period
from gongdan.web.forms import TablerForm


class SubscriptionForm(TablerForm):
    recipient = forms.ModelChoiceField(
        label=_("Recipient"),
        queryset=User.objects.filter(is_active=True, role__in=sorted(STAFF_ROLES))
        .exclude(email="")
        .order_by("display_name", "username"),
    )
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices, initial=Period.WEEKLY)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All my teams")
    )
