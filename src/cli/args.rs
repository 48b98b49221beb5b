//! The command line of the contract (`docs/contract.md`), as clap types.
//!
//! Values are taken as text and checked by the domain, so that a bad value
//! gets soudan's own message naming the field and what is accepted.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "soudan",
    version,
    about = "相談 soudan — the online job consultation desk of Hello Work Kagoshima",
    long_about = "相談 soudan — the online job consultation desk (オンライン職業相談) of Hello Work Kagoshima.\n\n\
        Without a command, soudan opens the staff dashboard. The commands below book, cancel and \
        follow consultations from scripts and the shell.\n\n\
        Exit status: 0 done, 1 unexpected failure, 2 bad input, 3 refused by a rule of the terms, \
        4 the database cannot be used.",
    after_help = "Dates and times are office time (Asia/Tokyo). Messages are in Japanese unless --lang en."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Folder of the database, the mail outbox and the log [default: $XDG_DATA_HOME/soudan]
    #[arg(long, env = "SOUDAN_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Office configuration in TOML [default: built in, Hello Work Kagoshima]
    #[arg(long, env = "SOUDAN_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Language of screens and messages: ja or en [default: ja]
    #[arg(long, env = "SOUDAN_LANG", global = true, value_name = "ja|en")]
    pub lang: Option<String>,
    /// Start the clock at TIME (RFC 3339, or YYYY-MM-DDTHH:MM in office time); it runs on from there
    #[arg(long, env = "SOUDAN_NOW", global = true, value_name = "TIME")]
    pub now: Option<String>,
    /// ASCII borders and markers only (chosen by itself on TERM=linux or vt100, or a non-UTF-8 locale)
    #[arg(long, global = true)]
    pub ascii: bool,
    /// The office's server to use (its socket); if it does not answer: exit 4, never a local database [default: server.socket, else <data-dir>/soudan.sock when a server answers there]
    #[arg(long, env = "SOUDAN_SERVER", global = true, value_name = "SOCKET")]
    pub server: Option<PathBuf>,
    /// Set by the program, not the command line: the --config file may be
    /// missing (a command that writes it).
    #[arg(skip)]
    pub config_may_be_missing: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Book a slot (consent and checklist required)
    Book(Box<BookArgs>),
    /// Cancel a booking (the terms: cancellations come by phone)
    Cancel {
        /// The booking id, e.g. K7M2Q9
        id: String,
        /// Why, as the job seeker said it
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Move a booking to another time or booth (checked like a new booking)
    Move {
        /// The booking id, e.g. K7M2Q9
        id: String,
        /// The new day, YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// The new start time, HH:MM
        #[arg(long)]
        time: String,
        /// The new booth [default: its own when free, else the first free one]
        #[arg(long)]
        booth: Option<String>,
        /// Move to after the deadline (staff only), with the reason
        #[arg(long)]
        override_deadline: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Read, write or remove a staff note on a booking or a job seeker (never in mail, statistics or the kiosk)
    Note {
        /// A booking id (K7M2Q9) or a 求職番号 (46010-12345)
        target: String,
        /// The note [default: print the note]
        text: Option<String>,
        /// Remove the note
        #[arg(long, conflicts_with = "text")]
        clear: bool,
    },
    /// Take a booth (or the whole office) off the calendar for a day or part of it
    Block {
        /// The day, YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// From, HH:MM [default: the first slot]
        #[arg(long)]
        from: Option<String>,
        /// To, HH:MM [default: the end of the last slot]
        #[arg(long)]
        to: Option<String>,
        /// The booth [default: every booth]
        #[arg(long)]
        booth: Option<String>,
        /// Why (for staff; the kiosk shows the slots as full)
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Give a block back to the calendar
    Unblock {
        /// The block's number (soudan blocks lists them)
        id: String,
    },
    /// The blocks of a period
    Blocks {
        /// YYYY-MM-DD [default: today]
        #[arg(long)]
        from: Option<String>,
        /// YYYY-MM-DD [default: 60 days on]
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Send the reminders due now (the open day before, at rules.remind_hour); never twice
    Remind {
        /// Only list the bookings due a reminder
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// A booth's consultations as a calendar file (RFC 5545) for the counsellor's calendar program
    Ics {
        #[arg(long)]
        booth: String,
        /// YYYY-MM-DD [default: today]
        #[arg(long)]
        from: Option<String>,
        /// YYYY-MM-DD [default: 60 days on]
        #[arg(long)]
        to: Option<String>,
        /// Full names and 求職番号 (default: masked names)
        #[arg(long)]
        full: bool,
        /// Write to this file [default: stdout]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A day sheet to print for the counsellors (one HTML file, A4)
    Sheet {
        /// YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<String>,
        /// One booth only
        #[arg(long)]
        booth: Option<String>,
        /// The file [default: <data-dir>/sheets/sheet-DATE.html]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The consultation has started
    Start {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Take back a start made by mistake (within the slot): booked again
    Unstart {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The consultation has finished
    Finish {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Stop a consultation under Art. 12(1) (threats, abuse, use other than job seeking)
    Stop {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Correct an automatic no-show: the person had called (it becomes a cancellation)
    Correct {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// The day's schedule
    Day {
        /// YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Turn every booking 10 minutes past its start, not started and not cancelled, into a no-show
    Sweep {
        #[arg(long)]
        json: bool,
    },
    /// A job seeker's bookings, no-show count and refusal state
    Seeker {
        /// 求職番号, e.g. 46010-12345678
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a known job seeker's contact details on purpose (shown old → new; audited without the values)
    Contact {
        /// 求職番号, e.g. 46010-12345678
        number: String,
        /// Name as the job seeker writes it
        #[arg(long)]
        name: Option<String>,
        /// Reading of the name (katakana or hiragana)
        #[arg(long)]
        kana: Option<String>,
        /// Email address
        #[arg(long)]
        email: Option<String>,
        /// Telephone number
        #[arg(long)]
        phone: Option<String>,
    },
    /// Record a refusal under Art. 12(1)
    Refuse {
        number: String,
        #[arg(long)]
        reason: String,
    },
    /// Lift a refusal
    Unrefuse {
        number: String,
        #[arg(long)]
        reason: String,
    },
    /// Verify the database: records decode, indexes agree, no slot double-booked
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Print the effective office configuration (TOML)
    Config,
    /// Record consent renewed to the terms in force (Art. 13) for a booking still ahead
    Reconsent {
        id: String,
        /// The job seeker accepted every document of the terms in force
        #[arg(long)]
        consent: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write a change notice to every booking ahead agreed under an older terms version (Art. 13)
    TermsNotice {
        #[arg(long)]
        json: bool,
    },
    /// Own the data dir's database and serve every terminal of the office over a Unix socket
    Serve {
        /// The socket to listen on [default: <data-dir>/soudan.sock]
        #[arg(long, value_name = "PATH")]
        socket: Option<PathBuf>,
        /// Leave this many minutes after the last client (a server started for a screen) [default: stay]
        #[arg(long, value_name = "MINUTES")]
        idle_exit: Option<String>,
    },
    /// The mails waiting in the outbox; --send sends them through the configured relay
    Outbox {
        #[arg(long)]
        send: bool,
    },
    /// Usage statistics of a range of days (aggregates only)
    Stats {
        /// First day, YYYY-MM-DD
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD
        #[arg(long)]
        to: String,
        /// table, csv or json
        #[arg(long, default_value = "table")]
        format: String,
        /// Office codes, comma-separated: their statistics together (the
        /// PostgreSQL store; each one this office may read) [default: this office]
        #[arg(long)]
        offices: Option<String>,
    },
    /// Write the whole database as one JSON document (a backup; it holds personal data)
    Export {
        /// Write it to FILE (mode 0600) instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE when it is an existing regular file
        #[arg(long)]
        force: bool,
    },
    /// Restore a backup written by export into an empty data dir
    Import {
        /// The backup file
        file: PathBuf,
    },
    /// The audit trail as JSON lines (who, when, what; no terminal, no job seeker)
    Audit {
        /// From this day, YYYY-MM-DD
        #[arg(long)]
        from: Option<String>,
        /// To this day, YYYY-MM-DD
        #[arg(long)]
        to: Option<String>,
        /// Only this booking's events
        #[arg(long)]
        booking: Option<String>,
        /// Only this action (book, cancel, start, no_show, kiosk, ...)
        #[arg(long)]
        action: Option<String>,
    },
    /// The self-service kiosk for the lobby (leaving it needs the staff PIN: F10)
    Kiosk {
        /// Set the staff PIN (asked twice, not shown) in the --config file, then stop
        #[arg(long)]
        set_pin: bool,
        /// Seconds without a key before the kiosk clears everything [default: kiosk.idle_seconds]
        #[arg(long, value_name = "SECONDS")]
        idle_seconds: Option<String>,
    },
    /// Fill an empty database with a realistic sample around today (for a first look and training)
    Demo {
        /// Open days to fill, half before today and half from today on
        #[arg(long, default_value_t = 20)]
        days: u32,
        /// The same seed gives the same sample
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Args)]
pub struct BookArgs {
    /// Consultation day, YYYY-MM-DD
    #[arg(long)]
    pub date: String,
    /// Start time, HH:MM (a configured slot)
    #[arg(long)]
    pub time: String,
    /// 求職番号: five digits, a hyphen, one to eight digits
    #[arg(long)]
    pub seeker: String,
    /// Name as the job seeker writes it
    #[arg(long)]
    pub name: String,
    /// Email address registered with the Online Hello Work System
    #[arg(long)]
    pub email: String,
    /// Reading of the name (katakana or hiragana)
    #[arg(long)]
    pub kana: Option<String>,
    /// Telephone number
    #[arg(long)]
    pub phone: Option<String>,
    /// Booth number [default: the first free one]
    #[arg(long)]
    pub booth: Option<String>,
    /// Where the booking came from: counter, phone, kiosk or online
    #[arg(long, default_value = "counter")]
    pub channel: String,
    /// Date of the job seeker registration (求職登録), YYYY-MM-DD
    #[arg(long)]
    pub registered: Option<String>,
    /// An interpreter attends, for this language
    #[arg(long, value_name = "LANGUAGE")]
    pub interpreter: Option<String>,
    /// A caregiver attends
    #[arg(long)]
    pub caregiver: bool,
    /// The job seeker accepted every document of the terms in force
    #[arg(long)]
    pub consent: bool,
    /// Every item of the environment checklist was confirmed
    #[arg(long)]
    pub checklist: bool,
    /// Book after the deadline (staff only), with the reason
    #[arg(long, value_name = "REASON")]
    pub override_deadline: Option<String>,
    /// A known job seeker: replace the contact details on record with the ones given (staff, on purpose)
    #[arg(long)]
    pub update_contact: bool,
    #[arg(long)]
    pub json: bool,
}
