"""`filmbot chat` in a real terminal: line editing and history (the standard library's `readline`), Ctrl+C
clears the line, Ctrl+D leaves.

Reading a line blocks, so the person's prompt lives on the main thread (where `readline` turns Ctrl+C into a
KeyboardInterrupt that clears the line) and the event loop that holds the services runs in a thread of its
own: it never waits for a keystroke, so the learned-popularity flush and every command stay on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO, TypeVar

T = TypeVar("T")
HISTORY_LENGTH = 1000
PROMPT = "> "


def history_path() -> Path:
    """Where the chat keeps its history: `FILMBOT_HISTORY`, else `chat_history` in the user's data dir."""
    if env := os.environ.get("FILMBOT_HISTORY"):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("filmbot", appauthor=False)) / "chat_history"


def load_readline(history: Path, words: list[str]) -> ModuleType | None:
    """The `readline` module set up with history and command completion; None where there is none
    (Windows without pyreadline) — `input()` still works, only without editing."""
    try:
        import readline
    except ImportError:
        return None
    readline.set_history_length(HISTORY_LENGTH)
    with contextlib.suppress(OSError):
        readline.read_history_file(history)

    def complete(text: str, state: int) -> str | None:
        matches = [w for w in words if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims("\n")  # complete the whole line: "/movienight p" -> "/movienight poll"
    binding = "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
    readline.parse_and_bind(binding)
    return readline


def save_history(readline: ModuleType | None, history: Path) -> None:
    if readline is None:
        return
    with contextlib.suppress(OSError):
        history.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(history)


class LoopThread:
    """An asyncio event loop running in a daemon thread; `run` waits for one coroutine from another thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_forever, name="filmbot-chat-loop", daemon=True)
        self._thread.start()

    def _run_forever(self) -> None:
        # Ctrl+C belongs to the main thread (it waits at the prompt, or for a reply). The kernel hands a
        # process's SIGINT to any thread that does not block it; one that lands here, or in a worker thread the
        # loop starts (they inherit this mask), would leave the prompt waiting for the next key.
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:  # Ctrl+C while a command runs: cancel it, keep the chat
            future.cancel()
            raise

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


def chat_in_terminal(
    start: Callable[[], Coroutine[Any, Any, Any]],
    answer: Callable[[Any, str], Coroutine[Any, Any, str]],
    stop: Callable[[Any], Coroutine[Any, Any, None]],
    *,
    welcome: str,
    quit_words: set[str],
    words: list[str] | None = None,
    out: TextIO | None = None,
    follow: Callable[[Any], Coroutine[Any, Any, str]] | None = None,
) -> int:
    """Run a chat: `start()` builds the state on the loop thread, `answer(state, line)` is each reply's text,
    `follow(state)` what comes after it once printed (the online finds under a miss), `stop(state)` closes
    it. Returns the exit status (0, also after Ctrl+D)."""
    import sys

    out = out or sys.stdout
    loop = LoopThread()
    history = history_path()
    try:
        state = loop.run(start())
        readline = load_readline(history, words or []) if sys.stdin.isatty() else None
        print(welcome, file=out, flush=True)
        try:
            while True:
                try:
                    line = input(PROMPT)
                except KeyboardInterrupt:  # Ctrl+C: drop what was typed, a fresh prompt
                    print("^C", file=out, flush=True)
                    continue
                except EOFError:  # Ctrl+D: leave
                    print(file=out, flush=True)
                    break
                if line.strip().lower() in quit_words:
                    break
                try:
                    text = loop.run(answer(state, line))
                    if text:
                        print(text, file=out, flush=True)
                    later = loop.run(follow(state)) if follow is not None else ""
                except KeyboardInterrupt:
                    print("\n(stopped)", file=out, flush=True)
                    continue
                if later:
                    print(later, file=out, flush=True)
        finally:
            save_history(readline, history)
            loop.run(stop(state))
    finally:
        loop.close()
    return 0
