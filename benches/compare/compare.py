"""The Python side of benches/compare/run.sh.

Times, with the same method as the Rust and Node programs (a warm-up of a tenth of the
time, then seven equal rounds, the median round, in CPU time), per webhook:

- twilio-python: RequestValidator.validate over urllib.parse.parse_qs of the body;
- a bare HMAC-SHA1 over the same signed string, in Python;
- Botmaker: json.loads plus the same normalization the crate does, for a Format A
  message and a status snapshot;
- Meta's Cloud API: hmac (SHA-256 of the body, compared in constant time) plus json.loads
  plus the same normalization the crate does, for a text message.

Usage: compare.py TWILIO_BODY BOTMAKER_MESSAGE BOTMAKER_STATUS META_TEXT [SECONDS]
Prints RESULT <name> <nanoseconds> lines.
"""

import base64
import hashlib
import hmac
import json
import re
import sys
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

from twilio.request_validator import RequestValidator

URL = "https://example.com/twilio/whatsapp/inbound"
TOKEN = "12345"
SIGNATURE = "GD8a9vyClPMV7ICDxFcR/oeneO0="


def measure(seconds, f):
    """Nanoseconds of this thread's CPU time per call of f: the median of seven equal
    rounds after a warm-up (CPU time, so that other programs busy on a shared machine
    change it far less than the wall clock)."""
    clock = time.thread_time_ns
    warm = seconds / 10 * 1e9
    start = clock()
    calls = 0
    while clock() - start < warm:
        f()
        calls += 1
    per_call = (clock() - start) / 1e9 / max(calls, 1)
    per_round = max(int(seconds * 0.9 / 7 / per_call), 1)
    rounds = []
    for _ in range(7):
        t = clock()
        for _ in range(per_round):
            f()
        rounds.append((clock() - t) / per_round)
    rounds.sort()
    return rounds[3]


class QueryDict(dict):
    """parse_qs's dict of lists, read the way twilio-python reads Django's QueryDict."""

    def getlist(self, name):
        return self[name]


# --- Botmaker: the crate's normalization, in Python -------------------------------------

_PHONE_PUNCT = re.compile(r"[ \-.()\u00a0]")


class ParseError(Exception):
    pass


def _string(obj, key):
    v = obj.pop(key, None)
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise ParseError(f"{key}: expected a string")
    return v


def _boolean(obj, key):
    v = obj.pop(key, None)
    if v is None:
        return None
    if not isinstance(v, bool):
        raise ParseError(f"{key}: expected a boolean")
    return v


def _time(obj, key):
    s = _string(obj, key)
    if s is None:
        return None
    s = s.strip()
    if s.isdigit():
        return datetime.fromtimestamp(int(s) / 1000)
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        raise ParseError(f"{key}: expected an ISO 8601 time")


def _address(field, platform, value):
    """A phone number as +E164 on WhatsApp, else the provider's id unchanged."""
    if value is None:
        return None
    if platform is None or platform.lower() == "whatsapp":
        rest = value.strip()
        if rest.startswith("whatsapp:"):
            rest = rest[len("whatsapp:"):]
        digits = _PHONE_PUNCT.sub("", rest)
        if digits.startswith("+"):
            digits = digits[1:]
        if not digits.isdigit() or digits.startswith("0") or not 7 <= len(digits) <= 15:
            raise ParseError(f"{field}: not a phone number")
        return "+" + digits
    value = value.strip()
    if not value or any(c.isspace() for c in value):
        raise ParseError(f"{field}: not an id")
    return value


def _flat(o):
    m = {
        "id": _string(o, "_id_") or _string(o, "_id"),
        "date": _time(o, "date"),
        "chat_platform": _string(o, "chatPlatform"),
        "contact_id": _string(o, "contactId"),
        "customer_id": _string(o, "customerId"),
        "session_id": _string(o, "sessionId"),
        "session_creation_time": _time(o, "sessionCreationTime"),
        "message": _string(o, "message"),
        "from": _string(o, "from"),
        "from_customer": _boolean(o, "fromCustomer"),
        "from_name": _string(o, "fromName"),
        "whatsapp_number": _string(o, "WHATSAPP_NUMBER") or _string(o, "whatsappNumber"),
        "queue": _string(o, "queue"),
        "operator_id": _string(o, "operatorId"),
        "operator_name": _string(o, "operatorName"),
        "is_button": _boolean(o, "isButton"),
        "button_name": _string(o, "buttonName"),
        "button_payload": _string(o, "buttonPayload"),
        "image": _string(o, "image"),
        "audio": _string(o, "audio"),
        "video": _string(o, "video"),
        "file": _string(o, "file"),
        "caption": _string(o, "caption"),
        "extra": o,
    }
    return m


def _author(m):
    f = (m["from"] or "").lower()
    if f in ("user", "customer", "contact"):
        return "user"
    if f == "bot":
        return "bot"
    if f in ("operator", "agent"):
        return "agent"
    if f:
        return "bot"
    if m["from_customer"] is True:
        return "user"
    if m["operator_id"] or m["operator_name"]:
        return "agent"
    return "bot" if m["from_customer"] is False else "user"


def _content(m):
    if m["is_button"] or m["button_payload"]:
        return {"type": "button", "text": m["button_name"] or m["message"],
                "payload": m["button_payload"]}
    items = [{"url": u, "content_type": None}
             for u in (m["image"], m["video"], m["audio"], m["file"]) if u]
    if items:
        return {"type": "media", "items": items, "caption": m["caption"] or m["message"]}
    if m["message"] is not None:
        return {"type": "text", "body": m["message"]}
    return {"type": "unsupported", "reason": "no text, media, location or contacts"}


def botmaker_events(body):
    o = json.loads(body)
    if not isinstance(o, dict):
        raise ParseError("expected a JSON object")
    if "STATUS" in o and ("STATUS_CHANGE_TIME" in o or "LAST_MESSAGE" in o or "date" not in o):
        status = _string(o, "STATUS")
        if status is None:
            raise ParseError("STATUS: empty")
        last = o.pop("LAST_MESSAGE", None)
        last = _flat(last) if isinstance(last, dict) else None
        snap = {
            "id": _string(o, "_id_"),
            "change": _time(o, "STATUS_CHANGE_TIME"),
            "received": _time(o, "USER_LAST_MSG_RECEIVED"),
            "read": _time(o, "USER_LAST_MSG_READ"),
            "platform": _string(o, "CHAT_PLATFORM_ID"),
            "contact": _string(o, "PLATFORM_CONTACT_ID"),
            "customer_id": _string(o, "CUSTOMER_ID"),
            "creation_time": _time(o, "CREATION_TIME"),
            "last_message_creation_time": _time(o, "LAST_MESSAGE_CREATION_TIME"),
        }
        status = status.strip().lower()
        status = "failed" if status == "error" else status
        timestamp = snap["change"] or (
            snap["read"] if status == "read" else snap["received"] if status == "delivered" else None)
        return [{
            "type": "status", "provider": "botmaker",
            "message_id": last["id"] if last else None,
            "recipient": _address("PLATFORM_CONTACT_ID", snap["platform"],
                                  snap["contact"] or (last and last["contact_id"])),
            "conversation_id": snap["customer_id"] or (last and last["customer_id"]) or snap["id"],
            "status": status, "timestamp": timestamp, "error": None,
        }]
    m = _flat(o)
    if m["id"] is None:
        raise ParseError("_id_: missing")
    user = _address("contactId", m["chat_platform"], m["contact_id"])
    line = _address("WHATSAPP_NUMBER", m["chat_platform"], m["whatsapp_number"])
    author = _author(m)
    sender, recipient = (user, line) if author == "user" else (line, user)
    return [{
        "type": "message", "provider": "botmaker", "id": m["id"], "author": author,
        "from": sender, "to": recipient,
        "profile_name": m["from_name"] if author == "user" else (m["operator_name"] or m["from_name"]),
        "timestamp": m["date"], "reply_to": None, "conversation_id": m["customer_id"],
        "content": _content(m),
    }]


META_APP_SECRET = b"compare-app-secret"


def _meta_time(value):
    if value is None:
        return None
    if not isinstance(value, str) or not value.isdigit():
        raise ParseError("timestamp: not Unix seconds")
    return datetime.fromtimestamp(int(value), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta_content(m):
    kind = m.get("type")
    if kind == "text":
        return {"type": "text", "body": m["text"]["body"]}
    return {"type": "unsupported", "reason": kind}


def meta_events(body, signature):
    """Checks X-Hub-Signature-256, then reads every entry and change into events."""
    if not signature.startswith("sha256="):
        raise ParseError("X-Hub-Signature-256: no sha256= prefix")
    tag = hmac.new(META_APP_SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(tag, signature[len("sha256="):].lower()):
        raise ParseError("X-Hub-Signature-256: no match")
    o = json.loads(body)
    if not isinstance(o, dict) or o.get("object") != "whatsapp_business_account":
        raise ParseError("object: not whatsapp_business_account")
    events = []
    for entry in o.get("entry") or []:
        for change in entry.get("changes") or []:
            if change.get("field") != "messages":
                continue
            value = change["value"]
            metadata = value.get("metadata") or {}
            line = _address("metadata.display_phone_number", None, metadata.get("display_phone_number"))
            channel = metadata.get("phone_number_id")
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name") for c in value.get("contacts") or []}
            for m in value.get("messages") or []:
                if not m.get("id"):
                    raise ParseError("messages[].id: missing")
                context = m.get("context") or {}
                events.append({
                    "type": "message", "provider": "meta", "id": m["id"], "author": "user",
                    "from": _address("messages[].from", None, m.get("from")), "to": line,
                    "profile_name": names.get(m.get("from")),
                    "timestamp": _meta_time(m.get("timestamp")),
                    "reply_to": context.get("id"), "conversation_id": None,
                    "channel_id": channel, "content": _meta_content(m),
                })
            for st in value.get("statuses") or []:
                events.append({
                    "type": "status", "provider": "meta", "message_id": st.get("id"),
                    "recipient": _address("statuses[].recipient_id", None, st.get("recipient_id")),
                    "conversation_id": (st.get("conversation") or {}).get("id"),
                    "status": st.get("status"), "timestamp": _meta_time(st.get("timestamp")),
                    "error": None, "channel_id": channel,
                })
    return events


def main():
    twilio_path, message_path, status_path, meta_path = sys.argv[1:5]
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
    with open(twilio_path, "rb") as f:
        twilio_body = f.read()
    with open(message_path, "rb") as f:
        message_body = f.read()
    with open(status_path, "rb") as f:
        status_body = f.read()

    validator = RequestValidator(TOKEN)

    def twilio_case():
        params = QueryDict(parse_qs(twilio_body.decode("utf-8"), keep_blank_values=True))
        if not validator.validate(URL, params, SIGNATURE):
            raise SystemExit("twilio-python rejected the spec's signature")
        return params

    twilio_case()
    print(f"RESULT python_twilio_ns {measure(seconds, twilio_case):.1f}", flush=True)

    # The floor in Python: one HMAC-SHA1 over the signed string, keyed each time.
    params = parse_qs(twilio_body.decode("utf-8"), keep_blank_values=True)
    canonical = URL + "".join(k + v for k in sorted(params) for v in sorted(set(params[k])))
    canonical = canonical.encode("utf-8")
    key = TOKEN.encode("utf-8")
    expected = base64.b64decode(SIGNATURE)
    if hmac.new(key, canonical, hashlib.sha1).digest() != expected:
        raise SystemExit("the signed string does not give the spec's signature")
    hmac_ns = measure(seconds, lambda: hmac.new(key, canonical, hashlib.sha1).digest())
    print(f"RESULT python_hmac_sha1_ns {hmac_ns:.1f}", flush=True)

    for name, body in (("message", message_body), ("status", status_body)):
        events = botmaker_events(body)
        if len(events) != 1:
            raise SystemExit(f"botmaker {name}: expected one event")
        ns = measure(seconds, lambda: botmaker_events(body))
        print(f"RESULT python_botmaker_{name}_ns {ns:.1f}", flush=True)

    with open(meta_path, "rb") as f:
        meta_body = f.read()
    meta_signature = "sha256=" + hmac.new(META_APP_SECRET, meta_body, hashlib.sha256).hexdigest()
    if len(meta_events(meta_body, meta_signature)) != 1:
        raise SystemExit("meta: expected one event")
    ns = measure(seconds, lambda: meta_events(meta_body, meta_signature))
    print(f"RESULT python_meta_message_ns {ns:.1f}", flush=True)


if __name__ == "__main__":
    main()
