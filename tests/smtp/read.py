"""Reads an email the SMTP server kept, with Python's email package, and prints it as JSON:
headers, the text and HTML parts, and each attachment's name, type and SHA-256.

Usage: python3 read.py FILE.eml
"""

import email
import email.policy
import hashlib
import json
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)

out = {
    "from": str(msg["From"]),
    "to": str(msg["To"]),
    "subject": str(msg["Subject"]),
    "message_id": str(msg["Message-ID"] or ""),
    "list_unsubscribe": msg["List-Unsubscribe"] and str(msg["List-Unsubscribe"]),
    "reply_to": msg["Reply-To"] and str(msg["Reply-To"]),
    "text": None,
    "html": None,
    "attachments": [],
}
for part in msg.walk():
    if part.is_multipart():
        continue
    if part.get_content_disposition() == "attachment":
        data = part.get_payload(decode=True)
        out["attachments"].append({
            "name": part.get_filename(),
            "type": part.get_content_type(),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        })
    elif part.get_content_type() == "text/plain" and out["text"] is None:
        out["text"] = part.get_content()
    elif part.get_content_type() == "text/html" and out["html"] is None:
        out["html"] = part.get_content()
print(json.dumps(out))
