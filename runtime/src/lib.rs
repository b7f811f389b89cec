//! csflow runtime: the bundle format, its verifier, the VM and offline input understanding.
