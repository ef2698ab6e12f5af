"""A real SMTP server on loopback for logtree-django's tests (aiosmtpd).

    /usr/bin/python3 smtp_server.py --dir DIR [--port N] [--delay SECONDS] [--hold FILE]
                                    [--tls-cert PEM --tls-key KEY] [--auth USER:PASSWORD]

Prints the port on stdout once it accepts connections, then saves every message
it receives as DIR/NNNN.eml (the raw DATA bytes) and DIR/NNNN.json (the envelope:
mail_from, rcpt_tos), the .json written last, atomically, so a reader that sees it
sees the whole message. With --delay, each DATA is answered only after that many
seconds (a slow server); with --hold, only once FILE exists (a server held
still, for tests that must not depend on timing). With --tls-cert/--tls-key the
server offers STARTTLS and requires it before MAIL; with --auth it offers AUTH
(after TLS only) and accepts USER:PASSWORD; every AUTH attempt is appended to
DIR/auth.log as "USER ok" or "USER refused". Stops when stdin closes (the test process ended).
"""
import argparse
import asyncio
import json
import logging
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Saver:
    def __init__(self, directory, delay, hold):
        self.directory = directory
        self.delay = delay
        self.hold = hold
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        while self.hold and not os.path.exists(self.hold):
            await asyncio.sleep(0.02)
        with self.lock:
            n = self.count
            self.count += 1
        base = os.path.join(self.directory, "%04d" % n)
        raw = envelope.original_content or envelope.content
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


class Authenticator:
    def __init__(self, directory, user, password):
        self.log = os.path.join(directory, "auth.log")
        self.user = user
        self.password = password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", b"") or b""
        password = getattr(auth_data, "password", b"") or b""
        ok = login.decode() == self.user and password.decode() == self.password
        with open(self.log, "a") as f:
            f.write("%s %s\n" % (login.decode(errors="replace"), "ok" if ok else "refused"))
        return AuthResult(success=ok)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--hold", default=None)
    ap.add_argument("--tls-cert", default=None)
    ap.add_argument("--tls-key", default=None)
    ap.add_argument("--auth", default=None)
    args = ap.parse_args()
    # Failed TLS handshakes are what some tests provoke: keep them off stderr.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    os.makedirs(args.dir, exist_ok=True)
    port = args.port or free_port()
    kwargs = {}
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs.update(authenticator=Authenticator(args.dir, user, password), auth_require_tls=True)
    controller = Controller(
        Saver(args.dir, args.delay, args.hold), hostname="127.0.0.1", port=port, **kwargs
    )
    controller.start()
    print(port, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
