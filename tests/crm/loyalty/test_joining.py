"""Joining without staff: the public web form confirmed by a code texted to the mobile,
and an inbound SMS keyword through the gateway's webhook."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from kehu.crm.customers.models import Customer
from kehu.crm.loyalty.models import InboundSms, JoinRequest, Membership

FORM = {
    "name": "Chen Jie",
    "mobile": "+86 139 1234 5678",
    "consent_sms": "on",
    "consent_terms": "on",
}


def _code(outbox: list[dict[str, str]]) -> str:
    match = re.search(r"\b(\d{6})\b", outbox[-1]["text"])
    assert match, outbox[-1]
    return match.group(1)


def test_join_by_web_form_with_the_code_from_the_sms(sms_outbox: Any, db: None) -> None:
    client = Client()
    assert client.get("/loyalty/join/").status_code == 200
    response = client.post("/loyalty/join/", FORM)
    assert response.status_code == 302
    sent = sms_outbox()
    assert sent[-1]["to"] == "+86 139 1234 5678"
    wrong = client.post(
        "/loyalty/join/confirm/", {"code": "000000" if _code(sent) != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "not the code we sent" in wrong.content.decode()
    done = client.post("/loyalty/join/confirm/", {"code": _code(sent)})
    assert done.status_code == 200 and "you are a member now" in done.content.decode()
    membership = Membership.objects.select_related("customer").get()
    assert (membership.mobile, membership.channel, membership.customer.name) == (
        "8613912345678",
        "web",
        "Chen Jie",
    )
    assert membership.customer.consent_sms


def test_join_by_web_form_matches_an_existing_customer(sms_outbox: Any, make_customer: Any) -> None:
    known = make_customer("Chen Jie (shop)", phone="139-1234-5678")
    client = Client()
    client.post("/loyalty/join/", {**FORM, "mobile": "13912345678"})
    client.post("/loyalty/join/confirm/", {"code": _code(sms_outbox())})
    assert Membership.objects.get().customer == known
    assert Customer.objects.count() == 1


def test_an_email_given_on_the_join_form_is_no_consent_to_email_offers(
    sms_outbox: Any, db: None
) -> None:
    for ticked, mobile in ((False, "+86 139 1234 5678"), (True, "+86 139 1234 5679")):
        client = Client()
        data = {**FORM, "mobile": mobile, "email": f"{mobile[-4:]}@example.com"}
        if ticked:
            data["consent_email"] = "on"
        assert client.post("/loyalty/join/", data).status_code == 302
        done = client.post("/loyalty/join/confirm/", {"code": _code(sms_outbox())})
        assert done.status_code == 200
        customer = Customer.objects.get(email=data["email"])
        assert customer.consent_email is ticked


def test_the_join_form_does_not_tell_a_stranger_whether_a_number_is_a_member(
    sms_outbox: Any, db: None
) -> None:
    client = Client()
    client.post("/loyalty/join/", FORM)
    client.post("/loyalty/join/confirm/", {"code": _code(sms_outbox())})
    # a stranger asking with the member's number gets the answer a new number gets
    stranger = Client()
    response = stranger.post("/loyalty/join/", {**FORM, "name": "Someone Else"})
    assert response.status_code == 302 and response["Location"] == "/loyalty/join/confirm/"
    # only who holds the phone, with the code, learns it
    again = stranger.post("/loyalty/join/confirm/", {"code": _code(sms_outbox())})
    assert again.status_code == 400 and "member already" in again.content.decode()
    assert Membership.objects.count() == 1


def test_join_form_explains_what_is_missing(sms_outbox: Any, db: None) -> None:
    response = Client().post("/loyalty/join/", {"name": "X", "mobile": "12"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "6 to 15 digits" in text and "Tick this box to join" in text
    assert sms_outbox() == []


def test_the_honeypot_sends_nothing(sms_outbox: Any, db: None) -> None:
    response = Client().post("/loyalty/join/", {**FORM, "website": "http://spam"})
    assert response.status_code == 302
    assert sms_outbox() == [] and not JoinRequest.objects.exists()


def test_join_requests_are_rate_limited(sms_outbox: Any, db: None) -> None:
    client = Client()
    for n in range(5):
        client.post("/loyalty/join/", {**FORM, "mobile": f"1391234000{n}"})
    refused = client.post("/loyalty/join/", {**FORM, "mobile": "13912340009"})
    assert refused.status_code == 400
    assert "Too many requests" in refused.content.decode()
    assert len(sms_outbox()) == 5


def test_five_wrong_codes_end_the_request(sms_outbox: Any, db: None) -> None:
    client = Client()
    client.post("/loyalty/join/", FORM)
    right = _code(sms_outbox())
    wrong = "123456" if right != "123456" else "654321"
    for _ in range(5):
        client.post("/loyalty/join/confirm/", {"code": wrong})
    response = client.post("/loyalty/join/confirm/", {"code": right})
    assert "Too many wrong codes" in response.content.decode()
    assert not Membership.objects.exists()


def _inbound(client: Client, sender: str, text: str, secret: str = "s3cret") -> Any:
    return client.post(
        "/loyalty/sms/inbound", {"from": sender, "text": text}, HTTP_X_KEHU_SECRET=secret
    )


def test_sms_keyword_joins_matches_the_customer_and_replies(
    sms_outbox: Any, make_customer: Any
) -> None:
    known = make_customer("Wu Hao", kind="person", phone="+86 135 0000 9999")
    client = Client()
    response = _inbound(client, "+8613500009999", "加入")
    assert response.status_code == 200 and response.json()["outcome"] == "joined"
    membership = Membership.objects.get()
    assert (membership.customer, membership.channel) == (known, "sms")
    assert sms_outbox()[-1]["to"] == "+8613500009999"
    assert "会员" in sms_outbox()[-1]["text"]  # answered in the language of the keyword
    assert _inbound(client, "+8613500009999", "join").json()["outcome"] == "already"


def test_sms_keyword_from_an_unknown_number_creates_the_customer(sms_outbox: Any, db: None) -> None:
    _inbound(Client(), "+8613700001234", "JOIN Ma Li")
    membership = Membership.objects.select_related("customer").get()
    assert membership.customer.name == "Ma Li"
    assert membership.customer.consent_sms


def test_stop_leaves_and_anything_else_gets_help(sms_outbox: Any, db: None) -> None:
    client = Client()
    _inbound(client, "+8613700001234", "JOIN")
    assert _inbound(client, "+8613700001234", "STOP").json()["outcome"] == "left"
    membership = Membership.objects.select_related("customer").get()
    assert membership.status == "cancelled" and not membership.customer.consent_sms
    help_reply = _inbound(client, "+8613700001234", "what is this?").json()
    assert help_reply["outcome"] == "help" and "JOIN" in help_reply["reply"]
    assert list(InboundSms.objects.order_by("id").values_list("text", "outcome")) == [
        ("JOIN", "joined"),
        ("STOP", "left"),
        ("what is this?", "help"),
    ]


def test_the_webhook_needs_the_secret_and_both_fields(sms_outbox: Any, db: None) -> None:
    client = Client()
    assert _inbound(client, "+8613700001234", "JOIN", secret="wrong").status_code == 403
    missing = client.post("/loyalty/sms/inbound", {"text": "JOIN"}, HTTP_X_KEHU_SECRET="s3cret")
    assert missing.status_code == 400 and "from" in missing.json()["detail"]
    assert not InboundSms.objects.exists()


def test_a_secret_that_is_not_text_is_refused_not_an_error(sms_outbox: Any, db: None) -> None:
    # JSON may carry a lone surrogate ("\\ud800"), which has no UTF-8 encoding
    response = Client().post(
        "/loyalty/sms/inbound",
        '{"from": "+8613700001234", "text": "JOIN", "secret": "\\ud800"}',
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not InboundSms.objects.exists()
    response = Client().post(
        "/loyalty/sms/inbound",
        '{"from": "+8613700001234", "text": "JOIN \\ud800", "secret": "s3cret"}',
        content_type="application/json",
    )
    assert response.status_code == 200 and InboundSms.objects.get().text == "JOIN ?"


def test_a_bad_number_by_sms_is_logged_as_refused(sms_outbox: Any, db: None) -> None:
    response = _inbound(Client(), "12", "JOIN")
    assert response.json()["outcome"] == "refused"
    assert "6 to 15 digits" in InboundSms.objects.get().detail
