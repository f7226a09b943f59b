"""Single sign-on's section of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section("sso", "sso:provider_list", "ti-key", _("Single sign-on"),
            _("OpenID Connect, LDAP / Active Directory, DingTalk, Feishu and WeCom sign-in, and how their groups map to roles and teams."),
            "people", order=80),
)  # fmt: skip
