"""Django's side of `hash-time --pairs`: alternate one bare hashlib PBKDF2-SHA256 (what
Django's PBKDF2PasswordHasher computes) and one POST /api/token/ on a keep-alive
connection; print `login_median_ms hash_median_ms overhead_median_ms overhead_min_ms`.

    python login_pairs.py HOST:PORT ITERATIONS PAIRS BODY
"""
import hashlib
import http.client
import statistics
import sys
import time

host, iterations, pairs, body = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
headers = {"Content-Type": "application/x-www-form-urlencoded"}
conn = http.client.HTTPConnection(host)


def login():
    global conn
    start = time.perf_counter()
    try:
        conn.request("POST", "/api/token/", body, headers)
        response = conn.getresponse()
    except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
        # gunicorn closes a keep-alive connection idle for 2 s, and a loaded machine can
        # spend that long on two hashes in a row: once more, on a new connection.
        conn.close()
        conn = http.client.HTTPConnection(host)
        start = time.perf_counter()
        conn.request("POST", "/api/token/", body, headers)
        response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1e3
    if response.status != 200:
        sys.exit(f"login answered {response.status}")
    return elapsed


def bare_hash():
    start = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"contrasenasegura", b"abcdefghijklmnopqrstuv", iterations)
    return (time.perf_counter() - start) * 1e3


login()
bare_hash()
logins, hashes, overheads = [], [], []
for i in range(pairs):
    if i % 2 == 0:
        h = bare_hash()
        l = login()
    else:
        l = login()
        h = bare_hash()
    logins.append(l)
    hashes.append(h)
    overheads.append(l - h)
print("%.3f %.3f %.3f %.3f" % (statistics.median(logins), statistics.median(hashes),
                               statistics.median(overheads), min(overheads)))
