"""Grade the library-based trust corpus through the CLI: exact points for every trick, no hidden check in
any feedback, no packet reaching the machine, no process left behind."""
from __future__ import annotations

import csv
import json
import socket
import threading
import uuid
from pathlib import Path

import pytest

import nbtools
from autograd_lab.grading.cli import main
from autograd_lab.grading.release import release_notebook
from corpus.cases import write_case
from corpus.cases_round3 import TORCH_CASES as ROUND3_CASES
from corpus.cases_torch import CASES as TORCH_CASES, HIDDEN_TEXT, torch_source

CASES = TORCH_CASES + ROUND3_CASES


class Listener:
    """UDP and TCP on one port of 127.0.0.1 (and ::1), recording anything that arrives."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.sockets: list[socket.socket] = []
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        self.port = udp.getsockname()[1]
        self.sockets.append(udp)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(("127.0.0.1", self.port))
        tcp.listen()
        self.sockets.append(tcp)
        for family, kind in ((socket.AF_INET6, socket.SOCK_DGRAM), (socket.AF_INET6, socket.SOCK_STREAM)):
            try:
                sock = socket.socket(family, kind)
                sock.bind(("::1", self.port))
                if kind == socket.SOCK_STREAM:
                    sock.listen()
                self.sockets.append(sock)
            except OSError:
                pass
        for sock in self.sockets:
            sock.settimeout(0.2)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        while sock.fileno() != -1:
            try:
                if sock.type == socket.SOCK_DGRAM:
                    self.received.append(sock.recv(65536))
                else:
                    conn, _ = sock.accept()
                    self.received.append(b"connection")
                    conn.close()
            except (socket.timeout, OSError):
                continue

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


def _marked_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("trust")
    source = nbtools.write(torch_source(), root / "course" / "source" / "trust.ipynb")
    released = release_notebook(torch_source(), "trust")
    out = root / "course" / "graded"
    subs = root / "submitted"
    listener = Listener()
    marker = f"autograd-lab-escaper-{uuid.uuid4().hex}"
    ctx = {"port": listener.port, "marker": marker}
    try:
        for case in CASES:
            write_case(case, subs, released, ctx)
        for case in CASES:
            folder = subs / case.name
            if (folder / "practice.ipynb").exists():
                (folder / "practice.ipynb").rename(folder / "trust.ipynb")
        argv = ["grade", str(subs), "--source", str(source), "--out", str(out), "--jobs", "2",
                "--cell-timeout", "3", "--timeout", "30", "--memory-mb", "1024", "--quiet"]
        assert main(argv) == 0
    finally:
        listener.close()
    with open(out / "gradebook.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return {"rows": rows, "out": out, "received": listener.received, "marker": marker}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_grade(graded: dict, case) -> None:
    row = graded["rows"][case.name]
    assert (float(row["total"]), row["status"]) == (case.points, case.status), row
    assert case.note in row["notes"]


def test_no_hidden_check_in_any_feedback_or_result(graded: dict) -> None:
    out: Path = graded["out"]
    pages = list((out / "feedback").glob("*.html")) + list((out / "results").glob("*.json"))
    assert len(pages) >= 2 * len(CASES)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for secret in HIDDEN_TEXT:
            assert secret not in text, (page.name, secret)
    gradebook = (out / "gradebook.csv").read_text(encoding="utf-8")
    assert not any(secret in gradebook for secret in HIDDEN_TEXT)


def test_nothing_reaches_the_network(graded: dict) -> None:
    assert graded["received"] == []


def test_no_process_outlives_its_submission(graded: dict) -> None:
    assert _marked_processes(graded["marker"]) == []
    assert "could not be ended" not in json.dumps(graded["rows"])
