"""Start the coach's processes in the right order and stop them together.

`make run`, `make serve`, the tests and the benchmarks all go through here, so there is one
place that knows how the action server, the Rasa server and the Telegram bridge are started,
which endpoints they use, and how long they may take to come up.

    python -m bot.stack shell   # action server + `rasa shell` (the coach in the terminal)
    python -m bot.stack serve   # action server + Rasa REST API (+ Telegram bridge if a token is set)
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "models" / "coach.tar.gz"
START_TIMEOUT = 240.0


def coach_environment() -> Dict[str, str]:
    """The environment every process of the coach runs with: no telemetry, quiet TensorFlow."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def tracker_store_config(url: Optional[str], default_db: Path) -> Dict[str, object]:
    """Rasa's SQL tracker store settings: TRACKER_STORE_URL if given, else a SQLite file."""
    if not url:
        return {"type": "SQL", "dialect": "sqlite", "db": str(default_db)}
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return {"type": "SQL", "dialect": "sqlite", "db": parsed.path.lstrip("/") or str(default_db)}
    config: Dict[str, object] = {
        "type": "SQL", "dialect": parsed.scheme, "url": parsed.hostname, "db": parsed.path.lstrip("/"),
        "username": urllib.parse.unquote(parsed.username or ""), "password": urllib.parse.unquote(parsed.password or ""),
    }
    if parsed.port:
        config["port"] = parsed.port
    return config


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    """Block until `url` answers 200, failing early if the process behind it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up within {timeout:.0f} s")


@dataclass
class Stack:
    """The running processes of one coach instance (ports and files are per instance)."""

    model: Path = DEFAULT_MODEL
    rasa_port: int = 5005
    action_port: int = 5055
    state_dir: Path = ROOT / "var"
    log_dir: Optional[Path] = None
    processes: List[subprocess.Popen] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def endpoints_file(self) -> Path:
        """endpoints.yml with this instance's action server and tracker store filled in."""
        endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
        endpoints["action_endpoint"] = {**endpoints.get("action_endpoint", {}),
                                        "url": os.environ.get("ACTION_SERVER_URL", f"{self.action_url}/webhook")}
        endpoints["tracker_store"] = tracker_store_config(
            os.environ.get("TRACKER_STORE_URL"), self.state_dir / "trackers.db"
        )
        path = self.state_dir / f"endpoints.{self.rasa_port}.yml"
        path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
        return path

    def _spawn(self, name: str, command: List[str], stdio: bool = False) -> subprocess.Popen:
        output = None
        if not stdio:
            log_dir = self.log_dir or self.state_dir
            output = (log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=ROOT, env=coach_environment(), stdout=output, stderr=subprocess.STDOUT if output else None,
        )
        self.processes.append(process)
        return process

    def start_actions(self) -> None:
        process = self._spawn("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                                          "--port", str(self.action_port)])
        wait_for_http(f"{self.action_url}/health", process)

    def _rasa_arguments(self) -> List[str]:
        return ["--model", str(self.model), "--endpoints", str(self.endpoints_file()),
                "--credentials", str(ROOT / "credentials.yml")]

    def start_rasa(self) -> None:
        rasa = [sys.executable, "-m", "bot.rasa_cli", "run", "--enable-api", "--interface", "127.0.0.1",
                "--port", str(self.rasa_port), *self._rasa_arguments()]
        process = self._spawn("rasa", rasa)
        wait_for_http(f"{self.rasa_url}/webhooks/rest/", process)

    def start_bridge(self) -> None:
        env_rasa = os.environ.setdefault("RASA_URL", self.rasa_url)
        print(f"Telegram bridge forwarding to {env_rasa}")
        self._spawn("bridge", [sys.executable, "-m", "bot"], stdio=True)

    def run_shell(self) -> int:
        shell = [sys.executable, "-m", "bot.rasa_cli", "shell", "--port", str(self.rasa_port), *self._rasa_arguments()]
        return subprocess.call(shell, cwd=ROOT, env=coach_environment())

    def start(self) -> "Stack":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.start_actions()
        self.start_rasa()
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["shell", "serve"])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    stack = Stack(model=args.model)
    stack.state_dir.mkdir(parents=True, exist_ok=True)
    try:
        print("Starting the action server ...", flush=True)
        stack.start_actions()
        if args.mode == "shell":
            return stack.run_shell()
        print("Starting the Rasa server ...", flush=True)
        stack.start_rasa()
        print(f"Coach ready: REST channel at {stack.rasa_url}/webhooks/rest/webhook (logs in var/)", flush=True)
        if os.environ.get("TELEGRAM_BOT_TOKEN"):
            stack.start_bridge()
        else:
            print("TELEGRAM_BOT_TOKEN is not set: the Telegram bridge is not started (see docs/telegram.md).")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(process.poll() is None for process in stack.processes):
            time.sleep(1)
        print("A process of the coach stopped; see the logs in var/.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
