//! soudan (相談): the online job consultation desk of Hello Work Kagoshima.
//!
//! - [`domain`]: the rules of the terms of use, pure (no clock, files, terminal or database).
//! - [`store`]: bookings in sled; the only code that knows sled and bincode.
//! - [`desk`]: the office's operations, once, for every front end (the mail queue).
//! - [`config`]: the office configuration (TOML), built in or from a file.
//! - [`mail`]: the confirmation email and the outbox.
//! - [`i18n`]: message catalogues in Japanese and English (`assets/i18n`).
//! - [`pin`]: the kiosk's staff PIN (argon2 hash).
//! - [`clock`]: the office clock, which `--now` can start at another time.
//! - [`cli`]: the non-interactive commands of the command-line contract.
//! - [`sample`]: deterministic sample data (`soudan demo`).
//! - [`tui`]: the staff dashboard (terminal UI).
//! - [`error`]: errors as values, with the contract's exit statuses.

pub mod cli;
pub mod clock;
pub mod config;
pub mod desk;
pub mod digest;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod pin;
pub mod sample;
pub mod server;
pub mod store;
pub mod tui;
