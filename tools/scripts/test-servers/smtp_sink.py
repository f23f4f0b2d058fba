#!/usr/bin/env python3
"""A real SMTP server for the ProviderKit tests (aiosmtpd), on loopback.

One listener offers STARTTLS and AUTH PLAIN/LOGIN (AUTH only after STARTTLS, as a relay would);
a second speaks implicit TLS from the first byte. Every accepted message is stored in the spool
folder as N.eml (the DATA as received, dot-stuffing undone) with N.json beside it (envelope
sender, recipients, authenticated user, whether the session was encrypted), so a test reads back
exactly what the server received.
"""
import argparse
import asyncio
import itertools
import json
import os
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

counter = itertools.count(1)
lock = threading.Lock()


class Spool:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        with lock:
            number = next(counter)
        base = os.path.join(self.folder, str(number))
        with open(base + ".eml.tmp", "wb") as out:
            out.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            # session.ssl is set by STARTTLS only; an implicit-TLS transport carries its ssl_object.
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(base + ".json", "w") as out:
            json.dump(meta, out)
        # The .eml appears last, complete: a test that sees it can read both files.
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Ok: queued as %d" % number


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        # handled=False: aiosmtpd then answers 535 itself.
        return AuthResult(success=True, auth_data=auth_data) if ok else AuthResult(success=False, handled=False)
    return check


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--spool", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    handler = Spool(args.spool)
    auth = authenticator(args.user, args.password)

    starttls = Controller(handler, hostname="127.0.0.1", port=args.port, tls_context=context,
                          authenticator=auth, auth_require_tls=True, server_hostname="localhost")
    implicit = Controller(handler, hostname="127.0.0.1", port=args.tls_port, ssl_context=context,
                          authenticator=auth, auth_require_tls=False, server_hostname="localhost")
    starttls.start()
    implicit.start()
    print("smtp_sink: STARTTLS on %d, TLS on %d, spool %s" % (args.port, args.tls_port, args.spool), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        starttls.stop()
        implicit.stop()


if __name__ == "__main__":
    main()
