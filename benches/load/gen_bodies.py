"""Distinct, correctly signed webhooks for benches/load/run.sh, one request per line.

Twilio: inbound WhatsApp image messages (the shape of the Twilio spec's example body), each
with its own MessageSid, signed with X-Twilio-Signature (HMAC-SHA1 of the URL followed by the
parameters sorted by name, each name followed by its value, keyed with the auth token).
A line is `<signature> <form body>`.

Botmaker: Format A text messages, each with its own `_id_`. A line is the JSON body (the
`auth-bm-token` header is the same for all of them).

Usage: gen_bodies.py twilio|botmaker COUNT URL TOKEN OUT [START]
(START: the number of the first webhook, 0 unless given; webhooks of different numbers are
distinct, so a run can send more of them than one file holds, one file at a time.)
Every name, number and id is invented.
"""

import base64
import hashlib
import hmac
import json
import sys
from urllib.parse import urlencode

ACCOUNT = "AC00000000000000000000000000000001"


def twilio_line(i, url, key):
    sid = "SM%032x" % (0x5EED0000000000000000000000000000 + i)
    media = "ME%032x" % (0xFACE0000000000000000000000000000 + i)
    user = "+1415555%04d" % (i % 10000)
    params = [
        ("SmsMessageSid", sid),
        ("NumMedia", "1"),
        ("ProfileName", "Ana Pérez"),
        ("MessageType", "image"),
        ("SmsSid", sid),
        ("WaId", user[1:]),
        ("SmsStatus", "received"),
        ("Body", "Here's the photo & receipt #%d" % i),
        ("To", "whatsapp:+14155238886"),
        ("MediaContentType0", "image/jpeg"),
        ("NumSegments", "1"),
        ("ReferralNumMedia", "0"),
        ("MessageSid", sid),
        ("AccountSid", ACCOUNT),
        ("From", "whatsapp:" + user),
        ("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/%s/Messages/MM%s/Media/%s"
         % (ACCOUNT, sid[2:], media)),
        ("ApiVersion", "2010-04-01"),
    ]
    signed = url + "".join(k + v for k, v in sorted(params))
    signature = base64.b64encode(hmac.new(key, signed.encode("utf-8"), hashlib.sha1).digest())
    return signature.decode("ascii") + " " + urlencode(params)


def botmaker_line(i):
    contact = "54911555%05d" % (i % 100000)
    body = {
        "date": "2026-03-02T14:05:09.118Z",
        "chatPlatform": "whatsapp",
        "contactId": contact,
        "_id_": "LOAD%016X" % i,
        "sessionId": "KD83JQW0ZX5VR2MTNB7C_2026-03-02T14:05:08.990Z",
        "message": "Hola, ¿tienen turnos para mañana? (%d)" % i,
        "sessionCreationTime": "2026-03-02T14:05:08.990Z",
        "fromName": "Ana Pérez",
        "customerId": "KD83JQW0ZX5VR2MTNB7C",
        "from": "user",
        "operatorId": None,
        "fromCustomer": True,
        "queue": "_default_",
        "WHATSAPP_NUMBER": "5491155550100",
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def main():
    kind, count, url, token, out = sys.argv[1:6]
    start = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    key = token.encode("utf-8")
    with open(out, "w", encoding="utf-8") as f:
        for i in range(start, start + int(count)):
            line = twilio_line(i, url, key) if kind == "twilio" else botmaker_line(i)
            f.write(line + "\n")


if __name__ == "__main__":
    main()
