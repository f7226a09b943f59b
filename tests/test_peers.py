"""The real peers the suite talks to: a missing one skips a test outside CI and fails it under CI, and the
MQTT broker the coming MQTT intake will use works end to end with Debian's client tools."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests import peers
from tests.peers import Peer, require_peer


@pytest.fixture
def missing_peer(monkeypatch):
    monkeypatch.setitem(peers.PEERS, "imaginary", Peer("imaginary", "an imaginary server",
                                                       "apt-get install imaginary-server", lambda: None))  # fmt: skip
    peers._found.pop("imaginary", None)
    yield "imaginary"
    peers._found.pop("imaginary", None)


def test_a_missing_peer_fails_the_test_under_ci_naming_the_package(monkeypatch, missing_peer):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install imaginary-server"):
        require_peer(missing_peer)


def test_a_missing_peer_skips_the_test_outside_ci_naming_the_package(monkeypatch, missing_peer):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install imaginary-server"):
        require_peer(missing_peer)


def test_the_peer_marker_asks_for_its_peer_before_the_test_runs(monkeypatch, missing_peer):
    from tests.conftest import pytest_runtest_setup

    class Item:  # what the hook reads of a collected test marked @pytest.mark.peer("imaginary")
        def iter_markers(self, name):
            return [pytest.mark.peer(missing_peer).mark] if name == "peer" else []

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run every real-peer test"):
        pytest_runtest_setup(Item())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker(tmp_path: Path):
    """A private Mosquitto on a free loopback port, anonymous, nothing kept on disk."""
    mosquitto = require_peer("mosquitto")
    port = _free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n"
    )
    log = (tmp_path / "mosquitto.log").open("wb")
    process = subprocess.Popen([mosquitto, "-c", str(config)], stdout=log, stderr=log)  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "mosquitto.log").read_text()
                assert time.monotonic() < deadline, "mosquitto did not start listening"
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.mark.peer("mosquitto")
def test_a_message_published_to_the_broker_reaches_a_subscriber(broker):
    # Given a subscriber waiting for one message on a topic of its own
    topic = f"gongdan/test/{uuid.uuid4().hex}"
    pub, sub = peers.program("mosquitto_pub"), peers.program("mosquitto_sub")
    subscriber = subprocess.Popen(  # noqa: S603
        [sub, "-h", "127.0.0.1", "-p", str(broker), "-V", "mqttv5", "-q", "1", "-t", topic, "-v", "-C", "1",
         "-W", "15"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )  # fmt: skip
    # When a message is published (again until it arrives: the subscription may not be in place yet)
    payload = "工单 GD-2026-000001 打印机卡纸"
    deadline = time.monotonic() + 15
    while subscriber.poll() is None and time.monotonic() < deadline:
        subprocess.run(  # noqa: S603
            [pub, "-h", "127.0.0.1", "-p", str(broker), "-V", "mqttv5", "-q", "1", "-t", topic, "-m", payload],
            check=True, capture_output=True, timeout=10,
        )  # fmt: skip
        time.sleep(0.2)
    out, err = subscriber.communicate(timeout=15)
    # Then the subscriber received it, byte for byte, on that topic
    assert subscriber.returncode == 0, err
    assert out.strip() == f"{topic} {payload}"
