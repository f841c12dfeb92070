#!/usr/bin/env python3
"""Hostile-client measurements of `modelbrief serve`, all on loopback (issue 15's cases).

Usage: scripts/hostile-web.py [path/to/modelbrief] (default target/release/modelbrief)
Needs aiosmtpd for the SMTP sink: run it with the test virtualenv's python
(target/tmp/test-python/bin/python, which `cargo test` creates).

Starts a real SMTP server (tests/smtp_server.py, answering 0.5 s after each message) and
`modelbrief serve` under `ulimit -n 1024` (the systemd default), then measures:
  slowloris   1,100 half-sent requests from 127.0.0.2, then 5 GET /healthz from 127.0.0.1
  timing      POST /subscribe answer time, new addresses vs a confirmed one (median, ms)
  flood       50 case/+tag variants of one mailbox from 5 IPs: rows created, mails sent
  spoof       30 requests with forged X-Forwarded-For: how many passed a 10/minute limit
Prints one JSON object.
"""
import http.client
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/modelbrief")
SECRET = "hostile-web-measurement-key-0123456789abcdef"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(base, path, body, headers=None, source="127.0.0.1"):
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    h = {"content-type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    started = time.perf_counter()
    conn.request("POST", path, body=body.encode(), headers=h)
    r = conn.getresponse()
    code, text = r.status, r.read().decode()
    conn.close()
    return code, text, (time.perf_counter() - started) * 1000


def healthz(base):
    ok = 0
    for _ in range(5):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=3) as r:
                ok += r.status == 200
        except Exception:
            pass
    return ok


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    work = tempfile.mkdtemp(prefix="hostile-web-")
    mail = os.path.join(work, "mail")
    smtp = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests/smtp_server.py"), mail, "--stall", "0.5"],
        stdout=subprocess.PIPE,
    )
    smtp_port = int(smtp.stdout.readline().split()[1])
    port = free_port()
    config = os.path.join(work, "modelbrief.toml")
    with open(config, "w") as f:
        f.write(
            f'[database]\npath = "{work}/m.db"\n\n[smtp]\nport = {smtp_port}\n\n'
            f'[web]\nlisten = "127.0.0.1:{port}"\nbase_url = "http://127.0.0.1:{port}"\n'
            "subscribe_per_ip_per_minute = 10\nrecord_ip = true\n"
        )
    env = dict(os.environ, MODELBRIEF__TOKENS__SECRET=SECRET)
    log = open(os.path.join(work, "serve.log"), "w")
    serve = subprocess.Popen(
        [BIN, "--config", config, "serve"],
        stdout=subprocess.PIPE,
        stderr=log,
        env=env,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)),
    )
    base = serve.stdout.readline().decode().strip().removeprefix("listening on ")
    out = {}
    try:
        # slowloris
        held = []
        for _ in range(1100):
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            try:
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                held.append(s)
            except OSError:
                s.close()
        time.sleep(0.5)
        out["slowloris_healthz_ok_of_5"] = healthz(base)
        still_open = 0
        for s in held:
            s.setblocking(False)
            try:
                still_open += s.recv(1) != b""
            except BlockingIOError:
                still_open += 1
            except OSError:
                pass
        out["slowloris_connections_held_by_one_client"] = still_open
        for s in held:
            s.close()
        time.sleep(0.5)
        out["too_many_open_files_logged"] = "Too many open files" in open(log.name).read()

        # timing: a confirmed address vs new ones (each IP its own, to stay under the limit)
        code, _, _ = post(base, "/subscribe", "email=known%40example.com&consent=yes")
        deadline = time.time() + 10
        link = None
        while time.time() < deadline and link is None:
            for name in sorted(os.listdir(mail)) if os.path.isdir(mail) else []:
                m = re.search(r"http://\S+/confirm\?token=[^\s\"<>]+", open(os.path.join(mail, name), errors="replace").read().replace("=\n", ""))
                if m:
                    link = m.group(0).replace("=3D", "=")
            time.sleep(0.1)
        if link:
            urllib.request.urlopen(urllib.request.Request(link, data=b"", method="POST"), timeout=5)
        new, known, bodies = [], [], set()
        for i in range(8):
            for email, into in ((f"new{i}%40example.com", new), ("known%40example.com", known)):
                code, text, ms = post(
                    base, "/subscribe", f"email={email}&consent=yes", source=f"127.0.1.{i + 1}"
                )
                into.append(ms)
                bodies.add((code, text))
        out["timing_new_median_ms"] = round(statistics.median(new), 2)
        out["timing_confirmed_median_ms"] = round(statistics.median(known), 2)
        out["timing_distinct_answers"] = len(bodies)
        out["known_confirmed"] = link is not None

        # flood: 50 case/+tag variants of one mailbox from 5 source IPs (10 each)
        codes = []
        for i in range(50):
            local = "".join(c.upper() if (i >> (j % 6)) & 1 else c for j, c in enumerate("victim"))
            v = f"{local}%2B{i % 5}" if i % 2 else local
            source = f"127.0.0.{3 + i % 5}"
            codes.append(post(base, "/subscribe", f"email={v}%40example.com&consent=yes", source=source)[0])
        time.sleep(6)

        def to_victim(name):
            text = open(os.path.join(mail, name), errors="replace").read()
            return re.search(r"^To:.*victim", text, re.I | re.M) is not None

        out["flood_requests_answered_200"] = codes.count(200)
        out["flood_mails_to_the_mailbox"] = sum(map(to_victim, os.listdir(mail)))

        # spoof: forged X-Forwarded-For (no trusted proxy configured)
        time.sleep(61)  # a fresh minute for the per-IP limit
        passed = 0
        for i in range(30):
            code, _, _ = post(
                base,
                "/subscribe",
                f"email=spoof{i}%40example.com&consent=yes",
                {"x-forwarded-for": f"10.{i}.0.1, <script>x</script>"},
            )
            passed += code == 200
        out["spoof_passed_of_30_limit_10"] = passed
    finally:
        serve.terminate()
        smtp.terminate()
        serve.wait()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
