"""`./gongdan start` for real: web server and queue consumer come up together and stop together; a later
start skips the steps with nothing to do and still applies what changed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def session_processes(sid: int) -> dict[int, str]:
    """pid → command line of every live process in a session (the script and everything it started)."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != sid:
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ProcessLookupError, IndexError):
            continue
        if state != "Z":
            found[int(entry.name)] = cmdline
    return found


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (our own local server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def start_site(env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(  # noqa: S603
        [str(ROOT / "gongdan"), "start"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    # A first start collects static files and migrates: ~15 s when idle, over two minutes on a busy
    # 2-core machine (another first start, tests/project/test_slow_clients.py, may run beside it).
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not any("Gongdan is running" in line for line in lines):
        assert process.poll() is None, "".join(lines)
        time.sleep(0.3)
    assert any("Gongdan is running" in line for line in lines), "".join(lines)
    return process, lines


def stop_site(process: subprocess.Popen[str], lines: list[str]) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0, "".join(lines)
    deadline = time.monotonic() + 5
    while session_processes(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session_processes(process.pid) == {}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_start_runs_web_and_queue_and_stops_both_on_sigterm(tmp_path, free_port):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGDAN_", "DATABASE_URL", "REDIS_URL"))}
    env.update(GONGDAN_DATA_DIR=str(tmp_path / "data"), GONGDAN_PORT=str(free_port),
               GONGDAN_BIND=f"127.0.0.1:{free_port}", GONGDAN_SKIP_SETUP="1", GONGDAN_WEB_WORKERS="1",
               GONGDAN_FAST_PASSWORD_HASHER="1", GONGDAN_ACCESS_LOG="0")  # fmt: skip
    base = f"http://127.0.0.1:{free_port}"
    process, lines = start_site(env)
    try:
        status, body = get(f"{base}/healthz")
        assert status == 200, body
        assert '"queue"' in body and '"sqlite"' in body
        status, body = get(f"{base}/login/")
        assert status == 200 and "<form" in body
        # the static files collected by this first start are served by it
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', body)
        assert stylesheet and get(base + stylesheet.group(1))[0] == 200, body[:2000]
        processes = session_processes(process.pid)
        assert any("gunicorn" in cmd for cmd in processes.values()), processes
        assert any("run_huey" in cmd for cmd in processes.values()), processes
        output = "".join(lines)
        assert f"http://localhost:{free_port}" in output
        assert "Administrator: admin / " in output  # first start: the generated password, once
        assert "Collecting static files" in output and "Migrating the database" in output
        # The files this start loaded are listed for the next start to read ahead (decision 0191)
        listed = (ROOT / ".venv" / ".gongdan-start-files").read_bytes().decode().split("\0")
        assert any(name.endswith(".pyc") and "/gongdan/project/" in name for name in listed), listed[:20]

        # When the operator stops it, neither the web server nor the consumer is left behind
        stop_site(process, lines)
    finally:
        if process.poll() is None or session_processes(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    # Given a database that no longer holds what the data folder recorded (restored from an older backup,
    # say), when the site starts again
    state_file = tmp_path / "data" / "start-state.json"
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "applied": state["applied"] - 1}))
    process, lines = start_site(env)
    try:
        output = "".join(lines)
        # Then the static files are not collected again, the migrations are checked and applied, and the
        # administrator is not created (nor its password shown) a second time
        assert "Collecting static files" not in output, output
        assert "Migrating the database" in output, output
        assert "Administrator: admin / " not in output
        assert get(f"{base}/login/")[0] == 200
        stop_site(process, lines)
    finally:
        if process.poll() is None or session_processes(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    # And a start with nothing changed does neither step
    process, lines = start_site(env)
    try:
        output = "".join(lines)
        assert "Collecting static files" not in output and "Migrating the database" not in output, output
        assert get(f"{base}/login/")[0] == 200
        stop_site(process, lines)
    finally:
        if process.poll() is None or session_processes(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
