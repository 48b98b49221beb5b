//! What a wizard's hold on a slot is, and what any keeper of holds does
//! (the desk says who keeps them: a server in its memory, or the database).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// One held slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub booth: u8,
    /// Who holds it (the account the server saw) and where.
    pub account: String,
    pub terminal: String,
    /// Office time it ends unless renewed.
    pub until: NaiveDateTime,
    /// The connection holding it; not shown to anyone.
    #[serde(skip)]
    pub holder: u64,
}

impl Hold {
    pub fn is(&self, date: NaiveDate, time: NaiveTime, booth: u8) -> bool {
        self.date == date && self.time == time && self.booth == booth
    }
}

/// Where holds are kept: what the desk asks of them.
pub trait HoldBook: Send + Sync {
    /// Holds the slot for `hold.holder` until `hold.until` (a holder has
    /// one hold at a time: taking another ends the first). Refused with the
    /// other's hold when someone else holds it.
    fn take(&self, hold: Hold, now: NaiveDateTime) -> Result<(), Hold>;
    /// Ends `holder`'s hold; whether it had one.
    fn release(&self, holder: u64) -> bool;
    /// Ends the holds whose time is up; whether there were any.
    fn expire(&self, now: NaiveDateTime) -> bool;
    /// The hold on a slot by someone other than `holder`, if any.
    fn other(
        &self,
        holder: u64,
        date: NaiveDate,
        time: NaiveTime,
        booth: u8,
        now: NaiveDateTime,
    ) -> Option<Hold>;
    /// The live holds on `date`, by slot.
    fn on(&self, date: NaiveDate, now: NaiveDateTime) -> Vec<Hold>;
    /// When the next hold ends, for the owner's clock.
    fn next_end(&self) -> Option<NaiveDateTime>;
}
