"""Plumbing shared by every API router: authentication, the one error shape, idempotency, pagination
and the self-hosted docs page. The routers themselves live in each app's api.py."""
