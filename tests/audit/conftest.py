import pytest

from tests.factories import UserFactory


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role="audit_admin", language="en")


@pytest.fixture
def security_admin(db):
    return UserFactory(username="security", role="security_admin", language="en")
