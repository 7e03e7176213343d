#!/usr/bin/env python3
"""Parses .eml files with Python's email package (an independent, real MIME parser) and prints
one JSON object per file on stdout, for the Swift tests to check."""
import json
import sys
from email import policy
from email.parser import BytesParser

# Usage: parse_eml.py OUTPUT.json FILE.eml ... (writes to a file: no pipe to drain)
out = []
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        raw = f.read()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    with open(path[:-4] + ".json") as f:
        envelope = json.load(f)
    out.append({
        "file": path,
        "envelope_to": envelope.get("rcpt_tos", []),
        "tls": envelope.get("tls"),
        "auth_user": envelope.get("auth_user"),
        "to": str(msg["To"]),
        "from": str(msg["From"]),
        "subject": str(msg["Subject"]),
        "message_id": str(msg["Message-ID"]),
        "auto_submitted": str(msg["Auto-Submitted"]),
        "reply_to": str(msg["Reply-To"]) if msg["Reply-To"] is not None else None,
        "content_type": msg.get_content_type(),
        "header_names": [k.lower() for k in msg.keys()],
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
        "max_line": max((len(line) for line in raw.split(b"\r\n")), default=0),
        "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
    })
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump(out, f)
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
