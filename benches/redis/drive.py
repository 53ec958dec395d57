"""Sends signed webhooks of both providers to two webhook_server instances that share a
Redis inbox, as a provider behind a load balancer would, and checks what the workers printed.

Each webhook goes to a random instance; a share of them is sent again to the other instance
(a redelivery). A webhook that is not answered 200 (a 503, a refused or reset connection) is
sent again, to either instance, as the providers retry, until it is answered 200. At the end
every event must have been printed by a worker: the report gives how many were handled, how
many twice, and how many never.

Usage: drive.py COUNT RESEND_SHARE OUT_DIR URL_A URL_B [--kill PID --at FRACTION]
  --kill PID --at F   kill -9 the process PID once a fraction F of the webhooks were sent
Every name, number and id is invented.
"""

import base64
import concurrent.futures
import glob
import hashlib
import hmac
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

ORIGIN = "https://bots.example.com"  # the public origin both instances are configured with
TWILIO_ACCOUNT = "AC00000000000000000000000000000001"
TWILIO_TOKEN = b"0123456789abcdef0123456789abcdef"
TWILIO_NUMBER = "whatsapp:+14155238886"
BOTMAKER_TOKEN = "load-test-webhook-token"
BOTMAKER_NUMBER = "+5491155550100"


def twilio(i):
    sid = "SM%032x" % (0x7E570000000000000000000000000000 + i)
    user = "+1415555%04d" % (i % 500)
    params = [
        ("MessageSid", sid), ("SmsSid", sid), ("AccountSid", TWILIO_ACCOUNT),
        ("From", "whatsapp:" + user), ("To", TWILIO_NUMBER), ("Body", "message %d" % i),
        ("NumMedia", "0"), ("ProfileName", "Cliente %d" % (i % 500)), ("WaId", user[1:]),
        ("ApiVersion", "2010-04-01"),
    ]
    url = ORIGIN + "/twilio"
    signed = url + "".join(k + v for k, v in sorted(params))
    sig = base64.b64encode(hmac.new(TWILIO_TOKEN, signed.encode(), hashlib.sha1).digest())
    headers = {"content-type": "application/x-www-form-urlencoded",
               "x-twilio-signature": sig.decode()}
    return sid, "/twilio", urlencode(params).encode(), headers


def botmaker(i):
    mid = "REDISPROOF%012X" % i
    body = {
        "date": "2026-03-02T14:05:09.118Z", "chatPlatform": "whatsapp",
        "contactId": "54911555%05d" % (i % 500), "_id_": mid,
        "sessionId": "KD83JQW0ZX5VR2MTNB7C_2026-03-02T14:05:08.990Z",
        "message": "mensaje %d" % i, "sessionCreationTime": "2026-03-02T14:05:08.990Z",
        "fromName": "Cliente", "customerId": "KD83JQW0ZX5VR2MTNB7C", "from": "user",
        "operatorId": None, "fromCustomer": True, "queue": "_default_",
        "WHATSAPP_NUMBER": BOTMAKER_NUMBER,
    }
    headers = {"content-type": "application/json", "auth-bm-token": BOTMAKER_TOKEN}
    return mid, "/botmaker", json.dumps(body).encode(), headers


def post(base, path, body, headers):
    req = urllib.request.Request(base + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0


def main():
    count, share, out_dir, url_a, url_b = (int(sys.argv[1]), float(sys.argv[2]), sys.argv[3],
                                           sys.argv[4], sys.argv[5])
    kill_pid, kill_at = None, None
    if "--kill" in sys.argv:
        kill_pid = int(sys.argv[sys.argv.index("--kill") + 1])
        kill_at = float(sys.argv[sys.argv.index("--at") + 1])
    rng = random.Random(20261129)
    hooks = [twilio(i) if i % 2 == 0 else botmaker(i) for i in range(count)]
    ids = {h[0] for h in hooks}
    instances = [url_a, url_b]
    lock = threading.Lock()
    stats = {"sent": 0, "answered_200": 0, "not_200": 0, "resent": 0}
    killed = threading.Event()

    def deliver(hook, first):
        """Posts until answered 200; returns the instance that answered it."""
        target = first
        while True:
            status = post(instances[target], hook[1], hook[2], hook[3])
            with lock:
                stats["sent"] += 1
                if kill_pid and not killed.is_set() and stats["sent"] >= kill_at * count:
                    killed.set()
                    os.kill(kill_pid, signal.SIGKILL)
                    print("killed %d after %d posts" % (kill_pid, stats["sent"]), flush=True)
            if status == 200:
                with lock:
                    stats["answered_200"] += 1
                return target
            with lock:
                stats["not_200"] += 1
            time.sleep(0.05)
            target = rng.randrange(2)

    def one(i):
        hook = hooks[i]
        first = deliver(hook, rng.randrange(2))
        if rng.random() < share:
            with lock:
                stats["resent"] += 1
            deliver(hook, 1 - first)

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(one, range(count)))
    sent_s = time.monotonic() - start
    print("sent %d webhooks (%d posts, %d resent to the other instance, %d answered other "
          "than 200 and sent again) in %.1f s" % (count, stats["sent"], stats["resent"],
                                                  stats["not_200"], sent_s), flush=True)

    # Wait for the workers to print every event (a killed worker's are claimed after 30 s).
    deadline = time.monotonic() + 120
    while True:
        seen = {}
        for path in glob.glob(os.path.join(out_dir, "worker-*.out")):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    seen[event.get("id")] = seen.get(event.get("id"), 0) + 1
        handled = ids & seen.keys()
        if len(handled) == len(ids) or time.monotonic() > deadline:
            break
        time.sleep(1)
    twice = sum(1 for i in handled if seen[i] > 1)
    missing = len(ids) - len(handled)
    print("handled %d of %d events; %d handled more than once; %d never handled; "
          "%.1f s from the first post to the last event" % (len(handled), len(ids), twice,
                                                            missing, time.monotonic() - start))
    sys.exit(1 if missing else 0)


main()
