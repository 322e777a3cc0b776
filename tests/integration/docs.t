#!/bin/sh
# The map stays true to the tree (issue #22): every path docs/DESIGN.md,
# docs/ATTACKS.md and docs/STYLE.md cite exists, every function they cite
# is in the file named with it, every "ATTACKS N" row the code cites is a
# row of docs/ATTACKS.md and every test a row names exists, nothing points
# at a document outside the repository, every diagram source has its
# committed rendering, and the calls docs/STYLE.md "Calls the code does
# not make" lists appear in no component's C sources. Reads files only:
# no build, no root.
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
cd "$TREX_ROOT" || exit 1
if ! command -v python3 >/dev/null; then
	not_ok "python3 is installed (make deps)"
	done_testing
	exit 1
fi

# cited FILE: "missing PATH" or "no FUNC in PATH", one per line
cited() {
	python3 - "$1" <<'PY'
import os, re, sys
doc = sys.argv[1]
text = open(doc, encoding="utf-8").read()
top = r"(?:agent|bench|common|debian|docs|examples|policies|runner|sandbox|scripts|tests)"
path = top + r"/[A-Za-z0-9_.\-/]*[A-Za-z0-9_\-/]"
out = set()
def exists(p):
    return os.path.exists(p)
for m in re.finditer(r"(?<![\w/.<>-])(" + path + r")", text):
    p = m.group(1)
    if not exists(p):
        out.add("missing " + p)
# markdown links, relative to the document's folder
for m in re.finditer(r"\]\(([^)#\s]+)", text):
    t = m.group(1)
    if "://" in t:
        continue
    if not exists(os.path.normpath(os.path.join(os.path.dirname(doc), t))):
        out.add("missing link " + t)
# file:`func`, `func`, file and file (`func`
fn = r"`([A-Za-z_][A-Za-z0-9_]*)`"
pairs = [(m.group(1), m.group(2)) for m in re.finditer("(" + path + r"):" + fn, text)]
pairs += [(m.group(2), m.group(1)) for m in re.finditer(fn + r", (" + path + ")", text)]
pairs += [(m.group(1), m.group(2)) for m in re.finditer("(" + path + r") \(" + fn, text)]
for f, name in pairs:
    if os.path.isfile(f) and not re.search(r"\b" + re.escape(name) + r"\b",
                                          open(f, encoding="utf-8", errors="replace").read()):
        out.add("no %s in %s" % (name, f))
print("\n".join(sorted(out)))
PY
}
for d in docs/DESIGN.md docs/ATTACKS.md docs/STYLE.md; do
	expect_eq "$d: every cited path and function exists" "" "$(cited "$d")"
done

# the rows the code cites ("ATTACKS 24", "ATTACKS rows 72, 74, 80",
# "ATTACKS 61-63") are rows of the list
rows=$(sed -n 's/^| \([0-9U][0-9]*\) |.*/\1/p' docs/ATTACKS.md | tr '\n' ' ')
bad=
for n in $(grep -rhoE 'ATTACKS (rows? )?[0-9]+((-|, )[0-9]+)*' agent common policies runner sandbox tests |
	grep -oE '[0-9]+' | sort -un); do
	case " $rows " in *" $n "*) ;; *) bad="$bad $n" ;; esac
done
expect_eq "every ATTACKS row the code cites is in docs/ATTACKS.md" "" "$bad"
expect_eq "docs/ATTACKS.md keeps rows 1 to 80" "$(seq 1 80 | tr '\n' ' ')" \
	"$(echo "$rows" | tr ' ' '\n' | grep -E '^[0-9]+$' | tr '\n' ' ')"

# every test a row of docs/ATTACKS.md names (a quoted TAP name, or a
# RESIDUAL.md heading, in its last column) is one the suites print
missing=$(python3 - <<'PY'
import glob, re
corpus = "".join(open(f, encoding="utf-8").read()
                 for f in glob.glob("tests/escape/*.*") + glob.glob("tests/integration/*.t"))
for line in open("docs/ATTACKS.md", encoding="utf-8"):
    if re.match(r"^\| [0-9U]", line):
        for name in re.findall(r'"([^"]+)"', line.rstrip(" |\n").split(" | ")[-1]):
            if name.replace("\\|", "|") not in corpus:
                print(line.split(" | ")[0].strip("| "), name)
PY
)
expect_eq "every test docs/ATTACKS.md names exists" "" "$missing"

# documents outside the repository (the founding copies) are not cited
outside="/work/""shared|\.\./""shared"
hits=$(grep -rlE "$outside" --exclude-dir=.git --exclude-dir='build*' . 2>/dev/null)
expect_eq "no reference to documents outside the repository" "" "$hits"

for dot in docs/design/*.dot; do
	check "$dot is rendered: ${dot%.dot}.svg (make diagrams)" test -s "${dot%.dot}.svg"
done

# the calls docs/STYLE.md says the code does not make, outside comments
banned='sprintf|vsprintf|strcpy|strcat|strncpy|strncat|gets|atoi|atol|atoll|atof|tmpnam|mktemp|alloca|system|popen'
found=$(grep -rnE "(^|[^A-Za-z0-9_.>])($banned)[[:space:]]*\(" --include='*.c' --include='*.h' \
	agent common policies runner sandbox bench/synth | grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/\*|\*|//)')
expect_eq "no banned call in the components' C sources" "" "$found"
for w in $(echo "$banned" | tr '|' ' '); do
	grep -q "\`$w\`" docs/STYLE.md || not_ok "docs/STYLE.md lists $w"
done
done_testing
