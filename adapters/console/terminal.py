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
import time
from collections.abc import Callable, Coroutine, Iterator
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


CAN_MASK_SIGNALS = hasattr(signal, "pthread_sigmask") and hasattr(signal, "SIGUSR1")
NUDGE_EVERY = 0.05  # seconds between nudges while a Ctrl+C waits to be acted on
NUDGES_AT_MOST = 200  # ~10 s: a prompt that never takes it (a hung reply) is not nudged forever


class CtrlCWatcher:
    """Makes sure a Ctrl+C that the kernel delivered is acted on by the prompt.

    CPython's `readline` looks at signals only when its `select()` on the terminal is interrupted. A SIGINT
    that arrives while it is drawing the key it just read (between two selects) is noted by Python's C handler
    and then waits for the next key: the press seems lost (seen under load, where that window is wide). Python's
    C handler also writes each signal's number to the wakeup fd; this thread reads it and, until the prompt's
    SIGINT handler has run, nudges the main thread with SIGUSR1 (a no-op handler), which interrupts that
    select so `readline` runs the noted handler."""

    def __init__(self) -> None:
        self.acted_on = 0
        self._stopping = False
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._main = threading.main_thread().ident or 0
        self._previous = (
            signal.set_wakeup_fd(self._write, warn_on_full_buffer=False),
            signal.signal(signal.SIGINT, self._interrupt),
            signal.signal(signal.SIGUSR1, _ignore),
        )
        self._thread = threading.Thread(target=self._watch, name="filmbot-ctrl-c", daemon=True)
        self._thread.start()

    def _interrupt(self, signum: int, frame: object) -> None:
        self.acted_on += 1
        raise KeyboardInterrupt

    def _watch(self) -> None:
        while True:
            try:
                received = os.read(self._read, 64)
            except OSError:
                return
            if not received:
                return
            if signal.SIGINT not in received:
                continue
            before = self.acted_on
            for _ in range(NUDGES_AT_MOST):
                time.sleep(NUDGE_EVERY)
                if self.acted_on != before or self._stopping:
                    break
                with contextlib.suppress(OSError):  # the main thread has left
                    signal.pthread_kill(self._main, signal.SIGUSR1)

    def stop(self) -> None:
        """Stop nudging (first, so no SIGUSR1 is sent once its handler is gone)."""
        self._stopping = True
        os.close(self._write)  # the watcher reads end-of-file and leaves
        self._thread.join(timeout=2)
        os.close(self._read)

    def restore(self) -> None:
        """Put back the wakeup fd and the handlers found at the start."""
        wakeup_fd, on_sigint, on_sigusr1 = self._previous
        signal.set_wakeup_fd(wakeup_fd)
        signal.signal(signal.SIGINT, on_sigint)
        signal.signal(signal.SIGUSR1, on_sigusr1)


_watching = False


def _ignore(signum: int, frame: object) -> None:
    """SIGUSR1's handler: nothing; its only job is to interrupt a blocking call in the main thread."""


@contextlib.contextmanager
def ctrl_c_for_the_prompt_only() -> Iterator[None]:
    """Block SIGINT in this (the main) thread while everything else starts, so that every thread started from
    now on — Python's, the event loop's workers, and native ones such as OpenBLAS's pool that numpy starts on
    import — inherits the block. The kernel hands a process's SIGINT to any thread that does not block it; one
    that lands elsewhere wakes nobody, and `readline` keeps waiting for the next key. The main thread takes
    Ctrl+C only while it waits (`ctrl_c_allowed`); a press in between stays pending until then, and
    `CtrlCWatcher` sees that a delivered press is acted on."""
    global _watching
    if _watching or not CAN_MASK_SIGNALS or threading.current_thread() is not threading.main_thread():
        yield  # already set up by the caller (`filmbot chat` does it before its imports), or nothing to do
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGUSR1})
    watcher = CtrlCWatcher()  # its thread, started with both blocked, never takes them
    _watching = True
    try:
        yield
    finally:
        _watching = False
        watcher.stop()
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)  # a press still pending is acted on here
        finally:
            watcher.restore()


@contextlib.contextmanager
def ctrl_c_allowed() -> Iterator[None]:
    """Let SIGINT reach the main thread while it waits for a line or a reply (a pending press arrives at once)."""
    if not CAN_MASK_SIGNALS or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGUSR1})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGUSR1})


class LoopThread:
    """An asyncio event loop running in a daemon thread; `run` waits for one coroutine from another thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_forever, name="filmbot-chat-loop", daemon=True)
        self._thread.start()

    def _run_forever(self) -> None:
        # Ctrl+C belongs to the main thread; this thread and the workers it starts (they inherit its mask)
        # never take it, even when the caller did not block it first (`ctrl_c_for_the_prompt_only`).
        if CAN_MASK_SIGNALS:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            with ctrl_c_allowed():
                return future.result()
        except KeyboardInterrupt:  # Ctrl+C while a command runs: cancel it, keep the chat
            future.cancel()
            raise

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


@ctrl_c_for_the_prompt_only()  # SIGINT to the prompt's thread only, for the whole chat
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
                    with ctrl_c_allowed():
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
