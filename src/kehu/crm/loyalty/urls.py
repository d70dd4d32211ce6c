from django.urls import path

from kehu.crm.loyalty import public_views, views

app_name = "loyalty"
urlpatterns = [
    path("", views.member_list, name="member_list"),
    path("members.csv", views.member_export, name="member_export"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/redeem/", views.member_redeem, name="redeem"),
    path("members/<int:pk>/adjust/", views.member_adjust, name="adjust"),
    path("members/<int:pk>/leave/", views.member_leave, name="leave"),
    path("enrol/<int:customer_pk>/", views.enrol, name="enrol"),
    path("message/", views.message_members, name="message_members"),
    path("rules/", views.rules, name="rules"),
    path("rules/levels/new/", views.level_edit, name="level_create"),
    path("rules/levels/<int:pk>/", views.level_edit, name="level_edit"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rewards/", views.rewards, name="rewards"),
    path("rewards/new/", views.reward_edit, name="reward_create"),
    path("rewards/<int:pk>/", views.reward_edit, name="reward_edit"),
    # no sign-in
    path("join/", public_views.join, name="join"),
    path("join/confirm/", public_views.join_confirm, name="join_confirm"),
    path("sms/inbound", public_views.sms_inbound, name="sms_inbound"),
]
