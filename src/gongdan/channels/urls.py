from django.urls import path

from gongdan.channels import views

app_name = "channels"

urlpatterns = [
    path("settings/mailboxes/", views.mailbox_list, name="mailbox_list"),
    path("settings/mailboxes/new/", views.mailbox_create, name="mailbox_create"),
    path("settings/mailboxes/<int:pk>/", views.mailbox_edit, name="mailbox_edit"),
    path("settings/mailboxes/<int:pk>/test/", views.mailbox_test, name="mailbox_test"),
    path("settings/mailboxes/<int:pk>/poll/", views.mailbox_poll_now, name="mailbox_poll"),
    path("settings/incoming-mail/", views.mail_list, name="mail_list"),
    path("settings/incoming-mail/<int:pk>/", views.mail_detail, name="mail_detail"),
    path("settings/incoming-mail/<int:pk>/raw/", views.mail_raw, name="mail_raw"),
    path("settings/incoming-mail/<int:pk>/retry/", views.mail_retry, name="mail_retry"),
]
