"""With TLS required, a kiosk talks only to a server whose certificate matches the host name and the CA.

The TLS end is the test proxy (the bundled server binaries have no OpenSSL); see tests/sync/proxy.py.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.domain.errors import RuleViolation
from sync.connection import CentralConnector
from sync.errors import CentralAuthRefused
from tests.central_database import PostgresServer
from tests.sync.certificates import Authority, issue_server_certificate, make_authority
from tests.sync.proxy import PostgresProxy
from wire.provisioning import CentralProfile


@pytest.fixture(scope="module")
def authority() -> Authority:
    return make_authority("Timeclock Test CA")


@pytest.fixture(scope="module")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory, authority: Authority, postgres_server: PostgresServer
) -> Iterator[TlsServer]:
    """The test server behind a TLS end whose certificate is issued for "localhost" only."""
    certificate, key = issue_server_certificate(authority, "localhost", tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    proxy = PostgresProxy((postgres_server.host, postgres_server.port), tls=context)
    yield TlsServer(proxy, postgres_server)
    proxy.close()


@dataclass
class TlsServer:
    proxy: PostgresProxy
    server: PostgresServer


def profile_for(tls: TlsServer, host: str, ca_pem: str | None, *, require_tls: bool = True) -> CentralProfile:
    return CentralProfile(
        host=host,
        port=tls.proxy.port,
        dbname="postgres",
        user=tls.server.user,
        password=tls.server.password,
        kiosk_id="00000000-0000-0000-0000-000000000000",
        company_id="acme",
        site_id="acme-north",
        require_tls=require_tls,
        ca_pem=ca_pem,
    )


def test_matching_certificate_is_accepted_and_the_link_is_encrypted(
    tls_server: TlsServer, authority: Authority
) -> None:
    connector = CentralConnector(profile_for(tls_server, "localhost", authority.pem))
    handshakes = tls_server.proxy.tls_handshakes
    try:
        with connector.connect() as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
            assert connection.pgconn.ssl_in_use
        assert tls_server.proxy.tls_handshakes == handshakes + 1
        assert connector.connect_kwargs()["sslmode"] == "verify-full"
    finally:
        connector.close()


def test_certificate_for_another_host_name_is_refused(tls_server: TlsServer, authority: Authority) -> None:
    # Same server, same CA, but dialled as 127.0.0.1: the certificate names "localhost" only.
    connector = CentralConnector(profile_for(tls_server, "127.0.0.1", authority.pem))
    try:
        with pytest.raises(CentralAuthRefused, match="does not match host name"):
            connector.connect()
    finally:
        connector.close()


def test_certificate_from_another_authority_is_refused(tls_server: TlsServer) -> None:
    stranger = make_authority("Somebody Else's CA")
    connector = CentralConnector(profile_for(tls_server, "localhost", stranger.pem))
    try:
        with pytest.raises(CentralAuthRefused, match="certificate verify failed"):
            connector.connect()
    finally:
        connector.close()


@pytest.mark.parametrize("ca_pem", [None, "", "not a certificate"])
def test_tls_required_without_a_ca_is_refused_before_connecting(tls_server: TlsServer, ca_pem: str | None) -> None:
    with pytest.raises(RuleViolation, match="no CA certificate"):
        CentralConnector(profile_for(tls_server, "localhost", ca_pem))


def test_the_temporary_ca_file_is_removed_on_close(tls_server: TlsServer, authority: Authority) -> None:
    connector = CentralConnector(profile_for(tls_server, "localhost", authority.pem))
    ca_file = Path(connector.connect_kwargs()["sslrootcert"])
    assert ca_file.read_text() == authority.pem
    connector.close()
    assert not ca_file.exists()
