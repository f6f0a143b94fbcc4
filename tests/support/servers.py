"""Start real services on loopback ports for integration tests (subprocess uvicorn, talked to over HTTP)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
TEST_SERVICE_TOKEN = "test-service-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningService:
    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill hard (default SIGKILL: no chance to flush or save) and wait for the process to go."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def client(self, **kw) -> httpx.Client:
        headers = {"X-Service-Token": TEST_SERVICE_TOKEN, **kw.pop("headers", {})}
        return httpx.Client(base_url=self.url, headers=headers, timeout=kw.pop("timeout", 30), **kw)


def start_service(
    name: str,
    factory: str,
    env: dict[str, str],
    log_dir: Path,
    *,
    port: int | None = None,
    ready_path: str = "/healthz",
    timeout: float = 120.0,
) -> RunningService:
    """`factory` is 'services.registry.app:create_app'. Waits until `ready_path` answers 200."""
    port = port or free_port()
    log_path = log_dir / f"{name}-{port}.log"
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **env}
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    svc = RunningService(name, f"http://127.0.0.1:{port}", proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{svc.log()[-4000:]}")
        try:
            if httpx.get(svc.url + ready_path, timeout=1).status_code == 200:
                return svc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    svc.kill()
    raise RuntimeError(f"{name} not ready after {timeout}s:\n{svc.log()[-4000:]}")


@contextmanager
def running(name: str, factory: str, env: dict[str, str], log_dir: Path, **kw) -> Iterator[RunningService]:
    svc = start_service(name, factory, env, log_dir, **kw)
    try:
        yield svc
    finally:
        svc.kill(signal.SIGTERM)
