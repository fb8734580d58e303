#!/usr/bin/env python3
"""Drives headless Chromium through the DevTools protocol (over
--remote-debugging-pipe: no port, no websocket) against the registry's
status page, for tests/registry/t_statuspage.sh.

usage: statuspage.py --page URL --api URL --kill PID --gone NAME
                     --gw NAME... [--screenshot FILE]

1. The org page shows every --gw connected, London's uplink as unfriendly,
   the exported subnets (not the ones with use-vpn no), the paths the
   simulator reports and the route decisions.
2. --kill PID stops the simulator running gateway --gone; once the API
   says it is disconnected, the page must show so within one refresh (by
   the second refresh that starts after that moment at the latest).
3. The gateway page of the first --gw has a latency/loss chart.
Only 127.0.0.1; every wait is bounded. Exit status 0 = all held."""
import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


# Chromium's stderr, shown when something fails (its profile is removed).
CHROMIUM_STDERR = None


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    if CHROMIUM_STDERR and os.path.exists(CHROMIUM_STDERR):
        with open(CHROMIUM_STDERR, errors="replace") as f:
            tail = f.read()[-2000:]
        if tail:
            print("chromium's stderr (end):\n" + tail, file=sys.stderr)
    sys.exit(1)


# Two starts and every wait of the test below stay within t_statuspage.sh's
# timeout (250 s) and run.sh's for the script (260 s).
START_SECS = 45


class Browser:
    """Chromium with the DevTools protocol on fds 3 (to it) and 4 (from it)."""

    def __init__(self, profile):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # Out of the way of 3 and 4 before the child puts them there.
        a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
        os.close(to_r)
        os.close(from_w)

        def child():
            os.dup2(a, 3)
            os.dup2(b, 4)

        global CHROMIUM_STDERR
        CHROMIUM_STDERR = os.path.join(profile, "stderr")
        args = [shutil.which("chromium") or "chromium", "--headless", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                "--window-size=1400,1000", "--user-data-dir=" + profile,
                "--remote-debugging-pipe", "about:blank"]
        # No D-Bus: where a bus socket exists but nothing answers on it,
        # Chromium's calls wait out D-Bus's default timeout (25 s).
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/avpn",
                   DBUS_SESSION_BUS_ADDRESS="disabled:")
        self.proc = subprocess.Popen(args, preexec_fn=child, pass_fds=(3, 4), env=env,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(CHROMIUM_STDERR, "w"))
        os.close(a)
        os.close(b)
        self.buf = b""
        self.next_id = 0
        self.session = None
        # A cold start on a busy machine (first run of a fresh profile, the
        # VM suite's emulator next to it) has taken more than 20 s: wait for
        # the browser itself, generously, before timing anything it does.
        try:
            self.call("Browser.getVersion", session=False, timeout=START_SECS)
        except SystemExit:
            self.proc.kill()
            self.proc.wait()
            os.close(self.to_w)
            os.close(self.from_r)
            raise

    def call(self, method, params=None, session=True, timeout=20):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                m = json.loads(raw)
                if m.get("id") == self.next_id:
                    if "error" in m:
                        fail("%s: %s" % (method, m["error"]))
                    return m["result"]
            left = end - time.monotonic()
            if left <= 0:
                fail("no answer to " + method)
            if select.select([self.from_r], [], [], left)[0]:
                chunk = os.read(self.from_r, 1 << 20)
                if not chunk:
                    fail("chromium went away (see its stderr in the profile)")
                self.buf += chunk

    def open(self, url):
        t = self.call("Target.createTarget", {"url": url}, session=False, timeout=40)
        s = self.call("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True},
                      session=False)
        self.session = s["sessionId"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            fail("page script: %s at %s:%s: %s" % (d.get("exception", {}).get("description"),
                                                 d.get("lineNumber"), d.get("columnNumber"), expr))
        return r["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except SystemExit:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# What the page shows, read from its DOM (data-* attributes and text).
SNAPSHOT = r"""(() => {
  if (!document.body || !document.getElementById('gateways'))
    return null; /* still loading */
  const q = s => Array.from(document.querySelectorAll(s));
  return {
    refreshes: Number(document.body.dataset.refreshes),
    error: document.body.dataset.error,
    rows: Object.fromEntries(q('#gateways tr[data-gw]').map(r => [r.dataset.gw, {
      state: r.dataset.state,
      nat: Array.from(r.querySelectorAll('li[data-nat]')).map(l => l.dataset.uplink + '=' + l.dataset.nat),
      text: r.textContent }])),
    paths: q('table.paths').map(t => Array.from(t.querySelectorAll('tr[data-peer]')).map(r =>
      [t.dataset.of, r.dataset.peer, r.dataset.pathState, r.children[4].textContent,
       r.children[5].textContent, r.children[6].textContent])).flat(),
    routes: q('table.routes').map(t => Array.from(t.querySelectorAll('tr[data-subnet]')).map(r =>
      [t.dataset.of, r.dataset.subnet, r.dataset.via])).flat(),
  };
})()"""


def api_state(api, name):
    url = api + "/api/v1/gateways/" + urllib.parse.quote(name)
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)["state"]


def wait(what, cond, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--page", required=True)
    ap.add_argument("--api", required=True)
    ap.add_argument("--kill", type=int, required=True)
    ap.add_argument("--gone", required=True)
    ap.add_argument("--gw", action="append", required=True)
    ap.add_argument("--screenshot")
    a = ap.parse_args()
    profile = tempfile.mkdtemp(prefix="avpn-chromium-")
    try:
        b = Browser(profile)
    except SystemExit:
        # Starting the browser is the environment, not the page under test:
        # one more try with a fresh profile, then it counts as a failure.
        print("(that FAIL was the browser's first start, not the page:"
              " starting Chromium once more)", file=sys.stderr)
        shutil.rmtree(profile, ignore_errors=True)
        profile = tempfile.mkdtemp(prefix="avpn-chromium-")
        b = Browser(profile)
    try:
        b.open(a.page)
        snap = {}

        def all_up():
            nonlocal snap
            snap = b.js(SNAPSHOT) or {"rows": {}, "paths": []}
            return (len(snap["rows"]) == len(a.gw) and
                    all(snap["rows"].get(g, {}).get("state") == "connected" for g in a.gw) and
                    len(snap["paths"]) >= 6)

        wait("every gateway connected on the page: %s" % snap, all_up, 20)
        lon = snap["rows"]["Meraki London - Finsbury"]
        if lon["nat"] != ["wan1=unfriendly"]:
            fail("London's NAT on the page: %s" % lon["nat"])
        sf = snap["rows"]["Meraki San Francisco - Security"]
        if "10.20.0.0/16" not in sf["text"] or "10.21.0.0/16" in sf["text"]:
            fail("SF's exported subnets: %s" % sf["text"])
        if sf["nat"] != ["wan1=friendly"]:
            fail("SF's NAT on the page: %s" % sf["nat"])
        # The simulator: every path up, 20 ms for the first peer, 1 % loss,
        # 3 ms jitter (3.1 ms for the second).
        want = ["Meraki London - Finsbury", "Cisco Cloud Interconnect - San Jose", "up",
                "20.0 ms", "1.00 %", "3.0 ms"]
        if want not in snap["paths"]:
            fail("London's path to San Jose: %s" % snap["paths"])
        if any(p[2] != "up" for p in snap["paths"]):
            fail("a path not up: %s" % snap["paths"])
        for r in (["Meraki London - Finsbury", "10.10.0.0/16", "Cisco Cloud Interconnect - San Jose"],
                  ["Meraki London - Finsbury", "10.20.0.0/16", "Meraki San Francisco - Security"],
                  ["Cisco Cloud Interconnect - San Jose", "10.0.20.0/24", "Meraki London - Finsbury"]):
            if r not in snap["routes"]:
                fail("route decision %s missing: %s" % (r, snap["routes"]))
        print("page: %d gateways connected, London unfriendly, %d paths up, %d route decisions"
              % (len(snap["rows"]), len(snap["paths"]), len(snap["routes"])))

        # Stop one gateway: the page must follow within one refresh.
        os.kill(a.kill, 15)
        t0 = time.monotonic()
        wait("the API to call %s disconnected" % a.gone,
             lambda: api_state(a.api, a.gone) == "disconnected", 20)
        k = b.js(SNAPSHOT)["refreshes"]
        t1 = time.monotonic()

        def shown():
            nonlocal snap
            snap = b.js(SNAPSHOT)
            return snap["rows"][a.gone]["state"] == "disconnected" or snap["refreshes"] > k + 2

        wait("the page to show %s disconnected" % a.gone, shown, 20)
        if snap["rows"][a.gone]["state"] != "disconnected":
            fail("%s still shown %s after refresh %d (API disconnected at refresh %d)"
                 % (a.gone, snap["rows"][a.gone]["state"], snap["refreshes"], k))
        others = [g for g in a.gw if g != a.gone]
        if any(snap["rows"][g]["state"] != "connected" for g in others):
            fail("others not connected: %s" % snap["rows"])
        print("%s: API disconnected %.1f s after the kill (page at refresh %d), page showed it"
              " at refresh %d, %.1f s later" % (a.gone, t1 - t0, k, snap["refreshes"],
                                                time.monotonic() - t1))

        # The gateway page: its history chart.
        b.js("location.hash = '#/gateway/' + encodeURIComponent(%s)" % json.dumps(a.gw[0]))

        def chart():
            return b.js("(() => { const s = document.querySelector('svg.history');"
                        " return s && Number(s.dataset.samples) >= 2 &&"
                        " s.querySelector('polyline.latency').getAttribute('points').split(' ')"
                        ".length >= 2 ? Number(s.dataset.samples) : 0; })()")

        n = wait("a history chart with 2 samples on %s's page" % a.gw[0], chart, 20)
        print("%s's page: latency/loss chart of %d samples" % (a.gw[0], n))
        if a.screenshot:
            b.js("location.hash = ''")
            wait("the org page again", lambda: b.js(
                "document.querySelector('#gateways') !== null"), 10)
            png = b.call("Page.captureScreenshot", {"format": "png"})["data"]
            with open(a.screenshot, "wb") as f:
                f.write(base64.b64decode(png))
    finally:
        b.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
