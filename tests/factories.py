"""Rows for tests. Meaningful states (assigned, resolved…) come from the real services, not from here."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from gongdan.accounts.models import Organisation, Skill, Team, User
from gongdan.accounts.usernames import skeleton
from gongdan.tickets.models import Category, CustomField

PASSWORD = "correct horse battery staple"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Org {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    username_skeleton = factory.LazyAttribute(lambda u: skeleton(u.username))
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    role = "requester"
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RequesterFactory(UserFactory):
    role = "requester"


class AgentFactory(UserFactory):
    role = "agent"


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")


class CategoryFactory(DjangoModelFactory):
    """Sets the materialised path the way the category service does."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        category = super()._create(model_class, *args, **kwargs)
        parent_path = category.parent.path if category.parent_id else "/"
        category.path = f"{parent_path}{category.pk}/"
        category.save(update_fields=["path"])
        return category


class CustomFieldFactory(DjangoModelFactory):
    class Meta:
        model = CustomField

    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"字段 {n}")
    label_en = factory.Sequence(lambda n: f"Field {n}")
