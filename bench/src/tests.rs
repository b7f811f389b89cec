use super::*;
use std::process::Command;

/// Values printed by `node -e` with `pick` from `/work/shared/bench/peers/flowgen.js`.
#[test]
fn pick_matches_flowgen_js() {
    let expected = [
        (0, 0, 3, 0),
        (1, 0, 3, 0),
        (2, 5, 4, 3),
        (9999, 19, 5, 3),
        (12345, 7, 6, 3),
        (99999, 19, 5, 4),
        (4_294_967_294, 3, 5, 2),
        (7, 7, 2, 0),
        (42, 0, 4, 1),
        (100, 10, 3, 1),
    ];
    for (conv, turn, n, choice) in expected {
        assert_eq!(pick(conv, turn, n), choice, "pick({conv}, {turn}, {n})");
    }
    // Checksum of pick over conv 0..100000 step 7, turn 0..20, n 2..=6, folded as
    // `h = (Math.imul(h, 31) + pick) >>> 0` in node: 1688844783.
    let mut h: u32 = 0;
    for conv in (0..100_000).step_by(7) {
        for turn in 0..20 {
            for n in 2..=6 {
                h = h.wrapping_mul(31).wrapping_add(pick(conv, turn, n));
            }
        }
    }
    assert_eq!(h, 1_688_844_783);
}

/// `outChars` printed by `xstate_run.js N M K actor` and `ink_run.js N M K shared` (equal).
#[test]
fn out_chars_match_the_peer_harnesses() {
    for (n, m, k, out_chars) in [
        (10, 7, 5, 1946),
        (50, 20, 6, 6620),
        (1000, 200, 20, 204_066),
    ] {
        let bundle = compile_source("tree.csflow", flowgen_csflow(n).into_bytes()).unwrap();
        let mut sessions = Sessions::with_capacity(m);
        sessions.start(&bundle, m).unwrap();
        sessions.drive(&bundle, k).unwrap();
        assert_eq!(sessions.out_chars, out_chars, "N={n} M={m} K={k}");
    }
}

/// The Rust copy of the tree generator prints what `node flowgen.js N csflow` prints (skipped
/// when node or the peers' folder is not there).
#[test]
fn flowgen_port_matches_node() {
    // `shared/` lies beside the repository, on developer machines and in CI alike.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/bench/peers/flowgen.js"
    );
    if !Path::new(script).exists() {
        eprintln!("skipped: {script} not found");
        return;
    }
    for n in [1, 10, 137] {
        let Ok(output) = Command::new("node")
            .args([script, &n.to_string(), "csflow"])
            .output()
        else {
            eprintln!("skipped: node not found");
            return;
        };
        assert!(output.status.success());
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            flowgen_csflow(n),
            "N={n}"
        );
    }
}

#[test]
fn js_len_counts_utf16_units() {
    assert_eq!(js_len("State 0"), 7);
    assert_eq!(js_len("您好"), 2);
    assert_eq!(js_len("😀"), 2);
}
