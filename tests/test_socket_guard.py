"""Every test runs with sockets closed except loopback (pytest-socket, configured in
pyproject.toml's addopts): reaching for the network fails at once with the guard's error,
before any packet is sent; loopback and unix sockets keep working."""

from __future__ import annotations

import socket
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_socket import SocketConnectBlockedError

from tests.conftest import require

TEST_NET_3 = ("203.0.113.1", 80)  # documentation range (RFC 5737): never a real host

# Python raises the "socket.connect" audit event when a connection is really attempted
# (the guard refuses before it). An audit hook cannot be removed: it records only while
# a test below listens.
_attempts: list[object] | None = None


def _record_connects(event: str, args: tuple[object, ...]) -> None:
    if event == "socket.connect" and _attempts is not None:
        _attempts.append(args[1])


sys.addaudithook(_record_connects)


@pytest.fixture
def connect_attempts() -> Iterator[list[object]]:
    global _attempts
    _attempts = []
    try:
        yield _attempts
    finally:
        _attempts = None


def test_connecting_to_the_internet_fails_with_the_guards_error_and_sends_nothing(
    connect_attempts,
):
    # given a test with no marker and no fixture about sockets
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)  # a real attempt would not block: EINPROGRESS or unreachable
        # when it connects to an address outside loopback
        with pytest.warns(UserWarning), pytest.raises(SocketConnectBlockedError) as refused:
            sock.connect(TEST_NET_3)
    # then the guard refuses it, naming the host, and the real connect never ran
    assert "203.0.113.1" in str(refused.value)
    assert connect_attempts == []


def test_an_http_client_reaching_for_the_internet_is_refused(connect_attempts):
    with pytest.warns(UserWarning), pytest.raises(SocketConnectBlockedError):
        urllib.request.urlopen("http://203.0.113.1/", timeout=5)
    assert connect_attempts == []


def test_the_guard_holds_in_other_threads_too(connect_attempts):
    # the live server and the browser's event loop run in threads of the test process
    errors: list[BaseException] = []

    def reach_out() -> None:
        try:
            socket.create_connection(TEST_NET_3, timeout=5)
        except BaseException as error:  # handed to the test thread
            errors.append(error)

    with pytest.warns(UserWarning):
        worker = threading.Thread(target=reach_out)
        worker.start()
        worker.join()
    assert [type(e) for e in errors] == [SocketConnectBlockedError]
    assert connect_attempts == []


@pytest.mark.parametrize(
    ("family", "host"),
    [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "127.0.0.2"), (socket.AF_INET6, "::1")],
)
def test_loopback_connections_work(family, host, connect_attempts):
    try:
        server = socket.socket(family, socket.SOCK_STREAM)
        server.bind((host, 0))
    except OSError as error:  # e.g. a container without IPv6: a skip here, a failure in CI
        require(False, f"cannot listen on {host}: {error}")
    with server:
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection((host, port), timeout=5) as client:
            accepted, _ = server.accept()
            with accepted:
                client.sendall(b"ping")
                assert accepted.recv(4) == b"ping"
    assert [address[0] for address in connect_attempts] == [host]  # type: ignore[index]


def test_localhost_by_name_works():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("localhost", port), timeout=5):
            server.accept()[0].close()


def test_unix_sockets_work(tmp_path: Path):
    path = str(tmp_path / "guard.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)
            server.accept()[0].close()
