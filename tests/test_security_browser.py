"""What browsers and the network may reach: foreign Origins and Hosts get 403 on the API, the
event stream and /agent (served and on the orchestrator's own listener), and TLS serves
https/wss with a given certificate that the device host and the SDK verify with a CA file."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from test_security_support import PhonePlanner, TinyAgent, served
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

import fleetmind
from fleetmind.agents.host import DeviceAgentHost
from fleetmind.agents.host.key import HostCredentials
from fleetmind.api.server import ApiServer
from fleetmind.orchestrator.identity import BrowserPolicy, DeviceKeys
from fleetmind.orchestrator.server import Orchestrator
from fleetmind.protocol.messages import Welcome

TIMEOUT_S = 30
EVIL = "https://evil.example"


def test_the_browser_policy_decides_by_origin_and_host() -> None:
    local = BrowserPolicy()
    assert local.problem("127.0.0.1:8765", None) is None  # not a browser
    assert local.problem("127.0.0.1:8765", "http://127.0.0.1:8765") is None  # the UI itself
    assert local.problem("localhost:8765", "http://localhost:3000") is None  # a loopback page
    assert "Origin 'https://evil.example'" in (local.problem("127.0.0.1:8765", EVIL) or "")
    assert local.problem("127.0.0.1:8765", "null") is not None  # sandboxed frames, file://
    assert "Host 'evil.example'" in (local.problem("evil.example", None) or "")  # DNS rebinding
    lan = BrowserPolicy(hosts=frozenset(), origins=frozenset({"https://ops.example"}), loopback=False)
    assert lan.problem("10.0.0.5:8765", "http://10.0.0.5:8765") is None
    assert lan.problem("10.0.0.5:8765", "https://ops.example") is None
    assert lan.problem("10.0.0.5:8765", "http://127.0.0.1:9999") is not None  # loopback pages: not off loopback
    # The default follows the interface served: any Host off loopback, loopback names on it.
    assert BrowserPolicy.listening_on("0.0.0.0").problem("fleet.lan:8765", None) is None
    assert BrowserPolicy.listening_on("0.0.0.0").problem("fleet.lan:8765", "http://localhost:3000") is not None
    assert BrowserPolicy.listening_on("127.0.0.1").problem("fleet.lan:8765", None) is not None


async def test_a_foreign_origin_or_host_gets_403_everywhere(tmp_path: Path) -> None:
    async with asyncio.timeout(TIMEOUT_S), served(tmp_path / "fleet.db") as (orch, server):
        async with httpx.AsyncClient(base_url=server.url) as client:
            for path in ["/api/tasks", "/api/devices", "/", "/docs"]:
                r = await client.get(path, headers={"Origin": EVIL})
                assert r.status_code == 403 and "evil.example" in r.text, path
            r = await client.post("/api/tasks", json={"text": "wipe the phone"}, headers={"Origin": EVIL})
            assert r.status_code == 403 and orch.runs == {}
            r = await client.get("/api/tasks", headers={"Host": "attacker.example:8765"})
            assert r.status_code == 403
            own = server.url  # the page this server serves may use it
            assert (await client.get("/api/tasks", headers={"Origin": own})).status_code == 200
            assert (await client.get("/api/tasks")).status_code == 200
        ws = server.url.replace("http", "ws", 1)
        for path in ["/api/events", "/agent"]:
            with pytest.raises(InvalidStatus) as refused:
                await connect(ws + path, origin=EVIL, open_timeout=5)  # type: ignore[arg-type]
            assert refused.value.response.status_code == 403
        # No device was registered through the refused handshake.
        assert orch.registry.entries() == []
        agent = TinyAgent(server.agent_url, "phone-1")
        assert isinstance(await agent.hello(headers={"Origin": own}), Welcome)
        await agent.drop()


async def test_the_orchestrators_own_listener_checks_origin_too() -> None:
    orch = Orchestrator(PhonePlanner())
    url = await orch.start()
    try:
        with pytest.raises(InvalidStatus) as refused:
            await connect(url, origin=EVIL, open_timeout=5)  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403
        agent = TinyAgent(url, "phone-1")
        assert isinstance(await agent.hello(), Welcome)
        await agent.drop()
    finally:
        await orch.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl, as a user would make one)."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


async def test_tls_serves_https_and_wss_and_clients_verify_it_with_a_ca_file(
    certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, key = certificate
    keys = DeviceKeys(tmp_path / "fleet.db")
    enrolment = keys.create_enrolment()
    orch = Orchestrator(PhonePlanner(), keys=keys, require_enrolment=True, token="client-secret")
    async with asyncio.timeout(TIMEOUT_S), ApiServer(orch, tls_cert=str(cert), tls_key=str(key)) as server:
        assert server.url.startswith("https://") and server.agent_url.startswith("wss://")
        trusted = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(base_url=server.url, verify=trusted) as client:
            r = await client.get("/api/devices", headers={"Authorization": "Bearer client-secret"})
            assert r.status_code == 200
        with pytest.raises(httpx.ConnectError):  # without the CA the certificate is not trusted
            async with httpx.AsyncClient(base_url=server.url) as client:
                await client.get("/api/devices")
        # The SDK takes the CA file and the token file.
        token_file = tmp_path / "token"
        token_file.write_text("client-secret\n")
        async with fleetmind.connect(server.url, token_file=token_file, ca_file=cert) as fm:
            assert await fm.devices() == []
        # A device host dials wss:// with the CA file and enrols; its key lands in a 0600 file.
        key_file = tmp_path / "host" / "device.key"
        host = DeviceAgentHost(
            server.agent_url,
            [],
            lambda d: None,  # type: ignore[arg-type,return-value]
            agent_id="tls-host",
            credentials=HostCredentials(key_file=key_file, enrolment=enrolment),
            ca_file=cert,
        )
        task = asyncio.create_task(host.run())
        try:
            await host.wait_connections(1)
            assert key_file.read_text().startswith("fmk_") and key_file.stat().st_mode & 0o777 == 0o600
            assert [r.name for r in keys.records()] == ["tls-host"]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        # Restarted with only the key file, it connects again (the token was used up).
        again = DeviceAgentHost(
            server.agent_url,
            [],
            lambda d: None,  # type: ignore[arg-type,return-value]
            agent_id="tls-host",
            credentials=HostCredentials(key_file=key_file),
            ca_file=cert,
        )
        task = asyncio.create_task(again.run())
        try:
            await again.wait_connections(1)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
