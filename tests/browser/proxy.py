"""A small TCP proxy that a test can cut: it closes every proxied connection and refuses new
ones for a while, then lets them through again. The browser talks to the proxy's port and the
proxy passes the bytes (Host header included) through unchanged, so the page's origin is the
proxy's host:port and the server's same-origin check on /ws holds."""

import socket
import threading
import time


class CuttableProxy:
    def __init__(self, target_host, target_port, listen_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind((listen_host, 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.lock = threading.Lock()
        self.sockets = set()
        self.refuse_until = 0.0
        self.closed = False
        self.accepted = 0
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def cut(self, seconds):
        """Closes every open connection now and refuses new ones for `seconds`."""
        with self.lock:
            self.refuse_until = time.monotonic() + seconds
            victims = list(self.sockets)
            self.sockets.clear()
        for s in victims:
            _close(s)
        return len(victims)

    def restore(self):
        """Ends a cut early: new connections go through again at once."""
        with self.lock:
            self.refuse_until = 0.0

    def refusing(self):
        return time.monotonic() < self.refuse_until

    def close(self):
        self.closed = True
        _close(self.server)
        with self.lock:
            victims = list(self.sockets)
            self.sockets.clear()
        for s in victims:
            _close(s)

    def _accept_loop(self):
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.refusing():
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.sockets.update((client, upstream))
                self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self.lock:
                self.sockets.discard(source)
                self.sockets.discard(sink)
            _close(source)
            _close(sink)


def _close(s):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
