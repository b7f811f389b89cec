//! Any bytes as a bundle: decoding and verifying must refuse what is wrong without a panic
//! or an unbounded allocation, and whatever verifies must disassemble and re-encode.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = csflow_runtime::Bundle::from_bytes(data) {
        let _ = csflow_runtime::disassemble(&bundle);
        let again = bundle.to_bytes();
        assert!(csflow_runtime::Bundle::from_bytes(&again).is_ok());
    }
});
