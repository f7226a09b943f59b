"""The settings screens speak the admin's language (tests/test_translations.py checks the catalogues)."""

from __future__ import annotations

from django.urls import reverse


def test_a_chinese_speaking_admin_gets_the_settings_in_chinese(client, admin_user):
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)

    home = client.get(reverse("admin_console:index")).content.decode()
    form = client.get(reverse("accounts:user_create")).content.decode()
    error = client.post(reverse("tickets:numbering"), {"prefix": "9", "digits": "6"}).content.decode()

    assert "工单编号" in home and "分类树" in home
    assert "新建用户" in form and "初始密码" in form
    assert "未保存任何内容" in error
