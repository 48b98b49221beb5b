//! The office configuration: `assets/office.toml` built in, or a TOML file
//! given with `--config`. Parsing is strict (unknown keys are refused, so a
//! typo is not silently ignored) and every value is checked, naming the key.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::Invalid;
use crate::domain::calendar::OfficeCalendar;
use crate::domain::office::{Booth, Office, Rules};
use crate::domain::terms::{TermsCatalog, TermsVersion};

/// The built-in configuration: Hello Work Kagoshima.
pub const BUILTIN: &str = include_str!("../assets/office.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub office: OfficeSection,
    pub slots: SlotsSection,
    pub booths: Vec<BoothSection>,
    #[serde(default)]
    pub rules: RulesSection,
    #[serde(default)]
    pub calendar: CalendarSection,
    pub terms: Vec<TermsSection>,
    #[serde(default)]
    pub mail: MailSection,
    #[serde(default)]
    pub kiosk: KioskSection,
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default)]
    pub access: AccessSection,
    #[serde(default, skip_serializing_if = "StorageSection::is_default")]
    pub storage: StorageSection,
}

/// The office's configuration, read by every account of the machine when
/// no `--config` (or `SOUDAN_CONFIG`) is given.
pub const SYSTEM_CONFIG: &str = "/etc/soudan/office.toml";

/// `path` (the office's file) when it exists, else none: the built-in one.
pub fn system_config(path: &Path) -> Option<PathBuf> {
    path.exists().then(|| path.to_path_buf())
}

impl Config {
    /// What makes this office this office, as a digest: its name and code,
    /// slots, booths, rules, calendar, terms and the staff PIN. A terminal
    /// whose configuration gives another is not of its server's office
    /// (the mail relay, the storage, the server's own limits and who may
    /// do what are the server's alone, and not compared).
    pub fn fingerprint(&self) -> String {
        let office = serde_json::json!({
            "office": &self.office,
            "slots": &self.slots,
            "booths": &self.booths,
            "rules": &self.rules,
            "calendar": &self.calendar,
            "terms": &self.terms,
            "pin_hash": &self.kiosk.pin_hash,
        });
        crate::digest::of(&serde_json::to_vec(&office).unwrap_or_default())
    }
}

/// Where the office's records are: the embedded database in the data dir
/// (the default), or a PostgreSQL database shared by many offices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSection {
    /// `postgresql://USER@HOST/DB`, or `postgresql:///DB?host=/socket/dir`
    /// for a local server; empty: the embedded database. `SOUDAN_STORE`
    /// overrides it.
    pub url: String,
    /// Office codes whose statistics (aggregates only) this office may
    /// read with `soudan stats --offices`, besides its own.
    pub stats_offices: Vec<String>,
    /// How often (seconds) a server reads whether another server of the
    /// office changed something, for an engine without LISTEN/NOTIFY
    /// (CockroachDB); 0: PostgreSQL tells it at once.
    pub poll_seconds: u32,
}

impl StorageSection {
    fn is_default(&self) -> bool {
        self.url.is_empty() && self.stats_offices.is_empty() && self.poll_seconds == 0
    }

    /// How a server learns of other servers' changes: told (None), or by
    /// reading every so often.
    pub fn poll(&self) -> Option<std::time::Duration> {
        (self.poll_seconds > 0)
            .then(|| std::time::Duration::from_secs(u64::from(self.poll_seconds.min(3600))))
    }
}

impl Config {
    /// The store's URL: `SOUDAN_STORE`, else `[storage] url`; empty: the
    /// embedded database.
    pub fn store_url(&self) -> String {
        match std::env::var("SOUDAN_STORE") {
            Ok(u) if !u.trim().is_empty() => u.trim().to_string(),
            _ => self.storage.url.trim().to_string(),
        }
    }
}

/// Where the office's server listens, and how long one started for a
/// screen stays without clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// The server's socket; empty: `<data-dir>/soudan.sock` when one
    /// answers there, else the database in-process.
    pub socket: String,
    /// Minutes a server started by a screen stays after its last client.
    pub idle_exit_minutes: u32,
    /// Minutes a slot stays held for a wizard on it, renewed while the
    /// wizard is in use.
    pub hold_minutes: u32,
    /// Connections the server keeps open at once, all accounts together
    /// (PostgreSQL's `max_connections`); a further one is closed at once.
    pub max_connections: u32,
    /// Connections one OS account keeps open at once (PostgreSQL's
    /// per-role `CONNECTION LIMIT`): a kiosk or a stranger's account can
    /// never take every place.
    pub max_per_account: u32,
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            socket: String::new(),
            idle_exit_minutes: 10,
            hold_minutes: 5,
            max_connections: 256,
            max_per_account: 32,
        }
    }
}

/// Who may do what through the server (the ruling "Who may do what"): OS
/// accounts by name, groups as `@name`. With none listed, the server's own
/// account is staff and nobody else is let in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessSection {
    pub staff: Vec<String>,
    pub kiosk: Vec<String>,
    pub viewer: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeSection {
    pub name: String,
    pub name_en: String,
    pub code: String,
    pub time_zone: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsSection {
    pub minutes: u32,
    pub starts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoothSection {
    pub number: u8,
    pub meeting_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesSection {
    pub deadline_open_days: u32,
    pub no_show_grace_minutes: u32,
    pub no_show_flag: u32,
    pub start_early_minutes: u32,
    pub horizon_open_days: u32,
    pub late_after_minutes: u32,
    pub remind_hour: u32,
}

impl Default for RulesSection {
    fn default() -> Self {
        let r = Rules::default();
        Self {
            deadline_open_days: r.deadline_open_days,
            no_show_grace_minutes: r.no_show_grace_minutes,
            no_show_flag: r.no_show_flag,
            start_early_minutes: r.start_early_minutes,
            horizon_open_days: r.horizon_open_days,
            late_after_minutes: r.late_after_minutes,
            remind_hour: r.remind_hour,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarSection {
    pub extra_closed: Vec<String>,
    pub extra_open: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsSection {
    pub version: String,
    pub effective: String,
    pub label: String,
    /// What changed from the version before (for the change notice).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub changes: String,
    /// Where the text of this version is published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSection {
    /// Empty: `<data-dir>/outbox`.
    pub outbox: String,
    /// The sender of confirmation emails.
    pub from: String,
    /// An SMTP relay to send through; empty: the outbox is only written.
    pub smtp_host: String,
    pub smtp_port: u16,
}

impl Default for MailSection {
    fn default() -> Self {
        Self {
            outbox: String::new(),
            from: "ハローワークかごしま <online-soudan@hellowork-kagoshima.example.jp>".into(),
            smtp_host: String::new(),
            smtp_port: 25,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskSection {
    pub idle_seconds: u32,
    /// How long the completion screen stays without a key.
    pub done_seconds: u32,
    pub pin_hash: String,
    /// What the completion screen shows as a QR code: `meeting` (the
    /// booking's meeting URL), `info` (`info_url`) or `off`.
    pub qr: String,
    /// The office's information page, for `qr = "info"`.
    pub info_url: String,
}

impl Default for KioskSection {
    fn default() -> Self {
        Self {
            idle_seconds: 90,
            done_seconds: 20,
            pin_hash: String::new(),
            qr: "meeting".into(),
            info_url: String::new(),
        }
    }
}

/// The largest configuration file read.
const MAX_CONFIG_BYTES: u64 = 256 * 1024;

/// An http or https URL with a host and no white space, quotes or angle
/// brackets (it goes into mail, calendar files and QR codes as it is).
pub fn is_web_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && r.bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'<' | b'>' | b'\\' | b'`'))
    })
}

/// Why a configuration cannot be used (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: Option<PathBuf>,
    /// The key, e.g. `slots.minutes`, or empty when the file itself is the problem.
    pub field: String,
    pub detail: String,
    /// A value that is not accepted: the message says what is.
    pub invalid: Option<Box<Invalid>>,
}

/// A checked configuration, with the values the rest of soudan uses.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub office: Office,
    pub tz: Tz,
}

fn date(field: &'static str, s: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Invalid::new(field, s, "date"))
}

fn time(field: &'static str, s: &str) -> Result<NaiveTime, Invalid> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| Invalid::new(field, s, "time"))
}

impl Config {
    /// Parses and checks TOML text.
    pub fn parse(text: &str, path: Option<&Path>) -> Result<Loaded, ConfigError> {
        let err = |field: String, detail: String| ConfigError {
            path: path.map(Path::to_path_buf),
            field,
            detail,
            invalid: None,
        };
        let config: Config = toml::from_str(text).map_err(|e| {
            let detail = e.message().to_string();
            let at = e.span().map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}")
            });
            err(at.unwrap_or_default(), detail)
        })?;
        config.check().map_err(|i| ConfigError {
            path: path.map(Path::to_path_buf),
            field: i.field.to_string(),
            detail: String::new(),
            invalid: Some(Box::new(i)),
        })
    }

    /// The built-in configuration.
    pub fn builtin() -> Loaded {
        Self::parse(BUILTIN, None)
            .unwrap_or_else(|e| panic!("the built-in configuration is invalid: {e:?}"))
    }

    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
        let fail = |detail: String| ConfigError {
            path: Some(path.to_path_buf()),
            field: String::new(),
            detail,
            invalid: None,
        };
        // Bounded before it is read: a configuration is a few KiB.
        let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
        if !meta.is_file() || meta.len() > MAX_CONFIG_BYTES {
            return Err(fail(format!(
                "not a file of at most {} KiB",
                MAX_CONFIG_BYTES / 1024
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        Self::parse(&text, Some(path))
    }

    /// Every text a person configures, with its key: checked like what is
    /// typed at the counter (it reaches screens, mail and calendar files).
    fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![
            ("office.name", self.office.name.as_str()),
            ("office.phone", self.office.phone.as_str()),
            ("mail.from", self.mail.from.as_str()),
            ("mail.outbox", self.mail.outbox.as_str()),
            ("mail.smtp_host", self.mail.smtp_host.as_str()),
            ("kiosk.info_url", self.kiosk.info_url.as_str()),
            ("server.socket", self.server.socket.as_str()),
        ];
        for b in &self.booths {
            out.push(("booths.meeting_url", b.meeting_url.as_str()));
        }
        for t in &self.terms {
            out.push(("terms.version", t.version.as_str()));
            out.push(("terms.label", t.label.as_str()));
            out.push(("terms.changes", t.changes.as_str()));
            out.push(("terms.url", t.url.as_str()));
        }
        out
    }

    fn check(self) -> Result<Loaded, Invalid> {
        for (field, value) in self.texts() {
            crate::domain::bounded(field, value, 1000, 4000)?;
            if value.chars().any(crate::domain::seeker::is_forbidden_char) {
                return Err(Invalid::new(field, value, "text_chars"));
            }
            // Every `…url` key is an http(s) address; only a booth's is required.
            let required = field == "booths.meeting_url";
            if field.ends_with("url") && (required || !value.is_empty()) && !is_web_url(value) {
                return Err(Invalid::new(field, value, "url"));
            }
        }
        crate::desk::access::check(&self.access)?;
        if !(1..=1440).contains(&self.server.idle_exit_minutes) {
            return Err(Invalid::new(
                "server.idle_exit_minutes",
                self.server.idle_exit_minutes.to_string(),
                "idle_exit",
            ));
        }
        if !(1..=60).contains(&self.server.hold_minutes) {
            return Err(Invalid::new(
                "server.hold_minutes",
                self.server.hold_minutes.to_string(),
                "hold_minutes",
            ));
        }
        if !(8..=4096).contains(&self.server.max_connections) {
            return Err(Invalid::new(
                "server.max_connections",
                self.server.max_connections.to_string(),
                "max_connections",
            ));
        }
        if !(1..=self.server.max_connections).contains(&self.server.max_per_account) {
            return Err(Invalid::new(
                "server.max_per_account",
                self.server.max_per_account.to_string(),
                "max_per_account",
            ));
        }
        let tz: Tz =
            self.office.time_zone.parse().map_err(|_| {
                Invalid::new("office.time_zone", &self.office.time_zone, "time_zone")
            })?;
        if self.office.code.len() != 5 || !self.office.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "office.code",
                &self.office.code,
                "office_code",
            ));
        }
        crate::domain::seeker::Phone::parse(&self.office.phone)
            .map_err(|i| i.for_field("office.phone"))?;
        if self.office.name.trim().is_empty() {
            return Err(Invalid::new("office.name", "", "text_empty"));
        }
        let starts = self
            .slots
            .starts
            .iter()
            .map(|s| time("slots.starts", s))
            .collect::<Result<Vec<_>, _>>()?;
        let booths = self
            .booths
            .iter()
            .map(|b| Booth {
                number: b.number,
                meeting_url: b.meeting_url.clone(),
            })
            .collect::<Vec<_>>();
        let calendar = OfficeCalendar::new(
            self.calendar
                .extra_closed
                .iter()
                .map(|s| date("calendar.extra_closed", s))
                .collect::<Result<Vec<_>, _>>()?,
            self.calendar
                .extra_open
                .iter()
                .map(|s| date("calendar.extra_open", s))
                .collect::<Result<Vec<_>, _>>()?,
        );
        if self.terms.is_empty() {
            return Err(Invalid::new("terms", "[]", "terms"));
        }
        let mut versions = Vec::new();
        for t in &self.terms {
            if t.version.trim().is_empty() {
                return Err(Invalid::new("terms.version", &t.version, "text_empty"));
            }
            if versions
                .iter()
                .any(|v: &TermsVersion| v.version == t.version)
            {
                return Err(Invalid::new("terms.version", &t.version, "terms"));
            }
            versions.push(TermsVersion {
                version: t.version.clone(),
                effective: date("terms.effective", &t.effective)?,
                label_ja: t.label.clone(),
            });
        }
        let rules = Rules {
            deadline_open_days: self.rules.deadline_open_days,
            no_show_grace_minutes: self.rules.no_show_grace_minutes,
            no_show_flag: self.rules.no_show_flag.max(1),
            start_early_minutes: self.rules.start_early_minutes,
            horizon_open_days: self.rules.horizon_open_days,
            late_after_minutes: self.rules.late_after_minutes,
            remind_hour: self.rules.remind_hour,
        };
        if rules.remind_hour > 23 {
            return Err(Invalid::new(
                "rules.remind_hour",
                rules.remind_hour.to_string(),
                "remind_hour",
            ));
        }
        if rules.late_after_minutes == 0 || rules.late_after_minutes >= rules.no_show_grace_minutes
        {
            return Err(Invalid::new(
                "rules.late_after_minutes",
                rules.late_after_minutes.to_string(),
                "late_after",
            ));
        }
        if rules.start_early_minutes > 60 {
            return Err(Invalid::new(
                "rules.start_early_minutes",
                rules.start_early_minutes.to_string(),
                "start_early",
            ));
        }
        if !(1..=250).contains(&rules.horizon_open_days) {
            return Err(Invalid::new(
                "rules.horizon_open_days",
                rules.horizon_open_days.to_string(),
                "horizon",
            ));
        }
        if rules.deadline_open_days > 20 {
            return Err(Invalid::new(
                "rules.deadline_open_days",
                rules.deadline_open_days.to_string(),
                "deadline_days",
            ));
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(Invalid::new("mail.from", &self.mail.from, "email"));
        }
        match self.kiosk.qr.as_str() {
            "meeting" | "off" => {}
            // A given info_url is an http(s) address (checked above).
            "info" if !self.kiosk.info_url.is_empty() => {}
            "info" => return Err(Invalid::new("kiosk.info_url", &self.kiosk.info_url, "url")),
            other => return Err(Invalid::new("kiosk.qr", other, "qr")),
        }
        if !self.kiosk.pin_hash.is_empty() && !crate::pin::is_hash(&self.kiosk.pin_hash) {
            return Err(Invalid::new(
                "kiosk.pin_hash",
                &self.kiosk.pin_hash,
                "pin_hash",
            ));
        }
        if !(5..=600).contains(&self.kiosk.done_seconds) {
            return Err(Invalid::new(
                "kiosk.done_seconds",
                self.kiosk.done_seconds.to_string(),
                "done_seconds",
            ));
        }
        if self.kiosk.idle_seconds < 5 || self.kiosk.idle_seconds > 3600 {
            return Err(Invalid::new(
                "kiosk.idle_seconds",
                self.kiosk.idle_seconds.to_string(),
                "idle_seconds",
            ));
        }
        let office = Office::new(
            calendar,
            self.slots.minutes,
            starts,
            booths,
            rules,
            TermsCatalog::new(versions),
        )?;
        Ok(Loaded {
            config: self,
            office,
            tz,
        })
    }

    /// The configuration as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self)
            .unwrap_or_else(|e| format!("# cannot print the configuration: {e}\n"))
    }

    /// The outbox folder.
    pub fn outbox(&self, data_dir: &Path) -> PathBuf {
        if self.mail.outbox.trim().is_empty() {
            data_dir.join("outbox")
        } else {
            PathBuf::from(&self.mail.outbox)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_hello_work_kagoshima() {
        let l = Config::builtin();
        assert_eq!(l.config.office.name, "ハローワークかごしま");
        assert_eq!(l.config.office.code, "46010");
        assert_eq!(l.tz, chrono_tz::Asia::Tokyo);
        assert_eq!(l.office.slot_minutes, 30);
        assert_eq!(l.office.starts.len(), 13);
        assert_eq!(l.office.booths.len(), 2);
        assert_eq!(l.office.terms.versions().len(), 6);
        assert_eq!(l.office.rules, Rules::default());
    }

    #[test]
    fn printed_config_reads_back_the_same() {
        let l = Config::builtin();
        let again = Config::parse(&l.config.to_toml(), None).unwrap();
        assert_eq!(again.config, l.config);
    }

    fn with(from: &str, to: &str) -> Result<Loaded, ConfigError> {
        assert!(BUILTIN.contains(from), "{from}");
        Config::parse(&BUILTIN.replacen(from, to, 1), None)
    }

    #[test]
    fn bad_values_name_their_key() {
        assert_eq!(
            with("minutes = 30", "minutes = 45").unwrap_err().field,
            "slots.minutes"
        );
        assert_eq!(
            with("\"09:30\",", "\"9.30\",").unwrap_err().field,
            "slots.starts"
        );
        assert_eq!(
            with("Asia/Tokyo", "Mars/Olympus").unwrap_err().field,
            "office.time_zone"
        );
        assert_eq!(
            with("extra_closed = []", "extra_closed = [\"2026-13-01\"]")
                .unwrap_err()
                .field,
            "calendar.extra_closed"
        );
        assert_eq!(
            with("phone = \"099-250-6060\"", "phone = \"12\"")
                .unwrap_err()
                .field,
            "office.phone"
        );
        let unknown = with("[rules]", "[rules]\nno_show_grase = 3").unwrap_err();
        assert!(unknown.detail.contains("no_show_grase"), "{unknown:?}");
        assert!(unknown.field.starts_with("line "), "{unknown:?}");
        assert!(Config::parse("not toml at all [", None).is_err());
    }

    #[test]
    fn shorter_slots_and_extra_days() {
        let l = with("minutes = 30", "minutes = 20").unwrap();
        assert_eq!(l.office.slot_minutes, 20);
        let l = with("extra_open = []", "extra_open = [\"2026-12-05\"]").unwrap();
        assert!(
            l.office
                .calendar
                .is_open(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap())
        );
    }
}
