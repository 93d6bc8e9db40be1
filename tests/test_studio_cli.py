"""``dreamstyle studio``: serves until interrupted, says where, and refuses what it cannot do in one line."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

from .helpers import assert_one_error_line, run, wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_port_in_use_is_one_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("studio", "--no-browser", "--port", str(port), "--outputs", str(tmp_path / "out"))
    assert_one_error_line(result, "--port", f"{port} is in use", "choose another")


def test_outputs_that_cannot_be_a_folder_is_one_clear_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    result = run("studio", "--no-browser", "--outputs", str(tmp_path / "file" / "out"))
    assert_one_error_line(result, "--outputs", "cannot make the folder")


def test_on_the_network_it_prints_a_token_and_answers_only_with_it_and_ctrl_c_ends_it(tmp_path):
    port = free_port()
    studio = subprocess.Popen([sys.executable, "-m", "dreamstyle", "studio", "--no-browser", "--host", "0.0.0.0",
                               "--port", str(port), "--outputs", str(tmp_path / "out")],
                              stderr=subprocess.PIPE, text=True)
    try:
        said = [studio.stderr.readline() for _ in range(3)]
        address = re.search(r"http://\S+", said[0]).group(0)
        token = address.split("?token=")[1]
        assert "open to the network" in said[2] and "token" in said[2]
        wait_until(lambda: _answers(port), timeout=30, what="the studio answering")
        status, body = get(f"http://127.0.0.1:{port}/api/info")
        assert status == 403 and "needs its token" in body["error"]
        status, body = get(f"http://127.0.0.1:{port}/api/info?token={token}")
        assert status == 200 and body["outputs"] == str((tmp_path / "out").resolve())
    finally:
        studio.send_signal(signal.SIGINT)
        assert studio.wait(30) == 0
        studio.stderr.close()


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
