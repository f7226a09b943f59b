"""A private Mosquitto for the meters tests and bench: its own loopback port and persistence file, so a test
can stop and start it again and see what a restart keeps (persistent sessions, queued QoS 1 messages)."""

from __future__ import annotations

import getpass
import socket
import subprocess
import time
from pathlib import Path

from tests import peers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mosquitto:
    def __init__(self, folder: Path, program: str | None = None) -> None:
        self.folder = folder
        self.program = program or peers.program("mosquitto")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.config = folder / "mosquitto.conf"
        # max_inflight_messages 0: the ingester acknowledges a batch once it is committed (docs/mqtt.md)
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nautosave_interval 1\nmax_inflight_messages 0\n"
            f"max_queued_messages 0\nlog_dest file {folder}/mosquitto.log\nuser {getpass.getuser()}\n"
        )

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen([self.program, "-c", str(self.config)])  # noqa: S603
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert self.process.poll() is None, "mosquitto exited"
                assert time.monotonic() < deadline, "mosquitto did not start listening"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: mosquitto writes its persistence file on the way out
            self.process.wait(timeout=10)
        self.process = None
