"""Prometheus and Alertmanager against a running `lms serve`, with the checks Grafana would need.

    lms ops-stack --target http://127.0.0.1:7071 --webhook http://127.0.0.1:9000/alerts
    python infra/observability/ops_stack.py --check-only      # the file checks alone

Installs Debian's `prometheus` and `prometheus-alertmanager` when promtool, amtool or the
servers are missing (apt-get, with sudo unless root). Then:
 1. checks the files: `promtool test rules` (the alert unit tests), `promtool check config`
    and `amtool check-config` on the configurations rendered for this run;
 2. starts Alertmanager and Prometheus on free ports of 127.0.0.1, in a work folder
    (--workdir, default a temporary one), scraping --target with METRICS_TOKEN and sending
    alerts to --webhook;
 3. in place of Grafana: scrapes the target once and lists every series a rule or a panel
    queries that the app does not emit, and asks Prometheus to evaluate every panel's query;
 4. prints one JSON line (`{"prometheus": url, "alertmanager": url, ...}`) and runs until
    Ctrl-C or SIGTERM, or for --seconds.

--fast scrapes and evaluates every second and has Alertmanager notify within a second, so a
test sees an alert fire and resolve in seconds. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import queried_series  # noqa: E402

BINARIES = ("prometheus", "promtool", "prometheus-alertmanager", "amtool")
PACKAGES = ("prometheus", "prometheus-alertmanager")


class StackError(Exception):
    """What went wrong, worded for the person who ran the command."""


def ensure_installed() -> None:
    if all(shutil.which(b) for b in BINARIES):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print(f"ops-stack: installing {' '.join(PACKAGES)} with apt-get", file=sys.stderr)
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *PACKAGES]):
        if subprocess.run([*sudo, *command], check=False).returncode != 0:  # noqa: S603
            break
    absent = [b for b in BINARIES if not shutil.which(b)]
    if absent:
        raise StackError(
            f"{', '.join(absent)} not found and could not be installed; "
            f"run `sudo apt-get install {' '.join(PACKAGES)}`"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def render_prometheus(
    target: str, prometheus: int, alertmanager: int, token_file: Path, fast: bool
) -> str:
    """prometheus.yml with this run's addresses, token file and rule file."""
    parts = urllib.parse.urlsplit(target)
    text = (HERE / "prometheus" / "prometheus.yml").read_text(encoding="utf-8")
    text = text.replace('"127.0.0.1:9093"', f'"127.0.0.1:{alertmanager}"')
    text = text.replace('"127.0.0.1:9090"', f'"127.0.0.1:{prometheus}"')
    text = text.replace('"127.0.0.1:7071"', f'"{parts.netloc}"')
    text = text.replace("credentials_file: metrics_token", f"credentials_file: {token_file}")
    text = text.replace("  - alerts.yml", f"  - {HERE / 'prometheus' / 'alerts.yml'}")
    if parts.scheme == "https":
        text = text.replace(
            "    metrics_path: /metrics", "    metrics_path: /metrics\n    scheme: https"
        )
    if fast:
        text = re.sub(r"(scrape_interval|evaluation_interval): \S+", r"\1: 1s", text)
    return text


def render_alertmanager(webhook: str, critical_webhook: str, fast: bool) -> str:
    """alertmanager.yml with the receivers' URLs filled in."""
    text = (HERE / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8")
    text = text.replace("${ALERTMANAGER_WEBHOOK_URL}", webhook)
    text = text.replace("${ALERTMANAGER_CRITICAL_WEBHOOK_URL}", critical_webhook)
    if fast:
        text = re.sub(r"(group_wait|group_interval): \S+", r"\1: 1s", text)
    return text


def _run_check(command: list[str], cwd: Path) -> None:
    result = subprocess.run(  # noqa: S603 (the tools, with our files)
        command, cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise StackError(f"`{' '.join(command)}` failed:\n{result.stdout}{result.stderr}")


def check_files(workdir: Path, prometheus_yml: Path, alertmanager_yml: Path) -> None:
    tests = sorted(path.name for path in (HERE / "prometheus" / "tests").glob("*.test.yml"))
    _run_check(["promtool", "test", "rules", *tests], HERE / "prometheus" / "tests")
    _run_check(["promtool", "check", "config", str(prometheus_yml)], workdir)
    _run_check(["amtool", "check-config", str(alertmanager_yml)], workdir)


def _get(url: str, token: str | None = None, timeout: float = 5.0) -> bytes:
    request = urllib.request.Request(url)  # noqa: S310 (http URLs of this run)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        body: bytes = response.read()
        return body


def wait_ready(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            _get(f"{url}/-/ready", timeout=1.0)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise StackError(f"{url} did not become ready within {seconds:.0f} s") from None
            time.sleep(0.2)


def grafana_free_checks(target: str, token: str, prometheus_url: str) -> list[str]:
    """Problems a Grafana would show as empty or broken panels: queried series the target
    does not emit, and panel queries Prometheus refuses."""
    problems = []
    exposition = _get(f"{target.rstrip('/')}/metrics", token).decode()
    for name, users in queried_series.missing(exposition).items():
        problems.append(f"{name} is not emitted; queried by {', '.join(sorted(users))}")
    for where, expr in queried_series.panel_expressions():
        query = urllib.parse.urlencode({"query": expr.replace("$job", "lms_api.*")})
        try:
            answer = json.loads(_get(f"{prometheus_url}/api/v1/query?{query}"))
        except OSError as exc:
            problems.append(f"{where}: Prometheus refused the query ({exc})")
            continue
        if answer.get("status") != "success":
            problems.append(f"{where}: {answer.get('error')}")
    return problems


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lms ops-stack", description=__doc__.split("\n")[0])
    parser.add_argument("--target", default="http://127.0.0.1:7071", help="the lms serve URL")
    parser.add_argument("--webhook", help="where Alertmanager posts notifications")
    parser.add_argument("--critical-webhook", help="for critical alerts (default --webhook)")
    parser.add_argument("--workdir", type=Path, help="configs, data and logs (default: temporary)")
    parser.add_argument("--fast", action="store_true", help="1 s intervals, for tests and demos")
    parser.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")
    parser.add_argument("--check-only", action="store_true", help="check the files and exit")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    ensure_installed()
    token = os.environ.get("METRICS_TOKEN", "")
    webhook = args.webhook or "http://127.0.0.1:9/unused"
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lms-ops-stack-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ports = {"prometheus": free_port(), "alertmanager": free_port()}
    token_file = workdir / "metrics_token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    prometheus_yml = workdir / "prometheus.yml"
    prometheus_yml.write_text(
        render_prometheus(
            args.target, ports["prometheus"], ports["alertmanager"], token_file, args.fast
        )
    )
    alertmanager_yml = workdir / "alertmanager.yml"
    alertmanager_yml.write_text(
        render_alertmanager(webhook, args.critical_webhook or webhook, args.fast)
    )
    check_files(workdir, prometheus_yml, alertmanager_yml)
    if args.check_only:
        print("ops-stack: rule tests, prometheus.yml and alertmanager.yml are valid", flush=True)
        return 0
    if not token:
        raise StackError("set METRICS_TOKEN to the token the target's /metrics answers")
    urls = {name: f"http://127.0.0.1:{ports[name]}" for name in ("prometheus", "alertmanager")}
    children = [
        start(
            [
                "prometheus-alertmanager",
                f"--config.file={alertmanager_yml}",
                f"--storage.path={workdir / 'alertmanager-data'}",
                f"--web.listen-address=127.0.0.1:{ports['alertmanager']}",
                "--cluster.listen-address=",  # one Alertmanager: no gossip port
            ],
            workdir / "alertmanager.log",
        ),
        start(
            [
                "prometheus",
                f"--config.file={prometheus_yml}",
                f"--storage.tsdb.path={workdir / 'prometheus-data'}",
                f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
                *(["--rules.alert.resend-delay=1s"] if args.fast else []),
            ],
            workdir / "prometheus.log",
        ),
    ]
    stopping = {"now": False}

    def stop(signum: int, frame: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        wait_ready(urls["alertmanager"])
        wait_ready(urls["prometheus"])
        problems = grafana_free_checks(args.target, token, urls["prometheus"])
        for problem in problems:
            print(f"ops-stack: {problem}", file=sys.stderr, flush=True)
        print(json.dumps({**urls, "workdir": str(workdir), "problems": problems}), flush=True)
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while not stopping["now"] and (deadline is None or time.monotonic() < deadline):
            if any(child.poll() is not None for child in children):
                raise StackError(f"a server stopped; see the logs in {workdir}")
            time.sleep(0.2)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(parse_args(argv))
    except StackError as exc:
        print(f"ops-stack: {exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
