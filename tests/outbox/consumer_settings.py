"""Settings for the real-consumer tests: the site's own settings (SQLite or DATABASE_URL, Huey's SQLite
queue in GONGDAN_DATA_DIR) with a short outbox lease, so a killed consumer's message is retried quickly."""

import os

from gongdan.project.settings import *  # noqa: F403

GONGDAN_OUTBOX_LEASE_SECONDS = int(os.environ.get("GONGDAN_OUTBOX_LEASE_SECONDS", "300"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
