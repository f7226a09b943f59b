from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "gongdan.routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from gongdan.accounts.models import Team
        from gongdan.routing import events, tasks  # noqa: F401  (event kinds and periodic tasks)
        from gongdan.routing.engine import forget_config
        from gongdan.routing.models import RoutingRule
        from gongdan.tickets.models import Priority

        for model in (RoutingRule, Team, Priority):
            post_save.connect(forget_config, sender=model, dispatch_uid=f"routing-config-{model.__name__}")
            post_delete.connect(
                forget_config, sender=model, dispatch_uid=f"routing-config-del-{model.__name__}"
            )
        from gongdan.admin_console.registry import register_sections
        from gongdan.admin_console.transfer import register_transfer_sections
        from gongdan.routing.explain import describe_routing_reason
        from gongdan.routing.navigation import SECTIONS
        from gongdan.routing.services import route_new_ticket
        from gongdan.routing.transfer import SECTIONS as TRANSFER_SECTIONS
        from gongdan.tickets.events import ASSIGNED
        from gongdan.tickets.page import register_timeline
        from gongdan.tickets.reactions import register_reaction

        register_sections(SECTIONS)
        register_transfer_sections(TRANSFER_SECTIONS)
        register_reaction("routing", route_new_ticket, order=10)
        explain = lambda _kind, data: describe_routing_reason(data.get("reason") or {})  # noqa: E731
        register_timeline({ASSIGNED}, explain=explain)
        register_timeline({events.ROUTING_UNASSIGNED}, icon="ti-user-question", explain=explain)
