#!/usr/bin/env python3
"""Writes the Stripe webhook signature vectors the ProviderKit tests check.

Made with Stripe's documented scheme, independently of the Swift code: the `Stripe-Signature`
header is `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the endpoint secret>`,
possibly with several v1 (and v0) entries; a delivery is valid when any v1 matches a secret and t
is within 300 s of now.

Usage: tools/scripts/stripe-webhook-vectors.py > Tests/ProviderKitTests/Fixtures/stripe-webhook-vectors.json
"""
import hashlib
import hmac
import json

SECRET = "whsec_test_current_5a3f0c"
OLD_SECRET = "whsec_test_previous_91be27"
T = 1767225600  # 2026-01-01T00:00:00Z
BODY = '{"id":"evt_1Nabc","object":"event","type":"customer.subscription.updated","data":{"object":{"id":"sub_1","status":"active"}}}'


def sign(secret, t, body):
    return hmac.new(secret.encode(), ("%d." % t).encode() + body.encode(), hashlib.sha256).hexdigest()


def vector(name, valid, header, body=BODY, secrets=(SECRET,), now=T):
    return {"name": name, "valid": valid, "header": header, "body": body, "secrets": list(secrets), "now": now}


good = sign(SECRET, T, BODY)
vectors = [
    vector("one v1 under the current secret", True, "t=%d,v1=%s" % (T, good)),
    vector("a v0 and two v1, one of them right", True, "t=%d,v1=%s,v1=%s,v0=%s" % (T, "0" * 64, good, "1" * 64)),
    vector("signed with the previous secret during a rotation", True, "t=%d,v1=%s" % (T, sign(OLD_SECRET, T, BODY)), secrets=(SECRET, OLD_SECRET)),
    vector("299 s old", True, "t=%d,v1=%s" % (T, good), now=T + 299),
    vector("upper-case hex", True, "t=%d,v1=%s" % (T, good.upper())),
    vector("the body changed by one byte", False, "t=%d,v1=%s" % (T, good), body=BODY.replace("active", "activf")),
    vector("301 s old", False, "t=%d,v1=%s" % (T, good), now=T + 301),
    vector("301 s in the future", False, "t=%d,v1=%s" % (T, good), now=T - 301),
    vector("the time stamp changed", False, "t=%d,v1=%s" % (T + 1, good), now=T),
    vector("signed under another secret", False, "t=%d,v1=%s" % (T, sign("whsec_other", T, BODY))),
    vector("the previous secret once the rotation is over", False, "t=%d,v1=%s" % (T, sign(OLD_SECRET, T, BODY))),
    vector("only a v0 signature", False, "t=%d,v0=%s" % (T, good)),
    vector("no time stamp", False, "v1=%s" % good),
    vector("signed without the t. prefix", False, "t=%d,v1=%s" % (T, hmac.new(SECRET.encode(), BODY.encode(), hashlib.sha256).hexdigest())),
    vector("a truncated signature", False, "t=%d,v1=%s" % (T, good[:62])),
    vector("an empty header", False, ""),
]
print(json.dumps({"scheme": "Stripe-Signature t=,v1= HMAC-SHA256 over \"t.body\", tolerance 300 s", "vectors": vectors}, indent=2))
