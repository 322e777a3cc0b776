"""One section of bench/BENCHMARKS.md replaced (or appended) by a
benchmark script, every other section left as it is."""
import os
import re


def write_section(out, title, section):
    text = open(out).read() if os.path.exists(out) else "# Benchmarks\n"
    pat = re.compile(r"^## " + re.escape(title) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    if pat.search(text):
        text = pat.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    open(out, "w").write(text)
