#!/usr/bin/env python3
"""Generates a realistic multi-file csflow project of about STATES states, for timing
`csflow check` on something other than the peers' menu tree.

    python3 bench/gen_project.py STATES OUT_DIR [TOPICS_PER_FLOW]

TOPICS_PER_FLOW (default 16) makes flows smaller and files more numerous: the language
server's benchmark uses `1000 DIR 2` (about 10,000 lines in 49 files).

OUT_DIR gets:
  common/shared.csflow   hours (3 time zones), the shared queues, the `agent` and
                         `complaint` intents every flow escalates on
  kb/kb_DDDD.csflow      one knowledge base per department (one entry per topic)
  depts/dept_DDDD.csflow one department: its queue (with hours), a service with two
                         operations, an intent, and two flows that import the files above:
                         a voice IVR (keys, no_input handling, "press N" prompts) and a chat
                         flow (intents, phrases, labels)
Each flow: welcome, a main menu, up to 4 section menus, up to 16 topics of 7 states each
(topic menu; status lookup = ask + call + if/else; FAQ = answer from; a two-step form of
asks; a yes/no confirmation that calls the service; a hand-off with priority and reason),
then anything_else / goodbye / after_hours / technical_problem. Flow-level no_match /
no_input / closed / error handlers and an escalate block with intents, a regex, sentiment
and no_match_count. Menus are at most 3 deep and 5 options long, every state reaches an end
or a hand-off, and every question and intent example is distinct, so the project is meant
to check with 0 errors and 0 warnings (run.sh verifies it with the real `csflow check`).

Deterministic (no randomness): the same STATES gives the same files. Python 3 stdlib only.
"""
import os
import sys

TOPICS_PER_FLOW = 16
STATES_PER_TOPIC = 7
FIXED_STATES = 6  # welcome, main_menu, anything_else, goodbye, after_hours, technical_problem

NOUNS = [
    "invoice", "parcel", "password", "meter reading", "direct debit", "contract",
    "delivery slot", "warranty", "refund", "address", "tariff", "broadband router",
    "gift card", "subscription", "loyalty points", "pension statement", "car insurance",
    "mortgage payment", "travel booking", "prescription", "gas boiler", "mobile roaming",
    "student loan", "parking permit", "library card", "water leak", "solar panels",
    "pet policy", "tax certificate", "salary slip", "train ticket", "hotel voucher",
]
VERBS = ["change", "cancel", "renew", "track", "pay", "update", "check", "report"]
# Letters of department brand names: distinct words keep intent examples apart.
CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
ZONES = ["Europe/London", "Asia/Shanghai", "America/New_York"]


def _bigrams(text):
    t = "".join(c for c in text.lower() if c.isalnum())
    return {t[i:i + 2] for i in range(len(t) - 1)}


def _dice(a, b):
    return 2 * len(a & b) / (len(a) + len(b))


_BRANDS = []


def brand(d):
    """A pronounceable name per department, chosen so that no two departments' names (and so
    their intent examples) are alike: csflow's `ambiguous-example` check compares examples by
    the Dice coefficient of character bigrams."""
    candidate = _BRANDS[-1][1] + 1 if _BRANDS else 0
    while len(_BRANDS) <= d:
        x = (candidate * 2654435761 + 12345) % (1 << 32)
        name = ""
        for _ in range(4):  # four consonant-vowel syllables
            name += CONSONANTS[x % len(CONSONANTS)] + VOWELS[(x // len(CONSONANTS)) % len(VOWELS)]
            x = (x // (len(CONSONANTS) * len(VOWELS))) ^ (x * 40503 % 9973)
        grams = _bigrams(name)
        if all(_dice(grams, other) < 0.5 for other, _, _ in _BRANDS):
            _BRANDS.append((grams, candidate, name))
        candidate += 1
    return _BRANDS[d][2]


def shared():
    out = ["# Shared by every department: opening hours, central queues, common intents.", ""]
    for i, zone in enumerate(ZONES):
        out += [
            f"hours office_{i} {{",
            f'  timezone "{zone}"',
            "  mon-fri 08:00-20:00",
            "  sat     09:00-13:00",
            "  closed  2026-12-25..2026-12-26",
            "}",
            "",
        ]
    out += [
        'queue care { hours office_0  skills ["complaints", "vulnerable-customers"] }',
        'queue emergency { skills ["fraud", "outage"] }    # no hours: always open',
        "",
        "intent agent {",
        '  "agent"  "representative"  "talk to a person"  "speak to a human"  "转人工"  "人工客服"',
        "}",
        "intent complaint {",
        '  "complaint"  "make a complaint"  "formal complaint"  "我要投诉"',
        "}",
        "",
    ]
    return "\n".join(out)


def question(t):
    noun = NOUNS[t % len(NOUNS)]
    return [f"How do I {VERBS[t % len(VERBS)]} my {noun}?", f"Questions about the {noun}"]


def kb(d, topics):
    out = [f"# FAQ of department {d}.", "", f"knowledge kb_{d:04d} {{"]
    for t in range(topics):
        q1, q2 = question(t)
        noun = NOUNS[t % len(NOUNS)]
        out += [
            f"  entry topic_{t} {{",
            f'    question  "{q1}"',
            f'    question  "{q2}"',
            f'    answer    "You can manage your {noun} online under My Account, or ask an adviser."',
            f'    tags      ["t{t}", "dept{d}"]',
            f'    owner     "team-{d}"',
            "    review_by 2099-12-31",
            "  }",
        ]
    out += ["}", ""]
    return "\n".join(out)


def flow(d, voice, topics):
    """One flow of department `d`: 'voice' (keys) or chat."""
    name = f"d{d:04d}_{'phone' if voice else 'chat'}"
    queue = f"dept_{d:04d}"
    svc = f"svc_{d:04d}"
    kbn = f"kb_{d:04d}"
    sections = (topics + 3) // 4
    out = [
        f"flow {name} {{",
        f"  channel {'voice' if voice else 'chat'}",
        "  start welcome",
        "",
        "  slot account: digits(8) sensitive",
        "  slot more_help: yes_no",
    ]
    for t in range(topics):
        out += [f"  slot t{t}_day: date", f"  slot t{t}_email: email", f"  slot t{t}_ok: yes_no"]
    out += [
        "",
        f'  on no_match retry 2 then handoff {queue} reason "not understood"',
    ]
    if voice:
        out.append("  on no_input retry 2 then goto goodbye")
    out += [
        "  on closed goto after_hours",
        "  on error  goto technical_problem",
        "",
        "  escalate {",
        f"    when intent agent handoff {queue}",
        '    when text matches /(?i)fraud|scam/ handoff emergency priority high reason "possible fraud"',
        '    when intent complaint handoff care reason "complaint"',
        '    when sentiment < -0.6 handoff care priority high reason "upset customer"',
        f'    when no_match_count >= 4 handoff {queue} reason "repeated no match"',
        "  }",
        "",
        "  state welcome {",
        f'    say "Welcome to {brand(d).capitalize()} services."',
        "    goto main_menu",
        "  }",
        "",
    ]

    def menu(state, prompt_items, options, indent="  "):
        """options: (label, key, extra matcher, action). On voice the prompt names every key."""
        if voice:
            prompt = " ".join(f"For {what} press {key}." for what, key in prompt_items)
        else:
            prompt = "Please choose: " + ", ".join(what for what, _ in prompt_items) + "."
        lines = [f"{indent}state {state} {{", f'{indent}  menu "{prompt}" {{']
        for label, key, extra, action in options:
            keypart = f" key {key}" if voice else ""
            extrapart = f" {extra}" if extra and not voice else ""
            lines.append(f'{indent}    option "{label}"{keypart}{extrapart} {action}')
        lines += [f"{indent}  }}", f"{indent}}}", ""]
        return lines

    # Main menu: the sections, then an adviser.
    items, options = [], []
    for s in range(sections):
        first = 4 * s
        label = f"{NOUNS[first % len(NOUNS)].capitalize()} and more"
        items.append((f"your {NOUNS[first % len(NOUNS)]} and more", s + 1))
        extra = f"intent d{d:04d}_help" if s == 0 else f'phrase "section {s + 1}"'
        options.append((label, s + 1, extra, f"goto section_{s}"))
    items.append(("an adviser", 0))
    options.append(("Adviser", 0, "", f"handoff {queue}"))
    out += menu("main_menu", items, options)

    for s in range(sections):
        items, options = [], []
        for i, t in enumerate(range(4 * s, min(4 * s + 4, topics))):
            noun = NOUNS[t % len(NOUNS)]
            items.append((f"your {noun}", i + 1))
            options.append((noun.capitalize(), i + 1, f'phrase "{noun}"', f"goto t{t}_menu"))
        items.append(("the main menu", 9))
        options.append(("Main menu", 9, "", "goto main_menu"))
        out += menu(f"section_{s}", items, options)

    for t in range(topics):
        noun = NOUNS[t % len(NOUNS)]
        s = t // 4
        out += menu(
            f"t{t}_menu",
            [("the status", 1), ("common questions", 2), ("a change request", 3),
             ("the previous menu", 9), ("an adviser", 0)],
            [
                ("Status", 1, "", f"goto t{t}_status"),
                ("Common questions", 2, "", f"goto t{t}_faq"),
                ("Change request", 3, "", f"goto t{t}_day"),
                ("Back", 9, "", f"goto section_{s}"),
                ("Adviser", 0, "", f"goto t{t}_agent"),
            ],
        )
        out += [
            f"  state t{t}_status {{",
            f'    ask account "Please enter your eight digit account number." {{',
            f'      on no_match retry 1 "That was not eight digits." then handoff {queue} reason "no account number"',
            "    }",
            f"    call {svc}.status(account: account, topic: \"{noun}\") into t{t}_res",
            f"    if t{t}_res.ok {{",
            f'      say "The status of your {noun} is {{t{t}_res.state}}."',
            "      goto anything_else",
            "    } else {",
            f'      handoff {queue} priority high reason "status lookup failed"',
            "    }",
            "  }",
            "",
            f"  state t{t}_faq {{",
            f'    answer from {kbn} "{question(t)[0]}" else handoff {queue} reason "FAQ not found"',
            "    goto anything_else",
            "  }",
            "",
            f"  state t{t}_day {{",
            f'    ask t{t}_day "On which date should the change to your {noun} take effect." {{',
            f'      on no_match retry 1 "Please give a date, for example 2026-12-01." then goto t{t}_menu',
            "    }",
            f"    goto t{t}_email",
            "  }",
            "",
            f"  state t{t}_email {{",
            f'    ask t{t}_email "Which email address should we confirm the change to."',
            f"    goto t{t}_confirm",
            "  }",
            "",
            f"  state t{t}_confirm {{",
            f'    ask t{t}_ok "Shall I change your {noun} from {{t{t}_day}} and confirm to {{t{t}_email}}?"',
            f"    if t{t}_ok {{",
            f"      call {svc}.submit(day: t{t}_day, email: t{t}_email) into t{t}_sub",
            f"      if t{t}_sub.ok {{",
            f'        say "Done. Your reference is {{t{t}_sub.reference}}."',
            "      } else {",
            f'        handoff {queue} reason "change request failed"',
            "      }",
            "    }",
            f"    set t{t}_ok = none",
            "    goto anything_else",
            "  }",
            "",
            f"  state t{t}_agent {{",
            f'    say "I will put you through to our {noun} team."',
            f'    handoff {queue} priority normal reason "{noun}"',
            "  }",
            "",
        ]
    out += [
        "  state anything_else {",
        '    ask more_help "Is there anything else I can help you with?"',
        "    if more_help {",
        "      set more_help = none",
        "      goto main_menu",
        "    }",
        "    goto goodbye",
        "  }",
        "",
        "  state goodbye {",
        '    say "Thank you for contacting us. Goodbye."',
        "    end",
        "  }",
        "",
        "  state after_hours {",
        '    say "Our advisers are available Monday to Friday 8am to 8pm and Saturday 9am to 1pm."',
        "    end",
        "  }",
        "",
        "  state technical_problem {",
        '    say "Sorry, we have a technical problem. I will put you through to an adviser."',
        '    handoff emergency reason "technical problem"',
        "  }",
        "}",
        "",
    ]
    return "\n".join(out)


def dept(d, topics_phone, topics_chat):
    b = brand(d)
    out = [
        f"# Department {d} ({b.capitalize()}): a phone line and a chat flow.",
        "",
        'import "../common/shared.csflow"',
        f'import "../kb/kb_{d:04d}.csflow"',
        "",
        f'queue dept_{d:04d} {{ hours office_{d % len(ZONES)}  skills ["dept-{d}"] }}',
        "",
    ]
    if topics_chat:  # used by the chat flow's main menu
        out += [f"intent d{d:04d}_help {{", f'  "help with {b}"  "{b} services"  "{b} account"', "}", ""]
    out += [
        f"service svc_{d:04d} {{",
        "  operation status(account: digits, topic: text) returns { ok: bool, state: text }",
        "  operation submit(day: date, email: email) returns { ok: bool, reference: text }",
        "  timeout 2s",
        "}",
        "",
    ]
    if topics_phone:
        out.append(flow(d, True, topics_phone))
    if topics_chat:
        out.append(flow(d, False, topics_chat))
    return "\n".join(out)


def flow_states(topics):
    return FIXED_STATES + (topics + 3) // 4 + STATES_PER_TOPIC * topics


def plan(states):
    """Per department (phone topics, chat topics) so that the total is close to `states`."""
    full = flow_states(TOPICS_PER_FLOW)
    depts, left = [], states
    while left > 0:
        pair = []
        for _ in range(2):
            if left >= full:
                pair.append(TOPICS_PER_FLOW)
                left -= full
            elif left > 0:
                t = max(1, min(TOPICS_PER_FLOW, (left - FIXED_STATES - 1) // STATES_PER_TOPIC))
                pair.append(t)
                left -= flow_states(t)
            else:
                pair.append(0)
        depts.append(tuple(pair))
    return depts


def main():
    global TOPICS_PER_FLOW
    if len(sys.argv) not in (3, 4) or not sys.argv[1].isdigit() or not all(a.isdigit() for a in sys.argv[3:]):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    states, out_dir = int(sys.argv[1]), sys.argv[2]
    if len(sys.argv) == 4:
        TOPICS_PER_FLOW = max(1, min(16, int(sys.argv[3])))
    for sub in ("common", "kb", "depts"):
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    with open(os.path.join(out_dir, "common", "shared.csflow"), "w") as f:
        f.write(shared())
    total = files = lines = flows = 0
    for d, (tp, tc) in enumerate(plan(states)):
        with open(os.path.join(out_dir, "kb", f"kb_{d:04d}.csflow"), "w") as f:
            f.write(kb(d, max(tp, tc)))
        text = dept(d, tp, tc)
        with open(os.path.join(out_dir, "depts", f"dept_{d:04d}.csflow"), "w") as f:
            f.write(text)
        total += sum(flow_states(t) for t in (tp, tc) if t)
        flows += sum(1 for t in (tp, tc) if t)
        files += 2
        lines += text.count("\n")
    print(f'{{"states": {total}, "flows": {flows}, "files": {files + 1}, "deptLines": {lines}}}')


if __name__ == "__main__":
    main()
