"""Signs email provider events as SendGrid's Event Webhook does, with the `cryptography` package:
ECDSA P-256 with SHA-256 over the timestamp followed by the body, DER-encoded, in base64.

Usage: python3 sign_events.py < REQUEST.json
REQUEST: {"posts": [{"timestamp": "1790000000", "body": "[...]"}, ...]}
Prints: {"key": "<public key, base64 DER, as the provider shows it>", "signatures": ["...", ...]}
A fresh key pair is made for each run.
"""

import base64
import json
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

request = json.load(sys.stdin)
private = ec.generate_private_key(ec.SECP256R1())
public = private.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
)
signatures = []
for post in request["posts"]:
    signed = post["timestamp"].encode() + post["body"].encode()
    signature = private.sign(signed, ec.ECDSA(hashes.SHA256()))
    signatures.append(base64.b64encode(signature).decode())
print(json.dumps({"key": base64.b64encode(public).decode(), "signatures": signatures}))
