#!/usr/bin/env python3
"""A local HTTP server that checks SMS, analytics and monitoring requests against each
provider's documented format (the real APIs are not reachable from the test machines).

Twilio   POST /2010-04-01/Accounts/{AC…}/Messages.json, Basic auth SID:token, form To, From|MessagingServiceSid, Body
Vonage   POST /sms/json, form api_key, api_secret, from, to (digits, no +), text
MessageBird POST /messages, Authorization: AccessKey …, JSON originator, recipients[], body
SNS      POST /, SigV4 Authorization for service sns, X-Amz-Date, form Action=Publish, PhoneNumber (E.164), Message, Version=2010-03-31
PostHog  POST /capture/, JSON api_key (phc_…), event, distinct_id, properties{}
GA4      POST /mp/collect?measurement_id=G-…&api_secret=…, JSON client_id, events[{name, params}] (≤25 events, names ≤40 [A-Za-z][A-Za-z0-9_]*)
SendGrid POST /v3/mail/send, Authorization: Bearer SG.…, JSON personalizations[{to[{email}]}], from{email}, subject, content[{type, value}] (text/plain first)
Mailgun  POST /v3/{domain}/messages, Basic api:KEY, form from, to, subject, text|html
Postmark POST /email, X-Postmark-Server-Token, Accept: application/json, JSON From, To, Subject, TextBody|HtmlBody
Resend   POST /emails, Authorization: Bearer re_…, JSON from, to (string or list), subject, text|html
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


EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def mailbox(text):
    """The address of `a@b.c` or `Name <a@b.c>`."""
    match = re.fullmatch(r'(?:"?[^"<]*"?\s*)?<([^>]+)>', text.strip())
    return match.group(1) if match else text.strip()


def json_body(handler, raw):
    need(handler.headers.get("Content-Type", "").startswith("application/json"), "the body is JSON")
    body = json.loads(raw)
    need(isinstance(body, dict), "the body is a JSON object")
    return body


def sendgrid(handler, raw):
    need(re.fullmatch(r"Bearer SG\.[\w.-]+", handler.headers.get("Authorization", "")), "Authorization is 'Bearer SG.…'")
    body = json_body(handler, raw)
    people = body.get("personalizations")
    need(isinstance(people, list) and 0 < len(people) <= 1000, "personalizations is a list of 1-1000")
    for person in people:
        need(isinstance(person.get("to"), list) and person["to"], "each personalization has a non-empty to")
        need(all(EMAIL.fullmatch(entry.get("email", "")) for entry in person["to"]), "to entries are {\"email\": …}")
    need(EMAIL.fullmatch((body.get("from") or {}).get("email", "")), "from is {\"email\": …}")
    need(isinstance(body.get("subject"), str) and body["subject"], "subject is required")
    content = body.get("content")
    need(isinstance(content, list) and content and all(c.get("type") and isinstance(c.get("value"), str) for c in content), "content is a list of {type, value}")
    types = [c["type"] for c in content]
    need("text/plain" not in types or types[0] == "text/plain", "text/plain comes first in content")
    return 202, ("", {"X-Message-Id": "sgmsg0000000000000001"})


def mailgun(handler, path, raw):
    auth = handler.headers.get("Authorization", "")
    need(auth.startswith("Basic "), "Mailgun takes HTTP Basic auth")
    user, _, key = base64.b64decode(auth[6:]).decode().partition(":")
    need(user == "api" and key, "Basic auth is api:API_KEY")
    fields = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=True)
    need(handler.headers.get("Content-Type", "").split(";")[0].strip() == "application/x-www-form-urlencoded", "the body is a form")
    need(len(fields.get("from", [])) == 1 and EMAIL.fullmatch(mailbox(fields["from"][0])), "one from address")
    need(fields.get("to") and all(EMAIL.fullmatch(mailbox(to)) for to in fields["to"]), "to is one or more addresses")
    need(fields.get("subject", [""])[0], "subject is required")
    need(fields.get("text") or fields.get("html"), "text or html is required")
    return 200, {"id": "<20261202.1@%s>" % path.split("/")[2], "message": "Queued. Thank you."}


def postmark(handler, raw):
    need(handler.headers.get("X-Postmark-Server-Token"), "X-Postmark-Server-Token is required")
    need(handler.headers.get("Accept", "") == "application/json", "Accept: application/json")
    body = json_body(handler, raw)
    need(EMAIL.fullmatch(mailbox(body.get("From", ""))), "From is an address")
    need(body.get("To") and all(EMAIL.fullmatch(mailbox(to)) for to in body["To"].split(",")), "To is a comma-separated list of addresses")
    need(body.get("Subject"), "Subject is required")
    need(body.get("TextBody") or body.get("HtmlBody"), "TextBody or HtmlBody is required")
    return 200, {"To": body["To"], "SubmittedAt": "2026-12-02T00:00:00Z", "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", "ErrorCode": 0, "Message": "OK"}


def resend(handler, raw):
    need(re.fullmatch(r"Bearer re_\w+", handler.headers.get("Authorization", "")), "Authorization is 'Bearer re_…'")
    body = json_body(handler, raw)
    need(EMAIL.fullmatch(mailbox(body.get("from", ""))), "from is an address")
    to = body.get("to")
    to = [to] if isinstance(to, str) else to
    need(isinstance(to, list) and 0 < len(to) <= 50 and all(EMAIL.fullmatch(mailbox(t)) for t in to), "to is 1-50 addresses")
    need(body.get("subject"), "subject is required")
    need(body.get("text") or body.get("html"), "text or html is required")
    return 200, {"id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}


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
            elif path == "/v3/mail/send":
                status, answer = sendgrid(self, raw)
            elif re.fullmatch(r"/v3/[\w.-]+/messages", path):
                status, answer = mailgun(self, path, raw)
            elif path == "/email":
                status, answer = postmark(self, raw)
            elif path == "/emails":
                status, answer = resend(self, raw)
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
        extra = {}
        if isinstance(answer, tuple):
            answer, extra = answer
        if answer is None or answer == "":
            body, kind = b"", "text/plain"
        elif isinstance(answer, str):
            body, kind = answer.encode(), "text/xml"
        else:
            body, kind = json.dumps(answer).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
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
