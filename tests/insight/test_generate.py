"""The simulated purchase histories follow the BTYD processes they are drawn from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kehu.insight import InsightError
from kehu.insight.generate import (
    CDNOW_BG_NBD,
    CDNOW_GAMMA_GAMMA,
    BgNbdParams,
    GammaGammaParams,
    bg_nbd_for_mean_transactions,
    build_pools,
    expected_repeat_transactions,
    expected_transaction_value,
    fake_customers,
    fake_people,
    mean_transactions_per_customer,
    simulate_purchases,
)


@pytest.fixture(scope="module")
def sim():
    return simulate_purchases(100_000, seed=11)


@pytest.fixture(scope="module")
def pools():
    return build_pools(seed=3, size=300)


def test_expected_repeat_transactions_matches_published_cdnow_values():
    # REFERENCES.md: BG/NBD E[X(t)] for a new customer at the published parameters
    t = [0.1429, 1, 3, 31.8571, 32, 78]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    assert expected_repeat_transactions(t, CDNOW_BG_NBD) == pytest.approx(published, abs=6e-4)


def test_same_seed_gives_same_purchases():
    first, second = simulate_purchases(2_000, seed=5), simulate_purchases(2_000, seed=5)
    pd.testing.assert_frame_equal(first.customers, second.customers)
    pd.testing.assert_frame_equal(first.transactions, second.transactions)


def test_another_seed_gives_other_purchases():
    first, second = simulate_purchases(2_000, seed=5), simulate_purchases(2_000, seed=6)
    assert not first.transactions["amount"].equals(second.transactions["amount"])


def test_mean_repeat_purchases_match_the_bg_nbd_expectation(sim):
    # given each customer's own observation length T, the expected repeat count is
    # E[X(T)]; the simulated mean agrees within a few standard errors
    repeats = sim.customers["n_transactions"].to_numpy() - 1
    expected = expected_repeat_transactions(sim.customers["T"].to_numpy(), CDNOW_BG_NBD)
    standard_error = repeats.std() / np.sqrt(repeats.size)
    assert abs(repeats.mean() - expected.mean()) < 4 * standard_error


def test_defaults_give_about_2_8_transactions_per_customer(sim):
    mean = len(sim.transactions) / len(sim.customers)
    assert mean == pytest.approx(mean_transactions_per_customer(CDNOW_BG_NBD), rel=0.03)
    assert 2.6 < mean < 2.9


def test_mean_spend_matches_gamma_gamma(sim):
    # E[z] = p v / (q - 1) = 35.17 for CDNOW; amounts are heavy tailed through nu
    amounts = sim.transactions["amount"]
    per_customer = amounts.groupby(sim.transactions["customer"]).mean()
    assert per_customer.mean() == pytest.approx(
        expected_transaction_value(CDNOW_GAMMA_GAMMA), rel=0.03
    )


def test_individual_parameters_follow_their_population_distributions(sim):
    customers = sim.customers
    assert customers["lam"].mean() == pytest.approx(CDNOW_BG_NBD.r / CDNOW_BG_NBD.alpha, rel=0.05)
    beta_mean = CDNOW_BG_NBD.a / (CDNOW_BG_NBD.a + CDNOW_BG_NBD.b)
    assert customers["p_dropout"].mean() == pytest.approx(beta_mean, rel=0.02)
    gg = CDNOW_GAMMA_GAMMA
    assert customers["nu"].mean() == pytest.approx(gg.q / gg.v, rel=0.02)


def test_purchases_lie_in_the_window_and_follow_acquisition(sim):
    tx = sim.transactions
    acquired = sim.customers["acquired_at"].to_numpy()[tx["customer"].to_numpy()]
    assert (tx["at"].to_numpy() >= acquired).all()
    assert tx["at"].max() <= pd.Timestamp(sim.end)
    assert sim.customers["acquired_at"].min() >= pd.Timestamp(sim.start)
    assert (tx.groupby("customer")["t"].first() == 0).all()
    assert (tx.groupby("customer")["t"].diff().dropna() >= 0).all()


def test_dead_customers_buy_nothing_after_dropping_out(sim):
    customers = sim.customers
    last_t = sim.transactions.groupby("customer")["t"].max()
    dead = ~customers["alive"]
    assert (last_t[dead] == customers.loc[dead, "dropout_t"]).all()
    assert customers["n_transactions"].sum() == len(sim.transactions)


def test_rate_can_be_scaled_to_a_target_mean():
    params = bg_nbd_for_mean_transactions(5.0)
    assert (params.r, params.a, params.b) == (CDNOW_BG_NBD.r, CDNOW_BG_NBD.a, CDNOW_BG_NBD.b)
    sim = simulate_purchases(50_000, seed=2, bg_nbd=params)
    assert len(sim.transactions) / 50_000 == pytest.approx(5.0, rel=0.05)


def test_parameters_are_exposed_for_recovery_tests(sim):
    assert sim.parameters() == {
        "bg_nbd": {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259},
        "gamma_gamma": {"p": 6.2488, "q": 3.7446, "v": 15.4477},
    }


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: BgNbdParams(r=-1), "r must be a positive finite number, got -1"),
        (lambda: GammaGammaParams(v=float("nan")), "v must be a positive finite number"),
        (lambda: simulate_purchases(-3), "n_customers must be an integer >= 0, got -3"),
        (lambda: bg_nbd_for_mean_transactions(0.5), "above 1, got 0.5"),
        (lambda: fake_people(3, zh_share=1.5), "zh_share must be between 0 and 1, got 1.5"),
    ],
)
def test_bad_parameters_raise_clear_errors(make, message):
    with pytest.raises(InsightError, match=message):
        make()


def test_bad_parameters_are_value_errors():
    with pytest.raises(ValueError):
        BgNbdParams(alpha=0)


def test_fake_customers_mix_chinese_and_english_companies_and_persons(pools):
    table = fake_customers(4_000, seed=3, pools=pools)
    assert table["zh"].mean() == pytest.approx(0.3, abs=0.03)
    assert (table["kind"] == "company").mean() == pytest.approx(0.6, abs=0.03)
    chinese = table[table["zh"]]
    assert chinese["phone"].str.fullmatch(r"\+86 1\d\d \d{4} \d{4}").all()
    assert (chinese["country"] == "China").all()
    us = table[~table["zh"]]
    assert us["phone"].str.fullmatch(r"(\+1 )?\(\d{3}\) \d{3}-\d{4}").all()
    assert table["email"].str.fullmatch(r"[a-z0-9.\-]+@[a-z0-9.\-]+\.[a-z]+").all()
    assert (table.loc[table["kind"] == "person", "website"] == "").all()
    assert table["name"].nunique() > 3_000


def test_fake_customers_are_deterministic(pools):
    pd.testing.assert_frame_equal(
        fake_customers(500, seed=4, pools=pools), fake_customers(500, seed=4, pools=pools)
    )
    first, second = build_pools(seed=9, size=20), build_pools(seed=9, size=20)
    assert (first.en_last == second.en_last).all()
    assert (first.zh_surname == second.zh_surname).all()


def test_fake_people_follow_a_given_locale_mask(pools):
    zh = np.array([True, False] * 50)
    people = fake_people(100, seed=1, zh=zh, pools=pools)
    assert (people["zh"].to_numpy() == zh).all()
    assert people.loc[~people["zh"], "name"].str.contains(" ").all()
    assert not people.loc[people["zh"], "name"].str.contains(" ").any()
