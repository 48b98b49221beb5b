//! The dashboard's state and its one `update` function (the Elm
//! architecture): every input is an [`Action`]; `update` changes the [`App`]
//! and may ask for an [`Effect`] (load a day, apply an event, search), which
//! the event loop carries out against the store and answers with another
//! action. No terminal and no store here, so all of it is tested with plain
//! key sequences.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};
use unicode_normalization::UnicodeNormalization;

use crate::config::Loaded;
use crate::domain::booking::{BookingId, Event, Status};
use crate::domain::seeker::{JobSeekerNumber, TEXT_MAX_WIDTH, free_text};
use crate::i18n::Lang;
use crate::store::AuditEvent;
use crate::tr;

use super::keymap::{Command, Mode};
use super::theme::Theme;

pub use crate::desk::views::{DayData, Hit, Row};

/// What staff do to a booking or a job seeker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Cancel,
    Start,
    /// A start made by mistake, taken back within its slot.
    Unstart,
    Finish,
    Stop,
    Correct,
    Refuse,
    Unrefuse,
}

impl Op {
    fn needs_reason(self) -> bool {
        !matches!(self, Op::Start | Op::Finish | Op::Unstart)
    }

    fn event(self, reason: String) -> Option<Event> {
        Some(match self {
            Op::Cancel => Event::Cancel { reason },
            Op::Start => Event::Start,
            Op::Unstart => Event::Unstart,
            Op::Finish => Event::Finish,
            Op::Stop => Event::Stop { reason },
            Op::Correct => Event::CorrectNoShow { reason },
            Op::Refuse | Op::Unrefuse => return None,
        })
    }

    /// The booking status this op needs, for booking ops.
    fn allowed(self) -> Option<&'static [Status]> {
        let probe = self.event(String::new())?;
        Some(probe.allowed_from())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Reason(Op),
    GoTo,
    Search,
    /// The staff reason for moving a booking to a slot past its deadline.
    MoveLate(crate::domain::office::SlotRequest),
    /// A staff note on the selected booking, or (Tab) on its job seeker.
    Note {
        booking: BookingId,
        seeker: JobSeekerNumber,
        on_seeker: bool,
    },
    /// The reason for taking time off from the selected slot; Tab steps
    /// through how much.
    Block {
        at: crate::domain::office::SlotRequest,
        scope: BlockScope,
    },
}

/// How much time `b` takes off, from the selected slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockScope {
    /// This booth, this slot.
    Slot,
    /// This booth, from this slot to the day's end.
    BoothRest,
    /// This booth, the whole day.
    BoothDay,
    /// Every booth, from this slot to the day's end.
    OfficeRest,
    /// Every booth, the whole day.
    OfficeDay,
}

impl BlockScope {
    pub fn next(self) -> Self {
        match self {
            BlockScope::Slot => BlockScope::BoothRest,
            BlockScope::BoothRest => BlockScope::BoothDay,
            BlockScope::BoothDay => BlockScope::OfficeRest,
            BlockScope::OfficeRest => BlockScope::OfficeDay,
            BlockScope::OfficeDay => BlockScope::Slot,
        }
    }

    /// The block asked for: booth, from, to.
    pub fn span(
        self,
        office: &crate::domain::office::Office,
        at: &crate::domain::office::SlotRequest,
    ) -> (Option<u8>, NaiveTime, NaiveTime) {
        let first = office.starts.first().copied().unwrap_or(at.time);
        let end = office
            .starts
            .last()
            .map_or(at.time, |t| *t + office.slot_length());
        match self {
            BlockScope::Slot => (Some(at.booth), at.time, at.time + office.slot_length()),
            BlockScope::BoothRest => (Some(at.booth), at.time, end),
            BlockScope::BoothDay => (Some(at.booth), first, end),
            BlockScope::OfficeRest => (None, at.time, end),
            BlockScope::OfficeDay => (None, first, end),
        }
    }
}

/// A booking picked up to be moved (`M`), until it is put down (`M` on the
/// new slot) or left (`Esc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moving {
    pub id: BookingId,
    pub from: crate::domain::booking::Slot,
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub purpose: Purpose,
    pub input: String,
    pub error: Option<String>,
    /// Ctrl-C was pressed once over what was typed: a second one quits.
    pub quit_asked: bool,
}

/// An action waiting for yes or no.
#[derive(Debug, Clone)]
pub struct Pending {
    pub op: Op,
    pub id: BookingId,
    pub seeker: JobSeekerNumber,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub tone: Tone,
    pub text: String,
}

/// Every input, and every answer of the loop.
#[derive(Debug, Clone)]
pub enum Action {
    Key(Command),
    /// A character typed into a prompt.
    Char(char),
    Loaded(Box<DayData>),
    /// An effect finished: a message for the status line.
    Done(Result<String, String>),
    /// A move finished: done (the booking is put down), or why not (it
    /// stays picked up).
    Moved(Result<String, String>),
    Found(Vec<Hit>),
    /// A key while the booking wizard is open (it may be text for a field).
    WizardKey(ratatui::crossterm::event::KeyEvent),
    LookedUp(Box<super::wizard::SeekerInfo>),
    Booked(Result<super::wizard::Booked, String>),
    /// The terminal's new size.
    Resize(u16, u16),
    /// The clock moved (a minute, or a no-show deadline).
    Tick(NaiveDateTime),
    Swept(usize),
    StatsLoaded(Box<StatsView>),
    AuditLoaded(Vec<AuditEvent>),
    /// The days of the week view.
    WeekLoaded(Vec<DayData>),
}

/// What the loop must do against the store.
#[derive(Debug, Clone)]
pub enum Effect {
    Load(NaiveDate),
    Apply {
        id: BookingId,
        event: Event,
    },
    Refuse {
        seeker: JobSeekerNumber,
        reason: String,
    },
    Unrefuse {
        seeker: JobSeekerNumber,
        reason: String,
    },
    Search(String),
    /// Let the no-show rule catch up.
    Sweep,
    /// The wizard's job seeker look-up.
    Lookup(JobSeekerNumber, NaiveDate),
    /// The wizard's booking.
    Book(Box<crate::desk::BookingRequest>),
    /// Write the booking's mail again.
    Resend(BookingId),
    /// The statistics of the month starting on this day, and of the eight
    /// weeks up to its end.
    Stats(NaiveDate),
    /// The audit trail of a day (or of one booking), of one action or all.
    Audit {
        day: NaiveDate,
        booking: Option<BookingId>,
        action: Option<&'static str>,
    },
    /// Renewed consent for an existing booking.
    Reconsent(BookingId, Vec<crate::domain::terms::Document>),
    /// A booking moved to another slot.
    Move {
        id: BookingId,
        to: crate::domain::office::SlotRequest,
        late: crate::domain::office::Override,
    },
    /// A staff note written (empty: removed).
    Note {
        on: crate::domain::block::NoteOn,
        text: String,
    },
    /// Time taken off the calendar.
    Block(crate::desk::staff::BlockRequest),
    /// A block given back.
    Unblock(u64),
    /// The day sheet of this day written to the data folder.
    Sheet(NaiveDate),
    /// The five open days of the week view.
    LoadWeek(Vec<NaiveDate>),
}

pub struct App {
    pub lang: Lang,
    pub theme: Theme,
    pub loaded: Arc<Loaded>,
    pub now: NaiveDateTime,
    pub date: NaiveDate,
    pub row: usize,
    pub col: usize,
    pub data: DayData,
    pub mode: Mode,
    pub prompt: Option<Prompt>,
    /// A booking picked up to be moved.
    pub moving: Option<Moving>,
    /// The late bookings already said on the status line.
    pub late_said: std::collections::BTreeSet<BookingId>,
    pub pending: Option<Pending>,
    pub results: Vec<Hit>,
    pub result_sel: usize,
    pub status: Option<StatusLine>,
    pub quit: bool,
    /// The booking wizard, when open.
    pub wizard: Option<super::wizard::Wizard>,
    /// The terminal's size (columns, rows), for the wizard's terms view.
    pub size: (u16, u16),
    /// The mode to return to after a prompt or confirmation.
    back_to: Mode,
    /// The statistics screen: the first day of its month, and what it shows.
    pub stats_month: NaiveDate,
    pub stats: Option<Box<StatsView>>,
    /// The audit trail browser.
    pub audit: AuditView,
    /// For each (slot start, booth) of the day, the index in `data.rows` of
    /// the booking its cell shows: the live one, else the latest made.
    cells: HashMap<(NaiveTime, u8), usize>,
    /// The week view (`w`): five open days side by side.
    pub week: Option<Vec<DayData>>,
    /// How far the `?` screen is scrolled (on a screen too small for it).
    pub help_scroll: usize,
    /// The server's role for this screen's account is viewer: the screen
    /// offers and takes only what a viewer may ([`Command::for_viewer`]).
    pub viewer: bool,
}

/// What the statistics screen shows.
#[derive(Debug, Clone)]
pub struct StatsView {
    pub month: crate::domain::stats::Stats,
    pub weeks: crate::domain::stats::Stats,
}

/// The actions the audit browser steps through (`f`); "" is all of them.
pub const AUDIT_ACTIONS: [&str; 12] = [
    "",
    "book",
    "cancel",
    "start",
    "finish",
    "stop",
    "no_show",
    "correct_no_show",
    "reconsent",
    "refuse",
    "unrefuse",
    "kiosk",
];

/// The audit trail browser: a day's events, or one booking's history.
#[derive(Debug, Clone)]
pub struct AuditView {
    pub day: NaiveDate,
    pub booking: Option<BookingId>,
    /// An index into [`AUDIT_ACTIONS`].
    pub action: usize,
    pub events: Vec<AuditEvent>,
    pub scroll: usize,
}

impl AuditView {
    fn effect(&self) -> Effect {
        Effect::Audit {
            day: self.day,
            booking: self.booking,
            action: (self.action > 0).then(|| AUDIT_ACTIONS[self.action]),
        }
    }
}

fn month_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

impl App {
    pub fn new(lang: Lang, theme: Theme, loaded: Arc<Loaded>, now: NaiveDateTime) -> Self {
        let date = now.date();
        // Start on the slot going on now, or the next one.
        let row = loaded
            .office
            .starts
            .iter()
            .position(|s| date.and_time(*s) + loaded.office.slot_length() > now)
            .unwrap_or(0);
        Self {
            lang,
            theme,
            loaded,
            now,
            date,
            row,
            col: 0,
            data: DayData::default(),
            mode: Mode::Normal,
            prompt: None,
            moving: None,
            late_said: Default::default(),
            pending: None,
            results: Vec::new(),
            result_sel: 0,
            status: None,
            quit: false,
            wizard: None,
            size: (80, 24),
            back_to: Mode::Normal,
            stats_month: month_start(date),
            stats: None,
            cells: HashMap::new(),
            week: None,
            help_scroll: 0,
            viewer: false,
            audit: AuditView {
                day: date,
                booking: None,
                action: 0,
                events: Vec::new(),
                scroll: 0,
            },
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date()
    }

    /// What the views draw with.
    pub fn look(&self) -> super::view::Look<'_> {
        super::view::Look {
            lang: self.lang,
            theme: self.theme,
            loaded: &self.loaded,
            today: self.today(),
        }
    }

    pub fn slot_count(&self) -> usize {
        self.loaded.office.starts.len()
    }

    pub fn booth_count(&self) -> usize {
        self.loaded.office.booths.len()
    }

    /// The rows of the cell (slot `row`, booth `col`): the live booking if
    /// there is one, else the latest cancelled or no-show one.
    pub fn cell(&self, row: usize, col: usize) -> Option<&Row> {
        let start = *self.loaded.office.starts.get(row)?;
        let booth = self.loaded.office.booths.get(col)?.number;
        self.cells
            .get(&(start, booth))
            .and_then(|&i| self.data.rows.get(i))
    }

    /// Takes a newly loaded day, and indexes which booking each cell shows.
    pub fn set_data(&mut self, data: DayData) {
        self.cells.clear();
        for (i, r) in data.rows.iter().enumerate() {
            let key = (r.booking.slot.start, r.booking.slot.booth);
            let shown = match self.cells.get(&key).and_then(|&j| data.rows.get(j)) {
                None => true,
                Some(old) if old.booking.status.is_live() => false,
                Some(old) => {
                    r.booking.status.is_live() || r.booking.created_at >= old.booking.created_at
                }
            };
            if shown {
                self.cells.insert(key, i);
            }
        }
        self.data = data;
    }

    pub fn selected(&self) -> Option<&Row> {
        self.cell(self.row, self.col)
    }

    fn say(&mut self, tone: Tone, text: String) {
        self.status = Some(StatusLine { tone, text });
    }

    fn go_to(&mut self, date: NaiveDate) -> Option<Effect> {
        self.date = date;
        Some(Effect::Load(date))
    }

    fn open_prompt(&mut self, purpose: Purpose) {
        self.back_to = if self.mode == Mode::Detail {
            Mode::Detail
        } else {
            Mode::Normal
        };
        self.prompt = Some(Prompt {
            purpose,
            input: String::new(),
            error: None,
            quit_asked: false,
        });
        self.mode = Mode::Prompt;
    }

    fn close_overlays(&mut self) {
        self.prompt = None;
        self.pending = None;
        self.mode = self.back_to;
        self.back_to = Mode::Normal;
    }

    /// Starts `op` on the selected booking: checks it is possible, then asks
    /// for a reason or a confirmation.
    fn begin(&mut self, op: Op) -> Option<Effect> {
        let lang = self.lang;
        let Some(row) = self.selected() else {
            self.say(Tone::Error, tr!(lang, "dash.no_booking_here"));
            return None;
        };
        let booking = row.booking.clone();
        let refused = row.refusal.is_some();
        let op = match op {
            Op::Refuse if refused => Op::Unrefuse,
            other => other,
        };
        if let Some(allowed) = op.allowed()
            && !allowed.contains(&booking.status)
        {
            let v = crate::domain::booking::Violation::WrongState {
                status: booking.status,
                event: op.event(String::new()).map(|e| e.id()).unwrap_or(""),
                allowed,
            };
            self.say(
                Tone::Error,
                crate::error::Error::from(v).about(booking.id).message(lang),
            );
            return None;
        }
        self.pending = Some(Pending {
            op,
            id: booking.id,
            seeker: booking.seeker.clone(),
            reason: String::new(),
        });
        if op.needs_reason() {
            self.open_prompt(Purpose::Reason(op));
        } else {
            self.back_to = if self.mode == Mode::Detail {
                Mode::Detail
            } else {
                Mode::Normal
            };
            self.mode = Mode::Confirm;
        }
        None
    }

    /// `M`: picks the selected booking up, or puts the one picked up down
    /// on the selected slot (checked here as the desk will: a slot past its
    /// deadline asks for the staff reason first).
    fn move_key(&mut self) -> Option<Effect> {
        use crate::domain::office::{BookingCheck, Override, SlotRequest};
        let lang = self.lang;
        let Some(m) = self.moving.clone() else {
            let Some(r) = self.selected() else {
                self.say(Tone::Error, tr!(lang, "dash.no_booking_here"));
                return None;
            };
            let b = r.booking.clone();
            if b.status != crate::domain::booking::Status::Booked {
                let v = crate::domain::booking::Violation::WrongState {
                    status: b.status,
                    event: "move",
                    allowed: &[crate::domain::booking::Status::Booked],
                };
                self.say(
                    Tone::Error,
                    crate::error::Error::from(v).about(b.id).message(lang),
                );
                return None;
            }
            self.mode = Mode::Normal;
            self.moving = Some(Moving {
                id: b.id,
                from: b.slot,
            });
            self.say(Tone::Info, self.moving_line());
            return None;
        };
        let time = *self.loaded.office.starts.get(self.row)?;
        let booth = self.loaded.office.booths.get(self.col)?.number;
        let to = SlotRequest {
            date: self.date,
            time,
            booth,
        };
        if let Some(r) = self.selected().filter(|r| r.booking.status.is_live()) {
            let text = if r.booking.id == m.id {
                tr!(lang, "dash.move_here")
            } else {
                let v = crate::domain::booking::Violation::SlotTaken {
                    slot: r.booking.slot,
                };
                crate::error::Error::from(v).message(lang)
            };
            self.say(Tone::Error, text);
            return None;
        }
        // A block is said first: no late reason is asked for a slot that
        // cannot be had anyway.
        if let Some(v) = self.blocked_here() {
            self.say(Tone::Error, crate::error::Error::from(v).message(lang));
            return None;
        }
        match self
            .loaded
            .office
            .check_slot(&to, self.now, &Override::None)
        {
            Ok(_) => Some(Effect::Move {
                id: m.id,
                to,
                late: Override::None,
            }),
            Err(BookingCheck::Rule(crate::domain::booking::Violation::PastDeadline { .. })) => {
                self.open_prompt(Purpose::MoveLate(to));
                None
            }
            Err(BookingCheck::Rule(v)) => {
                self.say(Tone::Error, crate::error::Error::from(v).message(lang));
                None
            }
            Err(BookingCheck::Invalid(i)) => {
                self.say(Tone::Error, crate::error::Error::Invalid(i).message(lang));
                None
            }
        }
    }

    /// Whether `b` is late: booked, not started, the late time past its
    /// start gone by (the no-show follows by itself).
    pub fn is_late(&self, b: &crate::domain::booking::Booking) -> bool {
        b.status == crate::domain::booking::Status::Booked
            && self.now >= b.slot.starts_at() + self.loaded.office.rules.late()
    }

    /// Says on the status line which bookings of the day shown became late
    /// since it last looked, each once, with the phone to call.
    fn say_late(&mut self) {
        let lang = self.lang;
        let grace = self.loaded.office.rules.grace();
        let late: Vec<String> = self
            .data
            .rows
            .iter()
            .filter(|r| {
                self.is_late(&r.booking)
                    && self.now < r.booking.slot.starts_at() + grace
                    && !self.late_said.contains(&r.booking.id)
            })
            .map(|r| {
                let b = &r.booking;
                let (name, phone) = match &r.seeker {
                    Some(s) => (
                        crate::i18n::safe(s.name.as_str()),
                        s.phone
                            .as_ref()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_else(|| s.email.to_string()),
                    ),
                    None => (r.masked().unwrap_or_default(), "-".into()),
                };
                tr!(
                    lang,
                    "dash.late",
                    time = b.slot.start.format("%H:%M"),
                    booth = b.slot.booth,
                    name = name,
                    phone = crate::i18n::safe(&phone),
                    no_show = (b.slot.starts_at() + grace).format("%H:%M")
                )
            })
            .collect();
        let ids: Vec<BookingId> = self
            .data
            .rows
            .iter()
            .filter(|r| self.is_late(&r.booking))
            .map(|r| r.booking.id)
            .collect();
        self.late_said.extend(ids);
        if !late.is_empty() {
            self.say(Tone::Error, late.join(" "));
        }
    }

    /// What the status line says while a booking is picked up.
    pub fn moving_line(&self) -> String {
        let Some(m) = &self.moving else {
            return String::new();
        };
        tr!(
            self.lang,
            "dash.moving",
            id = m.id,
            from = crate::desk::slot_line(self.lang, &m.from)
        )
    }

    /// Opens the booking wizard on the selected slot, if it can be booked.
    /// The five open days of the week view: from the Monday of the shown
    /// day's week on, closed days left out.
    pub fn week_days(&self) -> Vec<NaiveDate> {
        let cal = &self.loaded.office.calendar;
        let monday =
            self.date - chrono::Days::new(u64::from(self.date.weekday().num_days_from_monday()));
        let mut out = Vec::with_capacity(5);
        let mut d = monday;
        for _ in 0..31 {
            if out.len() == 5 {
                break;
            }
            if cal.is_open(d) {
                out.push(d);
            }
            let Some(next) = d.succ_opt() else { break };
            d = next;
        }
        out
    }

    /// The selected cell as a slot.
    pub fn selected_slot(&self) -> Option<crate::domain::booking::Slot> {
        self.selected_slot_at(self.row, self.col)
    }

    /// The cell at `row`, `col` of the shown day as a slot.
    pub fn selected_slot_at(&self, row: usize, col: usize) -> Option<crate::domain::booking::Slot> {
        let office = &self.loaded.office;
        let start = *office.starts.get(row)?;
        let booth = office.booths.get(col)?.number;
        Some(crate::domain::booking::Slot {
            date: self.date,
            start,
            end: start + office.slot_length(),
            booth,
        })
    }

    /// `b`: asks for the reason to take time off from the selected slot
    /// (Tab: how much); on time already off, says so.
    fn block_key(&mut self) -> Option<Effect> {
        let lang = self.lang;
        let slot = self.selected_slot()?;
        if let Some(b) = self.data.block_at(&slot) {
            let words = crate::desk::staff::block_words(lang, b);
            self.say(Tone::Info, tr!(lang, "block.already", words = words));
            return None;
        }
        if let Some(c) = self.loaded.office.calendar.closure(self.date) {
            let v = crate::domain::booking::Violation::ClosedDay {
                date: self.date,
                closure: c,
            };
            self.say(Tone::Error, crate::error::Error::from(v).message(lang));
            return None;
        }
        self.open_prompt(Purpose::Block {
            at: crate::domain::office::SlotRequest {
                date: slot.date,
                time: slot.start,
                booth: slot.booth,
            },
            scope: BlockScope::Slot,
        });
        None
    }

    /// The selected slot's block, as the rule it breaks.
    fn blocked_here(&self) -> Option<crate::domain::booking::Violation> {
        let slot = self.selected_slot()?;
        let b = self.data.block_at(&slot)?;
        Some(crate::domain::booking::Violation::SlotBlocked {
            slot,
            reason: b.reason.clone(),
        })
    }

    fn open_wizard(&mut self) -> Option<Effect> {
        let lang = self.lang;
        if self.selected().is_none_or(|r| !r.booking.status.is_live())
            && let Some(v) = self.blocked_here()
        {
            self.say(Tone::Error, crate::error::Error::from(v).message(lang));
            return None;
        }
        if let Some(c) = self.loaded.office.calendar.closure(self.date) {
            let v = crate::domain::booking::Violation::ClosedDay {
                date: self.date,
                closure: c,
            };
            self.say(Tone::Error, crate::error::Error::from(v).message(lang));
            return None;
        }
        if let Some(r) = self.selected().filter(|r| r.booking.status.is_live()) {
            let v = crate::domain::booking::Violation::SlotTaken {
                slot: r.booking.slot,
            };
            self.say(Tone::Error, crate::error::Error::from(v).message(lang));
            return None;
        }
        let time = *self.loaded.office.starts.get(self.row)?;
        let booth = self.loaded.office.booths.get(self.col)?.number;
        // What no reason can change is said at once: a slot begun, beyond
        // the horizon. Past the deadline the wizard opens (staff may book
        // with a reason).
        let req = crate::domain::office::SlotRequest {
            date: self.date,
            time,
            booth,
        };
        match self
            .loaded
            .office
            .check_slot(&req, self.now, &crate::domain::office::Override::None)
        {
            Ok(_)
            | Err(crate::domain::office::BookingCheck::Rule(
                crate::domain::booking::Violation::PastDeadline { .. },
            )) => {}
            Err(crate::domain::office::BookingCheck::Rule(v)) => {
                self.say(Tone::Error, crate::error::Error::from(v).message(lang));
                return None;
            }
            Err(crate::domain::office::BookingCheck::Invalid(i)) => {
                self.say(Tone::Error, crate::error::Error::Invalid(i).message(lang));
                return None;
            }
        }
        let w = super::wizard::Wizard::new(
            &self.loaded.office,
            lang,
            false,
            self.date,
            time,
            booth,
            self.now,
        );
        self.mode = w.mode();
        self.wizard = Some(w);
        None
    }

    /// Closes a wizard just opened on a slot another terminal holds, and
    /// says so.
    pub fn refuse_wizard(&mut self, why: String) {
        self.wizard = None;
        self.mode = Mode::Normal;
        self.say(Tone::Error, why);
    }

    /// Carries out what the wizard asked for.
    fn wizard_outcome(&mut self, outcome: super::wizard::Outcome) -> Option<Effect> {
        use super::wizard::{Ask, Outcome};
        match outcome {
            Outcome::Stay => {
                if let Some(w) = &self.wizard {
                    self.mode = w.mode();
                }
                None
            }
            Outcome::Ask(Ask::Lookup(n, d)) => Some(Effect::Lookup(n, d)),
            Outcome::Ask(Ask::Book(req)) => Some(Effect::Book(req)),
            Outcome::Ask(Ask::Reconsent(id, docs)) => Some(Effect::Reconsent(id, docs)),
            Outcome::Close => {
                let booked = self.wizard.take().and_then(|w| w.booked);
                self.mode = Mode::Normal;
                match booked {
                    Some(b) => {
                        self.say(Tone::Ok, tr!(self.lang, "wizard.booked_status", id = b.id))
                    }
                    None => self.say(Tone::Info, tr!(self.lang, "dash.abandoned")),
                }
                Some(Effect::Load(self.date))
            }
        }
    }

    fn move_cursor(&mut self, dr: i64, dc: i64) {
        let rows = self.slot_count() as i64;
        let cols = self.booth_count() as i64;
        self.row = (self.row as i64 + dr).clamp(0, (rows - 1).max(0)) as usize;
        self.col = (self.col as i64 + dc).clamp(0, (cols - 1).max(0)) as usize;
    }

    fn shift_days(&mut self, days: i64) -> Option<Effect> {
        let d = if days >= 0 {
            self.date.checked_add_days(Days::new(days as u64))
        } else {
            self.date.checked_sub_days(Days::new(days.unsigned_abs()))
        }?;
        self.go_to(d)
    }

    /// Reads a typed date: `YYYY-MM-DD`, `MM-DD`, `M/D` or `D` (in the shown month).
    pub fn parse_goto(&self, input: &str) -> Option<NaiveDate> {
        let s: String = input
            .nfkc()
            .collect::<String>()
            .trim()
            .replace(['/', '.'], "-");
        let parts: Vec<&str> = s.split('-').filter(|p| !p.is_empty()).collect();
        let n = |p: &str| p.parse::<u32>().ok();
        match parts.as_slice() {
            [y, m, d] => NaiveDate::from_ymd_opt(y.parse().ok()?, n(m)?, n(d)?),
            [m, d] => NaiveDate::from_ymd_opt(self.date.year(), n(m)?, n(d)?),
            [d] => NaiveDate::from_ymd_opt(self.date.year(), self.date.month(), n(d)?),
            _ => None,
        }
    }

    fn submit_prompt(&mut self) -> Option<Effect> {
        let lang = self.lang;
        let prompt = self.prompt.clone()?;
        match prompt.purpose {
            Purpose::GoTo => match self.parse_goto(&prompt.input) {
                Some(d) => {
                    self.close_overlays();
                    self.mode = Mode::Normal;
                    self.go_to(d)
                }
                None => {
                    self.set_prompt_error(tr!(lang, "dash.goto_invalid"));
                    None
                }
            },
            Purpose::Search => {
                let q = prompt.input.trim().to_string();
                if q.is_empty() {
                    self.set_prompt_error(tr!(lang, "dash.search_empty"));
                    return None;
                }
                self.close_overlays();
                Some(Effect::Search(q))
            }
            Purpose::MoveLate(to) => match free_text("reason", &prompt.input, TEXT_MAX_WIDTH) {
                Ok(reason) => {
                    self.close_overlays();
                    let id = self.moving.as_ref()?.id;
                    Some(Effect::Move {
                        id,
                        to,
                        late: crate::domain::office::Override::Staff(reason),
                    })
                }
                Err(e) => {
                    self.reason_refused(e);
                    None
                }
            },
            Purpose::Note {
                booking,
                seeker,
                on_seeker,
            } => match crate::domain::block::note_text(&prompt.input) {
                Ok(text) => {
                    self.close_overlays();
                    let on = if on_seeker {
                        crate::domain::block::NoteOn::Seeker(seeker)
                    } else {
                        crate::domain::block::NoteOn::Booking(booking)
                    };
                    Some(Effect::Note {
                        on,
                        text: text.unwrap_or_default(),
                    })
                }
                Err(e) => {
                    self.set_prompt_error(crate::error::accepted(lang, &e));
                    None
                }
            },
            Purpose::Block { at, scope } => {
                match free_text("reason", &prompt.input, TEXT_MAX_WIDTH) {
                    Ok(reason) => {
                        self.close_overlays();
                        let (booth, from, to) = scope.span(&self.loaded.office, &at);
                        Some(Effect::Block(crate::desk::staff::BlockRequest {
                            date: at.date,
                            from: Some(from),
                            to: Some(to),
                            booth,
                            reason,
                        }))
                    }
                    Err(e) => {
                        self.reason_refused(e);
                        None
                    }
                }
            }
            Purpose::Reason(_) => match free_text("reason", &prompt.input, TEXT_MAX_WIDTH) {
                Ok(reason) => {
                    if let Some(p) = self.pending.as_mut() {
                        p.reason = reason;
                    }
                    self.prompt = None;
                    self.mode = Mode::Confirm;
                    None
                }
                Err(e) => {
                    self.reason_refused(e);
                    None
                }
            },
        }
    }

    /// Says in the prompt why a reason was not taken (an empty one: that
    /// a reason is needed).
    fn reason_refused(&mut self, e: crate::domain::Invalid) {
        let e = if e.kind == "text_empty" {
            crate::domain::Invalid::new("reason", "", "reason")
        } else {
            e
        };
        self.set_prompt_error(crate::error::accepted(self.lang, &e));
    }

    fn set_prompt_error(&mut self, msg: String) {
        if let Some(p) = self.prompt.as_mut() {
            p.error = Some(msg);
        }
    }

    fn confirm(&mut self) -> Option<Effect> {
        let p = self.pending.take()?;
        self.close_overlays();
        match p.op {
            Op::Refuse => Some(Effect::Refuse {
                seeker: p.seeker,
                reason: p.reason,
            }),
            Op::Unrefuse => Some(Effect::Unrefuse {
                seeker: p.seeker,
                reason: p.reason,
            }),
            op => op
                .event(p.reason)
                .map(|event| Effect::Apply { id: p.id, event }),
        }
    }

    fn command(&mut self, c: Command) -> Option<Effect> {
        let lang = self.lang;
        match (self.mode, c) {
            // Something typed would be lost: Ctrl-C asks first (a second
            // one quits; Esc goes back to the screen).
            (Mode::Prompt, Command::Quit)
                if self
                    .prompt
                    .as_ref()
                    .is_some_and(|p| !p.input.is_empty() && !p.quit_asked) =>
            {
                if let Some(p) = self.prompt.as_mut() {
                    p.quit_asked = true;
                    p.error = Some(tr!(lang, "dash.quit_typed"));
                }
                None
            }
            (_, Command::Quit) => {
                self.quit = true;
                None
            }
            (Mode::Normal, Command::Left | Command::Right) if self.week.is_some() => {
                let days = self.week_days();
                let at = days.iter().position(|d| *d == self.date);
                let next = match (at, c) {
                    (Some(i), Command::Left) if i > 0 => days.get(i - 1).copied(),
                    (Some(i), Command::Right) => days.get(i + 1).copied(),
                    (None, _) => days.first().copied(),
                    _ => None,
                };
                match next {
                    Some(d) => self.go_to(d),
                    // Past the week's edge: the week before or after.
                    None => self.shift_days(if c == Command::Left { -3 } else { 3 }),
                }
            }
            (Mode::Normal, Command::Details) if self.week.is_some() => {
                self.week = None;
                None
            }
            (Mode::Normal, Command::Up) => {
                self.move_cursor(-1, 0);
                None
            }
            (Mode::Normal, Command::Down) => {
                self.move_cursor(1, 0);
                None
            }
            (Mode::Normal, Command::Left) => {
                self.move_cursor(0, -1);
                None
            }
            (Mode::Normal, Command::Right) => {
                self.move_cursor(0, 1);
                None
            }
            (Mode::Normal, Command::PrevDay) => self.shift_days(-1),
            (Mode::Normal, Command::NextDay) => self.shift_days(1),
            (Mode::Normal, Command::PrevWeek) => self.shift_days(-7),
            (Mode::Normal, Command::NextWeek) => self.shift_days(7),
            (Mode::Normal, Command::Today) => {
                let today = self.today();
                self.go_to(today)
            }
            (Mode::Normal, Command::GoTo) => {
                self.open_prompt(Purpose::GoTo);
                None
            }
            (Mode::Normal, Command::Search) => {
                self.open_prompt(Purpose::Search);
                None
            }
            (Mode::Normal, Command::Details) => {
                if self.selected().is_some() {
                    self.mode = Mode::Detail;
                } else {
                    self.say(Tone::Info, tr!(lang, "dash.no_booking_here"));
                }
                None
            }
            (Mode::Normal, Command::New) => self.open_wizard(),
            (Mode::Normal, Command::Week) => {
                if self.week.take().is_some() {
                    return None;
                }
                self.week = Some(Vec::new());
                Some(Effect::LoadWeek(self.week_days()))
            }
            (Mode::Normal, Command::Sheet) => Some(Effect::Sheet(self.date)),
            (Mode::Normal, Command::Block) => self.block_key(),
            (Mode::Normal, Command::Unblock) => {
                let slot = self.selected_slot()?;
                match self.data.block_at(&slot) {
                    Some(b) => Some(Effect::Unblock(b.id)),
                    None => {
                        self.say(Tone::Info, tr!(lang, "block.none"));
                        None
                    }
                }
            }
            (Mode::Normal | Mode::Detail, Command::Note) => {
                let Some(r) = self.selected() else {
                    self.say(Tone::Error, tr!(lang, "dash.no_booking_here"));
                    return None;
                };
                let (booking, seeker) = (r.booking.id, r.booking.seeker.clone());
                let text = r.note.as_ref().map(|n| n.text.clone()).unwrap_or_default();
                self.open_prompt(Purpose::Note {
                    booking,
                    seeker,
                    on_seeker: false,
                });
                if let Some(p) = self.prompt.as_mut() {
                    p.input = text;
                }
                None
            }
            (Mode::Prompt, Command::Scope) => {
                let notes = self
                    .selected()
                    .map(|r| (r.note.clone(), r.seeker_note.clone()));
                let p = self.prompt.as_mut()?;
                match &mut p.purpose {
                    Purpose::Note { on_seeker, .. } => {
                        *on_seeker = !*on_seeker;
                        let (b, sk) = notes.unwrap_or_default();
                        let note = if *on_seeker { sk } else { b };
                        p.input = note.map(|n| n.text).unwrap_or_default();
                        p.error = None;
                    }
                    Purpose::Block { scope, .. } => *scope = scope.next(),
                    _ => {}
                }
                None
            }
            (Mode::Normal | Mode::Detail, Command::Move) => self.move_key(),
            (Mode::Normal, Command::Back) => {
                if self.moving.take().is_some() {
                    self.say(Tone::Info, tr!(lang, "dash.move_stopped"));
                }
                None
            }
            (Mode::Normal | Mode::Detail, Command::Reconsent) => {
                let Some(row) = self.selected() else {
                    self.say(Tone::Error, tr!(lang, "dash.no_booking_here"));
                    return None;
                };
                let b = row.booking.clone();
                let name = row
                    .seeker
                    .as_ref()
                    .map(|s| s.name.as_str().to_string())
                    .unwrap_or_default();
                let needed = b.status == crate::domain::booking::Status::Booked
                    && self
                        .loaded
                        .office
                        .terms
                        .needs_reconsent(&b.consent.terms_version, b.slot.date);
                if !needed {
                    self.say(Tone::Info, tr!(lang, "dash.reconsent_not_needed"));
                    return None;
                }
                let w = super::wizard::Wizard::reconsent(
                    &self.loaded.office,
                    lang,
                    &b,
                    &name,
                    self.now,
                );
                self.mode = w.mode();
                self.wizard = Some(w);
                None
            }
            (Mode::Normal | Mode::Detail, Command::Resend) => match self.selected() {
                Some(r) => Some(Effect::Resend(r.booking.id)),
                None => {
                    self.say(Tone::Error, tr!(lang, "dash.no_booking_here"));
                    None
                }
            },
            (Mode::Normal, Command::Help) => {
                self.mode = Mode::Help;
                self.help_scroll = 0;
                None
            }
            (Mode::Normal, Command::Message) => {
                if self.status.is_some() {
                    self.mode = Mode::Message;
                }
                None
            }
            (Mode::Normal, Command::Stats) => {
                self.mode = Mode::Stats;
                self.stats_month = month_start(self.date);
                Some(Effect::Stats(self.stats_month))
            }
            (Mode::Stats, Command::PrevDay | Command::NextDay) => {
                self.stats_month = if c == Command::PrevDay {
                    self.stats_month
                        .checked_sub_months(chrono::Months::new(1))
                        .unwrap_or(self.stats_month)
                } else {
                    self.stats_month
                        .checked_add_months(chrono::Months::new(1))
                        .unwrap_or(self.stats_month)
                };
                Some(Effect::Stats(self.stats_month))
            }
            (Mode::Normal | Mode::Detail, Command::Audit) => {
                self.mode = Mode::Audit;
                self.audit.day = self.date;
                self.audit.booking = None;
                self.audit.action = 0;
                self.audit.scroll = 0;
                Some(self.audit.effect())
            }
            (Mode::Audit, Command::Up) => {
                self.audit.scroll = self.audit.scroll.saturating_sub(1);
                None
            }
            (Mode::Audit, Command::Down) => {
                self.audit.scroll =
                    (self.audit.scroll + 1).min(self.audit.events.len().saturating_sub(1));
                None
            }
            (Mode::Audit, Command::PrevDay | Command::NextDay) => {
                let d = if c == Command::PrevDay {
                    self.audit.day.pred_opt()
                } else {
                    self.audit.day.succ_opt()
                };
                self.audit.day = d.unwrap_or(self.audit.day);
                self.audit.booking = None;
                self.audit.scroll = 0;
                Some(self.audit.effect())
            }
            (Mode::Audit, Command::FilterBooking) => {
                self.audit.booking = match self.audit.booking {
                    Some(_) => None,
                    None => self.selected().map(|r| r.booking.id),
                };
                if self.audit.booking.is_none() && self.selected().is_none() {
                    self.say(Tone::Info, tr!(lang, "dash.no_booking_here"));
                }
                self.audit.scroll = 0;
                Some(self.audit.effect())
            }
            (Mode::Audit, Command::FilterAction) => {
                self.audit.action = (self.audit.action + 1) % AUDIT_ACTIONS.len();
                self.audit.scroll = 0;
                Some(self.audit.effect())
            }
            (Mode::Stats | Mode::Audit, Command::Back) => {
                self.mode = Mode::Normal;
                None
            }
            (Mode::Normal | Mode::Detail, Command::Cancel) => self.begin(Op::Cancel),
            (Mode::Normal | Mode::Detail, Command::Start) => self.begin(Op::Start),
            (Mode::Normal | Mode::Detail, Command::Unstart) => self.begin(Op::Unstart),
            (Mode::Normal | Mode::Detail, Command::Finish) => self.begin(Op::Finish),
            (Mode::Normal | Mode::Detail, Command::Stop) => self.begin(Op::Stop),
            (Mode::Normal | Mode::Detail, Command::CorrectNoShow) => self.begin(Op::Correct),
            (Mode::Normal | Mode::Detail, Command::Refusal) => self.begin(Op::Refuse),
            (Mode::Help, Command::Down) => {
                self.help_scroll += 1;
                None
            }
            (Mode::Help, Command::Up) => {
                self.help_scroll = self.help_scroll.saturating_sub(1);
                None
            }
            (Mode::Detail | Mode::Help | Mode::Message, Command::Back) => {
                self.mode = Mode::Normal;
                None
            }
            (Mode::Prompt, Command::Back) | (Mode::Confirm, Command::No) => {
                self.close_overlays();
                self.say(Tone::Info, tr!(lang, "dash.abandoned"));
                None
            }
            (Mode::Prompt, Command::Submit) => self.submit_prompt(),
            (Mode::Prompt, Command::DeleteChar) => {
                if let Some(p) = self.prompt.as_mut() {
                    p.input.pop();
                    p.error = None;
                }
                None
            }
            (Mode::Confirm, Command::Yes) => self.confirm(),
            (Mode::Results, Command::Up) => {
                self.result_sel = self.result_sel.saturating_sub(1);
                None
            }
            (Mode::Results, Command::Down) => {
                if self.result_sel + 1 < self.results.len() {
                    self.result_sel += 1;
                }
                None
            }
            (Mode::Results, Command::Back) => {
                self.mode = Mode::Normal;
                None
            }
            (Mode::Results, Command::Submit) => {
                let hit = self.results.get(self.result_sel)?.booking.clone();
                self.mode = Mode::Normal;
                self.row = self
                    .loaded
                    .office
                    .starts
                    .iter()
                    .position(|s| *s == hit.slot.start)
                    .unwrap_or(0);
                self.col = self
                    .loaded
                    .office
                    .booths
                    .iter()
                    .position(|b| b.number == hit.slot.booth)
                    .unwrap_or(0);
                self.go_to(hit.slot.date)
            }
            _ => None,
        }
    }
}

/// The one place the state changes.
pub fn update(app: &mut App, action: Action) -> Option<Effect> {
    let lang = app.lang;
    match action {
        Action::Key(c) => {
            // A new key replaces the last message, except while answering
            // and except the key that shows it whole.
            if app.mode == Mode::Normal && c != Command::Message {
                app.status = None;
            }
            // A viewer's screen never asks the server for what a viewer may
            // not do: it says so itself.
            if app.viewer && !c.for_viewer() {
                app.say(Tone::Info, tr!(lang, "dash.viewer_only"));
                return None;
            }
            app.command(c)
        }
        Action::Char(ch) => {
            if let Some(p) = app.prompt.as_mut()
                && !ch.is_control()
                && p.input.chars().count() < 200
            {
                p.input.push(ch);
                p.error = None;
                p.quit_asked = false;
            }
            None
        }
        Action::Loaded(data) => {
            app.set_data(*data);
            app.say_late();
            // The week view follows whatever changed the day.
            app.week
                .is_some()
                .then(|| Effect::LoadWeek(app.week_days()))
        }
        Action::WeekLoaded(days) => {
            if app.week.is_some() {
                app.week = Some(days);
            }
            None
        }
        Action::Done(Ok(msg)) => {
            app.say(Tone::Ok, msg);
            Some(Effect::Load(app.date))
        }
        Action::Done(Err(msg)) => {
            app.say(Tone::Error, msg);
            Some(Effect::Load(app.date))
        }
        Action::Moved(Ok(msg)) => {
            app.moving = None;
            app.say(Tone::Ok, msg);
            Some(Effect::Load(app.date))
        }
        Action::Moved(Err(msg)) => {
            // Still picked up: another slot may do.
            let still = app.moving_line();
            app.say(Tone::Error, format!("{msg} {still}"));
            Some(Effect::Load(app.date))
        }
        Action::Found(hits) => {
            if hits.is_empty() {
                app.results.clear();
                app.say(Tone::Info, tr!(lang, "dash.search_none"));
            } else {
                app.say(
                    Tone::Info,
                    tr!(lang, "dash.search_found", count = hits.len()),
                );
                app.results = hits;
                app.result_sel = 0;
                app.mode = Mode::Results;
            }
            None
        }
        Action::WizardKey(key) => {
            let (now, size) = (app.now, app.size);
            let loaded = app.loaded.clone();
            let outcome = app
                .wizard
                .as_mut()?
                .key_on_screen(&key, &loaded.office, now, size);
            app.wizard_outcome(outcome)
        }
        Action::Resize(w, h) => {
            app.size = (w, h);
            None
        }
        Action::LookedUp(info) => {
            let now = app.now;
            let loaded = app.loaded.clone();
            let w = app.wizard.as_mut()?;
            w.looked_up(*info);
            if std::mem::take(&mut w.advance_after_lookup) {
                let outcome = w.advance(&loaded.office, now);
                return app.wizard_outcome(outcome);
            }
            w.message = None;
            None
        }
        Action::Booked(result) => {
            let ok = result.is_ok();
            app.wizard.as_mut()?.finished(result);
            ok.then_some(Effect::Load(app.date))
        }
        Action::Tick(now) => {
            app.now = now;
            app.say_late();
            Some(Effect::Sweep)
        }
        Action::StatsLoaded(s) => {
            app.stats = Some(s);
            None
        }
        Action::AuditLoaded(events) => {
            app.audit.events = events;
            app.audit.scroll = app
                .audit
                .scroll
                .min(app.audit.events.len().saturating_sub(1));
            None
        }
        Action::Swept(n) => {
            if n > 0 {
                // A late warning on the status line stays, the no-shows after it.
                let swept = tr!(lang, "dash.swept", count = n);
                match app.status.take() {
                    Some(st) if st.tone == Tone::Error && !app.late_said.is_empty() => {
                        app.say(Tone::Error, format!("{} {swept}", st.text))
                    }
                    _ => app.say(Tone::Info, swept),
                }
                Some(Effect::Load(app.date))
            } else {
                None
            }
        }
    }
}
