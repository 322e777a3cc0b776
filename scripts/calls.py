#!/usr/bin/env python3
"""The file-level call graph of trex's components, from the built objects.

usage: calls.py BUILD DIR... [--dot]

For each DIR/*.o under BUILD: the global symbols it defines and the ones it
uses (nm). A file calls another when it uses a symbol the other defines.
Prints each loop (a strongly connected component of more than one file)
on a line, the files joined by spaces, and with --dot the graph in
Graphviz form instead. Exit 0 either way: the caller decides.
"""
import collections
import glob
import os
import subprocess
import sys


def graph(build, dirs):
    defs, uses = {}, {}
    objs = [o for d in dirs for o in sorted(glob.glob(os.path.join(build, d, "*.o")))]
    if not objs:
        return [], {}
    # one nm for every object: "OBJ: [ADDR] TYPE SYMBOL" per line
    out = subprocess.run(["nm", "-A"] + objs, capture_output=True, text=True, check=True).stdout
    for obj in objs:
        uses[os.path.relpath(obj, build)[:-2] + ".c"] = set()
    for line in out.splitlines():
        obj, _, rest = line.partition(":")
        name = os.path.relpath(obj, build)[:-2] + ".c"
        p = rest.split()
        if len(p) == 3 and p[1] in "TDBR":
            defs[p[2]] = name
        elif len(p) == 2 and p[0] == "U":
            uses[name].add(p[1])
    g = collections.defaultdict(set)
    for f, used in uses.items():
        for s in used:
            if s in defs and defs[s] != f:
                g[f].add(defs[s])
    return uses.keys(), g


def loops(nodes, g):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def main(argv):
    dot = "--dot" in argv
    args = [a for a in argv if a != "--dot"]
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    nodes, g = graph(args[0], args[1:])
    if dot:
        print("digraph calls {\n  rankdir=LR; node [shape=box, fontsize=10];")
        for f in sorted(g):
            for t in sorted(g[f]):
                print(f'  "{f}" -> "{t}";')
        print("}")
        return 0
    for comp in loops(nodes, g):
        print(" ".join(comp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
