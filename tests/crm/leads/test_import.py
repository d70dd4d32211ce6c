"""`kehu import --entity leads` and the wizard's entity: every row imported, merged into
an open lead with the same email or phone, or quarantined with its reason."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from kehu.cli import main
from kehu.cli.imports import run_web_import
from kehu.crm.integration import actions as import_actions
from kehu.crm.integration import reasons
from kehu.crm.integration.forms import UploadForm
from kehu.crm.integration.models import ImportJob
from kehu.crm.leads import actions
from kehu.crm.leads.models import Lead

pytestmark = pytest.mark.django_db

LEADS = """name,company,email,phone,title,city,source,campaign,owner,created
Zhang Wei,Huadong,zhang@huadong.cn,138 0000 0001,Buyer,Shanghai,event,Spring fair,sally,2026-03-02
Li Na,,LI.NA@example.com,,,Beijing,,,,
Old Friend,Acme,,+86 139 1111 2222,CEO,,referral,,,
Li Na again,,li.na@example.com,,CTO,,,,,
Nobody,,,,,,,,,
Bad Phone,,,12ab,,,,,,
Bad Mail,,not-mail,,,,,,,
Odd Source,,odd@example.com,,,,pigeon,,,
Unknown Campaign,,uc@example.com,,,,,Winter gala,,
Unknown Owner,,uo@example.com,,,,,,mallory,
"""


def _import(tmp_path, text):
    path = tmp_path / "leads.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["import", str(path), "--entity", "leads"], catch_exceptions=False
    )
    return result, ImportJob.objects.latest("pk")


def test_every_row_is_imported_merged_or_quarantined_with_a_reason(
    tmp_path, make_campaign, sales_user
):
    fair = make_campaign("Spring fair")
    existing = actions.capture_lead(name="Old", phone="+8613911112222", source="web_form").lead
    result, job = _import(tmp_path, LEADS)
    assert result.exit_code == 0, result.output
    assert (job.rows_in, job.imported, job.merged, job.quarantined) == (10, 2, 2, 6)
    assert job.accounted
    zhang = Lead.objects.get(email="zhang@huadong.cn")
    assert (zhang.source, zhang.campaign, zhang.owner, zhang.phone) == (
        "event",
        fair,
        sales_user,
        "13800000001",
    )
    assert zhang.created_at.date().isoformat() == "2026-03-02"
    # the same email twice in the file is one lead, with the file's last values
    li = Lead.objects.get(email="li.na@example.com")
    assert (li.source, li.title) == ("import", "CTO")
    # an open lead with the same phone was updated, not doubled
    existing.refresh_from_db()
    assert (existing.company, existing.title) == ("Acme", "CEO")
    assert Lead.objects.count() == 3
    stored = set(job.quarantine.values_list("reason", flat=True))
    assert stored == {
        "no email and no phone: a lead needs one to be reached",
        'phone "12ab" is not a number of 5 to 20 digits',
        'Email: "not-mail" is not an email address',
        'Source: "pigeon" is not one of: web_form, import, event, api, manual, referral',
        'campaign "Winter gala" is not in the CRM: create it first, or fix the name',
        'Owner: no user "mallory" (by user name or email): add the user, or leave the column '
        "unmapped",
    }


def test_importing_the_file_again_changes_nothing(tmp_path, make_campaign, sales_user):
    make_campaign("Spring fair")
    _import(tmp_path, LEADS)
    _result, job = _import(tmp_path, LEADS)
    assert (job.imported, job.merged) == (0, 4)
    assert Lead.objects.count() == 3


def test_the_wizard_offers_leads_and_the_reasons_are_shown_translated():
    assert "leads" in dict(UploadForm().fields["entity"].choices)
    with translation.override("zh-hans"):
        shown = reasons.shown(
            'campaign "Winter gala" is not in the CRM: create it first, or fix the name'
        )
    assert "Winter gala" in shown and "campaign" not in shown


def test_the_import_wizard_takes_leads(tmp_path, settings, monkeypatch, analyst_user, client_for):
    settings.VAR_DIR = tmp_path / "var"
    started = []
    monkeypatch.setattr(
        import_actions,
        "launch_detached",
        lambda job: (started.append(job.pk), run_web_import(job.pk)),
    )
    client = client_for(analyst_user)
    text = "Name,Email,Phone\nMei Chen,mei@harbour.example,\nNobody,,\n"
    upload = SimpleUploadedFile("leads.csv", text.encode(), content_type="text/csv")
    response = client.post(reverse("integration:upload"), {"file": upload, "entity": "leads"})
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url).content.decode()
    assert "2 rows; 1 would be quarantined." in page
    assert "no email and no phone" in page
    fields = {"map_name": "Name", "map_email": "Email", "map_phone": "Phone"}
    response = client.post(mapping_url, {**fields, "action": "run"})
    job = ImportJob.objects.get(pk=started[0])
    assert (job.status, job.imported, job.quarantined) == ("done", 1, 1)
    assert Lead.objects.get().source == "import"
