#!/usr/bin/python3
"""A real SMTP server for the e-mail notification tests: aiosmtpd (Debian python3-aiosmtpd)
on 127.0.0.1, STARTTLS required with the given certificate, AUTH PLAIN/LOGIN required with
one user and password. Each accepted message is appended to OUT as one JSON line
{"mail_from", "rcpt_tos", "data"}. Prints "listening on 127.0.0.1:PORT" once ready.

usage: smtp_server.py CERT KEY USER PASSWORD OUT
"""
import asyncio
import json
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    cert, key, user, password, out = sys.argv[1:6]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with open(out, "a") as f:
                f.write(json.dumps({"mail_from": envelope.mail_from,
                                    "rcpt_tos": envelope.rcpt_tos,
                                    "data": envelope.content.decode("utf-8", "replace")}) + "\n")
            return "250 OK"

    # A free port: bind, read it, release it for the controller.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, auth_required=True, auth_require_tls=True,
                            authenticator=authenticator)
    controller.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
