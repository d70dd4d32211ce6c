"""Customers, their tags, contacts and search terms, as columns ready for bulk writing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kehu.crm.bulk import nullable
from kehu.crm.customers.actions import format_code
from kehu.crm.customers.models import Customer
from kehu.crm.customers.search import terms_for
from kehu.crm.demo.timeline import DAY, as_datetime64, between, seconds
from kehu.insight.generate import SimulatedPurchases
from kehu.insight.profiles import ProfilePools, fake_customers, fake_people

Columns = dict[str, np.ndarray]

TAGS = [
    "VIP",
    "key account",
    "wholesale",
    "retail",
    "reseller",
    "newsletter",
    "trade show 2025",
    "government",
    "education",
    "partner",
    "price sensitive",
    "referral",
]
SOURCE_CHANNELS = {
    Customer.Channel.WEB: 0.30,
    Customer.Channel.PHONE: 0.12,
    Customer.Channel.EMAIL: 0.08,
    Customer.Channel.SMS: 0.02,
    Customer.Channel.FAX: 0.01,
    Customer.Channel.VISIT: 0.10,
    Customer.Channel.EXHIBITION: 0.12,
    Customer.Channel.REFERRAL: 0.12,
    Customer.Channel.ADVERTISING: 0.07,
    Customer.Channel.PARTNER: 0.04,
    Customer.Channel.OTHER: 0.02,
}
PROSPECT_SHARE = 0.12
ACTIVE_WITHIN = 365 * DAY
INACTIVE_WITHIN = 730 * DAY


@dataclass
class CustomerPlan:
    """The customers to write, and what later tables need to know about them."""

    columns: Columns
    end: np.datetime64  # the end of the demo's history (the start of today)
    buyer_ids: np.ndarray  # customer id of each simulated buyer, in simulation order
    zh: np.ndarray  # Chinese customer (names, phones, addresses in China)
    owner_ids: np.ndarray  # 0 where the customer has no owner
    tag_columns: Columns = field(default_factory=dict)
    contact_columns: Columns = field(default_factory=dict)
    term_columns: Columns = field(default_factory=dict)

    @property
    def ids(self) -> np.ndarray:
        return self.columns["id"]

    def column(self, name: str, ids: np.ndarray) -> np.ndarray:
        """The value of column ``name`` for each customer id in ``ids``."""
        return self.columns[name][ids - self.ids[0]]

    def owner_of(self, ids: np.ndarray) -> np.ndarray:
        """The owner's user id of each customer id in ``ids``; 0 for none."""
        return self.owner_ids[ids - self.ids[0]]


def _choice(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    values = np.array([str(v) for v in weights])
    p = np.array(list(weights.values()), dtype=float)
    return values[rng.choice(len(values), n, p=p / p.sum())]


def _status(
    last_purchase: np.ndarray, is_buyer: np.ndarray, end: np.datetime64, rng: np.random.Generator
) -> np.ndarray:
    since = end - last_purchase
    status = np.where(
        since <= ACTIVE_WITHIN,
        Customer.Status.ACTIVE,
        np.where(since <= INACTIVE_WITHIN, Customer.Status.INACTIVE, Customer.Status.LOST),
    )
    prospect = np.where(rng.random(len(status)) < 0.08, Customer.Status.LOST, "prospect")
    return np.where(is_buyer, status, prospect)


def _creation_times(sim: SimulatedPurchases, n: int, rng: np.random.Generator) -> np.ndarray:
    """Creation time of every customer: a buyer's record is created up to 30 days
    before the first purchase; prospects at any time in the window."""
    n_buyers = len(sim.customers)
    acquired = sim.customers["acquired_at"].to_numpy().astype("datetime64[s]")
    buyer_created = acquired - seconds(rng.random(n_buyers) * 30 * 86_400)
    start, end = as_datetime64(sim.start), as_datetime64(sim.end)
    prospect_created = between(rng, np.full(n - n_buyers, start), np.full(n - n_buyers, end))
    return np.concatenate([buyer_created, prospect_created])


def plan_customers(
    n: int,
    sim: SimulatedPurchases,
    rng: np.random.Generator,
    *,
    first_id: int,
    owners: np.ndarray,
    seed: int,
    pools: ProfilePools,
) -> CustomerPlan:
    """Customers sorted by creation time (ids and codes grow with it); the first
    ``len(sim.customers)`` rows before sorting are the simulated buyers."""
    n_buyers = len(sim.customers)
    end = as_datetime64(sim.end)
    created = _creation_times(sim, n, rng)
    order = np.argsort(created, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    ids = first_id + np.arange(n)
    last = sim.transactions.groupby("customer")["at"].max().to_numpy().astype("datetime64[s]")
    last_purchase = np.concatenate([last, np.full(n - n_buyers, end)])[order]
    is_buyer = (np.arange(n) < n_buyers)[order]
    profile = fake_customers(n, seed, pools=pools)
    owner = np.where(rng.random(n) < 0.95, owners[rng.integers(0, len(owners), n)], 0)
    created = created[order]
    columns: Columns = {
        "id": ids,
        "code": np.array([format_code(i) for i in ids.tolist()], dtype=object),
        **{
            name: profile[name].to_numpy(dtype=object)
            for name in ["kind", "name", "industry", "country", "region", "city", "address"]
            + ["postal_code", "phone", "email", "website"]
        },
        "status": _status(last_purchase, is_buyer, end, rng),
        "source_channel": _choice(rng, SOURCE_CHANNELS, n),
        "owner": nullable(owner),
        "consent_email": rng.random(n) < 0.6,
        "consent_sms": rng.random(n) < 0.35,
        "consent_phone": rng.random(n) < 0.5,
        "notes": np.full(n, "", dtype=object),
        "created_at": created,
        "updated_at": np.where(is_buyer, np.maximum(created, last_purchase), created),
    }
    return CustomerPlan(
        columns,
        end=end,
        buyer_ids=ids[rank[:n_buyers]],
        zh=profile["zh"].to_numpy(),
        owner_ids=owner,
    )


def plan_tags(plan: CustomerPlan, tag_ids: np.ndarray, rng: np.random.Generator) -> None:
    """About 30% of customers carry one or two tags."""
    n = len(plan.ids)
    tagged = rng.random(n) < 0.3
    first = rng.integers(0, len(tag_ids), n)
    second = (first + rng.integers(1, len(tag_ids), n)) % len(tag_ids)
    two = tagged & (rng.random(n) < 0.3)
    customer = np.concatenate([plan.ids[tagged], plan.ids[two]])
    tag = np.concatenate([tag_ids[first[tagged]], tag_ids[second[two]]])
    plan.tag_columns = {"customer": customer, "tag": tag}


def plan_contacts(
    plan: CustomerPlan, rng: np.random.Generator, *, first_id: int, seed: int, pools: ProfilePools
) -> None:
    """Companies have one to four contacts (the first is primary); a few persons have
    one (an assistant, a relative)."""
    company = plan.columns["kind"] == Customer.Kind.COMPANY
    counts = np.where(company, 1 + np.minimum(rng.poisson(0.8, len(company)), 3), 0)
    counts = np.where(~company & (rng.random(len(company)) < 0.1), 1, counts)
    customer = np.repeat(plan.ids, counts)
    n = len(customer)
    starts = np.cumsum(counts) - counts
    is_primary = np.zeros(n, dtype=bool)
    is_primary[starts[counts > 0]] = True
    people = fake_people(n, seed + 11, zh=np.repeat(plan.zh, counts), pools=pools)
    created = plan.column("created_at", customer)
    plan.contact_columns = {
        "id": first_id + np.arange(n),
        "customer": customer,
        "name": people["name"].to_numpy(dtype=object),
        "title": people["title"].to_numpy(dtype=object),
        "department": people["department"].to_numpy(dtype=object),
        "email": people["email"].to_numpy(dtype=object),
        "phone": people["phone"].to_numpy(dtype=object),
        "is_primary": is_primary,
        "created_at": between(rng, created, np.minimum(created + 60 * DAY, plan.end)),
    }


def plan_search_terms(plan: CustomerPlan, first_id: int) -> None:
    """The rows search needs: every customer under every term of ``terms_for``.

    Names repeat across customers, so their terms are computed once per distinct name;
    ``terms_for`` treats name, code, email and phone independently, so the union of
    the name's terms and the other fields' terms is the customer's terms (the load
    tests compare the two)."""
    cols = plan.columns
    name_terms: dict[str, set[str]] = {}
    terms = []
    for name, code, email, phone in zip(
        cols["name"], cols["code"], cols["email"], cols["phone"], strict=True
    ):
        by_name = name_terms.get(name)
        if by_name is None:
            by_name = name_terms[name] = terms_for(name)
        terms.append(sorted(by_name | terms_for("", code, email, phone)))
    counts = np.fromiter((len(t) for t in terms), dtype=np.int64, count=len(terms))
    plan.term_columns = {
        "id": first_id + np.arange(int(counts.sum())),
        "customer": np.repeat(plan.ids, counts),
        "term": np.array([t for group in terms for t in group], dtype=object),
    }
