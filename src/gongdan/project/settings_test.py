"""Settings for the test suite: the real settings, a throwaway data folder, a fast password hasher, and
Huey running tasks inline unless a test starts a real consumer."""

import os
import tempfile

os.environ.setdefault("GONGDAN_DATA_DIR", tempfile.mkdtemp(prefix="gongdan-test-"))

from gongdan.project.settings import *  # noqa: F403
from gongdan.project.settings import HUEY

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": os.environ.get("GONGDAN_HUEY_IMMEDIATE", "1") == "1"}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (WhiteNoise warns about a missing folder)

if "pool" in DATABASES["default"].get("OPTIONS", {}):  # noqa: F405
    # Concurrency tests hold up to 50 connections at once, one per thread, behind a barrier.
    DATABASES["default"]["OPTIONS"]["pool"] = {**DATABASES["default"]["OPTIONS"]["pool"], "max_size": 60}  # noqa: F405

# The progressive delay is real in tests but short, so a test that fails ten sign-ins does not sleep 10 s;
# tests/accounts/test_lockout.py checks the delay's curve itself.
GONGDAN_SIGNIN_DELAY_BASE = float(os.environ.get("GONGDAN_SIGNIN_DELAY_BASE", "0.01"))
GONGDAN_SIGNIN_DELAY_MAX = float(os.environ.get("GONGDAN_SIGNIN_DELAY_MAX", "0.05"))

# Existing tests sign administrators in with a password alone; tests/mfa turns enforcement on where it tests it.
GONGDAN_MFA_ENFORCED = os.environ.get("GONGDAN_MFA_ENFORCED", "0") == "1"
