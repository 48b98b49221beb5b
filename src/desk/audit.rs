//! The audit trail (Art. 7(1)), filtered by day, booking and action.

use crate::domain::Invalid;
use crate::store::{Engine, StoreError};

/// The actions the audit trail records. `kiosk` stands for both of the
/// kiosk's own (`kiosk.pin_wrong`, `kiosk.leave`), `refused` for every
/// refusal of the server (`refused.connect`, `refused.book`, ...).
pub const ACTIONS: [&str; 22] = [
    "book",
    "cancel",
    "move",
    "unstart",
    "start",
    "finish",
    "stop",
    "no_show",
    "correct_no_show",
    "reconsent",
    "refuse",
    "unrefuse",
    "contact",
    "terms_notice",
    "note",
    "block",
    "unblock",
    "remind",
    "kiosk",
    "kiosk.pin_wrong",
    "kiosk.leave",
    "refused",
];

/// An action to filter by, checked: one the audit trail records, else the
/// message lists them.
pub fn parse_action(s: &str) -> Result<String, Invalid> {
    let a = s.trim();
    if ACTIONS.contains(&a) {
        Ok(a.to_string())
    } else {
        Err(Invalid::new("action", s, "audit_action"))
    }
}

/// Which audit events to show.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AuditFilter {
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub booking: Option<crate::domain::booking::BookingId>,
    pub action: Option<String>,
}

impl AuditFilter {
    pub fn keeps(&self, e: &crate::store::AuditEvent) -> bool {
        let day = e.at.date_naive();
        self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
            && self.booking.is_none_or(|b| e.booking == Some(b))
            && self
                .action
                .as_deref()
                .is_none_or(|a| e.action == a || e.action.starts_with(&format!("{a}.")))
    }
}

/// The filtered audit trail, oldest first.
pub fn audit_events(
    store: &dyn Engine,
    filter: &AuditFilter,
) -> Result<Vec<crate::store::AuditEvent>, StoreError> {
    Ok(match filter.booking {
        Some(id) => store.booking_audit(id)?,
        None => store.audit()?,
    }
    .into_iter()
    .filter(|e| filter.keeps(e))
    .collect())
}
