#!/usr/bin/env python3
"""Turns bench/run.sh's raw records (one JSON line per run) into markdown tables: medians,
csflow and peers side by side, ratios, and the targets of issues 2-4 with MET / NOT MET.

    python3 bench/report.py RAW.jsonl
"""
import json
import re
import statistics
import sys
from collections import defaultdict


def load(path):
    runs = defaultdict(list)
    skipped = set()
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            key = (rec['group'], rec['tool'], rec['size'], rec.get('pinned', True))
            if rec.get('skipped'):
                skipped.add(key[:3])
                continue
            out = None
            if rec['stdout'].startswith('{'):
                out = json.loads(rec['stdout'])
            rec['out'] = out
            runs[key].append(rec)
    return runs, skipped


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ok_runs(recs):
    return [r for r in recs if r['rc'] == 0]


def field(recs, name):
    return med([(r['out'] or {}).get(name) for r in ok_runs(recs)])


def wall(recs):
    return med([r['wallS'] for r in ok_runs(recs)])


def rss(recs):
    return med([r['peakRssMB'] for r in ok_runs(recs)])


def fmt(x, digits=0, unit=''):
    if x is None:
        return '-'
    if digits == 0:
        return f'{x:,.0f}{unit}'
    return f'{x:,.{digits}f}{unit}'


def ratio(a, b):
    if a is None or b is None or b == 0:
        return '-'
    r = a / b
    return f'{r:,.0f}×' if r >= 10 else f'{r:.1f}×'


def runs_note(recs):
    good = len(ok_runs(recs))
    return f'{good}/{len(recs)}'


DURATION = re.compile(r'([\d.]+)(ns|µs|us|ms|s)\b')


def duration_ms(text):
    m = DURATION.fullmatch(text)
    if not m:
        return None
    scale = {'ns': 1e-6, 'µs': 1e-3, 'us': 1e-3, 'ms': 1, 's': 1e3}[m.group(2)]
    return float(m.group(1)) * scale


def phases(recs):
    parse, check = [], []
    for r in ok_runs(recs):
        m = re.search(r'parse (\S+)\s+resolve\+check (\S+)', r['stdout'])
        if m:
            parse.append(duration_ms(m.group(1)))
            check.append(duration_ms(m.group(2)))
    return med(parse), med(check)


def summary(recs):
    """errors, warnings from `csflow check`'s summary line."""
    for r in recs:
        for text in (r['stdout'], r['stderr']):
            m = re.search(r'(\d+) errors?, (\d+) warnings?', text)
            if m:
                return int(m.group(1)), int(m.group(2))
    return None, None


def main():
    runs, skipped = load(sys.argv[1])
    get = lambda group, tool, size, pinned=True: runs.get((group, tool, size, pinned), [])
    sizes = lambda group: sorted({k[2] for k in runs if k[0] == group} | {k[2] for k in skipped if k[0] == group})
    targets = []

    print('### Check / compile: the peers\' IVR tree (`flowgen.js N`), medians\n')
    print('csflow = the whole `csflow check FILE` process (read, parse, resolve, all checks, '
          'report); peers = their in-process compile/create call only (from the harness JSON). '
          'Ratios = peer ms ÷ csflow `check` wall on one pinned core (peers are pinned too).\n')
    print('| N | csflow check, 2 cores | csflow check, 1 core | csflow peak RSS | parse / resolve+checks | '
          'XState createMachine | XState process wall / peak RSS | inkjs Compile() | '
          'inkjs process wall / peak RSS | XState ÷ csflow | inkjs ÷ csflow |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    for n in sizes('check_tree'):
        c2, c1 = get('check_tree', 'csflow', n, False), get('check_tree', 'csflow', n, True)
        x, i = get('check_tree', 'xstate', n), get('check_tree', 'inkjs', n)
        p, c = phases(get('phases_tree', 'csflow', n, False))
        c1_ms = wall(c1) * 1e3 if wall(c1) is not None else None
        xs, ins = field(x, 'createMs'), field(i, 'compileMs')
        ink_cells = ('skipped (--skip-slow)', '-') if (('check_tree', 'inkjs', n) in skipped) else (
            fmt(ins, 0, ' ms') + f' ({runs_note(i)})' if i else '-',
            f'{fmt(wall(i), 1, " s")} / {fmt(rss(i), 0, " MB")}' if i else '-')
        print(f'| {n:,} | {fmt(wall(c2) and wall(c2) * 1e3, 0, " ms")} ({runs_note(c2)}) | '
              f'{fmt(c1_ms, 0, " ms")} ({runs_note(c1)}) | {fmt(rss(c2), 0, " MB")} | '
              f'{fmt(p, 0, " ms")} / {fmt(c, 0, " ms")} | '
              f'{fmt(xs, 0, " ms") + f" ({runs_note(x)})" if x else "-"} | '
              f'{fmt(wall(x), 1, " s")} / {fmt(rss(x), 0, " MB")} | {ink_cells[0]} | {ink_cells[1]} | '
              f'{ratio(xs, c1_ms)} | {ratio(ins, c1_ms)} |')
        if n == 100000:
            best = min(v for v in (wall(c2), wall(c1)) if v is not None)
            targets.append(('`csflow check` of the 100,000-state tree < 1 s', f'{best:.2f} s (2 cores: '
                            f'{fmt(wall(c2), 2, " s")}, 1 core: {fmt(wall(c1), 2, " s")})', best < 1.0))
            targets.append(('… and < 1 GB peak RSS', f'{fmt(rss(c2), 0, " MB")}', (rss(c2) or 1e9) < 1024))
    print()

    if sizes('check_project'):
        print('### Check: realistic generated projects (`bench/gen_project.py STATES DIR`), medians\n')
        print('| states | csflow check, 2 cores | csflow check, 1 core | peak RSS | errors / warnings |')
        print('|---|---|---|---|---|')
        for s in sizes('check_project'):
            c2, c1 = get('check_project', 'csflow', s, False), get('check_project', 'csflow', s, True)
            e, w = summary(c2)
            print(f'| ~{s:,} | {fmt(wall(c2), 2, " s")} ({runs_note(c2)}) | {fmt(wall(c1), 2, " s")} '
                  f'({runs_note(c1)}) | {fmt(rss(c2), 0, " MB")} | {e} / {w} |')
            if s == 100000:
                best = min(v for v in (wall(c2), wall(c1)) if v is not None)
                targets.append(('`csflow check` of the ~100,000-state generated project < 1 s (our own goal)',
                                f'{best:.2f} s', best < 1.0))
        print()

    if sizes('run'):
        print('### Runtime: N = 1,000 tree, K = 20 turns per conversation, M live conversations, '
              'one pinned core, medians\n')
        print('csflow: in-process VM (`vm_turns`), bytes from a counting global allocator (live heap '
              'bytes incl. the `Vec<Conversation>` slots). Peers: V8 heap after forced GC (`heapUsed`), '
              'RSS in brackets.\n')
        print('| M | tool | runs | turns/s | µs/turn | create all M | B/conversation waiting (after create) | '
              'B/conversation after K turns | peak RSS | outChars |')
        print('|---|---|---|---|---|---|---|---|---|---|')
        for m in sizes('run'):
            rows = {}
            for tool in ('csflow', 'csflow_transcript', 'xstate', 'inkjs'):
                r = get('run', tool, m)
                if not r:
                    continue
                if tool.startswith('csflow'):
                    create, after = field(r, 'bytesPerConvAfterCreate'), field(r, 'bytesPerConvAfterTurns')
                    mem_c, mem_a = fmt(create), fmt(after)
                else:
                    create = field(r, 'heapPerSessionB')
                    after = med([((x['out'] or {}).get('afterRun') or {}).get('heapPerSessionB') for x in ok_runs(r)])
                    rss_c = field(r, 'rssPerSessionB')
                    rss_a = med([((x['out'] or {}).get('afterRun') or {}).get('rssPerSessionB') for x in ok_runs(r)])
                    mem_c, mem_a = f'{fmt(create)} ({fmt(rss_c)})', f'{fmt(after)} ({fmt(rss_a)})'
                tps = field(r, 'turnsPerSec')
                rows[tool] = (tps, create, after)
                chars = {x['out']['outChars'] for x in ok_runs(r) if x['out']}
                print(f'| {m:,} | {tool} | {runs_note(r)} | {fmt(tps)} | {fmt(field(r, "usPerTurn"), 2)} | '
                      f'{fmt(field(r, "createMs"), 0, " ms")} | {mem_c} | {mem_a} | {fmt(rss(r), 0, " MB")} | '
                      f'{", ".join(f"{c:,}" for c in sorted(chars))} |')
            if 'csflow' in rows:
                c = rows['csflow']
                for peer in ('xstate', 'inkjs'):
                    if peer in rows:
                        p = rows[peer]
                        print(f'| {m:,} | csflow vs {peer} | | {ratio(c[0], p[0])} faster | | | '
                              f'{ratio(p[1], c[1])} smaller | {ratio(p[2], c[2])} smaller | | |')
        print()
        for m in sizes('run'):
            r = get('run', 'csflow', m)
            if r:
                tps = field(r, 'turnsPerSec')
                targets.append((f'≥ 1,000,000 menu turns/s on one core (M = {m:,})', f'{fmt(tps)} turns/s',
                                (tps or 0) >= 1e6))
                b = field(r, 'bytesPerConvAfterCreate')
                targets.append((f'≤ 1 KB per waiting conversation (M = {m:,}, after create)', f'{fmt(b)} B',
                                (b or 1e9) <= 1024))
                a = field(r, 'bytesPerConvAfterTurns')
                targets.append((f'≤ 1 KB per waiting conversation (M = {m:,}, after 20 turns)',
                                f'{fmt(a)} B', (a or 1e9) <= 1024))
            t = get('run', 'csflow_transcript', m)
            if t:
                a = field(t, 'bytesPerConvAfterTurns')
                targets.append((f'… with the transcript kept in memory (M = {m:,}, after 20 turns)',
                                f'{fmt(a)} B', (a or 1e9) <= 1024))

    for n in sizes('bundle'):
        b = get('bundle', 'csflow', n)
        if not ok_runs(b):
            continue
        o = ok_runs(b)[0]['out']
        print(f'### Bundle of the {n:,}-state tree (`bundle_load`, median of '
              f'{o["runs"]} in-process runs)\n')
        print('| bundle bytes | encode | `Bundle::from_bytes` (decode + verify) | decode alone | verify alone | '
              'compile in-process (analyze + codegen + round trip) |')
        print('|---|---|---|---|---|---|')
        print(f'| {o["bundleBytes"]:,} | {o["encodeMs"]:.1f} ms | {o["loadVerifyMs"]:.1f} ms | '
              f'{o["decodeMs"]:.1f} ms | {o["verifyMs"]:.1f} ms | {o["compileInProcessMs"]:,.0f} ms |')
        print()
        if n == 100000:
            targets.append(('100,000-state bundle loaded and verified < 100 ms', f'{o["loadVerifyMs"]:.0f} ms',
                            o['loadVerifyMs'] < 100))

    print('### Targets (issues 2, 3, 4)\n')
    print('| target | measured | |')
    print('|---|---|---|')
    for name, measured, met in targets:
        print(f'| {name} | {measured} | **{"MET" if met else "NOT MET"}** |')


if __name__ == '__main__':
    main()
