#!/usr/bin/env python3
"""A local HTTP server that checks SMS, analytics and monitoring requests against each
provider's documented format (the real APIs are not reachable from the test machines).

Twilio   POST /2010-04-01/Accounts/{AC…}/Messages.json, Basic auth SID:token, form To, From|MessagingServiceSid, Body
Vonage   POST /sms/json, form api_key, api_secret, from, to (digits, no +), text
MessageBird POST /messages, Authorization: AccessKey …, JSON originator, recipients[], body
SNS      POST /, SigV4 Authorization for service sns, X-Amz-Date, form Action=Publish, PhoneNumber (E.164), Message, Version=2010-03-31
PostHog  POST /capture/, JSON api_key (phc_…), event, distinct_id, properties{}
GA4      POST /mp/collect?measurement_id=G-…&api_secret=…, JSON client_id, events[{name, params}] (≤25 events, names ≤40 [A-Za-z][A-Za-z0-9_]*)
Sentry   POST /api/{project}/envelope/, X-Sentry-Auth with sentry_version=7 and sentry_key, an envelope whose item length matches its payload

Each accepted request is answered in the provider's shape; a request that breaks the format gets 400
with {"error": "..."} naming what is wrong.
"""
import argparse
import base64
import json
import re
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class Bad(Exception):
    pass


def need(condition, message):
    if not condition:
        raise Bad(message)


def form(raw, content_type):
    need(content_type.split(";")[0].strip() == "application/x-www-form-urlencoded", "expected a form body, got %r" % content_type)
    return dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=True))


def twilio(handler, path, raw):
    sid = path.split("/")[3]
    need(re.fullmatch(r"AC[0-9a-f]{32}", sid), "the account SID in the path is AC + 32 hex digits")
    auth = handler.headers.get("Authorization", "")
    need(auth.startswith("Basic "), "Twilio takes HTTP Basic auth")
    user, _, token = base64.b64decode(auth[6:]).decode().partition(":")
    need(user == sid and token, "Basic auth is ACCOUNT_SID:AUTH_TOKEN for the SID in the path")
    fields = form(raw, handler.headers.get("Content-Type", ""))
    need(E164.fullmatch(fields.get("To", "")), "To is an E.164 number")
    need(("From" in fields) != ("MessagingServiceSid" in fields), "exactly one of From and MessagingServiceSid")
    need(fields.get("Body"), "Body is required")
    return 201, {"sid": "SM" + "0" * 31 + "1", "status": "queued", "to": fields["To"], "body": fields["Body"]}


def vonage(handler, raw):
    fields = form(raw, handler.headers.get("Content-Type", ""))
    for name in ("api_key", "api_secret", "from", "to", "text"):
        need(fields.get(name), "%s is required" % name)
    need(fields["to"].isdigit(), "to is the number in international format without + or 00")
    return 200, {"message-count": "1", "messages": [{"to": fields["to"], "message-id": "0A0000000123ABCD1", "status": "0"}]}


def messagebird(handler, raw):
    need(re.fullmatch(r"AccessKey \S+", handler.headers.get("Authorization", "")), "Authorization is 'AccessKey <key>'")
    need(handler.headers.get("Content-Type", "").startswith("application/json"), "the body is JSON")
    body = json.loads(raw)
    need(isinstance(body.get("originator"), str) and body["originator"], "originator is required")
    need(isinstance(body.get("recipients"), list) and body["recipients"], "recipients is a non-empty list")
    need(isinstance(body.get("body"), str) and body["body"], "body is required")
    return 201, {"id": "e8077d803532c0b5937c639b60216938", "recipients": {"totalCount": len(body["recipients"])}}


def sns(handler, raw):
    auth = handler.headers.get("Authorization", "")
    need(re.fullmatch(r"AWS4-HMAC-SHA256 Credential=[^/]+/\d{8}/[a-z0-9-]+/sns/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}", auth),
         "Authorization is a SigV4 header for service sns")
    need(re.fullmatch(r"\d{8}T\d{6}Z", handler.headers.get("X-Amz-Date", "")), "X-Amz-Date is set")
    fields = form(raw, handler.headers.get("Content-Type", ""))
    need(fields.get("Action") == "Publish" and fields.get("Version") == "2010-03-31", "Action=Publish&Version=2010-03-31")
    need(E164.fullmatch(fields.get("PhoneNumber", "")), "PhoneNumber is E.164")
    need(fields.get("Message"), "Message is required")
    xml = ("<PublishResponse xmlns=\"https://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
           "<MessageId>567910cd-659e-55d4-8ccb-5aaf14679dc0</MessageId></PublishResult></PublishResponse>")
    return 200, xml


def posthog(handler, raw):
    need(handler.headers.get("Content-Type", "").startswith("application/json"), "the body is JSON")
    body = json.loads(raw)
    need(re.fullmatch(r"phc_\w+", body.get("api_key", "")), "api_key is the project key phc_…")
    need(isinstance(body.get("event"), str) and body["event"], "event is required")
    need(isinstance(body.get("distinct_id"), str) and body["distinct_id"], "distinct_id is required")
    need(isinstance(body.get("properties", {}), dict), "properties is an object")
    if body["event"] == "$identify":
        need(isinstance(body["properties"].get("$set"), dict), "$identify carries properties.$set")
    return 200, {"status": 1}


def ga4(handler, query, raw):
    params = dict(urllib.parse.parse_qsl(query))
    need(re.fullmatch(r"G-[A-Z0-9]+", params.get("measurement_id", "")), "measurement_id=G-… in the query")
    need(params.get("api_secret"), "api_secret in the query")
    body = json.loads(raw)
    need(isinstance(body.get("client_id"), str) and body["client_id"], "client_id is required")
    events = body.get("events")
    need(isinstance(events, list) and 0 < len(events) <= 25, "events is a list of 1-25 events")
    for event in events:
        need(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", event.get("name", "")), "event names are ≤40 letters, digits, underscores")
        need(isinstance(event.get("params", {}), dict), "params is an object")
    for name, value in body.get("user_properties", {}).items():
        need(isinstance(value, dict) and "value" in value, "user_properties.%s is {\"value\": …}" % name)
    return 204, None


def sentry(handler, path, raw):
    auth = handler.headers.get("X-Sentry-Auth", "")
    need(auth.startswith("Sentry ") and "sentry_version=7" in auth and re.search(r"sentry_key=\w+", auth), "X-Sentry-Auth carries sentry_version=7 and sentry_key")
    need(handler.headers.get("Content-Type") == "application/x-sentry-envelope", "Content-Type is application/x-sentry-envelope")
    header_line, _, rest = raw.partition(b"\n")
    header = json.loads(header_line)
    need(re.fullmatch(r"[0-9a-f]{32}", header.get("event_id", "")), "the envelope header has a 32-hex event_id")
    item_line, _, rest = rest.partition(b"\n")
    item = json.loads(item_line)
    need(item.get("type") == "event", "the item is an event")
    length = item.get("length")
    need(isinstance(length, int) and rest[length:length + 1] in (b"\n", b""), "the item's length matches its payload")
    event = json.loads(rest[:length])
    need(event.get("event_id") == header["event_id"], "the event repeats the envelope's event_id")
    need("message" in event or "exception" in event, "the event has a message or an exception")
    return 200, {"id": header["event_id"]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        print("saas_wire: " + fmt % args, flush=True)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        try:
            if re.fullmatch(r"/2010-04-01/Accounts/[^/]+/Messages\.json", path):
                status, answer = twilio(self, path, raw)
            elif path == "/sms/json":
                status, answer = vonage(self, raw)
            elif path == "/messages":
                status, answer = messagebird(self, raw)
            elif path == "/":
                status, answer = sns(self, raw)
            elif path == "/capture/":
                status, answer = posthog(self, raw)
            elif path == "/mp/collect":
                status, answer = ga4(self, query, raw)
            elif re.fullmatch(r"(/[\w-]+)*/api/\d+/envelope/", path):
                status, answer = sentry(self, path, raw)
            else:
                raise Bad("no documented endpoint at POST %s" % path)
        except (Bad, ValueError, KeyError) as error:
            status, answer = 400, {"error": str(error)}
        if answer is None:
            body, kind = b"", "text/plain"
        elif isinstance(answer, str):
            body, kind = answer.encode(), "text/xml"
        else:
            body, kind = json.dumps(answer).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("saas_wire: on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
