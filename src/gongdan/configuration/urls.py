from django.urls import path

from gongdan.configuration.views import catalogue, home, people, places, ticketing

app_name = "configuration"

urlpatterns = [
    path("", home.index, name="index"),
    path("users/", people.user_list, name="user_list"),
    path("users/new/", people.user_create, name="user_create"),
    path("users/<int:pk>/", people.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", people.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", people.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/skills/", people.user_skills, name="user_skills"),
    path("teams/", people.team_list, name="team_list"),
    path("teams/new/", people.team_create, name="team_create"),
    path("teams/<int:pk>/", people.team_edit, name="team_edit"),
    path("teams/<int:pk>/members/", people.team_members, name="team_members"),
    path("skills/", people.skill_list, name="skill_list"),
    path("skills/new/", people.skill_create, name="skill_create"),
    path("skills/<int:pk>/", people.skill_edit, name="skill_edit"),
    path("organisations/", people.organisation_list, name="organisation_list"),
    path("organisations/new/", people.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", people.organisation_edit, name="organisation_edit"),
    path("locations/", places.location_list, name="location_list"),
    path("locations/new/", places.location_create, name="location_create"),
    path("locations/<int:pk>/", places.location_edit, name="location_edit"),
    path("categories/", catalogue.category_list, name="category_list"),
    path("categories/new/", catalogue.category_create, name="category_create"),
    path("categories/<int:pk>/", catalogue.category_edit, name="category_edit"),
    path("categories/<int:category_pk>/fields/new/", catalogue.field_create, name="field_create"),
    path("fields/<int:pk>/", catalogue.field_edit, name="field_edit"),
    path("priorities/", ticketing.priority_list, name="priority_list"),
    path("priorities/<int:pk>/", ticketing.priority_edit, name="priority_edit"),
    path("ticket-types/", ticketing.ticket_type_list, name="ticket_type_list"),
    path("ticket-types/<int:pk>/", ticketing.ticket_type_edit, name="ticket_type_edit"),
    path("numbering/", ticketing.numbering, name="numbering"),
    path("workflow/", ticketing.workflow, name="workflow"),
]
