"""Sending a campaign of 100,000 emails to an SMTP server on loopback, with a kill in
the middle: time, peak memory, and proof that the send resumed without mailing anyone
twice. Side by side with the peer, Django's ``send_mass_mail`` of the same number of
messages over one connection (no personal content, no tracking, no per-recipient
state: what sending costs before kehu's bookkeeping).

    .venv/bin/python benchmarks/campaign_send.py                       # 100,000 emails
    .venv/bin/python benchmarks/campaign_send.py --customers 5000      # a quick run

The SMTP server (aiosmtpd) runs in its own process and appends each recipient to a
file; ``kehu campaign send`` runs as a user runs it, is killed (SIGKILL) once
``--kill-at`` messages have arrived, and is run again to the end. Results: a table on
stdout and ``bench-out/campaign_send.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
BIN = Path(sys.executable).parent

SERVER = textwrap.dedent(
    """
    import sys, time
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self, path):
            self.out = open(path, "a", buffering=1)

        async def handle_DATA(self, server, session, envelope):
            for rcpt in envelope.rcpt_tos:
                self.out.write(rcpt + "\\n")
            return "250 OK"

    controller = Controller(Keep(sys.argv[1]), hostname="127.0.0.1", port=int(sys.argv[2]))
    controller.start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)
    """
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share received, then kill")
    parser.add_argument("--control", type=float, default=0.1, help="control group share")
    parser.add_argument("--work", type=Path, default=OUT / "campaign_send")
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(1 for _ in f)


def start_server(inbox: Path, port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(inbox), str(port)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    return server


def setup_database(work: Path, n: int, control: float) -> int:
    """A fresh SQLite CRM with ``n`` customers who consented to email, a target list
    of all of them and a campaign enrolled on it; the campaign's id."""
    os.environ["KEHU_HOME"] = str(work)
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'kehu.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "kehu.crm.settings"
    subprocess.run([str(BIN / "kehu"), "migrate"], check=True, capture_output=True)
    import django

    django.setup()
    from kehu.crm.customers.models import Customer
    from kehu.crm.marketing import actions

    Customer.objects.bulk_create(
        (
            Customer(
                code=f"C{i:08d}",
                name=f"Customer {i}",
                email=f"c{i}@example.com",
                consent_email=True,
                status=Customer.Status.ACTIVE,
            )
            for i in range(1, n + 1)
        ),
        batch_size=5000,
    )
    campaign = actions.create_campaign(
        name="Benchmark care",
        goal="retention",
        channels=["email"],
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=30),
        control_share=control,
        quiet_days=0,
        subject_en="Hello {{ customer.greeting_name }}",
        body_en="Dear {{ customer.name }},\nour new range: https://shop.example.com/new\n",
    )
    started = time.perf_counter()
    actions.enrol(campaign, Customer.objects.all())
    print(f"enrolled {n:,} in {time.perf_counter() - started:.1f} s", flush=True)
    return campaign.pk


def run_send(
    campaign_id: int, env: dict[str, str], kill_when: int | None, inbox: Path
) -> tuple[float, int]:
    """``kehu campaign send``; killed once ``kill_when`` recipients arrived. Returns the
    wall time and the exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "kehu"), "campaign", "send", str(campaign_id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if kill_when is not None:
        while process.poll() is None and lines(inbox) < kill_when:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    output, _ = process.communicate()
    if kill_when is None:
        print(output.strip().splitlines()[-1] if output.strip() else "(no output)", flush=True)
    return time.perf_counter() - started, process.returncode


def peer(n: int, port: int, inbox: Path) -> tuple[float, int]:
    """Django's send_mass_mail of n plain messages over one connection, in a child
    process so its peak memory is its own."""
    code = textwrap.dedent(
        f"""
        import os, resource, time
        os.environ["DJANGO_SETTINGS_MODULE"] = "kehu.crm.settings"
        import django
        django.setup()
        from django.conf import settings
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", {port}
        from django.core.mail import send_mass_mail
        started = time.perf_counter()
        messages = ((f"Hello {{i}}", f"Dear Customer {{i}}, https://shop.example.com/new",
                     "kehu <noreply@localhost>", [f"p{{i}}@example.com"]) for i in range({n}))
        send_mass_mail(messages)
        print(time.perf_counter() - started,
              resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    seconds, peak = result.stdout.split()
    return float(seconds), int(peak)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    inbox = work / "received.txt"
    port = free_port()
    server = start_server(inbox, port)
    try:
        campaign_id = setup_database(work, args.customers, args.control)
        env = {
            **os.environ,
            "KEHU_SMTP_HOST": "127.0.0.1",
            "KEHU_SMTP_PORT": str(port),
            "KEHU_SITE_URL": "https://crm.example.com",
        }
        from kehu.crm.marketing.models import CampaignMember

        treated = CampaignMember.objects.filter(campaign_id=campaign_id, group="treated").count()
        first_s, first_rc = run_send(campaign_id, env, int(args.kill_at * treated), inbox)
        at_kill = lines(inbox)
        second_s, second_rc = run_send(campaign_id, env, None, inbox)
        kehu_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        received = Counter(inbox.read_text().split())
        statuses = Counter(
            CampaignMember.objects.filter(campaign_id=campaign_id).values_list("status", flat=True)
        )
        control = set(
            CampaignMember.objects.filter(campaign_id=campaign_id, group="control").values_list(
                "address", flat=True
            )
        )
        peer_inbox = work / "peer.txt"
        server.terminate()
        server.wait()
        server = start_server(peer_inbox, port)
        peer_s, peer_peak = peer(treated, port, peer_inbox)
        peer_received = lines(peer_inbox)
    finally:
        server.terminate()
    duplicates = sum(1 for n in received.values() if n > 1)
    missing = treated - len(received) - statuses.get("unknown", 0)
    kehu_total = first_s + second_s
    rows = [
        ("messages", f"{treated:,}", f"{treated:,}"),
        ("received by the server", f"{len(received):,}", f"{peer_received:,}"),
        ("wall time, all messages (s)", f"{kehu_total:.1f}", f"{peer_s:.1f}"),
        ("messages per second", f"{len(received) / kehu_total:,.0f}", f"{treated / peer_s:,.0f}"),
        ("peak memory (MB)", f"{kehu_peak:,}", f"{peer_peak:,}"),
        ("killed at (messages received)", f"{at_kill:,} (exit {first_rc})", "cannot resume"),
        ("mailed twice", f"{duplicates:,}", "-"),
        ("in flight at the kill, not resent", f"{statuses.get('unknown', 0):,}", "-"),
        ("never sent (should be 0)", f"{missing:,}", "-"),
        ("control group mailed (should be 0)", f"{len(control & set(received)):,}", "-"),
        ("personal, tracked, unsubscribe, per-recipient state", "yes", "no"),
    ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    machine = (
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"load average at the end {load}"
    )
    header = (
        f"Campaign send, {args.customers:,} customers ({args.control:.0%} control), "
        f"SQLite, aiosmtpd on loopback; {machine}; "
        f"{datetime.now(UTC):%Y-%m-%d}; exit after resume {second_rc}"
    )
    table = [
        header,
        "",
        "| | kehu `campaign send` (killed, then resumed) | Django `send_mass_mail` |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows),
    ]
    text = "\n".join(table)
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "campaign_send.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
