"""The generic part of serving a small web app from the simulator: a free port, the LAN
address, a random code, and uvicorn in a background thread that stops cleanly.

Kept small and free of community-session logic so that the Studio's (tools/web.py, issue
18) and this can become one module. Standard library and uvicorn only.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time

#: Codes avoid look-alike characters (0/O, 1/I/L): read off a projector, typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def lan_address() -> str:
    """This machine's address on the local network (the interface of its default
    route), for the URL phones open; 127.0.0.1 when there is none. A UDP socket's
    connect sends nothing: it only picks the route, so no internet is needed."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.254.254.254", 9))
        address = s.getsockname()[0]
        if address and not address.startswith("0."):
            return address
    return "127.0.0.1"


def random_code(n: int = 4) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


class ServerThread:
    """uvicorn serving `app` on host:port in a daemon thread. `start()` returns once it
    accepts connections (or raises what stopped it); `stop()` asks it to finish."""

    def __init__(self, app, host: str, port: int, *, limit_concurrency: int = 400):
        import uvicorn

        self.host, self.port = host, port
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            limit_concurrency=limit_concurrency,  # beyond it: 503, the session unharmed
            timeout_keep_alive=5,
            h11_max_incomplete_event_size=16 * 1024,  # bounded request heads
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="web-server", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.server.run()
        except BaseException as exc:  # reported by start(); the session goes on
            self.error = exc

    def start(self, timeout_s: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if self.error is not None or not self._thread.is_alive():
                raise OSError(
                    f"the web server on {self.host}:{self.port} did not start: {self.error}"
                )
            if time.monotonic() > deadline:
                raise OSError(f"the web server on {self.host}:{self.port} did not start in time")
            time.sleep(0.02)  # uvicorn offers a flag, not an event, for "started"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=5)
