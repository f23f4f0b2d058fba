#!/usr/bin/env python3
"""A local HTTP server that checks requests against Stripe's documented API format.

The real Stripe API is not reachable from the test machines, so the ProviderKit tests send their
requests here. Each request is checked as Stripe documents it — `Authorization: Bearer sk_…`,
form-encoded bodies (`application/x-www-form-urlencoded`, nested fields as `a[b][c]`), an
`Idempotency-Key` on every POST (a key reused with a different body is refused, as Stripe does),
the method and path of each endpoint and its required fields — and answered with an object of the
documented shape, or with Stripe's error format `{"error":{"type","code","message","param"}}`.
"""
import argparse
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
idempotency = {}  # key -> (method, path, body, status, answer)
counter = [0]


def next_id(prefix):
    with lock:
        counter[0] += 1
        return "%s_test%06d" % (prefix, counter[0])


class StripeError(Exception):
    def __init__(self, status, kind, code, message, param=None):
        self.status, self.kind, self.code, self.message, self.param = status, kind, code, message, param


def nested(form):
    """`metadata[user]=7` → {"metadata": {"user": "7"}}; `line_items[0][price]` likewise."""
    out = {}
    for key, value in form:
        parts = re.findall(r"[^\[\]]+", key)
        if not parts or key.count("[") != key.count("]"):
            raise StripeError(400, "invalid_request_error", "parameter_invalid", "malformed field name %r" % key, key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise StripeError(400, "invalid_request_error", "parameter_invalid", "field %r is both a value and an object" % key, key)
        node[parts[-1]] = value
    return out


def require(fields, name):
    if name not in fields or fields[name] in ("", {}):
        raise StripeError(400, "invalid_request_error", "parameter_missing", "Missing required param: %s." % name, name)
    return fields[name]


def customers(fields):
    allowed = {"email", "name", "metadata", "description", "phone"}
    for name in fields:
        if name not in allowed:
            raise StripeError(400, "invalid_request_error", "parameter_unknown", "Received unknown parameter: %s" % name, name)
    return 200, {"id": next_id("cus"), "object": "customer", "email": fields.get("email"), "name": fields.get("name"),
                 "metadata": fields.get("metadata", {})}


def checkout(fields):
    mode = require(fields, "mode")
    if mode not in ("payment", "subscription", "setup"):
        raise StripeError(400, "invalid_request_error", "parameter_invalid", "Invalid mode: %s" % mode, "mode")
    require(fields, "success_url")
    require(fields, "cancel_url")
    items = require(fields, "line_items")
    indices = sorted(items, key=int)
    if indices != [str(i) for i in range(len(indices))]:
        raise StripeError(400, "invalid_request_error", "parameter_invalid", "line_items must be indexed 0..n-1", "line_items")
    for index in indices:
        item = items[index]
        if not item.get("quantity", "").isdigit():
            raise StripeError(400, "invalid_request_error", "parameter_missing", "Missing required param: line_items[%s][quantity]." % index)
        if "price" in item:
            continue
        data = item.get("price_data")
        if not isinstance(data, dict) or not re.fullmatch(r"[a-z]{3}", data.get("currency", "")) \
                or not data.get("unit_amount", "").isdigit() or not isinstance(data.get("product_data"), dict) \
                or not data["product_data"].get("name"):
            raise StripeError(400, "invalid_request_error", "parameter_missing",
                              "line_items[%s] needs price or price_data[currency, unit_amount, product_data[name]]" % index)
        if mode == "subscription" and "recurring" not in data:
            raise StripeError(400, "invalid_request_error", "parameter_missing", "subscription mode needs recurring prices")
    session = next_id("cs")
    return 200, {"id": session, "object": "checkout.session", "mode": mode, "customer": fields.get("customer"),
                 "url": "https://checkout.stripe.com/c/pay/" + session, "metadata": fields.get("metadata", {})}


def subscription_object(sub_id, status, at_period_end):
    return {"id": sub_id, "object": "subscription", "customer": "cus_test000001", "status": status,
            "cancel_at_period_end": at_period_end, "current_period_end": 1893456000,
            "items": {"object": "list", "data": [{"id": "si_test", "price": {"id": "price_test_monthly"}}]}}


def subscription(method, sub_id, fields):
    if not sub_id.startswith("sub_") or sub_id == "sub_missing":
        raise StripeError(404, "invalid_request_error", "resource_missing", "No such subscription: '%s'" % sub_id, "id")
    if method == "GET":
        return 200, subscription_object(sub_id, "active", False)
    if method == "DELETE":
        return 200, subscription_object(sub_id, "canceled", False)
    if fields.get("cancel_at_period_end") not in ("true", "false"):
        raise StripeError(400, "invalid_request_error", "parameter_invalid", "cancel_at_period_end must be true or false")
    return 200, subscription_object(sub_id, "active", fields["cancel_at_period_end"] == "true")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        print("stripe_wire: " + fmt % args, flush=True)

    def answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", "req_" + next_id("r"))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            auth = self.headers.get("Authorization", "")
            if not re.fullmatch(r"Bearer sk_(test|live)_[A-Za-z0-9]+", auth):
                raise StripeError(401, "invalid_request_error", "api_key_invalid",
                                  "Invalid API Key provided: expected 'Authorization: Bearer sk_...'")
            path, _, query = self.path.partition("?")
            if self.command == "POST":
                kind = self.headers.get("Content-Type", "")
                if kind.split(";")[0].strip() != "application/x-www-form-urlencoded":
                    raise StripeError(400, "invalid_request_error", "parameter_invalid",
                                      "bodies are application/x-www-form-urlencoded (got %r)" % kind)
                key = self.headers.get("Idempotency-Key", "")
                if not key or len(key) > 255:
                    raise StripeError(400, "invalid_request_error", "idempotency_key_missing",
                                      "every POST carries an Idempotency-Key of 1-255 characters")
                with lock:
                    seen = idempotency.get(key)
                if seen:
                    if seen[:3] != (self.command, path, raw):
                        raise StripeError(400, "idempotency_error", "idempotency_key_in_use",
                                          "Keys for idempotent requests can only be used with the same parameters they were first used with.")
                    return self.answer(seen[3], seen[4])
            try:
                form = urllib.parse.parse_qsl(raw.decode("ascii"), keep_blank_values=True, strict_parsing=bool(raw))
            except (UnicodeDecodeError, ValueError):
                raise StripeError(400, "invalid_request_error", "parameter_invalid", "the body is not form-encoded ASCII")
            fields = nested(form)
            if self.command == "POST" and path == "/v1/customers":
                status, document = customers(fields)
            elif self.command == "POST" and path == "/v1/checkout/sessions":
                status, document = checkout(fields)
            elif path.startswith("/v1/subscriptions/") and self.command in ("GET", "POST", "DELETE"):
                if self.command != "POST" and raw:
                    raise StripeError(400, "invalid_request_error", "parameter_invalid", "%s takes no body" % self.command)
                status, document = subscription(self.command, path[len("/v1/subscriptions/"):], fields)
            else:
                raise StripeError(404, "invalid_request_error", "resource_missing",
                                  "Unrecognized request URL (%s: %s)." % (self.command, path))
            if self.command == "POST":
                with lock:
                    idempotency[self.headers["Idempotency-Key"]] = (self.command, path, raw, status, document)
            self.answer(status, document)
        except StripeError as error:
            body = {"type": error.kind, "code": error.code, "message": error.message}
            if error.param:
                body["param"] = error.param
            self.answer(error.status, {"error": body})

    do_GET = do_POST = do_DELETE = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("stripe_wire: on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
