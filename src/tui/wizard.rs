//! The booking wizard: slot, job seeker, eligibility (Art. 2), the terms in
//! force (preamble, Art. 4, 13), the environment checklist (Art. 5, 12), and
//! a review. Entries are kept when going back; nothing is written before the
//! last Enter, which books (transaction, flush) and writes the confirmation
//! mail. Staff may book after the deadline with a typed reason; the kiosk
//! never may.
//!
//! Pure state: the loop looks the job seeker up and books through effects.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::desk::BookingRequest;
use crate::domain::Invalid;
use crate::domain::booking::{BookingId, Channel};
use crate::domain::office::{BookingCheck, Office, Override, SlotRequest};
use crate::domain::seeker::{Email, JobSeekerNumber, Kana, PersonName, Phone, Seeker};
use crate::domain::terms::{ChecklistAnswer, ChecklistItem, Document};
use crate::i18n::Lang;
use crate::tr;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Slot,
    Seeker,
    Eligibility,
    Terms,
    Checklist,
    Review,
    Done,
}

impl Step {
    pub const COUNT: usize = 6;

    pub fn number(self) -> usize {
        self as usize + 1
    }

    pub fn title(self, lang: Lang) -> String {
        match self {
            Step::Slot => tr!(lang, "wizard.step.slot"),
            Step::Seeker => tr!(lang, "wizard.step.seeker"),
            Step::Eligibility => tr!(lang, "wizard.step.eligibility"),
            Step::Terms => tr!(lang, "wizard.step.terms"),
            Step::Checklist => tr!(lang, "wizard.step.checklist"),
            Step::Review => tr!(lang, "wizard.step.review"),
            Step::Done => tr!(lang, "wizard.step.done"),
        }
    }

    fn next(self) -> Step {
        match self {
            Step::Slot => Step::Seeker,
            Step::Seeker => Step::Eligibility,
            Step::Eligibility => Step::Terms,
            Step::Terms => Step::Checklist,
            Step::Checklist => Step::Review,
            Step::Review | Step::Done => Step::Done,
        }
    }

    fn prev(self) -> Step {
        match self {
            Step::Slot | Step::Seeker => Step::Slot,
            Step::Eligibility => Step::Seeker,
            Step::Terms => Step::Eligibility,
            Step::Checklist => Step::Terms,
            Step::Review => Step::Checklist,
            Step::Done => Step::Done,
        }
    }
}

/// The text fields of the job seeker step, in order.
pub const SEEKER_FIELDS: [&str; 7] = [
    "seeker",
    "name",
    "kana",
    "email",
    "phone",
    "registered",
    "interpreter",
];

/// The on-screen labels of [`SEEKER_FIELDS`] (catalogue keys).
pub const SEEKER_LABELS: [&str; 7] = [
    "wizard.field.seeker",
    "seeker.name",
    "seeker.kana",
    "seeker.email",
    "seeker.phone",
    "seeker.registered",
    "wizard.field.interpreter",
];

/// The eligibility questions of Art. 2.
pub const ELIGIBILITY: [&str; 3] = [
    "wizard.elig.registered",
    "wizard.elig.device",
    "wizard.elig.zoom",
];

pub use crate::desk::views::{SeekerInfo, name_key};

/// What the booking came to.
#[derive(Debug, Clone)]
pub struct Booked {
    pub id: BookingId,
    pub when: String,
    pub url: String,
    pub mail: String,
}

/// What the wizard asks of the loop.
#[derive(Debug, Clone)]
pub enum Ask {
    Lookup(JobSeekerNumber, NaiveDate),
    Book(Box<BookingRequest>),
    /// Consent renewed for an existing booking, to these documents.
    Reconsent(BookingId, Vec<Document>),
}

/// What a key did.
#[derive(Debug)]
pub enum Outcome {
    Stay,
    Ask(Ask),
    /// Leave the wizard (abandoned after confirming, or done).
    Close,
}

pub struct Wizard {
    pub step: Step,
    pub kiosk: bool,
    pub lang: Lang,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub booth: u8,
    pub channel: Channel,
    pub late_reason: TextArea<'static>,
    pub deadline: Option<NaiveDate>,
    pub late: bool,
    pub slot_error: Option<String>,
    pub fields: Vec<TextArea<'static>>,
    pub focus: usize,
    pub errors: Vec<Option<String>>,
    pub info: SeekerInfo,
    pub no_show_ack: bool,
    pub eligibility: [Option<bool>; 3],
    pub choice: usize,
    pub terms_scroll: u16,
    pub terms_lines: u16,
    pub terms_seen_end: bool,
    pub agreed: [bool; 4],
    pub checklist: [Option<bool>; 9],
    pub caregiver: bool,
    pub message: Option<String>,
    pub abandoning: bool,
    pub busy: bool,
    pub booked: Option<Booked>,
    /// Enter was pressed while the job seeker was looked up: go on after.
    pub advance_after_lookup: bool,
    /// Renewing consent for this existing booking (terms, then review).
    pub reconsent_of: Option<BookingId>,
    /// At the kiosk: the name the last look-up was checked with.
    pub info_name: String,
}

fn field() -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_cursor_line_style(ratatui::style::Style::new());
    t
}

/// The most a field takes, in characters: far beyond any valid value (the
/// validation says so), short enough that a flood never reaches the screen.
const FIELD_MAX_CHARS: usize = 400;

/// Types `key` into `t`, unless it would add to a field already full, or
/// add a character no field may hold (a control, format, bidi or line
/// separator character: the screen would show it raw).
fn bounded_input(t: &mut TextArea<'static>, key: &KeyEvent) {
    let adds =
        matches!(key.code, KeyCode::Char(_)) && !key.modifiers.contains(KeyModifiers::CONTROL);
    if let KeyCode::Char(c) = key.code
        && crate::domain::seeker::is_forbidden_char(c)
    {
        return;
    }
    let len: usize = t.lines().iter().map(|l| l.chars().count()).sum();
    if adds && len >= FIELD_MAX_CHARS {
        return;
    }
    t.input(*key);
}

fn text_of(t: &TextArea<'_>) -> String {
    t.lines().join(" ")
}

impl Wizard {
    /// A wizard for the slot `time` at `booth` on `date`, at office time `now`.
    pub fn new(
        office: &Office,
        lang: Lang,
        kiosk: bool,
        date: NaiveDate,
        time: NaiveTime,
        booth: u8,
        now: NaiveDateTime,
    ) -> Self {
        let mut w = Self {
            step: Step::Slot,
            kiosk,
            lang,
            date,
            time,
            booth,
            channel: if kiosk {
                Channel::Kiosk
            } else {
                Channel::Phone
            },
            late_reason: field(),
            deadline: office.deadline(date),
            late: false,
            slot_error: None,
            fields: (0..SEEKER_FIELDS.len()).map(|_| field()).collect(),
            focus: 0,
            errors: vec![None; SEEKER_FIELDS.len()],
            info: SeekerInfo::default(),
            no_show_ack: false,
            eligibility: [None; 3],
            choice: 0,
            terms_scroll: 0,
            terms_lines: 0,
            terms_seen_end: false,
            agreed: [false; 4],
            checklist: [None; 9],
            caregiver: false,
            message: None,
            abandoning: false,
            busy: false,
            booked: None,
            advance_after_lookup: false,
            reconsent_of: None,
            info_name: String::new(),
        };
        // At the kiosk the slot was chosen on the screen before: the
        // wizard starts with the job seeker.
        if w.check_slot(office, now) && kiosk {
            w.step = Step::Seeker;
        }
        w
    }

    /// A wizard that renews consent for an existing booking (Art. 13): the
    /// terms in force, then a review.
    pub fn reconsent(
        office: &Office,
        lang: Lang,
        b: &crate::domain::booking::Booking,
        name: &str,
        now: NaiveDateTime,
    ) -> Self {
        let mut w = Self::new(
            office,
            lang,
            false,
            b.slot.date,
            b.slot.start,
            b.slot.booth,
            now,
        );
        w.step = Step::Terms;
        w.reconsent_of = Some(b.id);
        w.slot_error = None;
        w.fields[0].insert_str(b.seeker.as_str());
        w.fields[1].insert_str(name);
        w
    }

    fn request_slot(&self) -> SlotRequest {
        SlotRequest {
            date: self.date,
            time: self.time,
            booth: self.booth,
        }
    }

    fn late_override(&self) -> Override {
        if self.kiosk {
            Override::None
        } else {
            Override::Staff(text_of(&self.late_reason).trim().to_string())
        }
    }

    /// Checks the slot: closed days and begun slots are refused; a late one
    /// needs a staff reason.
    pub fn check_slot(&mut self, office: &Office, now: NaiveDateTime) -> bool {
        let lang = self.lang;
        self.slot_error = None;
        self.late = false;
        match office.check_slot(&self.request_slot(), now, &Override::None) {
            Ok(_) => true,
            Err(BookingCheck::Rule(crate::domain::booking::Violation::PastDeadline {
                deadline,
                date,
            })) => {
                self.late = true;
                if self.kiosk {
                    self.slot_error = Some(
                        crate::error::Error::from(
                            crate::domain::booking::Violation::OverrideNotAllowed,
                        )
                        .message(lang),
                    );
                    return false;
                }
                match office.check_slot(&self.request_slot(), now, &self.late_override()) {
                    Ok(_) => true,
                    Err(_) => {
                        self.slot_error =
                            Some(tr!(lang, "wizard.late", date = date, deadline = deadline));
                        false
                    }
                }
            }
            Err(BookingCheck::Rule(v)) => {
                self.slot_error = Some(crate::error::Error::from(v).message(lang));
                false
            }
            Err(BookingCheck::Invalid(i)) => {
                self.slot_error = Some(crate::error::Error::Invalid(i).message(lang));
                false
            }
        }
    }

    /// The value of a job seeker field, checked, or the reason it is not accepted.
    fn validate(&self, i: usize) -> Result<(), Invalid> {
        let v = text_of(&self.fields[i]);
        let empty = v.trim().is_empty();
        match SEEKER_FIELDS[i] {
            "seeker" => JobSeekerNumber::parse(&v).map(|_| ()),
            "name" => PersonName::parse(&v).map(|_| ()),
            "kana" if empty => Ok(()),
            "kana" => Kana::parse(&v).map(|_| ()),
            "email" => Email::parse(&v).map(|_| ()),
            "phone" if empty => Ok(()),
            "phone" => Phone::parse(&v).map(|_| ()),
            "registered" if empty => Ok(()),
            "registered" => NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| Invalid::new("registered", v, "date")),
            "interpreter" if empty => Ok(()),
            _ => crate::domain::input::interpreter(&v).map(|_| ()),
        }
    }

    fn revalidate(&mut self, i: usize) {
        let lang = self.lang;
        let v = text_of(&self.fields[i]);
        self.errors[i] = if v.is_empty() && i != 0 {
            None
        } else {
            self.validate(i)
                .err()
                .map(|e| crate::error::accepted(lang, &e))
        };
    }

    /// Whether the looked-up history stops this booking.
    pub fn blocked(&self) -> Option<String> {
        let lang = self.lang;
        if self.kiosk {
            return self.info.kiosk_block.then(|| tr!(lang, "kiosk.blocked"));
        }
        if let Some(r) = &self.info.refusal {
            return Some(
                crate::error::Error::from(crate::domain::booking::Violation::SeekerRefused {
                    since: r.since,
                    reason: r.reason.clone(),
                })
                .message(lang),
            );
        }
        if let Some(id) = self.info.booked_that_day {
            return Some(
                crate::error::Error::from(crate::domain::booking::Violation::SeekerBookedThatDay {
                    date: self.date,
                    id,
                })
                .message(lang),
            );
        }
        None
    }

    fn current_number(&self) -> Option<JobSeekerNumber> {
        JobSeekerNumber::parse(&text_of(&self.fields[0])).ok()
    }

    /// The looked-up job seeker: empty fields are filled from the record.
    pub fn looked_up(&mut self, info: SeekerInfo) {
        if info.number != self.current_number() {
            return;
        }
        if let Some(known) = &info.known {
            let fill = |t: &mut TextArea<'static>, v: &str| {
                if text_of(t).trim().is_empty() && !v.is_empty() {
                    *t = field();
                    t.insert_str(v);
                }
            };
            let kana = known
                .kana
                .as_ref()
                .map(|k| k.as_str().to_string())
                .unwrap_or_default();
            let phone = known
                .phone
                .as_ref()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            let reg = known
                .registered_on
                .map(|d| d.to_string())
                .unwrap_or_default();
            fill(&mut self.fields[1], known.name.as_str());
            fill(&mut self.fields[2], &kana);
            fill(&mut self.fields[3], known.email.as_str());
            fill(&mut self.fields[4], &phone);
            fill(&mut self.fields[5], &reg);
            for i in 1..6 {
                self.revalidate(i);
            }
        }
        self.no_show_ack = false;
        self.info_name = name_key(&self.typed_name());
        self.info = info;
    }

    fn lookup(&self) -> Option<Ask> {
        let n = self.current_number()?;
        let stale = self.info.number.as_ref() != Some(&n)
            || (self.kiosk && name_key(&self.typed_name()) != self.info_name);
        stale.then_some(Ask::Lookup(n, self.date))
    }

    /// The name typed so far (the kiosk compares it with the record).
    pub fn typed_name(&self) -> String {
        text_of(&self.fields[1])
    }

    /// Whether the step's entries let it advance; else why not.
    fn ready(&mut self, office: &Office, now: NaiveDateTime) -> Result<(), String> {
        let lang = self.lang;
        match self.step {
            Step::Slot => {
                if self.check_slot(office, now) {
                    Ok(())
                } else {
                    Err(self.slot_error.clone().unwrap_or_default())
                }
            }
            Step::Seeker => {
                for (i, label) in SEEKER_LABELS.iter().enumerate() {
                    if let Err(e) = self.validate(i) {
                        let accepted = crate::error::accepted(lang, &e);
                        self.errors[i] = Some(accepted.clone());
                        self.focus = i;
                        // Named as on screen, not as the command line's option.
                        return Err(tr!(
                            lang,
                            "wizard.field_invalid",
                            field = crate::i18n::text(lang, label),
                            accepted = accepted
                        ));
                    }
                }
                if self.info.number != self.current_number() {
                    return Err(tr!(lang, "wizard.looking_up"));
                }
                if let Some(why) = self.blocked() {
                    return Err(why);
                }
                if self.info.no_shows >= office.rules.no_show_flag && !self.no_show_ack {
                    return Err(tr!(lang, "wizard.ack_needed", count = self.info.no_shows));
                }
                Ok(())
            }
            Step::Eligibility => match self.eligibility.iter().position(|a| *a != Some(true)) {
                None => Ok(()),
                Some(i) => {
                    self.choice = i;
                    Err(match self.eligibility[i] {
                        Some(false) => tr!(lang, "wizard.not_eligible"),
                        _ => tr!(lang, "wizard.answer_all"),
                    })
                }
            },
            Step::Terms => {
                if !self.terms_seen_end {
                    Err(tr!(lang, "wizard.read_to_end"))
                } else if self.agreed.iter().any(|a| !a) {
                    Err(tr!(lang, "wizard.agree_all"))
                } else {
                    Ok(())
                }
            }
            Step::Checklist => match self.checklist.iter().position(|a| *a != Some(true)) {
                None => Ok(()),
                Some(i) => {
                    self.choice = i;
                    Err(match self.checklist[i] {
                        Some(false) => {
                            let t = ChecklistItem::ALL[i].text();
                            tr!(
                                lang,
                                "wizard.checklist_no",
                                why = match lang {
                                    Lang::Ja => t.why_ja,
                                    Lang::En => t.why_en,
                                }
                            )
                        }
                        _ => tr!(lang, "wizard.answer_all"),
                    })
                }
            },
            Step::Review | Step::Done => Ok(()),
        }
    }

    /// The booking request, once every step is ready.
    pub fn request(&self) -> Option<BookingRequest> {
        let t = |i: usize| text_of(&self.fields[i]).trim().to_string();
        let opt = |s: String| (!s.is_empty()).then_some(s);
        let seeker = Seeker {
            number: JobSeekerNumber::parse(&t(0)).ok()?,
            name: PersonName::parse(&t(1)).ok()?,
            kana: opt(t(2)).map(|k| Kana::parse(&k)).transpose().ok()?,
            email: Email::parse(&t(3)).ok()?,
            phone: opt(t(4)).map(|p| Phone::parse(&p)).transpose().ok()?,
            registered_on: opt(t(5))
                .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
                .transpose()
                .ok()?,
        };
        let documents: Vec<Document> = Document::ALL
            .iter()
            .zip(self.agreed)
            .filter(|(_, a)| *a)
            .map(|(d, _)| *d)
            .collect();
        let checklist = ChecklistItem::ALL
            .iter()
            .zip(self.checklist)
            .map(|(item, a)| ChecklistAnswer {
                item: *item,
                yes: a == Some(true),
            })
            .collect();
        Some(BookingRequest {
            slot: self.request_slot(),
            late: if self.late {
                self.late_override()
            } else {
                Override::None
            },
            seeker,
            channel: self.channel,
            documents,
            checklist,
            interpreter: opt(t(6)).and_then(|s| crate::domain::input::interpreter(&s).ok()),
            caregiver: self.caregiver,
            // Staff see the record's details in the form and change them on
            // purpose (the review says old → new); the kiosk never does.
            contact: if self.kiosk {
                crate::store::Contact::Keep
            } else {
                crate::store::Contact::Replace
            },
        })
    }

    pub fn advance(&mut self, office: &Office, now: NaiveDateTime) -> Outcome {
        if let Some(id) = self.reconsent_of {
            return match (self.step, self.ready(office, now)) {
                (_, Err(why)) => {
                    self.message = Some(why);
                    Outcome::Stay
                }
                (Step::Terms, Ok(())) => {
                    self.message = None;
                    self.step = Step::Review;
                    Outcome::Stay
                }
                (Step::Review, Ok(())) if !self.busy => {
                    self.busy = true;
                    let docs = Document::ALL
                        .iter()
                        .zip(self.agreed)
                        .filter(|(_, a)| *a)
                        .map(|(d, _)| *d)
                        .collect();
                    Outcome::Ask(Ask::Reconsent(id, docs))
                }
                _ => Outcome::Stay,
            };
        }
        if self.step == Step::Seeker
            && let Some(ask) = self.lookup()
        {
            self.message = Some(tr!(self.lang, "wizard.looking_up"));
            self.advance_after_lookup = true;
            return Outcome::Ask(ask);
        }
        match self.ready(office, now) {
            Err(why) => {
                self.message = Some(why);
                Outcome::Stay
            }
            Ok(()) if self.step == Step::Review => match self.request() {
                Some(req) if !self.busy => {
                    self.busy = true;
                    self.message = Some(tr!(self.lang, "wizard.booking"));
                    Outcome::Ask(Ask::Book(Box::new(req)))
                }
                _ => Outcome::Stay,
            },
            Ok(()) => {
                self.message = None;
                self.step = self.step.next();
                self.choice = 0;
                self.focus = 0;
                Outcome::Stay
            }
        }
    }

    fn back(&mut self) -> Outcome {
        self.message = None;
        if self.reconsent_of.is_some() {
            match self.step {
                Step::Review => self.step = Step::Terms,
                _ => self.abandoning = true,
            }
            return Outcome::Stay;
        }
        if self.step == Step::Slot || (self.kiosk && self.step == Step::Seeker) {
            self.abandoning = true;
            return Outcome::Stay;
        }
        self.step = self.step.prev();
        self.choice = 0;
        Outcome::Stay
    }

    fn answer(&mut self, yes: bool) {
        match self.step {
            Step::Eligibility => {
                self.eligibility[self.choice] = Some(yes);
                if yes && self.choice + 1 < self.eligibility.len() {
                    self.choice += 1;
                }
            }
            Step::Checklist => {
                if self.choice < 9 {
                    self.checklist[self.choice] = Some(yes);
                } else {
                    self.caregiver = yes;
                }
                if yes && self.choice + 1 < 10 {
                    self.choice += 1;
                }
            }
            _ => {}
        }
        self.message = None;
    }

    /// The booking was written (or refused) by the loop.
    pub fn finished(&mut self, result: Result<Booked, String>) {
        self.busy = false;
        match result {
            Ok(b) => {
                self.booked = Some(b);
                self.step = Step::Done;
                self.message = None;
            }
            Err(why) => self.message = Some(why),
        }
    }

    /// Scrolls the terms by `by` lines within `visible` lines of the view.
    pub fn scroll_terms(&mut self, by: i32, visible: u16) {
        let max = self.terms_lines.saturating_sub(visible);
        self.terms_scroll = (i32::from(self.terms_scroll) + by).clamp(0, i32::from(max)) as u16;
        if self.terms_scroll >= max {
            self.terms_seen_end = true;
        }
    }

    /// Handles a key. `visible` is the height of the terms view.
    pub fn key(
        &mut self,
        key: &KeyEvent,
        office: &Office,
        now: NaiveDateTime,
        visible: u16,
    ) -> Outcome {
        use super::keymap::Command as C;
        let mode = self.mode();
        if self.abandoning {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Enter => Outcome::Close,
                _ => {
                    self.abandoning = false;
                    Outcome::Stay
                }
            };
        }
        let command = super::keymap::resolve(mode, key);
        match (self.step, command) {
            (Step::Done, Some(_)) => Outcome::Close,
            (_, Some(C::Quit)) => {
                self.abandoning = true;
                Outcome::Stay
            }
            (_, Some(C::Back)) => self.back(),
            (_, Some(C::Submit)) => self.advance(office, now),
            (Step::Seeker, Some(C::Down)) => {
                // The kiosk checks the number with the name, on Enter.
                let ask = if self.focus == 0 && !self.kiosk {
                    self.lookup()
                } else {
                    None
                };
                self.focus = (self.focus + 1) % SEEKER_FIELDS.len();
                ask.map(Outcome::Ask).unwrap_or(Outcome::Stay)
            }
            // Shift-Tab on the first field goes back a step, as Esc does.
            (Step::Seeker, Some(C::Up)) if self.focus == 0 && key.code == KeyCode::BackTab => {
                self.back()
            }
            (Step::Slot, Some(C::Up)) if key.code == KeyCode::BackTab => self.back(),
            (Step::Seeker, Some(C::Up)) => {
                self.focus = (self.focus + SEEKER_FIELDS.len() - 1) % SEEKER_FIELDS.len();
                Outcome::Stay
            }
            (Step::Seeker, Some(C::Acknowledge)) => {
                self.no_show_ack = !self.no_show_ack;
                self.message = None;
                Outcome::Stay
            }
            (Step::Slot, Some(C::Channel)) if !self.kiosk => {
                self.channel = if self.channel == Channel::Phone {
                    Channel::Counter
                } else {
                    Channel::Phone
                };
                Outcome::Stay
            }
            (Step::Eligibility | Step::Checklist, Some(C::Up)) => {
                self.choice = self.choice.saturating_sub(1);
                Outcome::Stay
            }
            (Step::Eligibility, Some(C::Down)) => {
                self.choice = (self.choice + 1).min(2);
                Outcome::Stay
            }
            (Step::Checklist, Some(C::Down)) => {
                self.choice = (self.choice + 1).min(9);
                Outcome::Stay
            }
            (Step::Eligibility | Step::Checklist, Some(C::Yes)) => {
                self.answer(true);
                Outcome::Stay
            }
            (Step::Eligibility | Step::Checklist, Some(C::No)) => {
                self.answer(false);
                Outcome::Stay
            }
            (Step::Terms, Some(C::Down)) => {
                self.scroll_terms(1, visible);
                Outcome::Stay
            }
            (Step::Terms, Some(C::Up)) => {
                self.scroll_terms(-1, visible);
                Outcome::Stay
            }
            (Step::Terms, Some(C::NextDay)) => {
                self.scroll_terms(i32::from(visible.max(2) - 1), visible);
                Outcome::Stay
            }
            (Step::Terms, Some(C::NextWeek)) => {
                self.scroll_terms(i32::from(self.terms_lines), visible);
                Outcome::Stay
            }
            (Step::Terms, Some(C::PrevDay)) => {
                self.scroll_terms(-i32::from(visible.max(2) - 1), visible);
                Outcome::Stay
            }
            (Step::Terms, Some(C::Agree)) => {
                if self.terms_seen_end {
                    let all = self.agreed.iter().all(|a| *a);
                    self.agreed = [!all; 4];
                    self.message = None;
                } else {
                    self.message = Some(tr!(self.lang, "wizard.read_to_end"));
                }
                Outcome::Stay
            }
            (Step::Terms, Some(C::AgreeDoc(i))) => {
                if self.terms_seen_end {
                    self.agreed[usize::from(i)] = !self.agreed[usize::from(i)];
                    self.message = None;
                } else {
                    self.message = Some(tr!(self.lang, "wizard.read_to_end"));
                }
                Outcome::Stay
            }
            (Step::Slot, None) if self.late && !self.kiosk => {
                bounded_input(&mut self.late_reason, key);
                self.check_slot(office, now);
                Outcome::Stay
            }
            (Step::Seeker, None) => {
                if !key.modifiers.contains(KeyModifiers::CONTROL)
                    || matches!(key.code, KeyCode::Char('h' | 'w' | 'u'))
                {
                    let i = self.focus;
                    bounded_input(&mut self.fields[i], key);
                    self.revalidate(i);
                    if i == 0 {
                        self.info = SeekerInfo::default();
                    }
                }
                Outcome::Stay
            }
            _ => Outcome::Stay,
        }
    }

    /// Handles a key on a screen of `size`, which sets how much of the
    /// terms shows at once.
    pub fn key_on_screen(
        &mut self,
        key: &KeyEvent,
        office: &Office,
        now: NaiveDateTime,
        size: (u16, u16),
    ) -> Outcome {
        use super::view::wizard as v;
        let view = v::terms_area(size);
        let lines = |lang| v::wrap(v::terms_text(lang), view.width).len() as u16;
        let was_terms = self.step == Step::Terms;
        if was_terms {
            self.set_terms_view(lines(self.lang), view.height);
        }
        let outcome = self.key(key, office, now, view.height);
        // Entering the terms step: text that fits needs no scrolling.
        if !was_terms && self.step == Step::Terms {
            self.set_terms_view(lines(self.lang), view.height);
        }
        outcome
    }

    /// The keymap mode of the current step.
    pub fn mode(&self) -> super::keymap::Mode {
        use super::keymap::Mode as M;
        if self.abandoning {
            return M::WizardAbandon;
        }
        match self.step {
            Step::Slot | Step::Seeker => M::WizardForm,
            Step::Eligibility | Step::Checklist => M::WizardChoice,
            Step::Terms => M::WizardTerms,
            Step::Review => M::WizardReview,
            Step::Done => M::WizardDone,
        }
    }

    /// One line of what is entered so far.
    pub fn summary(&self) -> String {
        let lang = self.lang;
        let mut s = format!(
            "{} {} {}",
            crate::i18n::short_date(lang, self.date),
            self.time.format("%H:%M"),
            tr!(lang, "day.booth_n", booth = self.booth)
        );
        if let Ok(n) = JobSeekerNumber::parse(&text_of(&self.fields[0])) {
            s.push_str(&format!("  {n}"));
        }
        if let Ok(name) = PersonName::parse(&text_of(&self.fields[1])) {
            s.push_str(&format!(" {}", name.masked()));
        }
        s
    }

    /// The staff reason for booking after the deadline.
    pub fn value_late(&self) -> String {
        text_of(&self.late_reason)
    }

    /// The terms view: `lines` of wrapped text shown `visible` at a time.
    /// Text that fits at once has been seen to its end.
    pub fn set_terms_view(&mut self, lines: u16, visible: u16) {
        self.terms_lines = lines;
        if lines <= visible {
            self.terms_seen_end = true;
        }
        self.terms_scroll = self.terms_scroll.min(lines.saturating_sub(visible));
    }

    /// The text of field `i` (for views and tests).
    pub fn value(&self, i: usize) -> String {
        text_of(&self.fields[i])
    }
}
