"""Signing in and out, one's own profile, and the people settings screens (/settings/users/ and so on)."""

from django.urls import path

from gongdan.accounts.views import auth, people, profile, security

app_name = "accounts"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("language/", auth.set_language, name="set_language"),
    path("password/expired/", security.password_expired_view, name="password_expired"),
    path("profile/", profile.profile, name="profile"),
    path("profile/tokens/", profile.tokens, name="profile_tokens"),
    path("settings/users/", people.user_list, name="user_list"),
    path("settings/users/new/", people.user_create, name="user_create"),
    path("settings/users/<int:pk>/", people.user_edit, name="user_edit"),
    path("settings/users/<int:pk>/deactivate/", people.user_deactivate, name="user_deactivate"),
    path("settings/users/<int:pk>/reactivate/", people.user_reactivate, name="user_reactivate"),
    path("settings/users/<int:pk>/unlock/", people.user_unlock, name="user_unlock"),
    path("settings/users/<int:pk>/skills/", people.user_skills, name="user_skills"),
    path("settings/sign-in-policy/", security.sign_in_policy, name="sign_in_policy"),
    path("settings/teams/", people.team_list, name="team_list"),
    path("settings/teams/new/", people.team_create, name="team_create"),
    path("settings/teams/<int:pk>/", people.team_edit, name="team_edit"),
    path("settings/teams/<int:pk>/members/", people.team_members, name="team_members"),
    path("settings/skills/", people.skill_list, name="skill_list"),
    path("settings/skills/new/", people.skill_create, name="skill_create"),
    path("settings/skills/<int:pk>/", people.skill_edit, name="skill_edit"),
    path("settings/organisations/", people.organisation_list, name="organisation_list"),
    path("settings/organisations/new/", people.organisation_create, name="organisation_create"),
    path("settings/organisations/<int:pk>/", people.organisation_edit, name="organisation_edit"),
]
