"""Signing in to the portal: an emailed one-time link (through a real SMTP server on
loopback) or a code texted to the mobile; expiry, reuse, wrong codes, the throttle, the
same answer for unknown addresses, and a session that is never a staff login."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone
from tests.crm.portal.conftest import last_code, link_in, texts, wait_for_mail

from kehu.crm.portal import actions, session
from kehu.crm.portal.models import PortalAccess, SignInToken

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _ask_link(client: Client, email: str):
    return client.post("/portal/sign-in/", {"email": email})


def _signed_in_as(client: Client) -> int | None:
    return client.session.get(session.SESSION_KEY)


def test_an_emailed_link_signs_the_contact_in_once(world, smtp):
    client = Client()
    contact = world["acme"]["contact"]
    response = _ask_link(client, "Buyer@Acme.example ")
    assert response.status_code == 200
    assert "we have just sent a sign-in link" in response.content.decode()
    (message,) = wait_for_mail(smtp, 1)
    assert message["To"] == "buyer@acme.example"
    assert "Acme Ltd" in message["Subject"]
    token = link_in(message)

    confirm = client.get(f"/portal/sign-in/link/{token}/")
    assert confirm.status_code == 200 and _signed_in_as(client) is None  # a GET spends nothing
    response = client.post(f"/portal/sign-in/link/{token}/")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert _signed_in_as(client) == contact.pk
    assert "Acme Ltd" in client.get("/portal/").content.decode()
    assert PortalAccess.objects.get(contact=contact).last_login_at is not None

    other = Client()
    assert other.post(f"/portal/sign-in/link/{token}/").status_code == 400
    assert other.get(f"/portal/sign-in/link/{token}/").status_code == 400
    assert _signed_in_as(other) is None


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world, smtp):
    def page(address: str) -> str:
        response = _ask_link(Client(), address)
        assert response.status_code == 200
        html = CSRF.sub("", response.content.decode())
        return html.replace(address, "ADDRESS")

    assert page("buyer@acme.example") == page("nobody@nowhere.example")
    assert len(wait_for_mail(smtp, 1)) == 1


def test_a_revoked_access_gets_no_link_and_its_links_die(world, smtp):
    access = world["acme"]["access"]
    _ask_link(Client(), "buyer@acme.example")
    token = link_in(wait_for_mail(smtp, 1)[0])
    actions.revoke_access(access)
    client = Client()
    assert client.post(f"/portal/sign-in/link/{token}/").status_code == 400
    _ask_link(client, "buyer@acme.example")
    assert len(smtp.messages) == 1


def _link_for(access: PortalAccess, *, age_minutes: int = 0) -> str:
    """A link made as request_link makes it, signed ``age_minutes`` ago."""
    token = actions._new_token(access, SignInToken.Kind.LINK, "nonce", actions.LINK_MINUTES)

    class Then(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(timezone.now().timestamp()) - age_minutes * 60)

    return Then(salt=actions.LINK_SALT).sign_object([token.pk, "nonce"])


def test_a_link_expires_after_15_minutes(world):
    access = world["acme"]["access"]
    fresh = _link_for(access, age_minutes=14)
    stale = _link_for(access, age_minutes=16)
    assert Client().post(f"/portal/sign-in/link/{stale}/").status_code == 400
    assert Client().post(f"/portal/sign-in/link/{fresh}/").status_code == 302
    # the stored expiry counts too
    again = _link_for(access)
    SignInToken.objects.filter(used_at__isnull=True).update(expires_at=timezone.now())
    assert Client().post(f"/portal/sign-in/link/{again}/").status_code == 400


def test_a_forged_or_altered_link_is_refused(world):
    real = _link_for(world["acme"]["access"])
    token_id = SignInToken.objects.get().pk
    forged = signing.dumps([token_id, "guess"], salt=actions.LINK_SALT)
    for bad in (forged, real[:-2] + "xx", "nonsense", "a" * 300):
        response = Client().post(f"/portal/sign-in/link/{bad}/")
        assert response.status_code == 400, bad
        assert "no longer works" in response.content.decode()


def test_a_texted_code_signs_in_once(world, sms_outbox):
    client = Client()
    response = client.post("/portal/sign-in/code/", {"phone": "138 0000 0001"})
    assert response.status_code == 302 and response["Location"] == "/portal/sign-in/code/enter/"
    code = last_code(sms_outbox)
    assert texts(sms_outbox)[0]["to"] == "+86 138 0000 0001"
    response = client.post("/portal/sign-in/code/enter/", {"code": code})
    assert response.status_code == 302
    assert _signed_in_as(client) == world["bolt"]["contact"].pk

    again = Client()
    again.post("/portal/sign-in/code/", {"phone": "+8613800000009"})  # nobody's number
    assert again.post("/portal/sign-in/code/enter/", {"code": code}).status_code == 400
    reuse = Client()
    s = reuse.session
    s[session.CODE_PHONE_KEY] = "13800000001"
    s.save()
    assert reuse.post("/portal/sign-in/code/enter/", {"code": code}).status_code == 400


def test_a_wrong_code_says_so_and_five_wrong_codes_spend_it(world, sms_outbox):
    client = Client()
    client.post("/portal/sign-in/code/", {"phone": "13800000000"})
    code = last_code(sms_outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post("/portal/sign-in/code/enter/", {"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    response = client.post("/portal/sign-in/code/enter/", {"code": "12a"})
    assert response.status_code == 400 and "The code is 6 digits" in response.content.decode()
    for _ in range(actions.CODE_ATTEMPTS - 1):
        client.post("/portal/sign-in/code/enter/", {"code": wrong})
    assert client.post("/portal/sign-in/code/enter/", {"code": code}).status_code == 400
    assert _signed_in_as(client) is None


def test_a_code_expires(world, sms_outbox):
    client = Client()
    client.post("/portal/sign-in/code/", {"phone": "13800000000"})
    SignInToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert (
        client.post("/portal/sign-in/code/enter/", {"code": last_code(sms_outbox)}).status_code
        == 400
    )


def test_the_code_page_needs_a_number_first(db):
    response = Client().get("/portal/sign-in/code/enter/")
    assert response.status_code == 302 and response["Location"] == "/portal/sign-in/code/"
    response = Client().post("/portal/sign-in/code/", {"phone": "12"})
    assert response.status_code == 400 and "6 to 15 digits" in response.content.decode()


def test_links_are_throttled_per_address_known_or_not(world, smtp, settings):
    settings.KEHU_PORTAL_PER_ADDRESS = (3, 15)
    for address in ("buyer@acme.example", "nobody@nowhere.example"):
        client = Client()
        for _ in range(3):
            assert _ask_link(client, address).status_code == 200
        response = _ask_link(client, address)
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "Too many sign-in attempts" in response.content.decode()
    assert len(wait_for_mail(smtp, 3)) == 3
    assert _ask_link(Client(), "buyer@bolt.example").status_code == 200


def test_links_are_throttled_per_client_address(world, smtp, settings):
    settings.KEHU_PORTAL_PER_IP = (4, 60)
    client = Client()
    for i in range(4):
        assert _ask_link(client, f"guess{i}@acme.example").status_code == 200
    assert _ask_link(client, "buyer@acme.example").status_code == 429
    assert smtp.messages == []


def test_wrong_codes_are_throttled(world, sms_outbox, settings):
    settings.KEHU_PORTAL_FAILED_PER_ADDRESS = (3, 15)
    client = Client()
    client.post("/portal/sign-in/code/", {"phone": "13800000000"})
    code = last_code(sms_outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [
        client.post("/portal/sign-in/code/enter/", {"code": wrong}).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]
    response = client.post("/portal/sign-in/code/enter/", {"code": code})
    assert response.status_code == 429 and _signed_in_as(client) is None


def test_code_requests_are_throttled(world, sms_outbox, settings):
    settings.KEHU_PORTAL_PER_ADDRESS = (2, 15)
    client = Client()
    codes = [
        client.post("/portal/sign-in/code/", {"phone": "13800000000"}).status_code for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert len(texts(sms_outbox, 2)) == 2


def test_sign_out_ends_the_portal_session(world, portal_client):
    client = portal_client(world["acme"]["contact"])
    assert client.get("/portal/orders/").status_code == 200
    assert client.post("/portal/sign-out/").status_code == 302
    response = client.get("/portal/orders/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/sign-in/?next=%2Fportal%2Forders%2F"


def test_a_portal_visitor_is_no_staff_user(world, portal_client):
    client = portal_client(world["acme"]["contact"])
    for url in (
        "/",
        "/customers/",
        f"/customers/{world['acme']['customer'].pk}/",
        "/sales/orders/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    assert client.get("/api/customers").status_code == 401
    assert "_auth_user_id" not in client.session


def test_revoking_access_or_deleting_the_contact_ends_the_session(world, portal_client):
    from kehu.crm.portal.actions import grant_access

    client = portal_client(world["acme"]["contact"])
    actions.revoke_access(world["acme"]["access"])
    assert client.get("/portal/").status_code == 200  # the sign-in page
    assert session.SESSION_KEY not in client.session
    # access given back does not revive a session begun before the revocation
    stale = portal_client(world["acme"]["contact"])
    s = stale.session
    s[session.SINCE_KEY] = timezone.now().timestamp() - 60
    s.save()
    grant_access(world["acme"]["contact"])
    PortalAccess.objects.filter(pk=world["acme"]["access"].pk).update(
        revoked_at=timezone.now() - timedelta(seconds=30)
    )
    assert stale.get("/portal/orders/").status_code == 302

    bolt = portal_client(world["bolt"]["contact"])
    world["bolt"]["contact"].delete()
    assert bolt.get("/portal/orders/").status_code == 302


def test_access_given_back_does_not_revive_a_session_begun_before_the_revocation(
    world, portal_client
):
    from kehu.crm.portal.actions import grant_access

    # given a session that did not visit the portal while its access was revoked
    stale = portal_client(world["acme"]["contact"])
    s = stale.session
    s[session.SINCE_KEY] = timezone.now().timestamp() - 60
    s.save()
    actions.revoke_access(world["acme"]["access"])
    # when staff give the access back
    grant_access(world["acme"]["contact"])
    # then the old session is over, and a new sign-in works
    assert stale.get("/portal/orders/").status_code == 302
    assert portal_client(world["acme"]["contact"]).get("/portal/orders/").status_code == 200


def test_every_form_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/portal/sign-in/", {"email": "buyer@acme.example"}).status_code == 403
    assert client.post("/portal/sign-in/code/", {"phone": "13800000000"}).status_code == 403
    assert client.post("/portal/language/", {"language": "zh-hans"}).status_code == 403


def test_the_language_switch_sets_the_cookie_and_refuses_others(db):
    client = Client()
    response = client.post("/portal/language/", {"language": "zh-hans", "next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert "登录" in client.get("/portal/").content.decode()
    assert client.post("/portal/language/", {"language": "fr"}).status_code == 400
    away = client.post("/portal/language/", {"language": "en", "next": "https://evil.example/"})
    assert away["Location"] == "/portal/"
