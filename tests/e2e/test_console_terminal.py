"""`filmbot chat` as a person meets it: a real process on a pseudo-terminal (the standard library's `pty`),
keys typed one by one, and what the screen shows asserted."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

UP = "\x1b[A"
CTRL_C = "\x03"
CTRL_D = "\x04"

pytestmark = pytest.mark.sqlite_only(
    reason="the embedded default's first run on a terminal "
    "(a SQLite file `filmbot` creates and seeds), shared by the module's tests"
)


def _controlling_terminal() -> None:
    """In the child, after setsid: make the pty its terminal, so Ctrl+C reaches it as SIGINT."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A `filmbot chat` process whose stdin, stdout and stderr are one pseudo-terminal."""

    def __init__(self, db: Path, history: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
        env.update(DATABASE_URL=f"sqlite+aiosqlite:///{db}", FILMBOT_HISTORY=str(history), TERM="xterm")
        env.update(PYTHONIOENCODING="utf-8", INPUTRC="/dev/null")
        self.fd, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # a terminal has a size
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *(args or ("chat",))], stdin=child, stdout=child, stderr=child, env=env,
            cwd=db.parent, start_new_session=True, preexec_fn=_controlling_terminal,
        )  # fmt: skip
        os.close(child)
        self.screen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        """Everything shown up to and including `text` (the wait ends there)."""
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {text!r}; the screen:\n{self.screen}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                assert chunk, f"the chat ended before {text!r}; the screen:\n{self.screen}"
                self.screen += chunk.decode("utf-8", "replace")
        shown, _, self.screen = self.screen.partition(text)
        return shown + text

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def finish(self) -> tuple[int, str]:
        """Wait for the process to leave; its exit status and the rest of the screen."""
        rest = self.screen
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                rest += chunk.decode("utf-8", "replace")
                if not chunk:
                    break
            elif self.proc.poll() is not None:
                break
        code = self.proc.wait(timeout=30)
        os.close(self.fd)
        return code, rest


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made by a first run on a terminal, which shows a progress bar while it loads the films."""
    db = tmp_path_factory.mktemp("tty") / "filmbot.sqlite3"
    first = Terminal(db, db.parent / "history", "film", "miracle in cell")
    shown = first.expect("└── #", timeout=170)
    code, _ = first.finish()
    assert code == 0
    assert "Reading the starter catalog… done in " in shown
    assert "Creating the database and loading " in shown and "%|" in shown  # tqdm's bar
    assert re.search(r"Creating the database and loading [\d,]+ films… done in \d", shown), shown
    return db


@pytest.fixture
def terminal(db: Path, tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(db, tmp_path / "history")
    yield term
    if term.proc.poll() is None:
        term.proc.kill()
        term.proc.wait()


def test_up_recalls_the_last_line_across_sessions_and_ctrl_d_leaves_cleanly(db: Path, tmp_path: Path) -> None:
    history = tmp_path / "history"
    first = Terminal(db, history)
    first.expect("> ")
    first.type("/film miracle in cell\r")
    assert "7번방의 선물" in first.expect("> ")
    first.type(CTRL_D)
    code, rest = first.finish()
    assert code == 0 and "Traceback" not in rest, rest
    assert "/film miracle in cell" in history.read_text()

    again = Terminal(db, history)
    again.expect("> ")
    again.type(UP)
    again.expect("/film miracle in cell")  # the line is back, editable, not yet sent
    again.type("\r")
    card = again.expect("> ")
    assert "Miracle in Cell No. 7 (2013)" in card and "[A" not in card
    again.type("/quit\r")
    code, rest = again.finish()
    assert code == 0 and "Traceback" not in rest


def test_ctrl_c_clears_the_line_and_the_chat_goes_on(terminal: Terminal) -> None:
    terminal.expect("> ")
    terminal.type("spirited")
    terminal.expect("spirited")
    terminal.type(CTRL_C)
    assert "^C" in terminal.expect("> ", timeout=20)  # the first press, acted on at once
    terminal.type("/film miracle in cell\r")
    card = terminal.expect("> ")
    assert "Miracle in Cell No. 7 (2013)" in card and "千と千尋" not in card and "Spirited" not in card
    terminal.type(CTRL_C)  # at an empty prompt: still no exit, no traceback
    assert "^C" in terminal.expect("> ", timeout=20)
    terminal.type(CTRL_D)
    code, rest = terminal.finish()
    assert code == 0 and "Traceback" not in rest, rest


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads thread signal masks from Linux's /proc")
def test_only_the_prompt_thread_can_take_ctrl_c(terminal: Terminal) -> None:
    """The kernel hands a process's SIGINT to any thread that does not block it, and one that lands outside the
    prompt's thread leaves `readline` waiting for the next key (a Ctrl+C that does nothing). Every thread but
    the main one — Python's, the loop's workers, numpy's native OpenBLAS pool — must block it."""
    terminal.expect("> ")
    terminal.type("/film miracle in cell\r")  # the database and the loop's worker threads are in use
    terminal.expect("> ")
    open_to_sigint = []
    for task in Path(f"/proc/{terminal.proc.pid}/task").iterdir():
        status = dict(line.split(":", 1) for line in (task / "status").read_text().splitlines() if ":" in line)
        if not int(status["SigBlk"], 16) & (1 << (signal.SIGINT - 1)):
            open_to_sigint.append(int(task.name))
    assert open_to_sigint == [terminal.proc.pid], f"threads that may take Ctrl+C: {open_to_sigint}"
    terminal.type(CTRL_D)
    assert terminal.finish()[0] == 0
