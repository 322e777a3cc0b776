#!/usr/bin/python3
"""The review page in headless Chromium (trexd_review_web.t drives it).

Prints "PASS name" / "FAIL name: why" lines the suite turns into TAP. The
browser reaches loopback only: every other address goes to a proxy that
does not exist."""
import argparse
import http.client
import json
import re
import sys
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

failed = 0


def result(name, good, why=""):
    global failed
    if good:
        print(f"PASS {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {why}", flush=True)


def browser(profile):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--user-data-dir={profile}", "--no-first-run", "--disable-sync",
              "--disable-background-networking", "--disable-component-update",
              "--disable-default-apps", "--disable-extensions", "--window-size=1280,1000",
              "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def request(origin, method, path, cookie=None, body=None, headers=None):
    """One request outside the browser: (status, body)."""
    u = urllib.parse.urlsplit(origin)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = "trex_review=" + cookie
    if body is not None:
        h.setdefault("Content-Type", "application/x-www-form-urlencoded")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    return r.status, r.read().decode("utf-8", "replace")


def flagged_on_page(d):
    """{(row, column, action)} of the held table's highlighted cells, and
    each flagged cell's title."""
    heads = [th.text for th in d.find_elements(By.CSS_SELECTOR, "#held thead th")][1:]
    got, titles = set(), {}
    for td in d.find_elements(By.CSS_SELECTOR, "#held td"):
        classes = (td.get_attribute("class") or "").split()
        row, col = int(td.get_attribute("data-row")), int(td.get_attribute("data-col"))
        for c in classes:
            if c.startswith("sdc-"):
                got.add((row, heads[col], c[4:]))
                titles[(row, heads[col])] = td.get_attribute("title") or ""
    return got, titles


def checker(args, report):
    d = browser(args.profile + "-dave")
    try:
        d.get(args.link)
        result("the sign-in link lands on the queue", d.current_url == args.origin + "/review",
               d.current_url)
        result("... as dave", d.find_element(By.ID, "user").text == "dave")
        d.save_screenshot(f"{args.shots}/1-queue.png")
        links = [a for a in d.find_elements(By.CSS_SELECTOR, "a.open")
                 if a.get_attribute("href").endswith(f"/review/{args.job}/t.csv")]
        result("the queue lists the held table", len(links) == 1)
        votes = d.find_element(By.CSS_SELECTOR, "#queue td.votes").text
        result("... votes blinded: how many are needed, not who voted",
               "2 checkers needed" in votes and "carol" not in d.page_source, votes)
        sid = d.get_cookie("trex_review")["value"]
        links[0].click()
        WebDriverWait(d, 20).until(lambda x: x.find_elements(By.ID, "held"))
        result("the held table opens", d.current_url.endswith(f"/review/{args.job}/t.csv"))
        d.save_screenshot(f"{args.shots}/2-table.png")
        want = {(c["row"], c["measure"], c["action"]) for c in report["cells"]}
        got, titles = flagged_on_page(d)
        result("the highlighted cells are the report's, with its actions", got == want,
               f"page {sorted(got)} report {sorted(want)}")
        for c in report["cells"]:
            t = titles.get((c["row"], c["measure"]), "")
            result(f"row {c['row']} {c['measure']}: its rule and reason on hover",
                   c["rule"] in t and c["reason"] in t, t)
        prim = [td for td in d.find_elements(By.CSS_SELECTOR, "#held td.sdc-primary")]
        sec = [td for td in d.find_elements(By.CSS_SELECTOR, "#held td.sdc-secondary")]
        other = [td for td in d.find_elements(By.CSS_SELECTOR, "#held td")
                 if "sdc-" not in (td.get_attribute("class") or "")]
        colours = {td.value_of_css_property("background-color") for td in prim}
        result("primary and secondary suppressions look different", sec and
               colours.isdisjoint({td.value_of_css_property("background-color") for td in sec}))
        result("a primary suppression stands out from unflagged cells", prim and other and
               colours.isdisjoint({td.value_of_css_property("background-color") for td in other}))
        heat = [td for td in d.find_elements(By.CSS_SELECTOR, "#held td")
                if re.search(r"\bheat-\d\b", td.get_attribute("class") or "")]
        result("counts are shaded as a heatmap", len(heat) >= 3, len(heat))
        listing = d.find_element(By.CSS_SELECTOR, "#code pre.listing").text
        result("the job's code is listed, as text (markup in it escaped)",
               "<b>not markup</b>" in listing, listing[:200])
        result("its resource figures", "wall_ms" in d.find_element(By.ID, "resources").text)
        tl = d.find_element(By.ID, "timeline").text
        result("its timeline, carol's pending vote blinded", "submitted by alice" in tl and
               "carol" not in tl and "first vote" not in tl, tl)
        csrf = d.find_element(By.CSS_SELECTOR, "#decision input[name=csrf]").get_attribute("value")
        path = f"/review/{args.job}/t.csv"
        ok_hdr = {"Origin": args.origin, "Sec-Fetch-Site": "same-origin"}
        form = urllib.parse.urlencode({"decision": "release", "reason": "forged"})
        st, _ = request(args.origin, "POST", path, sid, form, ok_hdr)
        result("a POST without the CSRF token is refused: 403", st == 403, st)
        form = urllib.parse.urlencode({"csrf": "0" * 64, "decision": "release", "reason": "x"})
        st, _ = request(args.origin, "POST", path, sid, form, ok_hdr)
        result("... with a wrong token: 403", st == 403, st)
        form = urllib.parse.urlencode({"csrf": csrf, "decision": "release", "reason": "x"})
        st, _ = request(args.origin, "POST", path, sid, form,
                        {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
        result("... with the token from another origin: 403", st == 403, st)
        st, _ = request(args.origin, "POST", path, sid, form,
                        {"Origin": args.origin, "Sec-Fetch-Site": "cross-site"})
        result("... marked cross-site by the browser: 403", st == 403, st)
        st, _ = request(args.origin, "POST", path, None, form, ok_hdr)
        result("... without a session: 403", st == 403, st)
        form = urllib.parse.urlencode({"csrf": csrf, "decision": "release", "reason": "  "})
        st, body = request(args.origin, "POST", path, sid, form, ok_hdr)
        result("a decision without a reason is refused: 400", st == 400 and "reason" in body, st)
        d.get(args.origin + path)
        result("still held after the refused requests",
               d.find_element(By.ID, "output-state").text == "held for review")
        d.find_element(By.ID, "reason").send_keys("checked in the browser: margin explained")
        d.save_screenshot(f"{args.shots}/3-decision.png")
        d.find_element(By.ID, "release").click()
        WebDriverWait(d, 20).until(lambda x: x.find_elements(By.ID, "message"))
        msg = d.find_element(By.ID, "message").text
        result("the release is recorded and the job's new state shown",
               "t.csv: released" in msg and f"Job {args.job} is now released" in msg, msg)
        d.save_screenshot(f"{args.shots}/4-released.png")
        d.get(args.origin + path)
        result("the table's page now says released",
               d.find_element(By.ID, "output-state").text == "released" and
               d.find_element(By.ID, "job-state").text == "released")
        result("... and offers no decision any more", not d.find_elements(By.ID, "decision"))
        d.get(args.origin + "/review")
        result("the queue no longer lists it", not [
            a for a in d.find_elements(By.CSS_SELECTOR, "a.open")
            if a.get_attribute("href").endswith(f"/review/{args.job}/t.csv")])
        d.save_screenshot(f"{args.shots}/5-queue-after.png")
        logs = [a for a in d.find_elements(By.CSS_SELECTOR, "a.open-log")
                if a.get_attribute("href").endswith(f"/review/logs/{args.job}/stdout")]
        result("the queue lists the job's held stdout", len(logs) == 1)
        logs[0].click()
        WebDriverWait(d, 20).until(lambda x: x.find_elements(By.ID, "log"))
        result("the held log opens, as text", d.find_element(By.ID, "log").text.strip() ==
               "wrote <the> table", d.find_element(By.ID, "log").text)
        d.find_element(By.ID, "reason").send_keys("the log is not needed")
        d.find_element(By.ID, "reject").click()
        WebDriverWait(d, 20).until(lambda x: x.find_elements(By.ID, "message"))
        msg = d.find_element(By.ID, "message").text
        result("the log is rejected", "stdout: rejected" in msg, msg)
        d.get(f"{args.origin}/review/logs/{args.job}/stdout")
        result("... and no longer shown", d.find_element(By.ID, "output-state").text == "rejected"
               and not d.find_elements(By.ID, "log"))
        d.save_screenshot(f"{args.shots}/6-log-rejected.png")
        d.find_element(By.ID, "logout").click()
        # the sign-out page first: a navigation started before it would race the POST
        WebDriverWait(d, 20).until(
            lambda x: x.find_elements(By.ID, "message") and
            x.find_element(By.ID, "message").text == "signed out")
        d.get(args.origin + "/review")
        result("after signing out the queue is refused",
               "not signed in" in d.find_element(By.ID, "message").text)
    finally:
        d.quit()


def researcher(args):
    """mallory does research in P1 and checks others' projects: her
    session must not open a P1 job's page."""
    d = browser(args.profile + "-mallory")
    try:
        d.get(args.mallory)
        result("mallory signs in", d.find_element(By.ID, "user").text == "mallory")
        sid = d.get_cookie("trex_review")["value"]
        row = [tr for tr in d.find_elements(By.CSS_SELECTOR, "#queue tr.item")
               if tr.find_element(By.CSS_SELECTOR, "td.job").text == args.job]
        # GET /v1/review leaves out the jobs of projects the checker does
        # research in (review_independent): the page's queue is its answer
        result("her queue does not list her project's held table", not row)
        d.get(f"{args.origin}/review/{args.job}/t.csv")
        d.save_screenshot(f"{args.shots}/0-mallory-refused.png")
        src = d.page_source
        result("her session gets no page of her project's job",
               "its review page is for other checkers" in src and 'id="held"' not in src and
               "Total" not in src and "margins" not in src)
        st, body = request(args.origin, "GET", f"/review/{args.job}/t.csv", sid)
        result("... 403", st == 403, st)
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', body).group(1)
        form = urllib.parse.urlencode({"csrf": csrf, "decision": "reject", "reason": "x"})
        st, _ = request(args.origin, "POST", f"/review/{args.job}/t.csv", sid, form,
                        {"Origin": args.origin})
        result("... nor a decision on it, with her own valid token: 403", st == 403, st)
    finally:
        d.quit()


def main():
    p = argparse.ArgumentParser()
    for a in ("link", "mallory", "origin", "job", "report", "shots", "profile"):
        p.add_argument("--" + a, required=True)
    args = p.parse_args()
    job = json.load(open(args.report))
    report = [f for f in job["report"]["files"] if f["file"] == "t.csv"][0]
    researcher(args)
    checker(args, report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
