//! A short digest of bytes (FNV-1a 64 and CRC-32, in hex): stable across
//! builds and machines, for telling two things apart (a request sent
//! again under its key, two offices' configurations). Not a secret.

/// The digest of `bytes`: 24 hex digits.
pub fn of(bytes: &[u8]) -> String {
    let mut fnv: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        fnv ^= u64::from(*b);
        fnv = fnv.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{fnv:016x}{:08x}", crc32fast::hash(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_values_and_difference() {
        // FNV-1a 64 of "a" is af63dc4c8601ec8c; CRC-32 of "a" is e8b7be43.
        assert_eq!(super::of(b"a"), "af63dc4c8601ec8ce8b7be43");
        assert_ne!(super::of(b"cancel"), super::of(b"cancem"));
    }
}
