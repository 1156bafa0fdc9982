"""Run the real bot (``python -m bot``) as a child process against a FakeBotAPI."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .server import FakeBotAPI

__all__ = ["BotProcess", "BotProcessError", "bot_env"]


class BotProcessError(AssertionError):
    """The bot process did not behave: exited early, did not poll, did not stop."""


def bot_env(api: FakeBotAPI, **extra: str) -> dict[str, str]:
    """Environment pointing the bot at ``api``: TELEGRAM_API_URL, BOT_TOKEN, plus ``extra``.

    Answer posts as entity text (RICH_MESSAGES=off), which the scripts read; a test of rich
    messages passes RICH_MESSAGES=on."""
    return {"TELEGRAM_API_URL": api.url, "BOT_TOKEN": api.token, "RICH_MESSAGES": "off",
            **extra}


class BotProcess:
    """``python -m <module>`` with ``os.environ | env`` in ``cwd``; output to a log file."""

    def __init__(
        self,
        env: Mapping[str, str],
        cwd: str | os.PathLike[str],
        *,
        module: str = "bot",
        args: tuple[str, ...] = (),
        log_path: str | os.PathLike[str] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.env = dict(env)
        self.cwd = Path(cwd)
        self.module = module
        self.args = args
        self.python = python
        if log_path is None:
            handle, name = tempfile.mkstemp(prefix=f"{module}-", suffix=".log")
            os.close(handle)
            log_path = name
        self.log_path = Path(log_path)
        self._process: asyncio.subprocess.Process | None = None

    # ---------------------------------------------------------------- state

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def log(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    # ---------------------------------------------------------------- lifecycle

    async def start(
        self,
        wait_for_polling: FakeBotAPI | None = None,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> None:
        """Spawn the process; with ``wait_for_polling``, wait until it calls getUpdates there.

        Raises BotProcessError (with the log) if the process exits first or does not poll
        within ``timeout`` seconds (then it is stopped).
        """
        if self._process is not None:
            raise RuntimeError("already started")
        mark = wait_for_polling.mark() if wait_for_polling is not None else 0
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        with self.log_path.open("wb") as log_file:
            self._process = await asyncio.create_subprocess_exec(
                self.python,
                "-m",
                self.module,
                *self.args,
                cwd=self.cwd,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        if wait_for_polling is None:
            return
        api = wait_for_polling
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if any(call.method == "getUpdates" and call.index >= mark for call in api.calls):
                return
            if self._process.returncode is not None:
                raise BotProcessError(
                    f"the bot exited with code {self._process.returncode} before polling; "
                    f"log:\n{self.log}"
                )
            if loop.time() > deadline:
                code = await self.stop(timeout=5.0, check=False)
                raise BotProcessError(
                    f"the bot did not call getUpdates within {timeout}s (stopped, code {code}); "
                    f"log:\n{self.log}"
                )
            await asyncio.sleep(0.05)

    async def stop(self, timeout: float = 20.0, *, check: bool = True) -> int:  # noqa: ASYNC109
        """SIGTERM, wait up to ``timeout`` s; return the exit code.

        If it does not exit in time it is killed, and (with ``check``) BotProcessError raised.
        """
        process = self._require()
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                return await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                code = await self.kill()
                if check:
                    raise BotProcessError(
                        f"the bot did not exit within {timeout}s after SIGTERM "
                        f"(killed, code {code}); log:\n{self.log}"
                    ) from None
                return code
        return await process.wait()

    async def kill(self) -> int:
        """SIGKILL the process (and its process group, which it leads); return the exit code."""
        process = self._require()
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        return await process.wait()

    async def wait_exit(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109
        """Wait for a process that exits by itself (e.g. bad configuration); return its code.

        Raises BotProcessError (the process keeps running; ``stop()`` it) on timeout.
        """
        process = self._require()
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            raise BotProcessError(
                f"the bot is still running after {timeout}s; log:\n{self.log}"
            ) from None

    def _require(self) -> asyncio.subprocess.Process:
        if self._process is None:
            raise RuntimeError("not started")
        return self._process

    async def __aenter__(self) -> BotProcess:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.running:
            await self.stop(check=False)
