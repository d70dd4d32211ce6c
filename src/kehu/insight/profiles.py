"""Fake identities for demo data, in English and Chinese.

Fake identities for demo data: people and companies, emails, phones, addresses and
industries, in English (en_US) and Chinese (zh_CN).

Faker takes tens of microseconds per value, too slow for a million customers, so a
few thousand values of each kind are drawn with Faker once (:func:`build_pools`) and
combined with numpy sampling. Output depends only on the seed (and the Faker version).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from faker import Faker

from kehu.insight.errors import InputError

INDUSTRIES = np.array(
    [
        "Manufacturing",
        "Retail",
        "Wholesale",
        "Construction",
        "Healthcare",
        "Education",
        "Finance",
        "Logistics",
        "Hospitality",
        "Software",
        "Telecommunications",
        "Energy",
        "Agriculture",
        "Food & Beverage",
        "Automotive",
        "Government",
    ]
)
_EN_COMPANY_WORDS = np.array(
    [
        "Trading",
        "Logistics",
        "Systems",
        "Foods",
        "Machinery",
        "Electronics",
        "Textiles",
        "Pharma",
        "Supply",
        "Solutions",
        "Engineering",
        "Design",
        "Industries",
        "Holdings",
        "Media",
        "Motors",
        "Materials",
        "Networks",
        "Labs",
        "Works",
    ]
)
_EN_COMPANY_SUFFIXES = np.array(["Inc", "LLC", "Ltd", "Group", "Co", "Partners", "Corp"])
_ZH_COMPANY_WORDS = np.array(
    list(
        [
            "科技",
            "贸易",
            "电子",
            "网络",
            "食品",
            "机械",
            "物流",
            "医药",
            "建材",
            "纺织",
            "化工",
            "传媒",
            "能源",
            "信息",
            "汽车",
            "农业",
        ]
    )
)
_ZH_COMPANY_SUFFIXES = np.array(["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"])
_ZH_CITIES = np.array(
    [
        "北京",
        "上海",
        "广州",
        "深圳",
        "杭州",
        "南京",
        "成都",
        "武汉",
        "苏州",
        "天津",
        "重庆",
        "西安",
        "青岛",
        "厦门",
        "宁波",
        "长沙",
    ]
)
_ZH_PROVINCES = np.array(
    [
        "北京市",
        "上海市",
        "广东省",
        "广东省",
        "浙江省",
        "江苏省",
        "四川省",
        "湖北省",
        "江苏省",
        "天津市",
        "重庆市",
        "陕西省",
        "山东省",
        "福建省",
        "浙江省",
        "湖南省",
    ]
)
_ZH_PHONE_PREFIXES = np.array(
    [
        "130",
        "131",
        "132",
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "152",
        "158",
        "159",
        "166",
        "177",
        "186",
        "188",
        "199",
    ]
)
_DIGITS4 = np.array([f"{i:04d}" for i in range(10_000)])
_DIGITS2 = np.array([""] + [str(i) for i in range(1, 100)])
_OTHER_PLACES = np.array(
    [
        ("United Kingdom", "England", "London"),
        ("Germany", "Bavaria", "Munich"),
        ("Japan", "Osaka", "Osaka"),
        ("Singapore", "Singapore", "Singapore"),
        ("Canada", "Ontario", "Toronto"),
        ("Australia", "New South Wales", "Sydney"),
    ]
)
_EN_TITLES = np.array(
    [
        "Purchasing Manager",
        "Buyer",
        "CEO",
        "CFO",
        "Operations Director",
        "Office Manager",
        "IT Manager",
        "Procurement Officer",
        "Owner",
        "Sales Director",
        "Engineer",
        "Accountant",
    ]
)
_ZH_TITLES = np.array(
    [
        "采购经理",
        "采购专员",
        "总经理",
        "财务总监",
        "运营总监",
        "行政经理",
        "IT经理",
        "工程师",
        "会计",
    ]
)
_DEPARTMENTS = np.array(
    ["Purchasing", "Management", "Finance", "Operations", "IT", "Engineering", "Sales"]
)


@dataclass(frozen=True)
class ProfilePools:
    """Values drawn once with Faker, sampled with numpy afterwards."""

    en_first: np.ndarray
    en_last: np.ndarray
    en_street: np.ndarray
    us_city: np.ndarray
    us_state: np.ndarray
    us_zip: np.ndarray
    zh_surname: np.ndarray
    zh_given: np.ndarray
    zh_pinyin_first: np.ndarray
    zh_pinyin_last: np.ndarray
    zh_district: np.ndarray
    zh_street: np.ndarray
    zh_postcode: np.ndarray
    zh_company_prefix: np.ndarray
    email_domains: np.ndarray


def _draw(faker: Faker, method: str, size: int) -> np.ndarray:
    return np.array([getattr(faker, method)() for _ in range(size)])


def build_pools(seed: int = 7, size: int = 2_000) -> ProfilePools:
    """Draw ``size`` values of each kind with Faker, seeded.

    Examples
    --------
    >>> pools = build_pools(seed=1, size=50)
    >>> len(pools.en_last)
    50
    """
    if size < 1:
        raise InputError(f"size must be at least 1, got {size!r}")
    en, zh = Faker("en_US"), Faker("zh_CN")
    en.seed_instance(seed)
    zh.seed_instance(seed)
    small = max(1, size // 10)
    return ProfilePools(
        en_first=_draw(en, "first_name", size),
        en_last=_draw(en, "last_name", size),
        en_street=_draw(en, "street_address", size),
        us_city=_draw(en, "city", size),
        us_state=_draw(en, "state", size),
        us_zip=_draw(en, "zipcode", size),
        zh_surname=_draw(zh, "last_name", size),
        zh_given=_draw(zh, "first_name", size),
        zh_pinyin_first=_draw(zh, "first_romanized_name", size),
        zh_pinyin_last=_draw(zh, "last_romanized_name", size),
        zh_district=_draw(zh, "district", small),
        zh_street=_draw(zh, "street_address", size),
        zh_postcode=_draw(zh, "postcode", size),
        zh_company_prefix=_draw(zh, "company_prefix", size),
        email_domains=np.unique(
            np.concatenate([_draw(en, "free_email_domain", 50), _draw(zh, "free_email_domain", 50)])
        ),
    )


def _slug(values: np.ndarray) -> np.ndarray:
    """Lower case without spaces or apostrophes, for emails and web domains."""
    return np.strings.lower(np.strings.replace(np.strings.replace(values, " ", ""), "'", ""))


def _pick(rng: np.random.Generator, values: np.ndarray, n: int) -> np.ndarray:
    return values[rng.integers(0, len(values), n)]


def _join(*parts: np.ndarray | str) -> np.ndarray:
    out = np.asarray(parts[0]).astype(np.str_)
    for part in parts[1:]:
        out = np.strings.add(out, np.asarray(part).astype(np.str_))
    return out


def phones(n: int, rng: np.random.Generator, zh: np.ndarray) -> np.ndarray:
    """Return fake phone numbers: Chinese where ``zh``, US elsewhere.

    Phone numbers: ``+86 138 1234 5678`` (Chinese mobile) where ``zh``, US formats
    ``+1 (212) 555-0134`` or ``(212) 555-0134`` elsewhere.
    """
    d4a = _DIGITS4[rng.integers(0, 10_000, n)]
    d4b = _DIGITS4[rng.integers(0, 10_000, n)]
    cn = _join("+86 ", _pick(rng, _ZH_PHONE_PREFIXES, n), " ", d4a, " ", d4b)
    area = _DIGITS4[rng.integers(201, 990, n)]
    exchange = _DIGITS4[rng.integers(200, 1000, n)]
    us = _join("(", np.strings.slice(area, 1, 4), ") ", np.strings.slice(exchange, 1, 4), "-", d4b)
    us = np.where(rng.random(n) < 0.5, _join("+1 ", us), us)
    return np.where(zh, cn, us)


def _email(rng: np.random.Generator, local: np.ndarray, pools: ProfilePools) -> np.ndarray:
    n = len(local)
    number = _DIGITS2[np.where(rng.random(n) < 0.6, rng.integers(1, 100, n), 0)]
    return _join(local, number, "@", _pick(rng, pools.email_domains, n))


def _people(
    n: int, rng: np.random.Generator, zh: np.ndarray, pools: ProfilePools
) -> dict[str, np.ndarray]:
    i_first, i_last = (
        rng.integers(0, len(pools.en_first), n),
        rng.integers(0, len(pools.en_last), n),
    )
    first, last = pools.en_first[i_first], pools.en_last[i_last]
    zh_name = _join(_pick(rng, pools.zh_surname, n), _pick(rng, pools.zh_given, n))
    py_first = _pick(rng, _slug(pools.zh_pinyin_first), n)
    py_last = _pick(rng, _slug(pools.zh_pinyin_last), n)
    en_local = _join(_slug(pools.en_first)[i_first], ".", _slug(pools.en_last)[i_last])
    local = np.where(zh, _join(py_first, py_last), en_local)
    return {
        "name": np.where(zh, zh_name, _join(first, " ", last)),
        "email": _email(rng, local, pools),
        "phone": phones(n, rng, zh),
        "title": np.where(zh, _pick(rng, _ZH_TITLES, n), _pick(rng, _EN_TITLES, n)),
        "department": _pick(rng, _DEPARTMENTS, n),
        "zh": zh,
    }


def fake_people(
    n: int,
    seed: int = 7,
    *,
    zh_share: float = 0.3,
    zh: np.ndarray | None = None,
    pools: ProfilePools | None = None,
) -> pd.DataFrame:
    """People: ``name, email, phone, title, department, zh`` (True for Chinese names).

    Chinese names are written surname first without a space (``张伟``); English ones
    ``First Last``. Pass ``zh`` (a boolean array of length ``n``) to choose who is
    Chinese, for instance to match the contacts of Chinese companies; otherwise a
    ``zh_share`` of them are.

    Examples
    --------
    >>> people = fake_people(5, seed=1, pools=build_pools(seed=1, size=20))
    >>> list(people.columns)
    ['name', 'email', 'phone', 'title', 'department', 'zh']
    """
    _check_share(zh_share=zh_share)
    pools = pools or build_pools(seed)
    rng = np.random.default_rng([seed, 1])
    if zh is None:
        zh = rng.random(n) < zh_share
    elif len(zh) != n:
        raise InputError(f"zh must have n={n} elements, got {len(zh)}")
    return pd.DataFrame(_people(n, rng, np.asarray(zh, dtype=bool), pools))


def _company_names(
    n: int, rng: np.random.Generator, zh: np.ndarray, pools: ProfilePools
) -> tuple[np.ndarray, np.ndarray]:
    """Company names and the slug of their web domain."""
    i_last = rng.integers(0, len(pools.en_last), n)
    i_word = rng.integers(0, len(_EN_COMPANY_WORDS), n)
    en_name = _join(
        pools.en_last[i_last],
        " ",
        _EN_COMPANY_WORDS[i_word],
        " ",
        _pick(rng, _EN_COMPANY_SUFFIXES, n),
    )
    zh_name = _join(
        _pick(rng, _ZH_CITIES, n),
        _pick(rng, pools.zh_company_prefix, n),
        _pick(rng, _ZH_COMPANY_WORDS, n),
        _pick(rng, _ZH_COMPANY_SUFFIXES, n),
    )
    zh_slug = _join(
        _pick(rng, _slug(pools.zh_pinyin_last), n), _pick(rng, _slug(pools.zh_pinyin_first), n)
    )
    en_slug = _join(_slug(pools.en_last)[i_last], "-", _slug(_EN_COMPANY_WORDS)[i_word])
    slug = np.where(zh, zh_slug, en_slug)
    return np.where(zh, zh_name, en_name), slug


def _addresses(
    n: int, rng: np.random.Generator, zh: np.ndarray, pools: ProfilePools
) -> dict[str, np.ndarray]:
    other = (~zh) & (rng.random(n) < 0.08)
    place = _pick(rng, _OTHER_PLACES, n)
    i_city = rng.integers(0, len(_ZH_CITIES), n)
    country = np.where(zh, "China", np.where(other, place[:, 0], "United States"))
    region = np.where(zh, _ZH_PROVINCES[i_city], _pick(rng, pools.us_state, n))
    city = np.where(zh, _join(_ZH_CITIES[i_city], "市"), _pick(rng, pools.us_city, n))
    zh_address = _join(_pick(rng, pools.zh_district, n), "区", _pick(rng, pools.zh_street, n))
    return {
        "country": country,
        "region": np.where(other, place[:, 1], region),
        "city": np.where(other, place[:, 2], city),
        "address": np.where(zh, zh_address, _pick(rng, pools.en_street, n)),
        "postal_code": np.where(zh, _pick(rng, pools.zh_postcode, n), _pick(rng, pools.us_zip, n)),
    }


def _check_share(**shares: float) -> None:
    for name, share in shares.items():
        if not 0 <= share <= 1:
            raise InputError(f"{name} must be between 0 and 1, got {share!r}")


def fake_customers(
    n: int,
    seed: int = 7,
    *,
    zh_share: float = 0.3,
    company_share: float = 0.6,
    pools: ProfilePools | None = None,
) -> pd.DataFrame:
    """Return fake customer master data.

    Return customer master data: ``kind`` ("company" or "person"), ``name, industry, country,
    region, city, address, postal_code, phone, email, website, zh``.

    Parameters
    ----------
    n : int
        Number of customers.
    seed : int
        Seed; the same seed gives the same table.
    zh_share : float
        Share of Chinese customers (Chinese names, +86 phones, addresses in China).
    company_share : float
        Share of companies; the rest are persons (no industry, no website).
    pools : ProfilePools, optional
        Faker pools to reuse; built from ``seed`` when absent.

    Examples
    --------
    >>> table = fake_customers(100, seed=3, pools=build_pools(seed=3, size=50))
    >>> sorted(table["kind"].unique())
    ['company', 'person']
    """
    _check_share(zh_share=zh_share, company_share=company_share)
    pools = pools or build_pools(seed)
    rng = np.random.default_rng([seed, 2])
    zh = rng.random(n) < zh_share
    company = rng.random(n) < company_share
    people = _people(n, rng, zh, pools)
    company_name, slug = _company_names(n, rng, zh, pools)
    tld = np.where(zh, ".cn", ".com")
    company_email = _join(np.where(zh, "sales@", "info@"), slug, tld)
    return pd.DataFrame(
        {
            "kind": np.where(company, "company", "person"),
            "name": np.where(company, company_name, people["name"]),
            "industry": np.where(company, _pick(rng, INDUSTRIES, n), ""),
            **_addresses(n, rng, zh, pools),
            "phone": phones(n, rng, zh),
            "email": np.where(company, company_email, people["email"]),
            "website": np.where(company, _join("https://www.", slug, tld), ""),
            "zh": zh,
        }
    )
