//! The bundle format: round trip, determinism, and a verifier that rejects truncated,
//! corrupted and hostile bytes without panicking.

#[path = "support/sample.rs"]
mod sample;

use csflow_runtime::bundle::{Instr, LoadError};
use csflow_runtime::{Bundle, disassemble};
use proptest::prelude::*;

#[test]
fn round_trip() {
    let bundle = sample::sample();
    let bytes = bundle.to_bytes();
    assert_eq!(&bytes[..4], b"CSFB");
    let back = Bundle::from_bytes(&bytes).unwrap();
    assert_eq!(back, bundle);
    assert_eq!(back.to_bytes(), bytes);
}

#[test]
fn encoding_is_deterministic() {
    assert_eq!(sample::sample().to_bytes(), sample::sample().to_bytes());
}

#[test]
fn every_truncation_is_rejected() {
    let bytes = sample::sample().to_bytes();
    for len in 0..bytes.len() {
        assert!(
            Bundle::from_bytes(&bytes[..len]).is_err(),
            "truncated to {len} bytes"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Bundle::from_bytes(&longer),
        Err(LoadError::TrailingBytes { .. })
    ));
}

#[test]
fn flipped_bytes_are_caught_by_the_hash() {
    let bytes = sample::sample().to_bytes();
    let mut corrupted = bytes.clone();
    let last = corrupted.len() - 1;
    corrupted[last] ^= 0x40;
    assert!(matches!(
        Bundle::from_bytes(&corrupted),
        Err(LoadError::HashMismatch { .. })
    ));
    let mut wrong_magic = bytes.clone();
    wrong_magic[0] = b'X';
    assert_eq!(Bundle::from_bytes(&wrong_magic), Err(LoadError::BadMagic));
    let mut wrong_version = bytes;
    wrong_version[4] = 99;
    assert!(matches!(
        Bundle::from_bytes(&wrong_version),
        Err(LoadError::UnsupportedVersion { found: 99, .. })
    ));
}

#[test]
fn verifier_rejects_bad_indices_with_a_valid_hash() {
    let mut bundle = sample::sample();
    bundle.flows[0].code.push(Instr::Jump(10_000));
    bundle.flows[0].locs.push(Default::default());
    let error = Bundle::from_bytes(&bundle.to_bytes()).unwrap_err();
    assert!(error.to_string().contains("jump target"), "{error}");

    let mut bundle = sample::sample();
    bundle.flows[0].code[1] = Instr::Goto(99);
    assert!(
        Bundle::from_bytes(&bundle.to_bytes())
            .unwrap_err()
            .to_string()
            .contains("state")
    );

    let mut bundle = sample::sample();
    bundle.hours[0].timezone = bundle.flows[0].name;
    assert!(
        Bundle::from_bytes(&bundle.to_bytes())
            .unwrap_err()
            .to_string()
            .contains("time zone")
    );

    let mut bundle = sample::sample();
    bundle.flows[0].code[0] = csflow_runtime::bundle::Instr::Say {
        text: 1_000_000,
        args: 0,
    };
    assert!(Bundle::from_bytes(&bundle.to_bytes()).is_err());
}

#[test]
fn huge_length_prefix_does_not_allocate() {
    // A valid header and hash over a body that claims 4 billion strings.
    let body = [0xff, 0xff, 0xff, 0xff];
    let mut bytes = b"CSFB".to_vec();
    bytes.extend_from_slice(&csflow_runtime::bundle::FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&csflow_runtime::bundle::encode::content_hash(&body).to_le_bytes());
    bytes.extend_from_slice(&body);
    assert!(matches!(
        Bundle::from_bytes(&bytes),
        Err(LoadError::Truncated { .. })
    ));
}

#[test]
fn disassembly_shows_strings_and_locations() {
    let text = disassemble(&sample::sample());
    assert!(text.contains("state welcome:"), "{text}");
    assert!(text.contains("say \"Welcome to Acme Bank.\""), "{text}");
    assert!(text.contains("; flows/bank.csflow:1:3"), "{text}");
    assert!(
        text.contains("handoff care priority high reason \"upset customer\""),
        "{text}"
    );
    assert!(
        text.contains("option \"Card services\" keys [\"1\"] intents [lost_card]"),
        "{text}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Bundle::from_bytes(&bytes);
        let mut with_magic = b"CSFB\x02\x00".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = Bundle::from_bytes(&with_magic);
    }

    #[test]
    fn single_byte_mutations_never_panic(index in any::<prop::sample::Index>(), value in any::<u8>()) {
        let mut bytes = sample::sample().to_bytes();
        let at = index.index(bytes.len());
        bytes[at] = value;
        let _ = Bundle::from_bytes(&bytes);
    }

    /// Mutations inside the body with the hash recomputed, so they reach the decoder and
    /// the verifier; whatever loads must also run without panicking.
    #[test]
    fn rehashed_body_mutations_never_panic(index in any::<prop::sample::Index>(), value in any::<u8>()) {
        let bytes = sample::sample().to_bytes();
        let header = 4 + 2 + 4 + "test".len() + 4 + 8;
        let mut body = bytes[header..].to_vec();
        let at = index.index(body.len());
        body[at] = value;
        let mut mutated = bytes[..header - 8].to_vec();
        mutated.extend_from_slice(&csflow_runtime::bundle::encode::content_hash(&body).to_le_bytes());
        mutated.extend_from_slice(&body);
        if let Ok(bundle) = Bundle::from_bytes(&mutated) {
            let _ = disassemble(&bundle);
            let mut services = csflow_runtime::NoServices;
            let mut env = csflow_runtime::Env { clock: csflow_runtime::Clock::test_default(), services: &mut services };
            if let Ok((mut conv, _)) = csflow_runtime::Conversation::start(&bundle, "bank", csflow_runtime::Channel::Voice, &mut env) {
                for input in ["1", "banana", "1234"] {
                    let _ = conv.input(&bundle, csflow_runtime::Input::Text(input.into()), &mut env);
                }
            }
        }
    }
}
