"""The Simplified Chinese translation is complete, compiled, and used.

The .po is the source of truth, the committed .mo is what Django reads (a user's machine
has no gettext to compile it), so a .po edit without recompiling must fail here:
``cd src/kehu/crm && django-admin makemessages -l zh_Hans --ignore "*/migrations/*"``,
translate, then ``django-admin compilemessages``."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from decimal import Decimal

import polib
import pytest
from django.utils import timezone, translation
from tests.conftest import REPO_ROOT

CRM_DIR = REPO_ROOT / "src" / "kehu" / "crm"
LC_MESSAGES = CRM_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# %(name)s / %(n)d, a bare %s / %d, a literal %% and str.format's {name}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|%%|\{\w*\}")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PGETTEXT_NAMES = {"pgettext", "pgettext_lazy"}


def _key(entry: polib.POEntry | polib.MOEntry) -> tuple[str | None, str]:
    return (entry.msgctxt or None, entry.msgid)


def _strings(entry: polib.POEntry | polib.MOEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def test_every_entry_is_translated_and_not_fuzzy(po: polib.POFile) -> None:
    assert len(po) > 400, "the catalogue looks truncated"
    assert not po.metadata_is_fuzzy
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=1;")
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    obsolete = [e.msgid for e in po.obsolete_entries()]
    empty = [e.msgid for e in po if not all(s.strip() for s in _strings(e))]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not obsolete, f"obsolete (#~) entries left over: {obsolete}"
    assert not empty, f"empty msgstr: {empty}"


def test_placeholders_of_msgid_and_msgstr_match(po: polib.POFile) -> None:
    wrong = []
    for e in po:
        wanted = _placeholders(e.msgid)
        for s in _strings(e):
            if _placeholders(s) != wanted:
                wrong.append((e.msgid, s))
        if e.msgid_plural and _placeholders(e.msgid_plural) != wanted:
            wrong.append((e.msgid_plural, e.msgid))
    assert not wrong, f"placeholders differ: {wrong}"


def test_python_format_entries_format_like_their_msgid(po: polib.POFile) -> None:
    """Each msgstr takes the same %-arguments as its msgid (a literal % is %%)."""
    for e in po:
        if "python-format" not in e.flags:
            continue
        names = re.findall(r"%\((\w+)\)", e.msgid)
        args = {name: 1 for name in names} if names else None
        for s in _strings(e):
            expected = e.msgid % args if args else e.msgid % ()
            assert isinstance(expected, str)
            assert isinstance(s % args if args else s % (), str), (e.msgid, s)


def test_committed_mo_matches_the_po(po: polib.POFile) -> None:
    assert MO_PATH.is_file(), "django.mo is missing: run compilemessages and commit it"
    mo = polib.mofile(str(MO_PATH))
    in_po = {_key(e): _strings(e) for e in po.translated_entries()}
    in_mo = {_key(e): _strings(e) for e in mo if e.msgid}
    stale = {k: (in_po.get(k), in_mo.get(k)) for k in in_po.keys() | in_mo.keys()}
    stale = {k: v for k, v in stale.items() if v[0] != v[1]}
    assert not stale, f"django.mo is out of date with django.po (recompile): {stale}"


def _template_msgids() -> set[tuple[str | None, str]]:
    """The strings of {% translate %} / {% blocktranslate %} (without plurals) and
    _("...") in templates, as makemessages writes them."""
    found: set[tuple[str | None, str]] = set()
    literal = r"\"([^\"]*)\"|'([^']*)'"
    for path in CRM_DIR.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(
            r"{%\s*(?:translate|trans)\s+(?:" + literal + r")(?:\s+context\s+(?:" + literal + "))?",
            text,
        ):
            msgid = m.group(1) if m.group(1) is not None else m.group(2)
            ctx = m.group(3) if m.group(3) is not None else m.group(4)
            found.add((ctx, msgid.replace("%", "%%")))
        for m in re.finditer(r"\b_\((?:" + literal + r")\)", text):
            found.add((None, m.group(1) if m.group(1) is not None else m.group(2)))
        for m in re.finditer(
            r"{%\s*blocktranslate(?P<opts>[^%]*)%}(?P<body>.*?){%\s*endblocktranslate\s*%}",
            text,
            re.S,
        ):
            if "{% plural %}" in m.group("body") or " context " in m.group("opts"):
                continue
            body = m.group("body").replace("%", "%%")
            body = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body)
            if "trimmed" in m.group("opts").split():
                body = " ".join(line.strip() for line in body.strip().splitlines())
            found.add((None, body))
    return found


def _python_msgids() -> set[tuple[str | None, str]]:
    """The literal arguments of gettext calls in the crm package's Python code."""
    found: set[tuple[str | None, str]] = set()
    for path in CRM_DIR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            args = node.args
            if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                continue
            if name in GETTEXT_NAMES and len(args) == 1:
                found.add((None, args[0].value))  # type: ignore[attr-defined]
            elif name in PGETTEXT_NAMES and len(args) == 2:
                found.add((args[0].value, args[1].value))  # type: ignore[attr-defined]
    return found


def test_every_marked_string_of_the_ui_is_in_the_catalogue(po: polib.POFile) -> None:
    """A string marked for translation but missing from the .po (makemessages not re-run)
    would show in English to a Chinese user."""
    in_po = {_key(e) for e in po}
    template_ids = _template_msgids()
    python_ids = _python_msgids()
    assert len(template_ids) > 200 and len(python_ids) > 150
    missing = sorted((template_ids | python_ids) - in_po, key=str)
    assert not missing, f"run makemessages and translate: {missing}"


def test_django_reads_the_chinese_catalogue() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Customers") == "客户"
        assert translation.gettext("Timeline") == "时间线"
        assert translation.pgettext("ticket status", "Open") == "处理中"
        assert translation.gettext("Welcome, %(name)s") % {"name": "王"} == "欢迎，王"
    with translation.override("en"):
        assert translation.gettext("Customers") == "Customers"


@pytest.mark.django_db
def test_customer_list_in_chinese(make_user, make_customer, client_for) -> None:
    from kehu.crm.customers.models import Customer

    user = make_user("sales", language="zh-hans")
    customer = make_customer("上海灯笼贸易", owner=user)
    created = timezone.make_aware(datetime(2026, 3, 5, 10, 0))
    Customer.objects.filter(pk=customer.pk).update(created_at=created)

    response = client_for(user).get("/customers/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert h1 is not None and "客户" in h1.group(1)
    assert "上海灯笼贸易" in html
    assert "2026年3月5日" in html  # Chinese date format, not "March 5, 2026"
    assert "March" not in html
    for english in ("Export CSV", "Filter", "No customers match."):
        assert english not in html


@pytest.mark.django_db
def test_orders_render_amounts_and_dates_in_chinese(make_user, make_customer, client_for) -> None:
    from kehu.crm.catalog.actions import create_product
    from kehu.crm.sales.actions import create_order

    user = make_user("sales", language="zh-hans")
    customer = make_customer("北京茶叶公司", owner=user)
    product = create_product(sku="TEA-1", name="龙井 500 g", unit_price=Decimal("1234.50"))
    ordered_at = timezone.make_aware(datetime(2026, 3, 1, 10, 30))
    order = create_order(
        customer, [{"product": product, "quantity": Decimal(2)}], by=user, ordered_at=ordered_at
    )

    c = client_for(user)
    response = c.get("/sales/orders/")
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html
    assert "2026年3月1日" in html
    assert re.search(r"2,?469\.00", html), "the order total is missing"
    assert "订单" in html and "导出 CSV" in html
    assert "Export CSV" not in html

    detail = c.get(order.get_absolute_url())
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "2026年3月1日" in page
    assert re.search(r"1,?234\.50", page)
    assert "折扣 %" in page and "折扣 %%" not in page
