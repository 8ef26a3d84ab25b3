#!/usr/bin/python3
"""Opens a recording in headless Chromium's <video> element and prints what the browser reports; optionally
saves a screenshot of the page (the playing video on the left, the frame at the sought time copied into a
<canvas> on the right, the report below).

    /usr/bin/python3 scripts/browser_playback.py VIDEO [--seek 2.0] [--screenshot OUT.png]

The page is the one tests/media/test_browser_playback.cpp opens (read from that file, one source of truth).
Chromium's own --screenshot fires at the page's load event, before the video has been decoded, and
--virtual-time-budget runs its clock past the media pipeline; so this drives the browser over the DevTools
protocol (--remote-debugging-pipe, standard library only) and waits for the page's report.
Needs `chromium` (Debian: apt-get install chromium; not in scripts/install-deps.sh, too large for CI).
"""
import argparse
import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEST_SOURCE = ROOT / "tests" / "media" / "test_browser_playback.cpp"


def page_html(video_url: str, seek: float) -> str:
    source = TEST_SOURCE.read_text()
    body = source[source.index("std::string pageHtml("):source.index("struct BrowserRun")]
    parts = re.findall(r'R"\((.*?)\)"', body, re.S)
    tag = re.search(r'kResultTag = "([^"]*)"', source).group(1)
    if len(parts) != 4:
        sys.exit(f"cannot read the page from {TEST_SOURCE} (expected 4 raw strings, found {len(parts)})")
    return parts[0] + video_url + parts[1] + f"{seek:f}" + parts[2] + tag + parts[3]


class DevTools:
    """The DevTools protocol over the pipes Chromium reads (fd 3) and writes (fd 4): NUL-separated JSON."""

    def __init__(self, chromium: str, profile: str):
        to_r, self._to = os.pipe()
        self._from, from_w = os.pipe()

        def wire():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--allow-file-access-from-files", "--autoplay-policy=no-user-gesture-required",
             f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "about:blank"],
            preexec_fn=wire, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self._buf = b""
        self._id = 0

    def call(self, method, params=None, session=None):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                chunk = os.read(self._from, 1 << 20)
                if not chunk:
                    sys.exit(f"Chromium closed the DevTools pipe during {method}")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    sys.exit(f"{method}: {reply['error']}")
                return reply["result"]

    def close(self):
        try:
            self.call("Browser.close")
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("video")
    ap.add_argument("--seek", type=float, default=2.0)
    ap.add_argument("--screenshot", help="PNG of the page once it has reported")
    ap.add_argument("--size", default="760,480", help="the page's viewport, WIDTH,HEIGHT")
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        sys.exit("no chromium on PATH (Debian: apt-get install chromium)")
    video = pathlib.Path(args.video).resolve()
    with tempfile.TemporaryDirectory(prefix="facefilter-browser-") as tmp:
        page = pathlib.Path(tmp) / "page.html"
        page.write_text(page_html(video.as_uri(), args.seek))
        browser = DevTools(chromium, str(pathlib.Path(tmp) / "profile"))
        try:
            target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            width, height = (int(v) for v in args.size.split(","))
            browser.call("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
            # '#keep': the page leaves its window open (the test's copy closes it to end the browser).
            browser.call("Page.navigate", {"url": page.as_uri() + "#keep"}, session)
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                done = browser.call("Runtime.evaluate", {"expression": "typeof reported !== 'undefined' && reported",
                                                         "returnByValue": True}, session)
                if done.get("result", {}).get("value") is True:
                    break
                time.sleep(0.1)
            else:
                sys.exit(f"the page did not report within {args.timeout} s")
            report = browser.call("Runtime.evaluate", {"expression": "JSON.stringify(r)", "returnByValue": True},
                                  session)["result"]["value"]
            if args.screenshot:
                shot = browser.call("Page.captureScreenshot", {"format": "png"}, session)["data"]
                pathlib.Path(args.screenshot).write_bytes(base64.b64decode(shot))
        finally:
            browser.close()
    print(json.dumps(json.loads(report), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
