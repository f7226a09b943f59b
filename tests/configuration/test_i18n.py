"""The settings screens speak the admin's language, and the catalogue has no gaps."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

import gongdan.configuration

CATALOGUE = Path(gongdan.configuration.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po"


def test_every_message_is_translated_into_chinese():
    text = CATALOGUE.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header

    assert entries
    assert "#, fuzzy" not in text
    for entry in entries:
        assert not re.search(r'^msgstr(\[\d\])? ""\s*$', entry, re.MULTILINE), entry
    assert CATALOGUE.with_suffix(".mo").exists()


def test_a_chinese_speaking_admin_gets_the_settings_in_chinese(client, admin_user):
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)

    home = client.get(reverse("configuration:index")).content.decode()
    form = client.get(reverse("configuration:user_create")).content.decode()
    error = client.post(reverse("configuration:numbering"), {"prefix": "9", "digits": "6"}).content.decode()

    assert "工单编号" in home and "分类树" in home
    assert "新建用户" in form and "初始密码" in form
    assert "未保存任何内容" in error
