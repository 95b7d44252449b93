"""Injected faults: per-path answers, rate limiting, TLS and token faults.

A path fault matches the request path (no query) exactly or as an fnmatch
pattern ("/user_management/*"), fires `count` times (default once) or
forever, and is one of: status N (with an optional Retry-After), malformed
JSON, a truncated body (Content-Length larger than what is sent, then the
connection closes), closing the connection without an answer, or a delay
before the normal answer.
"""

import collections
import fnmatch
import threading
import time

KINDS = ("status", "malformed", "truncate", "close", "delay")
TLS_MODES = ("off", "untrusted-ca", "wrong-host")


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        with self.lock:
            self.path_faults = []
            self.tls = "off"
            self.token = None
            self.ratelimit = 0
            self.windows = collections.defaultdict(collections.deque)

    def add(self, path, kind, status=None, retry_after=None, delay_ms=None, count=1):
        if kind not in KINDS:
            raise ValueError("unknown fault kind %r" % (kind,))
        f = {"path": path, "kind": kind, "status": status, "retry_after": retry_after,
             "delay_ms": delay_ms, "remaining": count, "fired": 0}
        with self.lock:
            self.path_faults.append(f)
        return f

    def take(self, path):
        """The first armed fault matching path, counted as fired."""
        with self.lock:
            for f in self.path_faults:
                if f["remaining"] == 0:
                    continue
                if f["path"] == path or fnmatch.fnmatchcase(path, f["path"]):
                    if f["remaining"] is not None:
                        f["remaining"] -= 1
                    f["fired"] += 1
                    return dict(f)
        return None

    def rate_check(self, key):
        """None when allowed, else the seconds to wait (Retry-After)."""
        with self.lock:
            limit = self.ratelimit
            if not limit:
                return None
            now = time.time()
            win = self.windows[key]
            while win and win[0] <= now - 60:
                win.popleft()
            if len(win) >= limit:
                return max(1, int(win[0] + 60 - now + 0.999))
            win.append(now)
            return None

    def subject_rate_check(self, subject, limit):
        """Like rate_check, for a per-subject limit (email, challenge id)."""
        with self.lock:
            now = time.time()
            win = self.windows["subject:" + subject]
            while win and win[0] <= now - 60:
                win.popleft()
            if len(win) >= limit:
                return max(1, int(win[0] + 60 - now + 0.999))
            win.append(now)
            return None

    def describe(self):
        with self.lock:
            return {"path_faults": [dict(f) for f in self.path_faults], "tls": self.tls,
                    "token": self.token or "off", "ratelimit_per_minute": self.ratelimit}
