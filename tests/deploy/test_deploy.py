"""deploy/: the team config, the Dockerfile and systemd units, and the nginx example run for real.

The nginx tests start the real app with the team configuration, put the real nginx (Debian
package ``nginx``) in front of it on loopback ports with a throwaway certificate, and talk to it
as a browser would. The sticky-session tests put the same nginx file in front of stand-in
replicas that answer with their own names. They skip when nginx is absent, unless ``CI`` is set.
Docker has no engine here, so the Dockerfile is read and checked, not built.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import http.client
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, free_port, running_app

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
TEAM_CONFIG = DEPLOY / "streamlit-team.toml"
NGINX = Path("/usr/sbin/nginx")
HOSTNAME = "map.example.org"
LEAFLET_JS = REPO / "static" / "leaflet" / "leaflet.js"


def team_config() -> dict:
    with TEAM_CONFIG.open("rb") as file:
        return tomllib.load(file)


# --- the team configuration ----------------------------------------------------------------


HARDENED = {
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.maxUploadSize": 5,
    "server.headless": True,
    "server.address": "0.0.0.0",
    "server.enableStaticServing": True,
    "browser.gatherUsageStats": False,
    "client.showErrorDetails": "none",
    "client.toolbarMode": "minimal",
}


@pytest.mark.parametrize(("option", "value"), HARDENED.items())
def test_team_config_is_hardened(option: str, value: object):
    assert flat_options(team_config()).get(option) == value


def test_streamlit_reads_every_team_option(tmp_path: Path):
    (tmp_path / ".streamlit").mkdir()
    shutil.copy(TEAM_CONFIG, tmp_path / ".streamlit" / "config.toml")
    expected = flat_options(team_config())
    read = subprocess.run(
        [sys.executable, "-c", READ_OPTIONS, json.dumps(list(expected))],
        cwd=tmp_path,  # Streamlit reads ./.streamlit/config.toml
        capture_output=True,
        text=True,
        check=True,
    )
    assert "not a valid config option" not in read.stderr
    assert json.loads(read.stdout) == expected


READ_OPTIONS = """
import json, sys
from streamlit import config
config.get_config_options(force_reparse=True)
print(json.dumps({name: config.get_option(name) for name in json.loads(sys.argv[1])}))
"""


def flat_options(config: dict) -> dict[str, object]:
    return {
        f"{section}.{key}": value
        for section, options in config.items()
        for key, value in options.items()
    }


def team_env() -> dict[str, str]:
    """The team configuration as Streamlit environment variables (they override config.toml)."""
    from streamlit import config

    options = config._config_options_template  # Streamlit's own option table
    return {
        options[option].env_var: str(value).lower() if isinstance(value, bool) else str(value)
        for option, value in flat_options(team_config()).items()
    }


def test_team_env_names_match_streamlit():
    env = team_env()
    assert env["STREAMLIT_SERVER_ENABLE_CORS"] == "true"
    assert env["STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION"] == "true"
    assert env["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] == "none"


# --- the Dockerfile ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions, with continuation lines joined and comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


def only(keyword: str) -> Instruction:
    found = [instruction for instruction in dockerfile() if instruction.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {found}"
    return found[0]


def test_dockerfile_builds_on_python_311_slim_with_pinned_dependencies():
    assert dockerfile()[0] == Instruction("FROM", "python:3.11-slim")
    runs = [i.arguments for i in dockerfile() if i.keyword == "RUN"]
    assert any(shlex.split(run) == ["pip", "install", "-c", "constraints.txt", "."] for run in runs)


def test_dockerfile_runs_the_app_as_a_non_root_user_with_the_team_config():
    user = only("USER").arguments
    assert user not in ("root", "0") and not user.startswith(("root:", "0:"))
    assert any(
        i.keyword == "COPY" and i.arguments.split()[-2:] == [
            "deploy/streamlit-team.toml", "./.streamlit/config.toml"
        ]
        for i in dockerfile()
    )  # fmt: skip
    assert only("EXPOSE").arguments == "8501"
    command = json.loads(only("CMD").arguments)
    assert command[:3] == ["streamlit", "run", "app.py"]
    assert command[command.index("--server.address") + 1] == "0.0.0.0"


def test_dockerfile_health_check_calls_the_health_script():
    options, _, command = only("HEALTHCHECK").arguments.partition(" CMD ")
    assert "--interval=" in options
    assert json.loads(command) == ["/app/deploy/healthcheck.sh"]
    assert "/_stcore/health" in (DEPLOY / "healthcheck.sh").read_text(encoding="utf-8")
    assert os.access(DEPLOY / "healthcheck.sh", os.X_OK)


def test_dockerfile_copies_only_files_in_the_repository():
    for instruction in dockerfile():
        if instruction.keyword == "COPY":
            words = [w for w in instruction.arguments.split() if not w.startswith("--")]
            for source in words[:-1]:
                assert (REPO / source).exists(), f"COPY source {source!r} is not in the repository"


def test_docker_build_context_leaves_out_secrets_and_local_state():
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {".streamlit/secrets.toml", ".venv", "var", ".git"} <= set(ignored)


# --- the systemd unit -------------------------------------------------------------------------


UNITS = {
    "contested-map.service": ("contested-map.service", "8501"),  # one process
    "contested-map@.service": ("contested-map@8502.service", "%i"),  # a replica per port
}


@pytest.mark.parametrize("unit_file", UNITS)
def test_systemd_unit_runs_the_app_on_loopback(unit_file: str):
    unit = (DEPLOY / unit_file).read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.MULTILINE)
    assert exec_start is not None
    command = shlex.split(exec_start.group(1))
    assert command[1:3] == ["run", "app.py"]
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == UNITS[unit_file][1]
    assert re.search(r"^User=(?!root$)\w+$", unit, re.MULTILINE)


def test_replica_unit_differs_from_the_single_unit_only_in_its_port():
    def settings(unit_file: str) -> list[str]:
        text = (DEPLOY / unit_file).read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if line and not line.startswith("#")]
        return [line for line in lines if not line.startswith("Description=")]

    single, replica = settings("contested-map.service"), settings("contested-map@.service")
    assert [line.replace("%i", "8501") for line in replica] == single


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("unit_file", UNITS)
def test_systemd_unit_passes_systemd_analyze(unit_file: str, tmp_path: Path):
    unit = (DEPLOY / unit_file).read_text(encoding="utf-8")
    streamlit = Path(sys.executable).with_name("streamlit")
    local = unit.replace("/srv/contested-map/.venv/bin/streamlit", str(streamlit))
    (tmp_path / unit_file).write_text(local, encoding="utf-8")
    verified = subprocess.run(  # a template is verified through an instance of it
        ["systemd-analyze", "verify", str(tmp_path / UNITS[unit_file][0])],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr


# --- the real app, and the real nginx in front of it ------------------------------------------


VIEWER_EMAIL, VIEWER_PASSWORD = "viewer@desk.example", "correct horse battery staple"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app, run with the team configuration (built-in accounts), on a loopback port."""
    from geo.desk.accounts import Accounts
    from geo.store.database import Store

    tmp = tmp_path_factory.mktemp("app")
    db_url = f"sqlite:///{tmp / 'app.db'}"
    with Store(db_url) as store:
        Accounts(store).add(VIEWER_EMAIL, VIEWER_PASSWORD, "viewer")
    env = {**team_env(), "GEO_AUTH_MODE": "accounts", "GEO_TRUSTED_PROXIES": "127.0.0.1,::1"}
    with running_app(db_url, tmp / "streamlit.log", env=env) as url:
        yield url


def test_health_script_reports_a_running_app_healthy(app_url: str):
    run = subprocess.run(
        [str(DEPLOY / "healthcheck.sh"), f"{app_url}/_stcore/health"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert run.returncode == 0, run.stderr


def test_health_script_reports_a_stopped_app_unhealthy():
    url = f"http://127.0.0.1:{free_port()}/_stcore/health"
    run = subprocess.run([str(DEPLOY / "healthcheck.sh"), url], capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.startswith(f"unhealthy: {url}")


@dataclass(frozen=True)
class Proxy:
    http_port: int
    https_port: int
    tls: ssl.SSLContext
    error_log: Path
    access_log: Path  # one line a request: status, the replica that answered, the request


def require_nginx() -> None:
    """Skip when nginx is absent, unless ``CI`` is set (CI installs it: then it is a failure)."""
    if not NGINX.is_file():
        reason = "nginx is not installed (/usr/sbin/nginx; Debian package nginx)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the nginx tests, but {reason}")
        pytest.skip(reason)


def upstream_servers(site: str) -> list[str]:
    """The ``server`` addresses of the ``contested_map`` upstream block, in order."""
    block = re.search(r"^upstream contested_map \{(.*?)^\}", site, re.MULTILINE | re.DOTALL)
    assert block is not None, "deploy/nginx.conf has no upstream contested_map block"
    return re.findall(r"^\s*server\s+(\S+?)(?:\s[^;]*)?;", block.group(1), re.MULTILINE)


@contextmanager
def running_nginx(tmp: Path, replica_ports: Sequence[int]) -> Iterator[Proxy]:
    """deploy/nginx.conf run by the real nginx on loopback ports, in front of ``replica_ports``.

    The file's upstream servers are replaced, in order, by the given loopback ports.
    """
    cert, key = self_signed_certificate(tmp)
    http_port, https_port = free_port(), free_port()
    site = render_site(
        (DEPLOY / "nginx.conf").read_text(encoding="utf-8"),
        http_port=http_port,
        https_port=https_port,
        replica_ports=replica_ports,
        cert=cert,
        key=key,
        acme_root=tmp / "acme",
    )
    (tmp / "site.conf").write_text(site, encoding="utf-8")
    conf = tmp / "nginx.conf"
    conf.write_text(main_config(tmp), encoding="utf-8")
    error_log = tmp / "error.log"
    globals_ = f"daemon off; pid {tmp / 'nginx.pid'}; error_log {error_log} info;"
    command = [str(NGINX), "-p", str(tmp), "-c", str(conf), "-e", str(error_log), "-g", globals_]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(https_port, process)
        tls = ssl.create_default_context(cafile=str(cert))
        yield Proxy(http_port, https_port, tls, error_log, tmp / "access.log")
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def proxy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Proxy]:
    """deploy/nginx.conf run by the real nginx in front of the app, on loopback ports.

    Every upstream server of the file is this one app: these tests are about what nginx does
    to one browser's requests; the replica tests below use several backends.
    """
    require_nginx()
    app_url: str = request.getfixturevalue("app_url")  # started only when nginx is there
    app_port = int(app_url.rsplit(":", 1)[1])
    replicas = len(upstream_servers((DEPLOY / "nginx.conf").read_text(encoding="utf-8")))
    with running_nginx(tmp_path_factory.mktemp("nginx"), [app_port] * replicas) as running:
        yield running


def render_site(
    template: str,
    *,
    http_port: int,
    https_port: int,
    replica_ports: Sequence[int],
    cert: Path,
    key: Path,
    acme_root: Path,
) -> str:
    """deploy/nginx.conf with loopback ports and the throwaway certificate put in."""
    servers = upstream_servers(template)
    assert len(servers) == len(replica_ports), (
        f"deploy/nginx.conf lists {len(servers)} replicas, the test runs {len(replica_ports)}"
    )
    ports = iter(replica_ports)
    template, count = re.subn(
        r"^(\s*server) 127\.0\.0\.1:\d+;",
        lambda match: f"{match.group(1)} 127.0.0.1:{next(ports)};",
        template,
        flags=re.MULTILINE,
    )
    assert count == len(replica_ports), "an upstream server is not on 127.0.0.1"
    substitutions = [
        (r"\n\s*listen \[::\]:\d+[^;]*;", ""),  # no IPv6 needed on loopback
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        (r"ssl_certificate \S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};"),
        (r"root /var/www/letsencrypt;", f"root {acme_root};"),
    ]
    for pattern, replacement in substitutions:
        template, count = re.subn(pattern, lambda _, r=replacement: r, template)
        assert count, f"deploy/nginx.conf no longer has {pattern!r}"
    return template


def main_config(tmp: Path) -> str:
    """A main nginx.conf around the site, keeping every file nginx writes inside ``tmp``."""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx would run its workers as an unprivileged user that cannot enter the
    # test's private temporary directory.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        "    log_format replicas '$status $upstream_addr \"$request\"';\n"
        f"    access_log {tmp / 'access.log'} replicas;\n"
        f"{temp_paths}\n"
        f"    include {tmp / 'site.conf'};\n"
        "}\n"
    )


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A one-day certificate for map.example.org and 127.0.0.1; returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTNAME)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOSTNAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"nginx exited with status {process.returncode}: {stderr}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nginx not listening on port {port} after {timeout}s")


def https_get(
    proxy: Proxy, path: str, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPSConnection(
        "127.0.0.1", proxy.https_port, context=proxy.tls, timeout=30
    )
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_health_check_through_https(proxy: Proxy):
    response, body = https_get(proxy, "/_stcore/health")
    assert (response.status, body) == (200, b"ok")
    assert response.getheader("Strict-Transport-Security", "").startswith("max-age=")
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_plain_http_redirects_to_https(proxy: Proxy):
    connection = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=30)
    try:
        connection.request("GET", "/?zoom=9", headers={"Host": HOSTNAME})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOSTNAME}/?zoom=9"


def websocket_handshake(proxy: Proxy, origin: str, cookie: str = "") -> str:
    """Open /_stcore/stream through nginx as a browser on map.example.org would.

    Returns the response's status line.
    """
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {HOSTNAME}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n"
        f"Origin: {origin}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n"
    )
    with (
        socket.create_connection(("127.0.0.1", proxy.https_port), timeout=30) as raw,
        proxy.tls.wrap_socket(raw, server_hostname=HOSTNAME) as tls,
    ):
        tls.sendall(request.encode("ascii"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = tls.recv(4096)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n", 1)[0].decode("latin-1")


def test_websocket_upgrades_through_nginx(proxy: Proxy, session: str):
    # Streamlit accepts it only if nginx passed the browser's Host along to match the Origin.
    status = websocket_handshake(proxy, f"https://{HOSTNAME}", session)
    assert status == "HTTP/1.1 101 Switching Protocols"


def test_websocket_from_another_site_is_refused(proxy: Proxy, session: str):
    status = websocket_handshake(proxy, "https://elsewhere.example", session)
    assert status.split()[1] == "403", status


@pytest.fixture(scope="module")
def session(proxy: Proxy) -> str:
    """Sign in through nginx as the browser's form does; return the Cookie header to send."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1", proxy.https_port, context=proxy.tls, timeout=30
    )
    body = urllib.parse.urlencode({"email": VIEWER_EMAIL, "password": VIEWER_PASSWORD})
    try:
        connection.request(
            "POST",
            "/auth/sign-in",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://127.0.0.1:{proxy.https_port}",
            },
        )
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 303, response.status
    cookie = response.getheader("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie  # HTTPS seen through X-Forwarded-Proto
    return cookie.split(";", 1)[0]


def test_a_signed_out_page_request_is_sent_to_sign_in(proxy: Proxy):
    response, _ = https_get(proxy, "/?locations=rafah-crossing", {"Accept": "text/html"})
    assert response.status == 303
    assert response.getheader("Location") == "/auth/sign-in?next=%2F%3Flocations%3Drafah-crossing"
    response, body = https_get(proxy, "/auth/sign-in")
    assert response.status == 200 and b'name="password"' in body


def test_a_signed_out_websocket_is_refused(proxy: Proxy):
    status = websocket_handshake(proxy, f"https://{HOSTNAME}")
    assert status.split()[1] == "403", status


def test_page_loads_through_nginx(proxy: Proxy, session: str):
    response, body = https_get(proxy, "/", {"Cookie": session})
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/html")
    assert b'<div id="root">' in body


def test_static_leaflet_comes_through_whole(proxy: Proxy, session: str):
    response, body = https_get(proxy, "/app/static/leaflet/leaflet.js", {"Cookie": session})
    assert response.status == 200
    assert body == LEAFLET_JS.read_bytes()  # larger than nginx's memory buffers
    problems = [
        line
        for line in proxy.error_log.read_text(encoding="utf-8").splitlines()
        if re.search(r"\[(error|crit|alert|emerg)\]", line)
    ]
    assert problems == []


def test_upload_over_the_cap_is_refused_by_nginx(proxy: Proxy):
    connection = http.client.HTTPSConnection(
        "127.0.0.1", proxy.https_port, context=proxy.tls, timeout=30
    )
    try:
        connection.putrequest("PUT", "/_stcore/upload_file/session/file")
        connection.putheader("Content-Length", str(7 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 413


def test_nginx_allows_the_streamlit_upload_cap_plus_framing():
    limit = re.search(r"client_max_body_size (\d+)m;", (DEPLOY / "nginx.conf").read_text())
    assert limit is not None
    cap = team_config()["server"]["maxUploadSize"]
    assert cap < int(limit.group(1)) <= cap + 1


@pytest.mark.browser
def test_map_draws_in_a_browser_through_nginx(proxy: Proxy):
    """Chromium opens https://map.example.org:PORT/ via nginx: websocket, frames, Leaflet."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    resolve = f"--host-resolver-rules=MAP {HOSTNAME} 127.0.0.1"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, resolve]
        )
        try:
            page = browser.new_page(ignore_https_errors=True)  # the throwaway certificate
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(f"https://{HOSTNAME}:{proxy.https_port}/?zoom=9", wait_until="load")
            page.get_by_label("Email").fill(VIEWER_EMAIL)
            page.get_by_role("textbox", name="Password").fill(VIEWER_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            frame = page.wait_for_selector(
                "iframe[title='streamlit_folium.st_folium']", timeout=60_000
            ).content_frame()
            assert frame is not None
            frame.wait_for_selector("path.leaflet-interactive", timeout=30_000)
            assert failed == []
        finally:
            browser.close()


# --- several replicas behind nginx: each browser sticks to one ----------------------------------


REPLICA_COOKIE = "cm_replica"
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class NamedReplica:
    """A stand-in for one Streamlit replica on a loopback port: every answer names it.

    A plain request gets the name as its body. A websocket handshake is accepted and the name
    is the first message, as a Streamlit session lives on the websocket of its replica.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.connections: set[socket.socket] = set()  # open ones, nginx keeps some alive
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _replica_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        """Close the port and every open connection, as a replica that died."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _replica_handler(replica: NamedReplica) -> type[BaseHTTPRequestHandler]:
    name = replica.name

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            replica.connections.add(self.connection)

        def finish(self) -> None:
            replica.connections.discard(self.connection)
            super().finish()

        def do_GET(self) -> None:
            if self.headers.get("Upgrade", "").lower() == "websocket":
                self._websocket()
            else:
                self._answer()

        def do_PUT(self) -> None:  # Streamlit's file uploads
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._answer()

        def _answer(self) -> None:
            body = name.encode("ascii")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _websocket(self) -> None:
            digest = hashlib.sha1((self.headers["Sec-WebSocket-Key"] + WEBSOCKET_GUID).encode())
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", base64.b64encode(digest.digest()).decode())
            self.end_headers()
            message = name.encode("ascii")
            self.wfile.write(bytes([0x81, len(message)]) + message)  # one unmasked text frame
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def named_replicas_behind_nginx(tmp: Path) -> Iterator[tuple[Proxy, list[NamedReplica]]]:
    """deploy/nginx.conf in front of as many named stand-in replicas as it lists servers."""
    replicas = [NamedReplica(name) for name in sorted(replica_names())]
    try:
        with running_nginx(tmp, [replica.port for replica in replicas]) as running:
            yield running, replicas
    finally:
        for replica in replicas:
            replica.stop()


@pytest.fixture(scope="module")
def replicas_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    require_nginx()
    with named_replicas_behind_nginx(tmp_path_factory.mktemp("replicas")) as (running, _):
        yield running


def replica_names() -> set[str]:
    count = len(upstream_servers((DEPLOY / "nginx.conf").read_text(encoding="utf-8")))
    return {f"replica-{index}" for index in range(count)}


def test_nginx_spreads_over_several_replicas_by_a_cookie_hash():
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert len(set(upstream_servers(site))) >= 2
    block = re.search(r"^upstream contested_map \{(.*?)^\}", site, re.MULTILINE | re.DOTALL)
    assert block is not None
    assert re.search(r"^\s*hash \$\w+ consistent;", block.group(1), re.MULTILINE)
    assert "ip_hash" not in re.sub(r"#.*", "", block.group(1))  # one NAT, one replica


def replica_of(
    proxy: Proxy, path: str = "/", cookie: str | None = None, method: str = "GET"
) -> tuple[str, str | None]:
    """Which replica answered a request through nginx, and the Set-Cookie nginx added."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1", proxy.https_port, context=proxy.tls, timeout=30
    )
    headers = {"Host": HOSTNAME}
    if cookie is not None:
        headers["Cookie"] = f"{REPLICA_COOKIE}={cookie}"
    try:
        body = b"x" * 16 if method == "PUT" else None
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        replica = response.read().decode("ascii")
    finally:
        connection.close()
    assert response.status == 200, (response.status, replica)
    assert response.getheader("Strict-Transport-Security", "").startswith("max-age=")
    return replica, response.getheader("Set-Cookie")


def websocket_replica(proxy: Proxy, cookie: str) -> str:
    """Open /_stcore/stream through nginx with the replica cookie; the replica's first message."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {HOSTNAME}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        f"Origin: https://{HOSTNAME}\r\n"
        f"Cookie: {REPLICA_COOKIE}={cookie}\r\n"
        "\r\n"
    )
    with (
        socket.create_connection(("127.0.0.1", proxy.https_port), timeout=30) as raw,
        proxy.tls.wrap_socket(raw, server_hostname=HOSTNAME) as tls,
    ):
        tls.sendall(request.encode("ascii"))
        received = b""
        while True:
            head, blank_line, frame = received.partition(b"\r\n\r\n")
            if blank_line and len(frame) >= 2 and len(frame) >= 2 + frame[1]:
                break
            chunk = tls.recv(4096)
            assert chunk, f"connection closed after {received!r}"
            received += chunk
    assert head.startswith(b"HTTP/1.1 101 "), head
    assert frame[0] == 0x81, frame  # a text frame, whole
    return frame[2 : 2 + frame[1]].decode("ascii")


def first_visit(proxy: Proxy) -> tuple[str, str]:
    """A new browser's first request: the replica that answered, and the key nginx gave it."""
    replica, set_cookie = replica_of(proxy)
    assert set_cookie is not None, "nginx set no replica cookie on a first visit"
    match = re.fullmatch(rf"{REPLICA_COOKIE}=([0-9a-f]{{32}}); (.*)", set_cookie)
    assert match is not None, set_cookie
    assert set(match.group(2).split("; ")) == {"Path=/", "Secure", "HttpOnly", "SameSite=Lax"}
    return replica, match.group(1)


def test_a_browser_stays_on_its_replica_for_pages_uploads_and_the_websocket(
    replicas_proxy: Proxy,
):
    replica, key = first_visit(replicas_proxy)
    paths = ["/", "/_stcore/health", "/static/js/index.js", "/component/streamlit_folium/"]
    for path in paths * 3:
        assert replica_of(replicas_proxy, path, key) == (replica, None)  # no new cookie either
    assert replica_of(replicas_proxy, "/_stcore/upload_file/s/f", key, "PUT") == (replica, None)
    assert websocket_replica(replicas_proxy, key) == replica


def test_new_browsers_from_one_address_are_spread_over_the_replicas(replicas_proxy: Proxy):
    # Every request comes from 127.0.0.1, as a newsroom behind one NAT address would.
    visits = [first_visit(replicas_proxy) for _ in range(40)]
    assert len({key for _, key in visits}) == 40
    assert {replica for replica, _ in visits} == replica_names()
    for replica, key in visits[:10]:  # the key nginx hands out is the one it hashed
        assert replica_of(replicas_proxy, "/", key) == (replica, None)
        assert websocket_replica(replicas_proxy, key) == replica


def test_browsers_of_a_stopped_replica_are_served_by_another(tmp_path: Path):
    require_nginx()
    with named_replicas_behind_nginx(tmp_path) as (running, replicas):
        stopped = replicas[-1]
        visits = (first_visit(running) for _ in range(200))
        key = next(key for replica, key in visits if replica == stopped.name)
        stopped.stop()
        replica, set_cookie = replica_of(running, "/", key)
        assert replica != stopped.name and set_cookie is None
        assert websocket_replica(running, key) == replica
