"""The outbound-message fixtures (a real SMTP server, on-call people and schedule, a ticket) are shared with
tests/notifications."""

from tests.notifications.conftest import mail, oncall_people, schedule, smtp_server, ticket  # noqa: F401
