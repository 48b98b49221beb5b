//! The last test program of a run (cargo runs them in the order of their
//! names): it prints what the others could not run here, past the test
//! harness, so that the person who ran `cargo test` sees it at the end.
//! Under CI a missing part has already failed its test.

mod common;

#[test]
fn say_what_did_not_run() {
    let note = common::not_run_note();
    let Ok(text) = std::fs::read_to_string(&note) else {
        return;
    };
    let _ = std::fs::remove_file(&note);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    lines.dedup();
    let mut installs: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.rsplit_once('[').map(|(_, i)| i.trim_end_matches(']')))
        .collect();
    installs.sort();
    installs.dedup();
    let mut out = format!(
        "\n\n!!! {} test(s) did NOT run here: what they prove is NOT checked.\n",
        lines.len()
    );
    for l in &lines {
        out.push_str(&format!("!!!   {l}\n"));
    }
    out.push_str("!!! To run them, install what is missing (as .ci/run does):\n");
    for i in &installs {
        out.push_str(&format!("!!!   {i}\n"));
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{out}");
}
