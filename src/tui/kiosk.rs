//! The self-service kiosk in the lobby: welcome (language, the office's
//! phone), the free slots of the next bookable days, the booking wizard in
//! its kiosk form, a completion screen, and back to welcome.
//!
//! Privacy first (Art. 8): this state never holds anyone else's data. The
//! free slots are free-or-full flags, worked out by the loop from the store
//! and handed over as flags only; a job seeker look-up comes back as "go on"
//! or "ask at the counter" and nothing more. After `idle_seconds` without a
//! key, a countdown shows and then everything typed is dropped.
//!
//! Leaving needs the staff PIN (F10, or Ctrl-E where there are no function
//! keys); Ctrl-C, Ctrl-Z and Ctrl-\ do nothing.
//! Like the dashboard: one `update`, effects carried out by the loop.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::{self, Command, Mode};
use super::theme::Theme;
use super::wizard::{Ask, Booked, Outcome, SeekerInfo, Step, Wizard};
use crate::config::Loaded;
use crate::desk::BookingRequest;
use crate::domain::seeker::JobSeekerNumber;
use crate::i18n::Lang;
use crate::tr;

/// How many bookable days the slots screen offers.
pub const DAYS: usize = crate::desk::views::KIOSK_DAYS;

pub use crate::desk::views::{FreeDay, FreeSlot};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Welcome,
    Slots,
    Wizard,
    Done,
}

/// Staff typing the PIN. The digits are never drawn.
#[derive(Debug, Clone, Default)]
pub struct PinPrompt {
    pub input: String,
    pub error: Option<String>,
}

#[derive(Debug)]
pub enum KioskAction {
    Key(KeyEvent),
    /// The clock moved (a second of the countdown, or a minute).
    Tick(NaiveDateTime),
    Free(Vec<FreeDay>),
    LookedUp(Box<SeekerInfo>),
    Booked(Result<Booked, String>),
    PinChecked(bool),
    Resize(u16, u16),
}

#[derive(Debug)]
pub enum KioskEffect {
    /// The free slots of the next bookable days from this moment.
    LoadFree,
    /// Looks the number up; only "go on" or "blocked" comes back.
    Lookup {
        number: JobSeekerNumber,
        date: NaiveDate,
        name: String,
    },
    Book(Box<BookingRequest>),
    CheckPin(String),
    /// A wrong PIN, for the audit trail.
    PinWrong,
    /// The right PIN: record it and leave.
    Leave,
}

pub struct Kiosk {
    pub lang: Lang,
    /// The language the welcome screen returns to.
    pub default_lang: Lang,
    pub theme: Theme,
    pub loaded: Arc<Loaded>,
    pub screen: Screen,
    pub days: Vec<FreeDay>,
    pub day: usize,
    pub slot: usize,
    pub wizard: Option<Wizard>,
    pub booked: Option<Booked>,
    pub message: Option<String>,
    pub now: NaiveDateTime,
    pub last_input: NaiveDateTime,
    pub pin: Option<PinPrompt>,
    pub pin_failures: u32,
    pub pin_locked_until: Option<NaiveDateTime>,
    pub size: (u16, u16),
    pub quit: bool,
    /// A hint for terminals without a Japanese font (shown in English).
    pub font_hint: bool,
}

/// Seconds of countdown before the reset.
pub fn warning_seconds(idle: u32) -> u32 {
    (idle / 2).min(15)
}

impl Kiosk {
    pub fn new(lang: Lang, theme: Theme, loaded: Arc<Loaded>, now: NaiveDateTime) -> Self {
        Self {
            lang,
            default_lang: lang,
            theme,
            loaded,
            screen: Screen::Welcome,
            days: Vec::new(),
            day: 0,
            slot: 0,
            wizard: None,
            booked: None,
            message: None,
            now,
            last_input: now,
            pin: None,
            pin_failures: 0,
            pin_locked_until: None,
            size: (80, 24),
            quit: false,
            font_hint: false,
        }
    }

    /// The keymap mode of what is on screen.
    pub fn mode(&self) -> Mode {
        if self.pin.is_some() {
            return Mode::KioskPin;
        }
        match (self.screen, &self.wizard) {
            (Screen::Welcome, _) => Mode::KioskWelcome,
            (Screen::Slots, _) => Mode::KioskSlots,
            (Screen::Wizard, Some(w)) => w.mode(),
            (Screen::Wizard, None) => Mode::KioskSlots,
            (Screen::Done, _) => Mode::KioskDone,
        }
    }

    /// Seconds without a key before the kiosk clears itself: shorter on
    /// the completion screen, which shows a booking id and a QR code that
    /// the next person in line must not see.
    fn idle_limit(&self) -> u32 {
        let k = &self.loaded.config.kiosk;
        if self.screen == Screen::Done {
            k.done_seconds.min(k.idle_seconds)
        } else {
            k.idle_seconds
        }
    }

    /// Whether anything on screen belongs to the person using the kiosk
    /// (so an idle kiosk must drop it).
    pub fn holds_something(&self) -> bool {
        self.screen != Screen::Welcome || self.pin.is_some() || self.lang != self.default_lang
    }

    fn idle_for(&self) -> u32 {
        (self.now - self.last_input).num_seconds().max(0) as u32
    }

    /// The seconds left before the reset, once the warning shows.
    pub fn countdown(&self) -> Option<u32> {
        if !self.holds_something() || self.screen == Screen::Welcome {
            return None;
        }
        let limit = self.idle_limit();
        let idle = self.idle_for();
        (idle + warning_seconds(limit) >= limit).then(|| limit.saturating_sub(idle))
    }

    /// When the screen must change by itself next: a second of the
    /// countdown, its start, or (for the clock) the next minute.
    pub fn next_wake(&self) -> std::time::Duration {
        use chrono::Timelike;
        let into_minute = i64::from(self.now.second()) * 1000
            + i64::from(self.now.nanosecond() / 1_000_000).min(999);
        let mut ms = 60_000 - into_minute;
        if self.holds_something() {
            let limit = i64::from(self.idle_limit());
            let start = limit - i64::from(warning_seconds(self.idle_limit()));
            let elapsed = (self.now - self.last_input).num_milliseconds().max(0);
            let to = if elapsed < start * 1000 {
                start * 1000 - elapsed
            } else {
                1000 - (elapsed % 1000)
            };
            ms = ms.min(to.max(1));
        }
        std::time::Duration::from_millis(ms.max(1) as u64)
    }

    /// Back to the welcome screen with nothing of the last person kept.
    pub fn reset(&mut self) {
        self.screen = Screen::Welcome;
        self.wizard = None;
        self.booked = None;
        self.message = None;
        self.pin = None;
        self.lang = self.default_lang;
        self.day = 0;
        self.slot = 0;
    }

    fn slot_here(&self) -> Option<(NaiveDate, FreeSlot)> {
        let d = self.days.get(self.day)?;
        d.slots.get(self.slot).map(|s| (d.date, *s))
    }

    fn start_wizard(&mut self) {
        let Some((date, s)) = self.slot_here() else {
            return;
        };
        let Some(booth) = s.booth else {
            self.message = Some(tr!(self.lang, "kiosk.full"));
            return;
        };
        let w = Wizard::new(
            &self.loaded.office,
            self.lang,
            true,
            date,
            s.time,
            booth,
            self.now,
        );
        if w.step == Step::Slot {
            // The slot can no longer be booked here (its deadline passed).
            self.message = w.slot_error.clone();
            return;
        }
        self.message = None;
        self.wizard = Some(w);
        self.screen = Screen::Wizard;
    }

    /// Back to the slots from a wizard just opened on a slot another
    /// terminal is booking: to the person here, it is full.
    pub fn refuse_wizard(&mut self) {
        self.wizard = None;
        self.screen = Screen::Slots;
        self.message = Some(tr!(self.lang, "kiosk.full"));
    }

    fn wizard_outcome(&mut self, outcome: Outcome) -> Option<KioskEffect> {
        match outcome {
            Outcome::Stay => None,
            Outcome::Close => {
                self.wizard = None;
                self.screen = Screen::Slots;
                Some(KioskEffect::LoadFree)
            }
            Outcome::Ask(Ask::Lookup(number, date)) => {
                let name = self.wizard.as_ref().map(Wizard::typed_name)?;
                Some(KioskEffect::Lookup { number, date, name })
            }
            Outcome::Ask(Ask::Book(req)) => Some(KioskEffect::Book(req)),
            // Renewing consent is for staff only.
            Outcome::Ask(Ask::Reconsent(..)) => None,
        }
    }

    fn pin_key(&mut self, key: &KeyEvent) -> Option<KioskEffect> {
        let command = keymap::resolve(Mode::KioskPin, key);
        let locked = self.pin_locked_until.is_some_and(|t| self.now < t);
        let pin = self.pin.as_mut()?;
        match (command, key.code) {
            (Some(Command::Back), _) => {
                self.pin = None;
                None
            }
            (Some(Command::DeleteChar), _) => {
                pin.input.pop();
                None
            }
            (Some(Command::Submit), _) if locked => {
                let wait = self
                    .pin_locked_until
                    .map(|t| (t - self.now).num_seconds().max(1))
                    .unwrap_or(1);
                pin.error = Some(tr!(self.lang, "kiosk.pin_wait", seconds = wait));
                pin.input.clear();
                None
            }
            (Some(Command::Submit), _) => {
                let typed = std::mem::take(&mut pin.input);
                pin.error = Some(tr!(self.lang, "kiosk.pin_checking"));
                Some(KioskEffect::CheckPin(typed))
            }
            (None, KeyCode::Char(c))
                if !key.modifiers.contains(KeyModifiers::CONTROL)
                    && !c.is_control()
                    && pin.input.chars().count() < crate::pin::MAX_LEN =>
            {
                pin.input.push(c);
                None
            }
            _ => None,
        }
    }
}

/// Keys that would stop or suspend a program, which the kiosk swallows.
fn is_signal_key(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL)
        && matches!(
            key.code,
            KeyCode::Char('c' | 'z' | '\\' | '4' | 'd' | 'q' | 's')
        )
}

/// The kiosk's one update function.
pub fn update(k: &mut Kiosk, action: KioskAction) -> Option<KioskEffect> {
    let lang = k.lang;
    match action {
        KioskAction::Key(key) => {
            k.last_input = k.now;
            if is_signal_key(&key) {
                return None;
            }
            if k.pin.is_some() {
                return k.pin_key(&key);
            }
            // F10, or Ctrl-E where a terminal has no function keys.
            let staff = key.code == KeyCode::F(10)
                || (key.code == KeyCode::Char('e')
                    && key.modifiers.contains(KeyModifiers::CONTROL));
            if staff {
                k.pin = Some(PinPrompt::default());
                return None;
            }
            match k.screen {
                Screen::Welcome => match keymap::resolve(Mode::KioskWelcome, &key) {
                    Some(Command::Language(0)) => {
                        k.lang = Lang::Ja;
                        None
                    }
                    Some(Command::Language(_)) => {
                        k.lang = Lang::En;
                        None
                    }
                    Some(Command::Right) => {
                        k.lang = match k.lang {
                            Lang::Ja => Lang::En,
                            Lang::En => Lang::Ja,
                        };
                        None
                    }
                    Some(Command::Submit) => {
                        k.screen = Screen::Slots;
                        k.day = 0;
                        k.slot = 0;
                        k.message = None;
                        Some(KioskEffect::LoadFree)
                    }
                    _ => None,
                },
                Screen::Slots => {
                    let slots = k.days.get(k.day).map_or(0, |d| d.slots.len());
                    k.message = None;
                    match keymap::resolve(Mode::KioskSlots, &key) {
                        Some(Command::Up) => k.slot = k.slot.saturating_sub(1),
                        Some(Command::Down) => k.slot = (k.slot + 1).min(slots.saturating_sub(1)),
                        Some(Command::Left) => k.day = k.day.saturating_sub(1),
                        Some(Command::Right) => {
                            k.day = (k.day + 1).min(k.days.len().saturating_sub(1));
                        }
                        Some(Command::Submit) => k.start_wizard(),
                        Some(Command::Back) => k.reset(),
                        _ => {}
                    }
                    let slots = k.days.get(k.day).map_or(0, |d| d.slots.len());
                    k.slot = k.slot.min(slots.saturating_sub(1));
                    None
                }
                Screen::Wizard => {
                    let (now, size) = (k.now, k.size);
                    let loaded = k.loaded.clone();
                    let outcome = k
                        .wizard
                        .as_mut()?
                        .key_on_screen(&key, &loaded.office, now, size);
                    k.wizard_outcome(outcome)
                }
                Screen::Done => {
                    if keymap::resolve(Mode::KioskDone, &key) == Some(Command::Back) {
                        k.reset();
                    }
                    None
                }
            }
        }
        KioskAction::Tick(now) => {
            k.now = now;
            let idle = k.idle_for();
            if idle >= k.idle_limit() && k.holds_something() {
                k.reset();
                return None;
            }
            (k.screen == Screen::Slots).then_some(KioskEffect::LoadFree)
        }
        KioskAction::Free(days) => {
            k.days = days;
            k.day = k.day.min(k.days.len().saturating_sub(1));
            let slots = k.days.get(k.day).map_or(0, |d| d.slots.len());
            k.slot = k.slot.min(slots.saturating_sub(1));
            None
        }
        KioskAction::LookedUp(info) => {
            let now = k.now;
            let loaded = k.loaded.clone();
            let w = k.wizard.as_mut()?;
            w.looked_up(*info);
            if std::mem::take(&mut w.advance_after_lookup) {
                let outcome = w.advance(&loaded.office, now);
                return k.wizard_outcome(outcome);
            }
            w.message = None;
            None
        }
        KioskAction::Booked(result) => {
            let w = k.wizard.as_mut()?;
            w.finished(result);
            if w.step == Step::Done {
                k.booked = w.booked.clone();
                k.wizard = None;
                k.screen = Screen::Done;
            }
            None
        }
        KioskAction::PinChecked(true) => {
            k.pin = None;
            k.pin_failures = 0;
            Some(KioskEffect::Leave)
        }
        KioskAction::PinChecked(false) => {
            k.pin_failures += 1;
            let wait = crate::pin::delay_after(k.pin_failures);
            k.pin_locked_until = (wait > 0).then(|| k.now + TimeDelta::seconds(i64::from(wait)));
            if let Some(p) = k.pin.as_mut() {
                p.error = Some(if wait > 0 {
                    tr!(lang, "kiosk.pin_wait", seconds = wait)
                } else {
                    tr!(lang, "kiosk.pin_wrong")
                });
            }
            Some(KioskEffect::PinWrong)
        }
        KioskAction::Resize(w, h) => {
            k.size = (w, h);
            None
        }
    }
}
