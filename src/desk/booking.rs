//! Booking: the checks of a request and the store's transaction, for the
//! command line, the dashboard's wizard and the kiosk alike.

use crate::domain::booking::{Attendance, Booking, Channel, Violation};
use crate::domain::office::{BookingCheck, Override, SlotRequest};
use crate::domain::seeker::Seeker;
use crate::domain::terms::{ChecklistAnswer, Consent, Document};
use crate::error::Error;
use crate::store::{Engine, NewBooking};

use super::Env;

/// Everything a booking needs, from the command line or the wizard.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BookingRequest {
    pub slot: SlotRequest,
    pub late: Override,
    pub seeker: Seeker,
    pub channel: Channel,
    /// The documents agreed to (all four are needed).
    pub documents: Vec<Document>,
    pub checklist: Vec<ChecklistAnswer>,
    pub interpreter: Option<String>,
    pub caregiver: bool,
    /// What becomes of contact details that differ from a known record.
    pub contact: crate::store::Contact,
}

impl BookingRequest {
    /// The request with its free texts checked and folded as stored (the
    /// interpreter's language, a late booking's reason): see
    /// [`super::request::Request::clean`].
    pub fn clean(mut self) -> Result<BookingRequest, crate::domain::Invalid> {
        use crate::domain::input;
        self.interpreter = self
            .interpreter
            .as_deref()
            .map(input::interpreter)
            .transpose()?;
        if let Override::Staff(r) = &self.late {
            self.late = Override::Staff(input::reason("override-deadline", r)?);
        }
        Ok(self)
    }
}

fn check_error(e: BookingCheck) -> Error {
    match e {
        BookingCheck::Invalid(i) => Error::Invalid(i),
        BookingCheck::Rule(v) => Error::from(v),
    }
}

/// The pure checks of a request at office time `now`: the slot (open day,
/// hours, not begun, the deadline or a staff reason), consent to every
/// document of the terms in force, every checklist item. Returns the slot
/// and the consent record.
pub fn check_request(
    office: &crate::domain::office::Office,
    req: &BookingRequest,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<(crate::domain::booking::Slot, Consent), Error> {
    if req.channel == Channel::Kiosk && matches!(req.late, Override::Staff(_)) {
        return Err(Violation::OverrideNotAllowed.into());
    }
    let slot = office
        .check_slot(&req.slot, now.naive_local(), &req.late)
        .map_err(check_error)?;
    let version = office.terms_in_force(now.date_naive())?.version.clone();
    let consent = Consent {
        terms_version: version,
        at: now,
        documents: req.documents.clone(),
    };
    office.check_consent(Some(&consent), &req.checklist)?;
    Ok((slot, consent))
}

/// Books: the pure checks, then the store's transaction (slot, job
/// seeker's day, refusal), flushed. The caller reports it and writes the mail.
pub fn place(env: &Env, store: &dyn Engine, req: &BookingRequest) -> Result<Booking, Error> {
    let new = new_booking(env, req)?;
    // The kiosk never changes a record, whatever it was asked.
    let contact = if req.channel == Channel::Kiosk {
        crate::store::Contact::Keep
    } else {
        req.contact
    };
    Ok(store.book_once(
        &new,
        &env.ctx(Some(req.channel)),
        contact,
        env.once_key().as_deref(),
    )?)
}

/// The booking a request makes, after its pure checks: what every store
/// writes in its transaction.
pub fn new_booking(env: &Env, req: &BookingRequest) -> Result<NewBooking, Error> {
    let office = &env.loaded.office;
    let (slot, consent) = check_request(office, req, env.clock.now())?;
    Ok(NewBooking {
        slot,
        seeker: req.seeker.clone(),
        channel: req.channel,
        consent,
        checklist: req.checklist.clone(),
        attendance: Attendance {
            interpreter: req.interpreter.clone(),
            caregiver: req.caregiver,
        },
        meeting_url_template: office
            .booth(slot.booth)
            .map(|x| x.meeting_url.clone())
            .unwrap_or_default(),
        late_override: match &req.late {
            Override::Staff(r) => Some(r.clone()),
            Override::None => None,
        },
    })
}

/// The bookings ahead (booked, from today on) whose consent was given to a
/// terms version other than the one in force on their day.
pub fn needing_reconsent(env: &Env, store: &dyn Engine) -> Result<Vec<Booking>, Error> {
    let today = env.clock.local().date();
    let terms = &env.loaded.office.terms;
    let mut out = Vec::new();
    for seeker in store.seekers()? {
        for b in store.seeker_bookings(&seeker.number)? {
            if b.status == crate::domain::booking::Status::Booked
                && b.slot.date >= today
                && terms.needs_reconsent(&b.consent.terms_version, b.slot.date)
            {
                out.push(b);
            }
        }
    }
    out.sort_by_key(|b| (b.slot.date, b.slot.start, b.slot.booth));
    Ok(out)
}
