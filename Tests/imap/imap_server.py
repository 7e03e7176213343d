#!/usr/bin/env python3
"""A real IMAP server for the tests: Debian's dovecot-imapd on a loopback port, with its own
configuration, passwd-file users and Maildir in a temporary folder. No system configuration is
read or changed. As root, the mail processes run as `nobody` (dovecot refuses uid 0 for mail);
as any other user, everything runs as that user.

  imap_server.py serve --dir DIR [--port N] [--user U --password P]   prints "READY <port>" and runs
  imap_server.py append --port N --user U --password P --file MSG [--folder F]
  imap_server.py list --port N --user U --password P [--folder F]     JSON list of messages
"""
import argparse, imaplib, json, os, pwd, grp, socket, subprocess, sys, time, signal, email
from email import policy

DOVECOT = "/usr/sbin/dovecot"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(args):
    if not os.path.exists(DOVECOT):
        print("dovecot is not installed: apt-get install dovecot-imapd (scripts/setup.sh --with-test-tools)", file=sys.stderr)
        sys.exit(2)
    d = os.path.abspath(args.dir)
    os.makedirs(d + "/run", exist_ok=True)
    os.makedirs(d + "/mail", exist_ok=True)
    me = pwd.getpwuid(os.getuid())
    if os.getuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        internal, login = "dovecot", "dovenull"
    else:
        mail_user = me
        internal = login = me.pw_name
    uid, gid = mail_user.pw_uid, mail_user.pw_gid
    os.chown(d + "/mail", uid, gid)
    os.chmod(d, 0o755)
    port = args.port or free_port()
    with open(d + "/users", "w") as f:
        f.write(f"{args.user}:{{PLAIN}}{args.password}::::::\n")
    # With --tls-cert/--tls-key: STARTTLS offered with that certificate (plain login stays allowed
    # for the test's own helpers; the client under test is told to require TLS).
    tls = f"ssl = yes\nssl_cert = <{os.path.abspath(args.tls_cert)}\nssl_key = <{os.path.abspath(args.tls_key)}" if args.tls_cert else "ssl = no"
    conf = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/run
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
first_valid_uid = {min(uid, 1) if uid else 1}
mail_location = maildir:{d}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""
    with open(d + "/dovecot.conf", "w") as f:
        f.write(conf)
    proc = subprocess.Popen([DOVECOT, "-F", "-c", d + "/dovecot.conf"], stdout=subprocess.DEVNULL, stderr=open(d + "/dovecot.stderr", "w"),
                            start_new_session=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.stderr.write(open(d + "/dovecot.stderr").read())
            sys.exit(1)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        sys.exit(1)
    print(f"READY {port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (proc.terminate(), sys.exit(0)))
    try:
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()


def connect(args):
    imap = imaplib.IMAP4("127.0.0.1", args.port)
    imap.login(args.user, args.password)
    return imap


def append(args):
    imap = connect(args)
    data = open(args.file, "rb").read()
    typ, detail = imap.append(mailbox(args.folder), None, None, data)
    if typ != "OK":
        print(detail, file=sys.stderr)
        sys.exit(1)
    imap.logout()


def mailbox(name):
    """imaplib sends a mailbox name as it is: quote one with a space (names arrive in modified UTF-7)."""
    return '"' + name + '"' if " " in name and not name.startswith('"') else name


def list_messages(args):
    imap = connect(args)
    typ, _ = imap.select(mailbox(args.folder), readonly=True)
    out = []
    if typ == "OK":
        typ, data = imap.uid("SEARCH", None, "ALL")
        for uid in (data[0].split() if data and data[0] else []):
            typ, parts = imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER])")
            flags, header = "", b""
            for part in parts:
                if isinstance(part, tuple):
                    flags = part[0].decode()
                    header = part[1]
            msg = email.message_from_bytes(header, policy=policy.default)
            out.append({"uid": int(uid), "seen": "\\Seen" in flags, "deleted": "\\Deleted" in flags,
                        "message_id": str(msg.get("Message-ID", "")), "subject": str(msg.get("Subject", ""))})
    text = json.dumps({"exists": typ == "OK", "messages": out})
    if args.output:
        with open(args.output + ".tmp", "w") as f:
            f.write(text)
        os.rename(args.output + ".tmp", args.output)
    else:
        print(text)
    imap.logout()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve"); s.add_argument("--dir", required=True); s.add_argument("--port", type=int, default=0)
    s.add_argument("--tls-cert"); s.add_argument("--tls-key")
    for c in (s, sub.add_parser("append"), sub.add_parser("list")):
        c.add_argument("--user", default="intake"); c.add_argument("--password", default="intake-test-password")
        if c is not s:
            c.add_argument("--port", type=int, required=True); c.add_argument("--folder", default="INBOX")
    sub.choices["append"].add_argument("--file", required=True)
    sub.choices["list"].add_argument("--output")
    a = p.parse_args()
    {"serve": serve, "append": append, "list": list_messages}[a.cmd](a)


if __name__ == "__main__":
    main()
