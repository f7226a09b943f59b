from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The requester's side: submit, track, reply, confirm, rate."""

    name = "gongdan.portal"
    label = "portal"
    verbose_name = _("Requester portal")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.core.personal_data import register_personal_data_holder
        from gongdan.portal import notices  # noqa: F401 (notice texts)
        from gongdan.portal.events import CSAT_RATED, WALK_UP_REPORTED, describe_rating, describe_walk_up
        from gongdan.portal.navigation import SECTIONS
        from gongdan.portal.personal_data import PortalPersonalData
        from gongdan.portal.services import SURVEY_CONSUMER, surveys_for_events
        from gongdan.tickets.events import TRANSITIONED
        from gongdan.tickets.page import register_timeline
        from gongdan.tickets.pipeline import Consumer, register_consumer

        register_sections(SECTIONS)
        register_consumer(
            Consumer(SURVEY_CONSUMER, handle=surveys_for_events, kinds=frozenset({TRANSITIONED}))
        )
        register_timeline({CSAT_RATED}, icon="ti-star", explain=describe_rating)
        register_timeline({WALK_UP_REPORTED}, icon="ti-qrcode", explain=describe_walk_up)
        register_personal_data_holder(PortalPersonalData())
