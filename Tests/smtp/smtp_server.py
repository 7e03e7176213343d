#!/usr/bin/env python3
"""Configurable real SMTP server for the Swift test suite.

Built on aiosmtpd (tested with 1.4.6) and a plain asyncio server running in
the main thread.  The Swift tests start it as a subprocess, wait for the single
stdout line ``READY <port>``, talk SMTP to it, then read what it stored in
``--maildir`` and finally stop it with SIGTERM.

Every accepted message is stored as two files in the maildir::

    <NNNNNN>-<uuid>.json   envelope/session data (written first)
    <NNNNNN>-<uuid>.eml    the message bytes exactly as received after DATA
                           (dot-unstuffed, CRLF line endings kept, without the
                           terminating ".\\r\\n"); envelope not included

Both are written atomically (temp file + os.rename), JSON first, so a reader
that sees an .eml always finds its .json.  NNNNNN counts accepted messages
from 000001 over the server's lifetime.

Every DATA attempt (a message body completely received) is appended to
``<maildir>/attempts.log`` as ``attempt <n> <status>``, where n counts from 1
over the server's lifetime and status is the 3-digit reply code (451 or 250).

Exit codes: 0 on SIGTERM/SIGINT (or stdin EOF with --exit-on-stdin-eof),
2 for bad arguments, 1 if the server cannot start (port in use, bad
certificate, maildir not creatable), 3 if aiosmtpd is not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import threading
import uuid
import warnings
from typing import Any, Optional

try:
    from aiosmtpd.smtp import (SMTP, AuthResult, Envelope, LoginPassword,
                               Session, TLSSetupException)
except ImportError as _e:  # pragma: no cover - environment problem
    print(f"smtp_server: aiosmtpd is not importable with {sys.executable}: {_e}\n"
          "install it with: python3 -m venv VENV && VENV/bin/pip install aiosmtpd",
          file=sys.stderr, flush=True)
    sys.exit(3)

log = logging.getLogger("smtp_server")

REPLY_TEMPFAIL = "451 4.3.0 Temporary failure, try again later"
REPLY_BAD_RCPT = "550 5.1.1 Mailbox unavailable"
REPLY_NEED_STARTTLS = "530 5.7.0 Must issue a STARTTLS command first"
REPLY_OK = "250 2.0.0 OK: queued"


# --------------------------------------------------------------------------
# helpers


def _atomic_write(directory: str, name: str, data: bytes) -> str:
    """Write ``data`` to directory/name via a hidden temp file + os.rename."""
    final = os.path.join(directory, name)
    tmp = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, final)
    return final


def _peer_str(peer: Any) -> Optional[str]:
    if peer is None:
        return None
    if isinstance(peer, (tuple, list)) and len(peer) >= 2:
        host, port = peer[0], peer[1]
        if ":" in str(host):
            return f"[{host}]:{port}"
        return f"{host}:{port}"
    return str(peer)


def _connection_is_tls(server: SMTP) -> bool:
    """True after STARTTLS or on an implicit-TLS (SMTPS) connection."""
    if server.session is not None and server.session.ssl is not None:
        return True  # STARTTLS completed
    transport = server.transport
    if transport is not None:
        try:
            if transport.get_extra_info("ssl_object") is not None:
                return True  # implicit TLS
        except Exception:  # pragma: no cover - defensive
            pass
    return False


def _tls_version(server: SMTP) -> Optional[str]:
    transport = server.transport
    if transport is None:
        return None
    try:
        obj = transport.get_extra_info("ssl_object")
        return obj.version() if obj is not None else None
    except Exception:  # pragma: no cover - defensive
        return None


# --------------------------------------------------------------------------
# SMTP protocol subclass: STARTTLS-required check with the wanted reply text


class TestSMTP(SMTP):
    """aiosmtpd SMTP with a MAIL-time 'STARTTLS required' check.

    aiosmtpd's own ``require_starttls`` refuses *every* command except
    EHLO/NOOP/STARTTLS/QUIT with a reply lacking an enhanced status code, so
    it is not used; instead MAIL (and RCPT/DATA, which cannot succeed without
    MAIL anyway) is refused with REPLY_NEED_STARTTLS on a plaintext connection.
    """

    def __init__(self, *args: Any, require_tls: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._test_require_tls = require_tls

    async def _refuse_plaintext(self) -> bool:
        if (self._test_require_tls
                and self.session is not None
                and self.session.host_name  # let aiosmtpd answer "503 send HELO"
                and not _connection_is_tls(self)):
            await self.push(REPLY_NEED_STARTTLS)
            return True
        return False

    async def smtp_MAIL(self, arg: Optional[str]) -> None:
        if await self._refuse_plaintext():
            return
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg: Optional[str]) -> None:
        if await self._refuse_plaintext():
            return
        await super().smtp_RCPT(arg)

    async def smtp_DATA(self, arg: str) -> None:
        if await self._refuse_plaintext():
            return
        handler = self.event_handler
        if (getattr(handler, "fail_at", None) == "data-cmd"
                and not arg
                and self.session is not None and self.session.host_name
                and (self.session.authenticated or not self._auth_required)
                and self.envelope is not None and self.envelope.rcpt_tos):
            # --fail-at data-cmd: answer the DATA command itself (no 354);
            # the transaction is reset, as after a completed DATA.
            if handler.tempfail_now():
                self._set_post_data_state()
                await self.push(REPLY_TEMPFAIL)
                return
        await super().smtp_DATA(arg)


# --------------------------------------------------------------------------
# handler


class Handler:
    def __init__(self, maildir: str, fail_first: int,
                 reject_rcpt: Optional[str], auth: Optional[tuple[str, str]],
                 fail_at: str = "data-end"):
        self.maildir = maildir
        self.fail_first = fail_first
        self.fail_at = fail_at
        self.reject_rcpt = reject_rcpt
        self.auth = auth
        self.data_attempts = 0
        self.accepted = 0
        self.attempts_log = os.path.join(maildir, "attempts.log")

    async def handle_exception(self, error: Exception) -> str:
        # A failed STARTTLS handshake (client rejects the untrusted test
        # certificate) ends up here; it is expected, so don't print a
        # traceback to stderr unless verbose.
        if isinstance(error, TLSSetupException):
            log.info("STARTTLS handshake failed: %r", error.__cause__)
        else:
            log.warning("SMTP session exception", exc_info=error)
        return f"500 Error: ({error.__class__.__name__}) {error}"

    # EHLO: hide the AUTH line when --auth was not given (aiosmtpd would
    # otherwise advertise AUTH PLAIN LOGIN that can never succeed).
    async def handle_EHLO(self, server: SMTP, session: Session,
                          envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname  # required with the new-style hook
        if self.auth is None:
            responses = [r for r in responses if not r[4:].startswith("AUTH")]
        return responses

    async def handle_RCPT(self, server: SMTP, session: Session,
                          envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if self.reject_rcpt and self.reject_rcpt in address:
            log.info("RCPT %s rejected", address)
            return REPLY_BAD_RCPT
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    def tempfail_now(self) -> bool:
        """--fail-at data-cmd: True (attempt counted and logged as 451) while
        within --fail-first.  Otherwise nothing is counted here: the attempt
        is counted by handle_DATA once the message body has arrived."""
        if self.data_attempts >= self.fail_first:
            return False
        self.data_attempts += 1
        n = self.data_attempts
        self._log_attempt(n, "451")
        log.info("DATA attempt %d -> 451 (fail-first, DATA command)", n)
        return True

    async def handle_DATA(self, server: SMTP, session: Session,
                          envelope: Envelope) -> str:
        self.data_attempts += 1
        n = self.data_attempts
        if self.fail_at == "data-end" and n <= self.fail_first:
            self._log_attempt(n, "451")
            log.info("DATA attempt %d -> 451 (fail-first)", n)
            return REPLY_TEMPFAIL
        try:
            self._store(server, session, envelope)
        except Exception:
            log.exception("storing message failed")
            self._log_attempt(n, "451")
            return "451 4.3.0 Local error in processing"
        self._log_attempt(n, "250")
        log.info("DATA attempt %d -> 250 (stored #%d)", n, self.accepted)
        return REPLY_OK

    def _log_attempt(self, n: int, status: str) -> None:
        with open(self.attempts_log, "a", encoding="ascii") as f:
            f.write(f"attempt {n} {status}\n")
            f.flush()

    def _store(self, server: SMTP, session: Session, envelope: Envelope) -> None:
        self.accepted += 1
        base = f"{self.accepted:06d}-{uuid.uuid4()}"
        raw = envelope.original_content
        if raw is None:  # pragma: no cover - decode_data is False
            raw = b""
        auth_user = None
        if session.authenticated:
            auth_user = session.auth_data if isinstance(session.auth_data, str) else None
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "peer": _peer_str(session.peer),
            "tls": _connection_is_tls(server),
            "auth_user": auth_user,
            # extras (not required by the tests; harmless for decoders)
            "helo": session.host_name,
            "mail_options": list(envelope.mail_options),
            "rcpt_options": list(envelope.rcpt_options),
            "tls_version": _tls_version(server),
            "size": len(raw),
            "eml": base + ".eml",
        }
        _atomic_write(self.maildir, base + ".json",
                      json.dumps(meta, indent=2).encode("utf-8") + b"\n")
        _atomic_write(self.maildir, base + ".eml", bytes(raw))


def make_authenticator(user: str, password: str):
    want_user = user.encode("utf-8")
    want_pass = password.encode("utf-8")

    def authenticator(server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        if (isinstance(auth_data, LoginPassword)
                and auth_data.login == want_user
                and auth_data.password == want_pass):
            return AuthResult(success=True, auth_data=user)
        log.info("AUTH %s failed", mechanism)
        # handled=False -> aiosmtpd replies "535 5.7.8 Authentication
        # credentials invalid"
        return AuthResult(success=False, handled=False)

    return authenticator


# --------------------------------------------------------------------------
# main


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1",
                   help="IP address to bind (default 127.0.0.1); use an IP "
                        "literal: a name resolving to several addresses would "
                        "get several listening sockets")
    p.add_argument("--port", type=int, required=True,
                   help="port to bind; 0 = pick a free one (reported in READY)")
    p.add_argument("--maildir", required=True,
                   help="directory for accepted messages (created if missing)")
    p.add_argument("--fail-first", type=int, default=0, metavar="N",
                   help="answer the first N DATA transactions with 451")
    p.add_argument("--fail-at", choices=("data-end", "data-cmd"),
                   default="data-end",
                   help="where --fail-first answers 451: after the message "
                        "body's final '.' (data-end, default) or to the DATA "
                        "command itself, before 354 (data-cmd)")
    p.add_argument("--reject-rcpt", metavar="PATTERN",
                   help="RCPT TO addresses containing PATTERN get 550")
    p.add_argument("--tls-cert", metavar="FILE", help="server certificate (PEM)")
    p.add_argument("--tls-key", metavar="FILE", help="server private key (PEM)")
    p.add_argument("--require-tls", action="store_true",
                   help="refuse MAIL before STARTTLS with 530")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require AUTH PLAIN/LOGIN with these credentials")
    p.add_argument("--implicit-tls", action="store_true",
                   help="SMTPS: TLS from the first byte (needs --tls-cert/--tls-key)")
    p.add_argument("--hostname", default="localhost",
                   help="name used in the greeting and EHLO reply (default localhost)")
    p.add_argument("--max-size", type=int, default=33554432,
                   help="SIZE limit in bytes; 0 = unlimited (default 32 MiB)")
    p.add_argument("--timeout", type=float, default=300,
                   help="idle timeout per connection in seconds (default 300)")
    p.add_argument("--log-file", metavar="FILE",
                   help="write a debug log of the session to FILE")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log INFO to stderr (default: warnings only)")
    p.add_argument("--exit-on-stdin-eof", action="store_true",
                   help="also exit cleanly when stdin is closed (parent died)")
    args = p.parse_args(argv)

    if args.port < 0 or args.port > 65535:
        p.error("--port must be 0..65535")
    if args.fail_first < 0:
        p.error("--fail-first must be >= 0")
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key must be given together")
    if args.implicit_tls and not args.tls_cert:
        p.error("--implicit-tls needs --tls-cert and --tls-key")
    if args.require_tls and not args.tls_cert:
        p.error("--require-tls needs --tls-cert and --tls-key")
    if args.auth is not None:
        if ":" not in args.auth:
            p.error("--auth must be USER:PASSWORD")
        user, _, password = args.auth.partition(":")
        if not user:
            p.error("--auth user must not be empty")
        args.auth_pair = (user, password)
    else:
        args.auth_pair = None
    return args


def setup_logging(args: argparse.Namespace) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    fmt = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
    err = logging.StreamHandler(sys.stderr)
    err.setLevel(logging.INFO if args.verbose else logging.WARNING)
    err.setFormatter(fmt)
    root.addHandler(err)
    if args.log_file:
        fh = logging.FileHandler(args.log_file)
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(fmt)
        root.addHandler(fh)
    # aiosmtpd's own logger ("mail.log") warns e.g. "auth_required == True but
    # auth_require_tls == False", which is intended here: keep it quiet unless
    # asked for.  Its Python warnings (same topic) are silenced as well.
    if args.log_file:
        mail_level = logging.DEBUG
    elif args.verbose:
        mail_level = logging.INFO
    else:
        mail_level = logging.ERROR
    logging.getLogger("mail.log").setLevel(mail_level)
    warnings.simplefilter("ignore")


def make_tls_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.verify_mode = ssl.CERT_NONE  # no client certificates
    return ctx


async def serve(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()

    def exception_handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        # Failed TLS handshakes (e.g. a client rejecting the untrusted test
        # certificate) and dropped connections are expected in tests: keep
        # them out of stderr unless verbose.
        exc = context.get("exception")
        msg = context.get("message", "")
        log.info("asyncio: %s %r", msg, exc)

    loop.set_exception_handler(exception_handler)

    try:
        os.makedirs(args.maildir, exist_ok=True)
    except OSError as e:
        print(f"smtp_server: cannot create maildir {args.maildir}: {e}",
              file=sys.stderr, flush=True)
        return 1
    maildir = os.path.abspath(args.maildir)
    handler = Handler(maildir, args.fail_first, args.reject_rcpt, args.auth_pair,
                      fail_at=args.fail_at)

    tls_ctx = None
    if args.tls_cert:
        try:
            tls_ctx = make_tls_context(args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as e:
            print(f"smtp_server: cannot load certificate {args.tls_cert} / "
                  f"key {args.tls_key}: {e}", file=sys.stderr, flush=True)
            return 1

    smtp_kwargs: dict[str, Any] = dict(
        hostname=args.hostname,
        data_size_limit=args.max_size or None,
        enable_SMTPUTF8=True,
        decode_data=False,
        timeout=args.timeout,
        require_tls=args.require_tls and not args.implicit_tls,
    )
    if args.auth_pair is not None:
        smtp_kwargs["auth_required"] = True
        smtp_kwargs["authenticator"] = make_authenticator(*args.auth_pair)
    # AUTH over plaintext only when no certificate is configured.  On SMTPS
    # the whole connection is TLS, but aiosmtpd only knows about STARTTLS,
    # so its own TLS check must be switched off there.
    smtp_kwargs["auth_require_tls"] = bool(tls_ctx) and not args.implicit_tls

    if args.implicit_tls:
        server_ssl = tls_ctx
        smtp_kwargs["tls_context"] = None      # no STARTTLS inside SMTPS
    else:
        server_ssl = None
        smtp_kwargs["tls_context"] = tls_ctx   # offer STARTTLS if configured

    def factory() -> TestSMTP:
        return TestSMTP(handler, loop=loop, **smtp_kwargs)

    try:
        server = await loop.create_server(
            factory, host=args.host, port=args.port, ssl=server_ssl,
            reuse_address=True)
    except OSError as e:
        print(f"smtp_server: cannot listen on {args.host}:{args.port}: {e}",
              file=sys.stderr, flush=True)
        return 1

    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    if args.exit_on_stdin_eof:
        def watch_stdin() -> None:
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except Exception:
                pass
            loop.call_soon_threadsafe(stop.set)
        threading.Thread(target=watch_stdin, daemon=True).start()

    log.info("listening on %s:%d (implicit_tls=%s starttls=%s auth=%s)",
             args.host, port, args.implicit_tls,
             bool(tls_ctx) and not args.implicit_tls, args.auth_pair is not None)
    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()

    await stop.wait()
    log.info("shutting down")
    server.close()
    try:
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    except asyncio.TimeoutError:
        pass
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    setup_logging(args)
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:  # SIGINT before the handler was installed
        return 0


if __name__ == "__main__":
    sys.exit(main())
