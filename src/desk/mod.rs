//! The office's operations, once, for every front end (the command line,
//! the dashboard, the kiosk). Takes who and when as values; knows no
//! terminal, no clap, no socket.
//!
//! - [`mail`]: the mail queue: what a change queued in its own transaction
//!   is written to the outbox by whoever owns the database, and sent
//!   without ever holding up a booking.

pub mod mail;
