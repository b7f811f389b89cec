#!/usr/bin/env python3
"""Every command on inputs just under the 64 MB source limit, one declaration kind each.

    bench/limits.py [--bin target/release] [--only NAME,…] [--runs 1]

Issue 16's target: no input below the size limit takes more than 10 s or 2 GB (2,000,000,000
bytes, 1,907 MiB) on this 2-core machine. Each file is generated under $WORK (default
/tmp/csflow-limits) by filling one kind of declaration until the next would pass the limit,
then each command runs under /usr/bin/time; one markdown row per (file, command), with the
wall time and the peak RSS, and "over" when a target is missed. Results: bench/README.md.
"""

import argparse
import os
import subprocess
import sys

LIMIT = 64 * 1024 * 1024 - 4096
TARGET_SECONDS = 10.0
TARGET_BYTES = 2_000_000_000


def fill(path, head, line, tail=""):
    """Writes head, then line(i) for i = 0, 1, … while the file stays under the limit."""
    size = len(head.encode()) + (200 if callable(tail) else len(tail.encode()))
    count = 0
    with open(path, "w") as out:
        out.write(head)
        while True:
            text = line(count)
            if size + len(text.encode()) + 64 > LIMIT:
                break
            out.write(text)
            size += len(text.encode())
            count += 1
        out.write(tail(count) if callable(tail) else tail)
    return count


def queues(path):
    return fill(path, "", lambda i: f"queue q{i} {{ }}\n")


def intents(path):
    return fill(path, "", lambda i: f"intent i{i} {{ \"example {i}\" }}\n")


def services(path):
    return fill(path, "", lambda i: f"service s{i} {{ operation op(a: text) returns {{ ok: bool }} timeout 2s }}\n")


def hours(path):
    return fill(path, "", lambda i: f"hours h{i} {{ timezone \"Europe/London\" mon-fri 08:00-20:00 }}\n")


def tests(path):
    head = "flow f {\n  channel chat\n  start s\n  state s { say \"hi\" end }\n}\n"
    return fill(path, head, lambda i: f"test \"t{i}\" {{ flow f expect say \"hi\" expect end }}\n")


def chain(path):
    return fill(
        path,
        "flow f {\n  start s0\n",
        lambda i: f"  state s{i} {{ say \"hi {i}\" goto s{i + 1} }}\n",
        lambda n: f"  state s{n} {{ say \"bye\" end }}\n}}\n",
    )


def menus(path):
    return fill(
        path,
        "queue general { }\nflow f {\n  channel voice\n  start s0\n  on no_input retry 1 then handoff general\n"
        "  on no_match retry 1 then handoff general\n",
        lambda i: f"  state s{i} {{ menu \"Pick {i}\" {{ option \"next\" key 1 goto s{i + 1} option \"agent\" key 0 handoff general }} }}\n",
        lambda n: f"  state s{n} {{ say \"bye\" end }}\n}}\n",
    )


def entry(i):
    return f"  entry e{i} {{ question \"how do I do thing {i}\" answer \"like this {i}\" owner \"ops\" review_by 2027-09-30 }}\n"


def knowledge_block(path):
    return fill(path, "knowledge faq {\n", entry, "}\n")


def knowledge_blocks(path):
    return fill(path, "", lambda i: "knowledge k%d {\n%s}\n" % (i, entry(i)))


FILES = [
    ("queues", queues),
    ("intents", intents),
    ("services", services),
    ("hours", hours),
    ("tests", tests),
    ("chain", chain),
    ("menus", menus),
    ("knowledge-block", knowledge_block),
    ("knowledge-blocks", knowledge_blocks),
]

FLOWS = {"chain", "menus"}


def commands(name, file, work):
    """The commands worth running on the file `name`."""
    yield ["check", file]
    yield ["check", file, "--format", "short"]
    yield ["check", file, "--format", "json"]
    yield ["check", file, "--format", "sarif"]
    yield ["fmt", "--check", file]
    if name == "tests":
        yield ["test", file]
    if name in FLOWS:
        bundle = os.path.join(work, f"{name}.csfb")
        yield ["build", file, "-o", bundle]
        yield ["disasm", bundle]
        yield ["@runtime", "inspect", bundle]
        yield ["graph", file, "--format", "dot", "-o", os.path.join(work, "out.dot")]
        yield ["graph", file, "--format", "mermaid", "-o", os.path.join(work, "out.mmd")]
        yield ["graph", file, "--format", "json", "-o", os.path.join(work, "out.json")]
        yield ["graph", file, "--format", "svg", "-o", os.path.join(work, "out.svg")]
        yield ["@stdin:/quit\n", "run", file]


def measure(argv, stdin_text):
    timed = ["/usr/bin/time", "-f", "%e %M"] + argv
    result = subprocess.run(
        timed,
        input=(stdin_text or "").encode(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    last = result.stderr.decode(errors="replace").strip().splitlines()[-1]
    seconds, kilobytes = last.split()
    return float(seconds), int(kilobytes) * 1024, result.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default="target/release")
    parser.add_argument("--only", default="")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    work = os.environ.get("WORK", "/tmp/csflow-limits")
    os.makedirs(work, exist_ok=True)
    only = {n for n in args.only.split(",") if n}
    csflow = os.path.join(args.bin, "csflow")
    runtime = os.path.join(args.bin, "csflow-runtime")
    print("| file | declarations | command | exit | time (s) | peak RSS (MiB) | target |")
    print("|---|---|---|---|---|---|---|")
    missed = 0
    for name, generate in FILES:
        if only and name not in only:
            continue
        path = os.path.join(work, f"{name}.csflow")
        count = generate(path)
        for command in commands(name, path, work):
            stdin_text = None
            if command[0].startswith("@stdin:"):
                stdin_text = command[0][len("@stdin:"):]
                command = command[1:]
            if command[0] == "@runtime":
                argv = [runtime] + command[1:]
            else:
                argv = [csflow] + command
            for _ in range(args.runs):
                seconds, rss, code = measure(argv, stdin_text)
                over = seconds > TARGET_SECONDS or rss > TARGET_BYTES
                missed += over
                shown = " ".join(os.path.basename(a) if a.startswith(work) else a for a in argv[1:])
                print(
                    f"| {name} | {count:,} | `{shown}` | {code} | {seconds:.2f} | {rss / 2**20:,.0f} | {'**over**' if over else 'met'} |",
                    flush=True,
                )
    print(f"\n{missed} over the target", file=sys.stderr)


if __name__ == "__main__":
    main()
