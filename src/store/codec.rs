//! The record envelope: the only code that knows bincode.
//!
//! Every value the store writes is
//!
//! ```text
//! b"SD" | kind: u8 | version: u8 | crc32(payload): u32 LE | payload (bincode 2, standard config)
//! ```
//!
//! and is decoded with a size limit, after the magic, kind, version and
//! checksum are checked. bincode is pinned (`=2.0.1`) and unmaintained
//! (RUSTSEC-2025-0141): keeping it behind this module lets it be replaced.

use serde::Serialize;
use serde::de::DeserializeOwned;

const MAGIC: [u8; 2] = *b"SD";
const HEADER: usize = 8;

/// The largest record the store reads or writes.
pub const MAX_RECORD: usize = 64 * 1024;

/// What a record holds; each kind has its own version line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Booking = 1,
    Seeker = 2,
    Refusals = 3,
    Audit = 4,
    /// A mail the owner of the database still has to write.
    MailIntent = 5,
    /// A staff note on a booking or a job seeker.
    Note = 6,
    /// The blocks of one day.
    Blocks = 7,
}

/// The record version this build writes, per kind.
pub const fn current_version(_kind: Kind) -> u8 {
    1
}

/// Why bytes are not a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    TooShort(usize),
    TooLarge(usize),
    BadMagic,
    WrongKind {
        expected: u8,
        found: u8,
    },
    /// Written by a newer soudan.
    NewerVersion {
        found: u8,
        supported: u8,
    },
    Checksum,
    Payload(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::TooShort(n) => write!(f, "record of {n} bytes is shorter than its header"),
            DecodeError::TooLarge(n) => {
                write!(f, "record of {n} bytes is over the {MAX_RECORD}-byte limit")
            }
            DecodeError::BadMagic => f.write_str("record does not start with the soudan magic"),
            DecodeError::WrongKind { expected, found } => {
                write!(f, "record of kind {found} where kind {expected} belongs")
            }
            DecodeError::NewerVersion { found, supported } => {
                write!(
                    f,
                    "record version {found} is newer than this soudan reads ({supported})"
                )
            }
            DecodeError::Checksum => f.write_str("record checksum does not match"),
            DecodeError::Payload(e) => write!(f, "record payload does not decode: {e}"),
        }
    }
}

fn config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<MAX_RECORD>,
> {
    bincode::config::standard().with_limit::<MAX_RECORD>()
}

/// Encodes `value` as a record of `kind`.
pub fn encode<T: Serialize>(kind: Kind, value: &T) -> Result<Vec<u8>, String> {
    let payload = bincode::serde::encode_to_vec(value, config()).map_err(|e| e.to_string())?;
    if payload.len() + HEADER > MAX_RECORD {
        return Err(DecodeError::TooLarge(payload.len() + HEADER).to_string());
    }
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&MAGIC);
    out.push(kind as u8);
    out.push(current_version(kind));
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Decodes a record of `kind`, checking every part of the envelope first.
pub fn decode<T: DeserializeOwned>(kind: Kind, bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() < HEADER {
        return Err(DecodeError::TooShort(bytes.len()));
    }
    if bytes.len() > MAX_RECORD {
        return Err(DecodeError::TooLarge(bytes.len()));
    }
    if bytes[..2] != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    if bytes[2] != kind as u8 {
        return Err(DecodeError::WrongKind {
            expected: kind as u8,
            found: bytes[2],
        });
    }
    let supported = current_version(kind);
    if bytes[3] > supported {
        return Err(DecodeError::NewerVersion {
            found: bytes[3],
            supported,
        });
    }
    let crc = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let payload = &bytes[HEADER..];
    if crc32fast::hash(payload) != crc {
        return Err(DecodeError::Checksum);
    }
    let (value, used) = bincode::serde::decode_from_slice(payload, config())
        .map_err(|e| DecodeError::Payload(e.to_string()))?;
    if used != payload.len() {
        return Err(DecodeError::Payload(format!(
            "{} trailing bytes",
            payload.len() - used
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Sample {
        name: String,
        n: u32,
        list: Vec<String>,
    }

    fn sample() -> Sample {
        Sample {
            name: "山田 太郎".into(),
            n: 7,
            list: vec!["a".into(), "b".into()],
        }
    }

    #[test]
    fn round_trip() {
        let bytes = encode(Kind::Seeker, &sample()).unwrap();
        assert_eq!(decode::<Sample>(Kind::Seeker, &bytes).unwrap(), sample());
    }

    #[test]
    fn every_damage_is_caught() {
        let bytes = encode(Kind::Seeker, &sample()).unwrap();
        assert_eq!(
            decode::<Sample>(Kind::Booking, &bytes),
            Err(DecodeError::WrongKind {
                expected: 1,
                found: 2
            })
        );
        assert_eq!(
            decode::<Sample>(Kind::Seeker, &bytes[..5]),
            Err(DecodeError::TooShort(5))
        );
        let mut newer = bytes.clone();
        newer[3] = 9;
        assert_eq!(
            decode::<Sample>(Kind::Seeker, &newer),
            Err(DecodeError::NewerVersion {
                found: 9,
                supported: 1
            })
        );
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        assert_eq!(
            decode::<Sample>(Kind::Seeker, &flipped),
            Err(DecodeError::Checksum)
        );
        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert_eq!(
            decode::<Sample>(Kind::Seeker, &magic),
            Err(DecodeError::BadMagic)
        );
        assert!(matches!(
            decode::<Sample>(Kind::Seeker, &vec![0u8; MAX_RECORD + 1]),
            Err(DecodeError::TooLarge(_))
        ));
    }

    #[test]
    fn a_huge_length_prefix_is_refused_not_allocated() {
        // A payload claiming a string of 2^60 bytes, with a valid checksum.
        let payload = [0xFFu8, 0, 0, 0, 0, 0, 0, 0, 0x10];
        let mut bytes = Vec::from(MAGIC);
        bytes.extend_from_slice(&[Kind::Seeker as u8, 1]);
        bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        assert!(matches!(
            decode::<Sample>(Kind::Seeker, &bytes),
            Err(DecodeError::Payload(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode::<Sample>(Kind::Seeker, &bytes);
            let _ = decode::<crate::domain::booking::Booking>(Kind::Booking, &bytes);
        }

        #[test]
        fn arbitrary_payloads_behind_a_valid_header_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut bytes = Vec::from(MAGIC);
            bytes.extend_from_slice(&[Kind::Booking as u8, 1]);
            bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
            bytes.extend_from_slice(&payload);
            let _ = decode::<crate::domain::booking::Booking>(Kind::Booking, &bytes);
        }
    }
}
