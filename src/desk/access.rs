//! Who may do what (the ruling "Who may do what"): counter staff
//! everything; the kiosk free/full slots, its own booking and the staff PIN
//! check; viewers the day views and statistics with masked names, no
//! changes. Whoever owns the database decides, from the account the
//! operating system gives for a connection, never from a client's word.

use crate::config::AccessSection;
use crate::domain::Invalid;

/// What an account is to the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Staff,
    Kiosk,
    Viewer,
}

/// What a client asks to do, as far as roles are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Free or full per slot, nothing about who.
    FreeSlots,
    /// A booking made at the kiosk (its own channel, contact kept).
    KioskBook,
    /// "Go on or ask at the counter" for a typed number and name.
    KioskCheck,
    /// The staff PIN checked (the hash stays with the server).
    PinCheck,
    /// A slot held while a wizard is on it, and released.
    Hold,
    /// A day's bookings with masked names, and the month's counts.
    DayMasked,
    /// Usage statistics.
    Stats,
    /// A day's bookings with names and contact details.
    DayFull,
    /// A job seeker's record, search, the audit trail.
    Records,
    /// Any change: book at the counter or by phone, cancel, start,
    /// finish, stop, correct, refuse, contact, reconsent, mail.
    Change,
    /// Export, import, check, the sample data.
    Admin,
}

impl Operation {
    pub const ALL: [Operation; 11] = [
        Operation::FreeSlots,
        Operation::KioskBook,
        Operation::KioskCheck,
        Operation::PinCheck,
        Operation::Hold,
        Operation::DayMasked,
        Operation::Stats,
        Operation::DayFull,
        Operation::Records,
        Operation::Change,
        Operation::Admin,
    ];
}

impl Role {
    /// Whether this role may ask for `op`.
    pub fn allows(self, op: Operation) -> bool {
        use Operation as O;
        match self {
            Role::Staff => true,
            Role::Kiosk => matches!(
                op,
                O::FreeSlots | O::KioskBook | O::KioskCheck | O::PinCheck | O::Hold
            ),
            Role::Viewer => matches!(op, O::FreeSlots | O::DayMasked | O::Stats),
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Kiosk => "kiosk",
            Role::Viewer => "viewer",
        }
    }
}

/// The role of `account` (member of `groups`), when the server runs as
/// `owner`. Nothing listed: the owner is staff, nobody else is let in.
/// An account named in a list counts before a group; an account in two
/// roles through its groups gets the narrower one (kiosk, then viewer,
/// then staff), so that a mistake in the groups never widens what it may do.
pub fn role_of(
    access: &AccessSection,
    account: &str,
    groups: &[String],
    owner: &str,
) -> Option<Role> {
    let lists = [
        (Role::Kiosk, &access.kiosk),
        (Role::Viewer, &access.viewer),
        (Role::Staff, &access.staff),
    ];
    if lists.iter().all(|(_, l)| l.is_empty()) {
        return (account == owner).then_some(Role::Staff);
    }
    if let Some((role, _)) = lists.iter().find(|(_, l)| l.iter().any(|e| e == account)) {
        return Some(*role);
    }
    lists
        .iter()
        .find(|(_, l)| {
            l.iter()
                .filter_map(|e| e.strip_prefix('@'))
                .any(|g| groups.iter().any(|m| m == g))
        })
        .map(|(role, _)| *role)
}

/// An account or group name as POSIX allows it portably: letters, digits,
/// `_`, `.`, `-`, not starting with `-`, at most 32 bytes.
fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Checks `[access]`: every entry an account or `@group` name, none in
/// two roles.
pub fn check(access: &AccessSection) -> Result<(), Invalid> {
    let mut seen: Vec<&str> = Vec::new();
    for (field, list) in [
        ("access.staff", &access.staff),
        ("access.kiosk", &access.kiosk),
        ("access.viewer", &access.viewer),
    ] {
        if list.len() > 1000 {
            return Err(Invalid::new(
                field,
                format!("{} entries", list.len()),
                "access",
            ));
        }
        for e in list {
            let name = e.strip_prefix('@').unwrap_or(e);
            if !valid_name(name) {
                return Err(Invalid::new(field, e, "access"));
            }
            if seen.contains(&e.as_str()) {
                return Err(Invalid::new(field, e, "access_twice"));
            }
            seen.push(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(staff: &[&str], kiosk: &[&str], viewer: &[&str]) -> AccessSection {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        AccessSection {
            staff: v(staff),
            kiosk: v(kiosk),
            viewer: v(viewer),
        }
    }

    #[test]
    fn with_nothing_listed_only_the_owner_is_let_in() {
        let a = AccessSection::default();
        assert_eq!(role_of(&a, "soudan", &[], "soudan"), Some(Role::Staff));
        assert_eq!(role_of(&a, "tanaka", &["soudan".into()], "soudan"), None);
    }

    #[test]
    fn accounts_and_groups_give_roles_and_the_narrower_wins() {
        let a = access(&["@counter", "suzuki"], &["lobby"], &["@managers"]);
        let g = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(role_of(&a, "suzuki", &[], "soudan"), Some(Role::Staff));
        assert_eq!(
            role_of(&a, "tanaka", &g(&["counter"]), "soudan"),
            Some(Role::Staff)
        );
        assert_eq!(
            role_of(&a, "lobby", &g(&["counter"]), "soudan"),
            Some(Role::Kiosk)
        );
        assert_eq!(
            role_of(&a, "sato", &g(&["managers"]), "soudan"),
            Some(Role::Viewer)
        );
        assert_eq!(
            role_of(&a, "ito", &g(&["managers", "counter"]), "soudan"),
            Some(Role::Viewer)
        );
        assert_eq!(
            role_of(&a, "soudan", &[], "soudan"),
            None,
            "listed: the owner too"
        );
        assert_eq!(role_of(&a, "stranger", &g(&["users"]), "soudan"), None);
    }

    #[test]
    fn each_role_against_each_operation() {
        use Operation as O;
        let mut allowed = 0;
        for op in Operation::ALL {
            assert!(Role::Staff.allows(op));
            let kiosk = matches!(
                op,
                O::FreeSlots | O::KioskBook | O::KioskCheck | O::PinCheck | O::Hold
            );
            assert_eq!(Role::Kiosk.allows(op), kiosk, "{op:?}");
            let viewer = matches!(op, O::FreeSlots | O::DayMasked | O::Stats);
            assert_eq!(Role::Viewer.allows(op), viewer, "{op:?}");
            allowed += usize::from(kiosk) + usize::from(viewer);
        }
        assert_eq!(allowed, 8);
        // Neither sees names, contact details or records, nor changes anything.
        for op in [O::DayFull, O::Records, O::Change, O::Admin] {
            assert!(!Role::Kiosk.allows(op) && !Role::Viewer.allows(op));
        }
    }

    #[test]
    fn bad_entries_are_refused_naming_the_list() {
        assert!(check(&access(&["@counter", "tanaka"], &["lobby"], &[])).is_ok());
        for (bad, field) in [
            (access(&["ta naka"], &[], &[]), "access.staff"),
            (access(&[], &["-rf"], &[]), "access.kiosk"),
            (access(&[], &[], &["@"]), "access.viewer"),
            (access(&["x\u{202e}"], &[], &[]), "access.staff"),
            (access(&["tanaka"], &["tanaka"], &[]), "access.kiosk"),
        ] {
            let e = check(&bad).unwrap_err();
            assert_eq!(e.field, field, "{bad:?}");
        }
        let long = "a".repeat(33);
        assert!(check(&access(&[&long], &[], &[])).is_err());
    }
}
