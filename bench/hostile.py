#!/usr/bin/env python3
"""Hostile and huge inputs for every csflow command, each at two sizes, timed and measured.

    bench/hostile.py [--bin target/release] [--scale 1.0] [--out table.md]

For each case it generates the input under $WORK (default /tmp/csflow-hostile-bench), runs
the command under /usr/bin/time, and prints one markdown row: the wall time and peak RSS at
size n and at size k·n, and the growth exponent log(t₂/t₁)/log(k) (1 is linear; O(n log n)
stays near 1.1; 2 would be quadratic). Targets (SECURITY.md): exponent well below 2, and
every input under the size limits below 10 s and 2 GB. Results: bench/README.md.
"""

import argparse
import math
import os
import subprocess
import sys

MB = 1024 * 1024


def flow(states: str, header: str = "") -> str:
    return (
        "queue general { }\nintent agent { \"agent\" }\n" + header + "flow f {\n  channel chat\n  start s0\n"
        "  on no_match retry 1 then handoff general\n  escalate { when intent agent handoff general }\n"
        + states
        + "}\n"
    )


def long_unknown_name(n: int) -> str:
    name = "s" * n
    return flow(f"  state s0 {{ say \"hi\" goto {name}x }}\n  state {name} {{ end }}\n")


def many_unknown_names(n: int) -> str:
    states = "".join(f"  state s{i} {{ say \"hi\" goto missing_{i} }}\n" for i in range(n))
    return flow(states)


def keyless_menu(n: int) -> str:
    options = "".join(f"      option \"choice {i}\" goto s1\n" for i in range(n))
    return flow(f"  state s0 {{\n    menu \"Pick\" {{\n{options}    }}\n  }}\n  state s1 {{ end }}\n")


def identical_examples(n: int) -> str:
    examples = "\"same words\" " * n
    return flow("  state s0 { end }\n", header=f"intent copy {{ {examples} }}\n")


def many_ands(n: int) -> str:
    chain = " and ".join(["true"] * n)
    return flow(f"  state s0 {{ if {chain} {{ end }} else {{ end }} }}\n")


def many_queues(n: int) -> str:
    return "".join(f"queue q{i} {{ }}\n" for i in range(n))


def big_project(n: int) -> str:
    states = "".join(
        f"  state s{i} {{ menu \"Pick\" {{ option \"a\" key 1 goto s{(i + 1) % n} option \"b\" key 2 end }} }}\n"
        for i in range(n)
    )
    return flow(states)


def chain(n: int) -> str:
    states = "".join(f"  state s{i} {{ say \"hi {i}\" goto s{i + 1} }}\n" for i in range(n - 1))
    return flow(states + f"  state s{n - 1} {{ end }}\n")


def long_line(n: int) -> bytes:
    return b"x" * n + b"\n#1\n"


RUN_FLOW = flow("  state s0 { menu \"Pick\" { option \"a\" key 1 end } }\n")

# (name, generator, n, k, args) — args use {file} for the generated input.
CASES = [
    ("check: one unknown name of n chars next to a similar state", long_unknown_name, 30_000, 4, ["check", "{file}"]),
    ("check: n unknown names in a flow of n states", many_unknown_names, 5_000, 4, ["check", "{file}"]),
    ("check: a menu of n key-less options", keyless_menu, 25_000, 4, ["check", "{file}"]),
    ("check: n identical examples in one intent", identical_examples, 25_000, 4, ["check", "{file}"]),
    ("check: an `and` chain of n parts", many_ands, 750_000, 4, ["check", "{file}"]),
    ("check --format sarif: n warnings", many_queues, 50_000, 4, ["check", "{file}", "--format", "sarif"]),
    ("check --format json: n warnings", many_queues, 50_000, 4, ["check", "{file}", "--format", "json"]),
    ("check (human): n warnings", many_queues, 500_000, 4, ["check", "{file}"]),
    ("check --format short: n warnings", many_queues, 500_000, 4, ["check", "{file}", "--format", "short"]),
    ("build: n states", big_project, 25_000, 4, ["build", "{file}", "-o", "{work}/out.csfb"]),
    ("graph --format dot: a chain of n states", chain, 20_000, 4, ["graph", "{file}", "--format", "dot"]),
    ("graph --format mermaid: a chain of n states", chain, 20_000, 4, ["graph", "{file}", "--format", "mermaid"]),
    ("graph --format json: a chain of n states", chain, 20_000, 4, ["graph", "{file}", "--format", "json"]),
    ("disasm: bundle of n states", big_project, 25_000, 4, ["disasm", "{work}/out.csfb"]),
]


def measure(command, stdin=None):
    timed = ["/usr/bin/time", "-f", "%e %M"] + command
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as feed:
        result = subprocess.run(timed, stdin=feed, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    last = result.stderr.decode(errors="replace").strip().splitlines()[-1]
    seconds, kilobytes = last.split()
    return float(seconds), int(kilobytes) * 1024, result.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default="target/release")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    work = os.environ.get("WORK", "/tmp/csflow-hostile-bench")
    os.makedirs(work, exist_ok=True)
    csflow = os.path.join(args.bin, "csflow")
    runtime = os.path.join(args.bin, "csflow-runtime")
    print("| case | n | input | time | peak RSS | k·n | input | time | peak RSS | exponent (time) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    worst_time, worst_rss = 0.0, 0
    for name, generate, n, k, command in CASES:
        n = max(1, int(n * args.scale))
        row = []
        times = []
        for size in (n, n * k):
            path = os.path.join(work, "input.csflow")
            text = generate(size)
            with open(path, "w") as f:
                f.write(text)
            argv = [csflow] + [a.format(file=path, work=work) for a in command]
            if command[0] == "disasm":
                subprocess.run([csflow, "build", path, "-o", os.path.join(work, "out.csfb")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds, rss, _ = measure(argv)
            worst_time, worst_rss = max(worst_time, seconds), max(worst_rss, rss)
            times.append(max(seconds, 0.01))
            row += [f"{size:,}", f"{len(text) / MB:.1f} MB", f"{seconds:.2f} s", f"{rss / MB:.0f} MB"]
        exponent = math.log(times[1] / times[0]) / math.log(k)
        print(f"| {name} | " + " | ".join(row) + f" | {exponent:.2f} |")
        sys.stdout.flush()
    # Special inputs: run on stdin, devices.
    with open(os.path.join(work, "flow.csflow"), "w") as f:
        f.write(RUN_FLOW)
    special = [
        ("run: one 100 MB input line", [csflow, "run", os.path.join(work, "flow.csflow")], "line"),
        ("run < /dev/zero", [csflow, "run", os.path.join(work, "flow.csflow")], "/dev/zero"),
        ("check /dev/zero", [csflow, "check", "/dev/zero"], None),
        ("disasm /dev/zero", [csflow, "disasm", "/dev/zero"], None),
        ("csflow-runtime inspect /dev/zero", [runtime, "inspect", "/dev/zero"], None),
    ]
    print()
    print("| special input | time | peak RSS | exit |")
    print("|---|---|---|---|")
    for name, argv, stdin in special:
        if stdin == "line":
            stdin = os.path.join(work, "line.txt")
            with open(stdin, "wb") as f:
                f.write(long_line(100 * 1000 * 1000))
        seconds, rss, code = measure(argv, stdin)
        worst_time, worst_rss = max(worst_time, seconds), max(worst_rss, rss)
        print(f"| {name} | {seconds:.2f} s | {rss / MB:.0f} MB | {code} |")
    print()
    print(f"worst: {worst_time:.2f} s, {worst_rss / MB:.0f} MB peak RSS")


if __name__ == "__main__":
    main()
