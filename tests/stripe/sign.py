"""Signs webhook payloads as Stripe does, with Stripe's own Python package.

Reads a JSON list of {"payload": str, "secret": str, "timestamp": int} on standard input and
writes the JSON list of `Stripe-Signature` header values, one per payload, computed by
`stripe.WebhookSignature.generate_signature_header` (the end-to-end tests' signer).
"""
import json
import sys

import stripe

requests = json.load(sys.stdin)
headers = [
    stripe.WebhookSignature.generate_signature_header(
        r["payload"], r["secret"], timestamp=r["timestamp"]
    )
    for r in requests
]
json.dump(headers, sys.stdout)
