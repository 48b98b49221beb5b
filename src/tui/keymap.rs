//! Keys are data: one table of (mode, keys, command, description). The
//! footer hints and the `?` help screen are drawn from this same table, so
//! they can never disagree with what the keys do.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keyboard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The dashboard itself.
    Normal,
    /// The `?` help screen.
    Help,
    /// The booking's details (as an overlay on narrow screens).
    Detail,
    /// Typing a reason, a date or a search.
    Prompt,
    /// Answering yes or no.
    Confirm,
    /// Choosing among search results.
    Results,
    /// The booking wizard: typing into fields (slot, job seeker).
    WizardForm,
    /// The booking wizard: yes/no questions (eligibility, checklist).
    WizardChoice,
    /// The booking wizard: reading and agreeing to the terms.
    WizardTerms,
    /// The booking wizard: the review before booking.
    WizardReview,
    /// The booking wizard: booked.
    WizardDone,
    /// The booking wizard: asking whether to abandon what was entered.
    WizardAbandon,
    /// The last message, whole (it was too long for the status line).
    Message,
    /// The statistics screen.
    Stats,
    /// The audit trail browser.
    Audit,
    /// The kiosk: the welcome screen (language choice).
    KioskWelcome,
    /// The kiosk: the free slots of the next bookable days.
    KioskSlots,
    /// The kiosk: the booking is made.
    KioskDone,
    /// The kiosk: staff typing the PIN to leave.
    KioskPin,
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Up,
    /// The last message, whole.
    Message,
    Down,
    Left,
    Right,
    PrevDay,
    NextDay,
    PrevWeek,
    NextWeek,
    Today,
    GoTo,
    Details,
    Cancel,
    Start,
    Finish,
    Stop,
    Refusal,
    Search,
    CorrectNoShow,
    Help,
    Quit,
    /// Leave the overlay or prompt (keeping what was typed nowhere).
    Back,
    Submit,
    Yes,
    No,
    DeleteChar,
    /// A new booking on the selected slot.
    New,
    /// Acknowledge a job seeker's no-shows.
    Acknowledge,
    /// Phone or counter.
    Channel,
    /// Agree to every document (or withdraw).
    Agree,
    /// Agree to one document.
    AgreeDoc(u8),
    /// Write the booking's mail again.
    Resend,
    /// Renew consent to the terms in force.
    Reconsent,
    /// Move the booking: pick it up, then put it down on the new slot.
    Move,
    /// Take a start made by mistake back.
    Unstart,
    /// The statistics screen.
    Stats,
    /// The audit trail.
    Audit,
    /// Only the selected booking (audit trail), or all.
    FilterBooking,
    /// The next action to show (audit trail).
    FilterAction,
    /// The kiosk's language: 0 Japanese, 1 English.
    Language(u8),
    /// The kiosk: staff leave with the PIN.
    Staff,
    /// The week view, or back to the day.
    Week,
    /// Take time off the calendar from the selected slot.
    Block,
    /// Give the selected slot's block back.
    Unblock,
    /// A staff note on the selected booking.
    Note,
    /// The day sheet to print.
    Sheet,
    /// In a prompt: what it is about (a note's booking or job seeker, a
    /// block's reach).
    Scope,
}

impl Command {
    /// Whether a viewer's dashboard offers it: moving about the days and
    /// the week, the details (masked), the statistics, help and quit;
    /// nothing that changes a booking or shows a record.
    pub fn for_viewer(self) -> bool {
        use Command::*;
        matches!(
            self,
            Up | Message
                | Down
                | Left
                | Right
                | PrevDay
                | NextDay
                | PrevWeek
                | NextWeek
                | Today
                | GoTo
                | Details
                | Help
                | Quit
                | Back
                | Submit
                | Yes
                | No
                | DeleteChar
                | Stats
                | Week
        )
    }
}

/// A key: code and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub KeyCode, pub KeyModifiers);

const fn k(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::NONE)
}
const fn code(c: KeyCode) -> Key {
    Key(c, KeyModifiers::NONE)
}
const fn ctrl(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub struct Binding {
    pub mode: Mode,
    pub keys: &'static [Key],
    /// How the keys are written on screen.
    pub label: &'static str,
    pub command: Command,
    /// Message key of the description.
    pub desc: &'static str,
    /// Shown in the footer (the rest only in `?`).
    pub hint: bool,
}

const fn b(
    mode: Mode,
    keys: &'static [Key],
    label: &'static str,
    command: Command,
    desc: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        mode,
        keys,
        label,
        command,
        desc,
        hint,
    }
}

use Command as C;
use Mode as M;

/// Every key of the dashboard and the booking wizard.
#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    b(M::Normal, &[code(KeyCode::Up), k('k')], "↑/k", C::Up, "key.up", false),
    b(M::Normal, &[code(KeyCode::Down), k('j')], "↓/j", C::Down, "key.down", false),
    b(M::Normal, &[code(KeyCode::Left), k('h')], "←/h", C::Left, "key.left", false),
    b(M::Normal, &[code(KeyCode::Right), k('l')], "→/l", C::Right, "key.right", false),
    b(M::Normal, &[k('['), code(KeyCode::PageUp)], "[/PgUp", C::PrevDay, "key.prev_day", true),
    b(M::Normal, &[k(']'), code(KeyCode::PageDown)], "]/PgDn", C::NextDay, "key.next_day", true),
    b(M::Normal, &[k('{')], "{", C::PrevWeek, "key.prev_week", false),
    b(M::Normal, &[k('}')], "}", C::NextWeek, "key.next_week", false),
    b(M::Normal, &[k('t')], "t", C::Today, "key.today", true),
    b(M::Normal, &[k('g')], "g", C::GoTo, "key.goto", false),
    b(M::Normal, &[code(KeyCode::Enter)], "Enter", C::Details, "key.details", true),
    b(M::Normal, &[k('n')], "n", C::New, "key.new", true),
    b(M::Normal, &[k('c')], "c", C::Cancel, "key.cancel", true),
    b(M::Normal, &[k('s')], "s", C::Start, "key.start", true),
    b(M::Normal, &[k('f')], "f", C::Finish, "key.finish", true),
    b(M::Normal, &[k('x')], "x", C::Stop, "key.stop", false),
    b(M::Normal, &[k('u')], "u", C::CorrectNoShow, "key.correct", false),
    b(M::Normal, &[k('r')], "r", C::Refusal, "key.refusal", false),
        b(M::Normal, &[k('m')], "m", C::Resend, "key.resend", false),
    b(M::Normal, &[k('a')], "a", C::Reconsent, "key.reconsent", false),
    b(M::Normal, &[k('M')], "M", C::Move, "key.move", false),
    b(M::Normal, &[k('U')], "U", C::Unstart, "key.unstart", false),
    b(M::Normal, &[code(KeyCode::Esc)], "Esc", C::Back, "key.move_stop", false),
        b(M::Normal, &[k('/')], "/", C::Search, "key.search", true),
    b(M::Normal, &[k('w')], "w", C::Week, "key.week", false),
    b(M::Normal, &[k('b')], "b", C::Block, "key.block", false),
    b(M::Normal, &[k('B')], "B", C::Unblock, "key.unblock", false),
    b(M::Normal, &[k('N')], "N", C::Note, "key.note", false),
    b(M::Normal, &[k('p')], "p", C::Sheet, "key.sheet", false),
    b(M::Normal, &[k('S')], "S", C::Stats, "key.stats", false),
    b(M::Normal, &[k('A')], "A", C::Audit, "key.audit", false),
    b(M::Normal, &[k('v')], "v", C::Message, "key.message", false),
    b(M::Normal, &[k('?')], "?", C::Help, "key.help", true),
    b(M::Normal, &[k('q'), ctrl('c')], "q", C::Quit, "key.quit", true),
    b(M::Detail, &[code(KeyCode::Esc), code(KeyCode::Enter), k('q')], "Esc", C::Back, "key.close", true),
    b(M::Detail, &[k('c')], "c", C::Cancel, "key.cancel", true),
    b(M::Detail, &[k('s')], "s", C::Start, "key.start", true),
    b(M::Detail, &[k('f')], "f", C::Finish, "key.finish", true),
    b(M::Detail, &[k('x')], "x", C::Stop, "key.stop", true),
    b(M::Detail, &[k('u')], "u", C::CorrectNoShow, "key.correct", true),
    b(M::Detail, &[k('r')], "r", C::Refusal, "key.refusal", true),
        b(M::Detail, &[k('m')], "m", C::Resend, "key.resend", true),
    b(M::Detail, &[k('a')], "a", C::Reconsent, "key.reconsent", true),
    b(M::Detail, &[k('M')], "M", C::Move, "key.move", true),
    b(M::Detail, &[k('U')], "U", C::Unstart, "key.unstart", false),
    b(M::Detail, &[k('N')], "N", C::Note, "key.note", true),
    b(M::Detail, &[ctrl('c')], "Ctrl-C", C::Quit, "key.quit", false),
    b(M::Help, &[code(KeyCode::Esc), k('?'), k('q'), code(KeyCode::Enter)], "Esc/?", C::Back, "key.close", true),
    b(M::Help, &[code(KeyCode::Down), k('j'), code(KeyCode::PageDown), k(' ')], "↓/j", C::Down, "key.scroll_down", true),
    b(M::Help, &[code(KeyCode::Up), k('k'), code(KeyCode::PageUp)], "↑/k", C::Up, "key.scroll_up", true),
    b(M::Help, &[ctrl('c')], "Ctrl-C", C::Quit, "key.quit", false),
    b(M::Message, &[code(KeyCode::Esc), k('v'), k('q'), code(KeyCode::Enter)], "Esc", C::Back, "key.close", true),
    b(M::Message, &[ctrl('c')], "Ctrl-C", C::Quit, "key.quit", false),
    b(M::Prompt, &[code(KeyCode::Enter)], "Enter", C::Submit, "key.submit", true),
    b(M::Prompt, &[code(KeyCode::Esc)], "Esc", C::Back, "key.back", true),
    b(M::Prompt, &[code(KeyCode::Backspace)], "BS", C::DeleteChar, "key.delete", false),
    b(M::Prompt, &[code(KeyCode::Tab)], "Tab", C::Scope, "key.scope", false),
    b(M::Prompt, &[ctrl('c')], "Ctrl-C", C::Quit, "key.quit", false),
    b(M::Confirm, &[k('y'), code(KeyCode::Enter)], "y/Enter", C::Yes, "key.yes", true),
    b(M::Confirm, &[k('n'), code(KeyCode::Esc)], "n/Esc", C::No, "key.no", true),
    b(M::Confirm, &[ctrl('c')], "Ctrl-C", C::Quit, "key.quit", false),
    b(M::Results, &[code(KeyCode::Up), k('k')], "↑/k", C::Up, "key.up", true),
    b(M::Results, &[code(KeyCode::Down), k('j')], "↓/j", C::Down, "key.down", true),
    b(M::Results, &[code(KeyCode::Enter)], "Enter", C::Submit, "key.jump", true),
    b(M::Results, &[code(KeyCode::Esc), k('q')], "Esc", C::Back, "key.close", true),
    b(M::Results, &[ctrl('c')], "Ctrl-C", C::Quit, "key.quit", false),
    b(M::WizardForm, &[code(KeyCode::Enter)], "Enter", C::Submit, "key.next_step", true),
    b(M::WizardForm, &[code(KeyCode::Tab), code(KeyCode::Down)], "Tab/↓", C::Down, "key.next_field", true),
    b(M::WizardForm, &[code(KeyCode::BackTab), code(KeyCode::Up)], "S-Tab/↑", C::Up, "key.prev_field", true),
    b(M::WizardForm, &[ctrl('t')], "Ctrl-T", C::Channel, "key.channel", true),
    b(M::WizardForm, &[ctrl('a')], "Ctrl-A", C::Acknowledge, "key.acknowledge", true),
    b(M::WizardForm, &[code(KeyCode::Esc)], "Esc", C::Back, "key.prev_step", true),
    b(M::WizardForm, &[ctrl('c')], "Ctrl-C", C::Quit, "key.abandon", false),
    b(M::WizardChoice, &[k('y')], "y", C::Yes, "key.yes", true),
    b(M::WizardChoice, &[k('n')], "n", C::No, "key.no", true),
    b(M::WizardChoice, &[code(KeyCode::Up), k('k')], "↑/k", C::Up, "key.up_item", true),
    b(M::WizardChoice, &[code(KeyCode::Down), k('j')], "↓/j", C::Down, "key.down_item", true),
    b(M::WizardChoice, &[code(KeyCode::Enter)], "Enter", C::Submit, "key.next_step", true),
    b(M::WizardChoice, &[code(KeyCode::Esc), code(KeyCode::BackTab)], "Esc", C::Back, "key.prev_step", true),
    b(M::WizardChoice, &[ctrl('c')], "Ctrl-C", C::Quit, "key.abandon", false),
    b(M::WizardTerms, &[code(KeyCode::Down), k('j')], "↓/j", C::Down, "key.scroll_down", true),
    b(M::WizardTerms, &[code(KeyCode::Up), k('k')], "↑/k", C::Up, "key.scroll_up", false),
    b(M::WizardTerms, &[code(KeyCode::PageDown), k(' ')], "PgDn/Space", C::NextDay, "key.page_down", true),
    b(M::WizardTerms, &[code(KeyCode::PageUp)], "PgUp", C::PrevDay, "key.page_up", false),
    b(M::WizardTerms, &[code(KeyCode::End), k('G')], "End/G", C::NextWeek, "key.terms_end", true),
    b(M::WizardTerms, &[k('a')], "a", C::Agree, "key.agree_all", true),
    b(M::WizardTerms, &[k('1')], "1", C::AgreeDoc(0), "key.agree_1", false),
    b(M::WizardTerms, &[k('2')], "2", C::AgreeDoc(1), "key.agree_2", false),
    b(M::WizardTerms, &[k('3')], "3", C::AgreeDoc(2), "key.agree_3", false),
    b(M::WizardTerms, &[k('4')], "4", C::AgreeDoc(3), "key.agree_4", false),
    b(M::WizardTerms, &[code(KeyCode::Enter)], "Enter", C::Submit, "key.next_step", true),
    b(M::WizardTerms, &[code(KeyCode::Esc), code(KeyCode::BackTab)], "Esc", C::Back, "key.prev_step", true),
    b(M::WizardTerms, &[ctrl('c')], "Ctrl-C", C::Quit, "key.abandon", false),
    b(M::WizardReview, &[code(KeyCode::Enter)], "Enter", C::Submit, "key.book", true),
    b(M::WizardReview, &[code(KeyCode::Esc), code(KeyCode::BackTab)], "Esc", C::Back, "key.prev_step", true),
    b(M::WizardReview, &[ctrl('c')], "Ctrl-C", C::Quit, "key.abandon", false),
        b(M::WizardDone, &[code(KeyCode::Enter), code(KeyCode::Esc)], "Enter", C::Back, "key.close", true),
    b(M::WizardAbandon, &[k('y'), code(KeyCode::Enter)], "y/Enter", C::Yes, "key.abandon", true),
    b(M::WizardAbandon, &[k('n'), code(KeyCode::Esc)], "n/Esc", C::No, "key.go_on", true),
        b(M::Stats, &[k('['), code(KeyCode::PageUp), code(KeyCode::Left), k('h')], "[", C::PrevDay, "key.prev_month", true),
    b(M::Stats, &[k(']'), code(KeyCode::PageDown), code(KeyCode::Right), k('l')], "]", C::NextDay, "key.next_month", true),
    b(M::Stats, &[code(KeyCode::Esc), k('q'), k('S'), code(KeyCode::Enter)], "Esc", C::Back, "key.close", true),
    b(M::Stats, &[ctrl('c')], "Ctrl-C", C::Quit, "key.quit", false),
    b(M::Audit, &[code(KeyCode::Up), k('k')], "↑/k", C::Up, "key.up", true),
    b(M::Audit, &[code(KeyCode::Down), k('j')], "↓/j", C::Down, "key.down", true),
    b(M::Audit, &[k('['), code(KeyCode::PageUp)], "[", C::PrevDay, "key.prev_day", true),
    b(M::Audit, &[k(']'), code(KeyCode::PageDown)], "]", C::NextDay, "key.next_day", true),
    b(M::Audit, &[k('b')], "b", C::FilterBooking, "key.audit_booking", true),
    b(M::Audit, &[k('f')], "f", C::FilterAction, "key.audit_action", true),
    b(M::Audit, &[code(KeyCode::Esc), k('q'), k('A')], "Esc", C::Back, "key.close", true),
    b(M::Audit, &[ctrl('c')], "Ctrl-C", C::Quit, "key.quit", false),
    b(M::KioskWelcome, &[k('1'), k('j')], "1", C::Language(0), "key.kiosk_ja", true),
    b(M::KioskWelcome, &[k('2'), k('e')], "2", C::Language(1), "key.kiosk_en", true),
    b(M::KioskWelcome, &[code(KeyCode::Left), code(KeyCode::Right), code(KeyCode::Tab), code(KeyCode::Up), code(KeyCode::Down)], "←/→", C::Right, "key.kiosk_lang", false),
    b(M::KioskWelcome, &[code(KeyCode::Enter), k(' ')], "Enter", C::Submit, "key.kiosk_start", true),
    b(M::KioskWelcome, &[code(KeyCode::F(10)), ctrl('e')], "F10", C::Staff, "key.staff", false),
    b(M::KioskSlots, &[code(KeyCode::Up), k('k')], "↑", C::Up, "key.kiosk_earlier", false),
    b(M::KioskSlots, &[code(KeyCode::Down), k('j')], "↓", C::Down, "key.kiosk_later", false),
    b(M::KioskSlots, &[code(KeyCode::Left), k('h')], "←", C::Left, "key.kiosk_prev_day", false),
    b(M::KioskSlots, &[code(KeyCode::Right), k('l')], "→", C::Right, "key.kiosk_next_day", false),
    b(M::KioskSlots, &[code(KeyCode::Enter)], "Enter", C::Submit, "key.kiosk_choose", true),
    b(M::KioskSlots, &[code(KeyCode::Esc), code(KeyCode::Backspace)], "Esc", C::Back, "key.kiosk_back", true),
    b(M::KioskSlots, &[code(KeyCode::F(10)), ctrl('e')], "F10", C::Staff, "key.staff", false),
    b(M::KioskDone, &[code(KeyCode::Enter), code(KeyCode::Esc), k(' ')], "Enter", C::Back, "key.kiosk_finish", true),
    b(M::KioskDone, &[code(KeyCode::F(10)), ctrl('e')], "F10", C::Staff, "key.staff", false),
    b(M::KioskPin, &[code(KeyCode::Enter)], "Enter", C::Submit, "key.submit", true),
    b(M::KioskPin, &[code(KeyCode::Esc)], "Esc", C::Back, "key.back", true),
    b(M::KioskPin, &[code(KeyCode::Backspace)], "BS", C::DeleteChar, "key.delete", true),
];

/// The command bound to `key` in `mode`.
pub fn resolve(mode: Mode, key: &KeyEvent) -> Option<Command> {
    // Shift arrives with upper-case letters and some symbols; match on the
    // character alone for those.
    let mods = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
    BINDINGS
        .iter()
        .filter(|b| b.mode == mode)
        .find(|b| b.keys.iter().any(|kk| kk.0 == key.code && kk.1 == mods))
        .map(|b| b.command)
}

/// The bindings of `mode`, for hints and help.
pub fn bindings(mode: Mode) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.mode == mode)
}

/// The ASCII form of a key label.
pub fn ascii_label(label: &str) -> String {
    label
        .replace('↑', "Up")
        .replace('↓', "Down")
        .replace('←', "Left")
        .replace('→', "Right")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_mode() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.mode == b.mode {
                    for ka in a.keys {
                        assert!(!b.keys.contains(ka), "{:?} bound twice in {:?}", ka, a.mode);
                    }
                }
            }
        }
    }

    #[test]
    fn every_mode_can_be_left() {
        for mode in [
            M::Help,
            M::Message,
            M::Detail,
            M::Prompt,
            M::Confirm,
            M::Results,
            M::WizardForm,
            M::WizardChoice,
            M::WizardTerms,
            M::WizardReview,
            M::WizardDone,
            M::WizardAbandon,
            M::KioskSlots,
            M::KioskDone,
            M::KioskPin,
            M::Stats,
            M::Audit,
        ] {
            assert!(
                bindings(mode).any(|b| matches!(b.command, C::Back | C::No)),
                "{mode:?}"
            );
        }
        assert!(bindings(M::Normal).any(|b| b.command == C::Quit));
    }

    #[test]
    fn resolve_reads_the_table() {
        let ev = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert_eq!(resolve(M::Normal, &ev(KeyCode::Char('j'))), Some(C::Down));
        assert_eq!(
            resolve(
                M::Normal,
                &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(C::Quit)
        );
        assert_eq!(
            resolve(
                M::Normal,
                &KeyEvent::new(KeyCode::Char('}'), KeyModifiers::SHIFT)
            ),
            Some(C::NextWeek)
        );
        assert_eq!(resolve(M::Normal, &ev(KeyCode::Char('n'))), Some(C::New));
        assert_eq!(
            resolve(M::WizardTerms, &ev(KeyCode::Char('3'))),
            Some(C::AgreeDoc(2))
        );
        assert_eq!(
            resolve(
                M::WizardForm,
                &KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)
            ),
            Some(C::Up)
        );
        assert_eq!(resolve(M::Confirm, &ev(KeyCode::Char('y'))), Some(C::Yes));
    }
}
