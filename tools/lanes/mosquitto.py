"""A Mosquitto broker started here, for the tests and `sightline bench lanes`: a config,
a password file (made by Debian's mosquitto_passwd) and an ACL in a temporary folder, a
free 127.0.0.1 port, persistence on (a restart keeps the lanes' sessions and their queued
commands, as an academy's broker would), stopped and removed after.

`acl_text` is also the ACL an academy's broker needs (docs/lanes.md): a console account
may send commands to any lane and read everything about lanes; a lane account (named
like its lane) reads only its own commands and writes only its own status.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.errors import UserError


def mosquitto_bin() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()),
        None,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def acl_text(consoles: list[str]) -> str:
    lines = ["# consoles: send any lane a command, read every lane's status and the broker's"]
    for name in consoles:
        lines += [
            f"user {name}",
            "topic write sightline/lanes/+/cmd",
            "topic read sightline/lanes/#",
            "topic read $SYS/#",
        ]
    lines += [
        "",
        "# every other account is a lane named like the account: its own topics only",
        "pattern read sightline/lanes/%u/cmd",
        "pattern write sightline/lanes/%u/ack",
        "pattern write sightline/lanes/%u/status",
        "pattern write sightline/lanes/%u/thumb",
        "pattern write sightline/lanes/%u/online",
    ]
    return "\n".join(lines) + "\n"


class LocalBroker:
    """users: {name: password}; consoles: which of them are console accounts. Without
    users the broker is anonymous (and has no ACL)."""

    def __init__(
        self,
        users: dict[str, str] | None = None,
        consoles: list[str] = (),
        port: int | None = None,
        sys_interval_s: int = 0,
        tls: bool = False,
    ) -> None:
        binary = mosquitto_bin()
        if binary is None:
            raise UserError("mosquitto not found: install Debian's mosquitto package")
        self.binary = binary
        self.users = dict(users or {})
        self.consoles = list(consoles)
        self.port = port or free_port()
        self.sys_interval_s = sys_interval_s
        self.tls = tls
        self.root = Path(tempfile.mkdtemp(prefix="sightline-mqtt-"))
        self.proc: subprocess.Popen | None = None
        self._write()

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    @property
    def cafile(self) -> Path:
        return self.root / "ca.crt"

    def _make_certificates(self) -> None:
        """A throwaway certificate authority and a server certificate for 127.0.0.1."""
        r = self.root

        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=sightline test CA", "-keyout", str(r / "ca.key"),
                "-out", str(r / "ca.crt"))  # fmt: skip
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", str(r / "server.key"), "-out", str(r / "server.csr"))  # fmt: skip
        (r / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", str(r / "server.csr"), "-CA", str(r / "ca.crt"),
                "-CAkey", str(r / "ca.key"), "-CAcreateserial", "-days", "2",
                "-extfile", str(r / "san.ext"), "-out", str(r / "server.crt"))  # fmt: skip

    def auth_file(self, user: str, password: str | None = None) -> Path:
        """A --auth TOML file for this user (the right password unless one is given);
        with TLS it names the test authority's certificate."""
        path = self.root / f"auth-{user}-{len(list(self.root.glob('auth-*')))}.toml"
        pw = self.users.get(user, "") if password is None else password
        text = f'username = "{user}"\npassword = "{pw}"\n'
        if self.tls:
            text += f'cafile = "{self.cafile}"\n'
        path.write_text(text)
        path.chmod(0o600)
        return path

    def _write(self) -> None:
        conf = [f"listener {self.port} 127.0.0.1"]
        if self.tls:
            self._make_certificates()
            conf += [
                f"cafile {self.cafile}",
                f"certfile {self.root / 'server.crt'}",
                f"keyfile {self.root / 'server.key'}",
            ]
        conf += [
            "persistence true",
            "autosave_interval 1",  # a killed broker still knows the lanes' sessions
            f"persistence_location {self.root}/",
            f"log_dest file {self.root}/mosquitto.log",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "max_queued_messages 10000",
            "set_tcp_nodelay true",  # small urgent messages: no Nagle delay
        ]
        if self.sys_interval_s:
            conf.append(f"sys_interval {self.sys_interval_s}")
        if self.users:
            passwd = self.root / "passwd"
            passwd.touch(mode=0o600)
            for name, password in self.users.items():
                subprocess.run(
                    ["mosquitto_passwd", "-b", str(passwd), name, password],
                    check=True,
                    capture_output=True,
                    timeout=30,
                )
            (self.root / "acl").write_text(acl_text(self.consoles))
            conf += [
                "allow_anonymous false",
                f"password_file {passwd}",
                f"acl_file {self.root / 'acl'}",
            ]
        else:
            conf.append("allow_anonymous true")
        if os.geteuid() == 0:
            conf.append("user root")  # a test broker in a root-owned temporary folder
        (self.root / "mosquitto.conf").write_text("\n".join(conf) + "\n")

    def lane_argv(
        self, pack: Path, lane: str, fps: float, seconds: float, *extra: str
    ) -> list[str]:
        """The command line of a headless lane of `pack` on this broker, logged in as
        `lane` (160x90 offscreen, paced by the clock: `bench lanes` and the tests)."""
        return [
            sys.executable, "-m", "tools.cli", "lane", "run", str(pack),
            "--lane", lane, "--broker", self.url, "--auth", str(self.auth_file(lane)),
            "--offscreen", "--realtime", "--size", "160x90",
            "--fps", f"{fps:g}", "--seconds", f"{seconds:g}", *extra,
        ]  # fmt: skip

    def start(self, timeout_s: float = 15.0) -> LocalBroker:
        self.proc = subprocess.Popen(
            [self.binary, "-c", str(self.root / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")[-500:]
                raise RuntimeError(f"mosquitto exited: {err} {self.log()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.port} in {timeout_s} s")

    def wait_saved(self, timeout_s: float = 10.0) -> bool:
        """Wait for the broker's next autosave (every second; persistence on): a broker
        killed after it still knows every session made before this call."""
        db = self.root / "mosquitto.db"
        since = time.time()
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if db.exists() and db.stat().st_mtime > since:
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """SIGTERM: Mosquitto saves its persistence file and exits."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stderr:
            proc.stderr.close()

    def kill(self) -> None:
        """SIGKILL: the network cut, as a crash would make it."""
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.wait(5)

    def log(self) -> str:
        try:
            return (self.root / "mosquitto.log").read_text(errors="replace")
        except OSError:
            return ""

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
