"""`kehu analyze`: the output contract of DESIGN.md, and plain errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from kehu.cli import main
from kehu.insight.analyze import CONTRACT_COLUMNS


def _run(*args: str):
    return CliRunner().invoke(main, ["analyze", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def retail_run(kehu_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("retail")
    result = _run(
        str(kehu_data / "online_retail" / "online_retail.csv.gz"),
        "--out",
        str(out),
        "--calibration-end",
        "2011-09-30",
    )
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.slow
def test_online_retail_writes_the_contract_files(retail_run):
    out, output = retail_run
    customers = pd.read_parquet(out / "customers.parquet")
    assert list(customers.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert {"holdout_actual", "holdout_predicted"} <= set(customers.columns)
    assert customers["customer_id"].is_unique and len(customers) == 3_616
    assert customers["p_alive"].between(0, 1).all()
    assert set(customers["tier"]) <= {"Platinum", "Gold", "Iron", "Lead"}
    assert set(customers["abc_class"]) == {"A", "B", "C"}

    models = json.loads((out / "models.json").read_text())
    assert models["period"] == "week"
    assert {"r", "alpha", "a", "b", "log_likelihood"} <= set(models["bg_nbd"])
    assert {"r", "alpha", "s", "beta"} <= set(models["pareto_nbd"])
    assert {"p", "q", "v"} <= set(models["gamma_gamma"])
    holdout = models["holdout"]
    assert (holdout["start"], holdout["end"]) == ("2011-09-30", "2011-12-09")
    assert holdout["actual_total"] == int(customers["holdout_actual"].sum())
    assert holdout["predicted_total"] == pytest.approx(customers["holdout_predicted"].sum())
    acc = models["accounting"]
    assert acc["rows_in"] == 541_909
    assert "rows=541,909" in output and "customers=4,372" in output

    report = (out / "report.html").read_text()
    assert "Customer value pyramid" in report and "Pareto curve" in report
    assert "cohorts" in report and "Holdout purchases" in report
    # self-contained: plotly.js is embedded once, nothing is loaded from the network
    assert "<script src=" not in report and "<script>/**" in report


def test_a_file_without_usable_rows_says_what_to_fix(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("customer_id,date,amount\n1,yesterday,5\n2,last week,7\n")
    result = _run(str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no usable rows: of 2 rows" in result.output
    assert "date that could not be read" in result.output
    assert "Traceback" not in result.output


def test_a_missing_column_and_a_calibration_date_outside_the_data_are_plain_errors(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("who,when,paid\na,2024-01-01,5\na,2024-02-01,7\nb,2024-01-15,3\n")
    missing = _run(str(path), "--out", str(tmp_path / "o1"), "--customer-col", "client")
    assert missing.exit_code == 2 and "column 'client'" in missing.output
    outside = _run(
        str(path),
        "--out",
        str(tmp_path / "o2"),
        "--customer-col",
        "who",
        "--date-col",
        "when",
        "--amount-col",
        "paid",
        "--calibration-end",
        "2030-01-01",
    )
    assert outside.exit_code == 2 and "must fall inside the data" in outside.output


def _chinese_log(rows: int = 600) -> str:
    names = ["张三", "李四", "王芳", "陈大文", "赵敏"]
    lines = ["客户,日期,金额"] + [
        f"{names[i % 5]},2024-{(i % 12) + 1:02d}-{(i % 28) + 1:02d},{10 + i % 7}"
        for i in range(rows)
    ]
    return "\n".join(lines) + "\n"


def test_a_gbk_file_is_read_in_its_own_encoding(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(_chinese_log().encode("gbk"))
    detected = _run(str(path), "--out", str(tmp_path / "o1"), "--no-pareto-nbd")
    assert detected.exit_code == 0, detected.output
    customers = pd.read_parquet(tmp_path / "o1" / "customers.parquet")
    assert sorted(customers["customer_id"]) == sorted(["张三", "李四", "王芳", "陈大文", "赵敏"])
    named = _run(str(path), "--out", str(tmp_path / "o2"), "--no-pareto-nbd", "--encoding", "gbk")
    assert named.exit_code == 0, named.output
    again = pd.read_parquet(tmp_path / "o2" / "customers.parquet")
    pd.testing.assert_frame_equal(customers, again)


def test_text_not_in_its_encoding_is_one_plain_error(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(_chinese_log().encode("gbk"))
    wrong = _run(str(path), "--out", str(tmp_path / "o1"), "--encoding", "utf-8")
    assert wrong.exit_code == 2 and "Traceback" not in wrong.output
    assert wrong.output.strip().splitlines()[-1] == (
        "error: orders.csv is not valid UTF-8 text (line 1): name its encoding with "
        "--encoding (e.g. gb18030), or save the file as UTF-8"
    )
    # UTF-8 for its first 256 KiB, then a Latin-1 name: found where DuckDB meets it
    late = tmp_path / "late.csv"
    rows = "".join(f"c{i},2024-01-{i % 28 + 1:02d},{i % 9 + 1}\n" for i in range(20_000))
    late.write_bytes(b"customer,date,amount\n" + rows.encode() + b"Caf\xe9,2024-02-01,3\n")
    found = _run(str(late), "--out", str(tmp_path / "o2"))
    assert found.exit_code == 2 and "Traceback" not in found.output
    assert "late.csv is not valid UTF-8 text (line 20,002)" in found.output
    unknown = _run(str(path), "--out", str(tmp_path / "o3"), "--encoding", "klingon")
    assert unknown.exit_code == 2 and "unknown text encoding 'klingon'" in unknown.output


def test_infinite_and_nan_amounts_are_counted_as_unreadable(tmp_path):
    rows = [f"c{i % 7},2024-{i % 12 + 1:02d}-{i % 27 + 1:02d},{10 + i}" for i in range(80)]
    rows += ["c1,2024-03-03,inf", "c2,2024-03-04,-inf", "c3,2024-03-05,NaN", "c4,2024-03-06,1e308"]
    path = tmp_path / "log.csv"
    path.write_text("customer,date,amount\n" + "\n".join(rows) + "\n")
    result = _run(str(path), "--out", str(tmp_path / "o"), "--no-pareto-nbd")
    assert result.exit_code == 0, result.output
    assert "rows=84 purchases=81 returns=0 no_customer=0 bad_date=0 bad_amount=3" in result.output
    customers = pd.read_parquet(tmp_path / "o" / "customers.parquet")
    assert customers["total_spend"].notna().all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "log.csv is empty: its first line should name the columns"),
        ("\n\n", "log.csv is empty: its first line should name the columns"),
        (
            "customer,date,amount\n"
            + "".join(f"c{i},2024-01-{i + 1:02d},5\n" for i in range(20))
            + "b,2024-01-02,1,234.50\n",
            "log.csv: its lines do not all split into the columns of its header",
        ),
    ],
)
def test_an_empty_or_ragged_file_says_so(tmp_path, text, message):
    path = tmp_path / "log.csv"
    path.write_text(text)
    result = _run(str(path), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert message in result.output, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon", "100000000"], "--horizon must be 1 to 5,218 weeks (100 years)"),
        (["--period", "month", "--horizon", "1201"], "--horizon must be 1 to 1,200 months"),
        (["--discount-rate", "-2"], "'--discount-rate': -2.0 is not in the range x>=0"),
        (["--margin", "5"], "'--margin': 5.0 is not in the range 0<=x<=1"),
    ],
)
def test_values_that_make_clv_meaningless_are_refused(tmp_path, args, message):
    path = tmp_path / "log.csv"
    path.write_text("customer,date,amount\na,2024-01-01,5\na,2024-02-01,7\n")
    result = CliRunner().invoke(main, ["analyze", str(path), "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and message in result.output, result.output


@pytest.mark.parametrize(
    "start",
    [
        "Sales report 2024\n",
        "sep=,\n",
        '"customer ""id""",date,amount\n',
        "column0,column1,column2\n",
    ],
)
def test_a_file_with_a_title_line_or_quoted_header_is_still_read(tmp_path, start):
    rows = "".join(f"c{i % 4},2024-{i % 12 + 1:02d}-{i % 27 + 1:02d},{5 + i}\n" for i in range(60))
    header = "" if start.count(",") == 2 else "customer,date,amount\n"
    path = tmp_path / "log.csv"
    path.write_text(start + header + rows)
    names = ["--customer-col", "column0", "--date-col", "column1", "--amount-col", "column2"]
    if start.startswith('"customer'):
        names = ["--customer-col", 'customer "id"']
    extra = names if start.startswith(("column0", '"customer')) else []
    result = _run(str(path), "--out", str(tmp_path / "o"), "--no-pareto-nbd", *extra)
    assert result.exit_code == 0, result.output
    assert "rows=60 purchases=60" in result.output


def test_non_iso_dates_are_read_with_a_format(tmp_path):
    path = tmp_path / "log.csv"
    rows = ["customer,order date,amount"] + [
        f"c{i % 40},{(i % 28) + 1}/{(i % 12) + 1}/2024 10:{i % 60:02d},{10 + i % 7}"
        for i in range(600)
    ]
    path.write_text("\n".join(rows))
    result = _run(
        str(path),
        "--out",
        str(tmp_path / "o"),
        "--date-format",
        "%d/%m/%Y %H:%M",
        "--no-pareto-nbd",
    )
    assert result.exit_code == 0, result.output
    assert "bad_date=0" in result.output
    assert len(pd.read_parquet(tmp_path / "o" / "customers.parquet")) == 40


def test_an_order_dated_2099_does_not_move_the_as_of_date_and_is_reported(tmp_path):
    path = tmp_path / "log.csv"
    rows = ["customer,date,amount"] + [
        f"c{i % 60},2024-{(i % 12) + 1:02d}-{(i % 27) + 1:02d},{10 + i % 7}" for i in range(900)
    ]
    path.write_text("\n".join([*rows, "c1,2099-01-01,25"]))
    result = _run(str(path), "--out", str(tmp_path / "o"), "--no-pareto-nbd")
    assert result.exit_code == 0, result.output
    assert "1 order dated after today" in result.output and "check their dates" in result.output
    models = json.loads((tmp_path / "o" / "models.json").read_text())
    assert models["dates"]["as_of"] <= "2024-12-31" and models["dates"]["n_future"] == 1
    assert models["calibration_end"] == models["dates"]["as_of"]
    choice = models["purchase_model"]
    assert choice["chosen"] in {"bg_nbd", "mbg_nbd"} and choice["p_alive_model"] != "bg_nbd"


def test_an_engine_the_caller_gives_stays_open_with_the_inputs_tables():
    from kehu.insight.analyze import analyze
    from kehu.insight.engine import DuckDBEngine
    from kehu.insight.summary import DAILY

    days = pd.date_range("2024-01-01", periods=300, freq="D")
    log = pd.DataFrame(
        {"customer_id": [f"c{i % 50}" for i in range(300)], "date": days, "amount": 10.0}
    )
    with DuckDBEngine(threads=1) as engine:
        result = analyze(log, engine=engine)
        rows = engine.query(f"SELECT COUNT(*) AS n FROM {DAILY}", "days").to_pylist()
    assert rows == [{"n": 300}]
    assert len(result.customers) == 50 and result.models["purchase_model"]["reason"] == "holdout"
    assert not result.cohorts.empty


@pytest.mark.parametrize("chosen", [None, "mimalloc"])
def test_arrow_allocates_with_malloc_unless_the_user_chose_a_pool(tmp_path, monkeypatch, chosen):
    import pyarrow as pa

    before = pa.default_memory_pool()
    if chosen is None:
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    else:
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", chosen)
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    path = tmp_path / "log.csv"
    path.write_text(
        "customer,date,amount\n"
        + "".join(f"c{i % 9},2024-0{1 + i % 6}-1{i % 9},5\n" for i in range(60))
    )
    try:
        result = _run(str(path), "--out", str(tmp_path / "o"), "--no-pareto-nbd")
        assert result.exit_code == 0, result.output
        expected = "system" if chosen is None else "mimalloc"
        assert pa.default_memory_pool().backend_name == expected
    finally:
        pa.set_memory_pool(before)


@pytest.mark.parametrize("chosen", [{}, {"OMP_NUM_THREADS": "4"}, {"OPENBLAS_NUM_THREADS": "8"}])
def test_blas_gets_one_thread_unless_the_user_chose_a_number(tmp_path, monkeypatch, chosen):
    import os

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in chosen.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "log.csv"
    path.write_text("customer,date,amount\nc1,2024-01-02,5\nc1,2024-03-02,7\nc2,2024-02-02,3\n")
    _run(str(path), "--out", str(tmp_path / "o"), "--no-pareto-nbd")
    expected = chosen.get("OPENBLAS_NUM_THREADS", "1" if not chosen else None)
    assert os.environ.get("OPENBLAS_NUM_THREADS") == expected


@pytest.mark.parametrize("chosen", [None, "8"])
def test_malloc_arenas_are_capped_unless_the_user_chose_a_number(monkeypatch, chosen):
    import platform

    from kehu.cli.tuning import malloc_arenas_capped

    if chosen is None:
        monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    else:
        monkeypatch.setenv("MALLOC_ARENA_MAX", chosen)
    on_glibc = platform.libc_ver()[0] == "glibc"
    assert malloc_arenas_capped() is (chosen is None and on_glibc)


def test_kehu_threads_caps_duckdb_the_sums_and_arrow(tmp_path, monkeypatch):
    import pyarrow as pa

    from kehu.insight.btyd._parallel import row_slices
    from kehu.insight.engine import DuckDBEngine
    from kehu.insight.threads import analysis_threads, cores

    monkeypatch.delenv("KEHU_THREADS", raising=False)
    assert analysis_threads() == cores()
    monkeypatch.setenv("KEHU_THREADS", "3")
    with (
        DuckDBEngine() as engine,
        DuckDBEngine(threads=8) as asked_more,
        DuckDBEngine(threads=2) as asked_less,
    ):
        assert (engine.threads, asked_more.threads, asked_less.threads) == (3, 3, 2)
    assert len(row_slices(1_000_000)) == 3
    before = pa.cpu_count()
    path = tmp_path / "log.csv"
    path.write_text("customer,date,amount\nc1,2024-01-02,5\nc1,2024-03-02,7\nc2,2024-02-02,3\n")
    try:
        result = _run(str(path), "--out", str(tmp_path / "o"), "--no-pareto-nbd")
        assert result.exit_code == 0, result.output
        assert pa.cpu_count() == 3
    finally:
        pa.set_cpu_count(before)


@pytest.mark.parametrize("value", ["many", "0", "-2", "1.5"])
def test_a_kehu_threads_that_is_not_a_count_is_one_plain_error(tmp_path, monkeypatch, value):
    monkeypatch.setenv("KEHU_THREADS", value)
    path = tmp_path / "log.csv"
    path.write_text("customer,date,amount\nc1,2024-01-02,5\nc1,2024-03-02,7\n")
    result = _run(str(path), "--out", str(tmp_path / "o"))
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == (
        f"error: KEHU_THREADS must be a whole number of threads, at least 1; got {value!r}"
    )
