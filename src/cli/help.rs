//! The command line's help in the user's language: every about and help
//! text of clap's derive types is replaced from the `[cli]` table of the
//! message catalogues, with clap's own headings and flags in the same
//! language. A test checks that every argument and command has its text in
//! both catalogues.

use clap::{Arg, ArgAction, Command};

use crate::i18n::{Lang, text};

/// The catalogue key of a command's about text: `cli.cmd.<path>`.
fn cmd_key(path: &str) -> String {
    if path.is_empty() {
        "cli.about".to_string()
    } else {
        format!("cli.cmd.{path}")
    }
}

/// The catalogue key of an argument's help: `cli.arg.<path>.<id>`
/// (global options: `cli.arg.<id>`).
fn arg_key(path: &str, id: &str, global: bool) -> String {
    if global || path.is_empty() {
        format!("cli.arg.{id}")
    } else {
        format!("cli.arg.{path}.{id}")
    }
}

fn lookup(lang: Lang, key: &str) -> Option<String> {
    let t = text(lang, key);
    (t != key).then(|| t.to_string())
}

/// Every catalogue key the command line needs, with clap's own text.
pub fn keys(cmd: &Command) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk_keys(cmd, "", &mut out);
    out
}

fn walk_keys(cmd: &Command, path: &str, out: &mut Vec<(String, String)>) {
    out.push((
        cmd_key(path),
        cmd.get_about().map(|s| s.to_string()).unwrap_or_default(),
    ));
    for a in cmd.get_arguments() {
        let id = a.get_id().as_str();
        if matches!(id, "help" | "version") || (a.is_global_set() && !path.is_empty()) {
            continue;
        }
        out.push((
            arg_key(path, id, a.is_global_set()),
            a.get_help().map(|s| s.to_string()).unwrap_or_default(),
        ));
    }
    for sub in cmd.get_subcommands() {
        let p = if path.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{path}.{}", sub.get_name())
        };
        walk_keys(sub, &p, out);
    }
}

/// `cmd` with its texts, headings and help flags in `lang`.
pub fn localize(cmd: Command, lang: Lang) -> Command {
    let cmd = cmd
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(text(lang, "cli.flag.version").to_string()),
        )
        .disable_help_subcommand(true);
    let cmd = match (lookup(lang, "cli.long_about"), lookup(lang, "cli.after")) {
        (Some(long), Some(after)) => cmd.long_about(long).after_help(after),
        _ => cmd,
    };
    walk(cmd, "", lang)
}

fn walk(mut cmd: Command, path: &str, lang: Lang) -> Command {
    if let Some(about) = lookup(lang, &cmd_key(path)) {
        cmd = cmd.about(about);
    }
    let options = text(lang, "cli.heading.options").to_string();
    let ids: Vec<(String, bool, bool)> = cmd
        .get_arguments()
        .map(|a| (a.get_id().to_string(), a.is_global_set(), a.is_positional()))
        .collect();
    for (id, global, positional) in ids {
        if id == "version" {
            let heading = options.clone();
            cmd = cmd.mut_arg(&id, |a| a.help_heading(heading));
            continue;
        }
        let key = arg_key(path, &id, global);
        let help = lookup(lang, &key);
        let heading = if positional {
            text(lang, "cli.heading.arguments").to_string()
        } else {
            options.clone()
        };
        cmd = cmd.mut_arg(&id, |a| {
            let a = a.help_heading(heading);
            // clap says "[default: …]" in English: said here in `lang`.
            let defaults: Vec<String> = a
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let help = help
                .map(|h| h.to_string())
                .or_else(|| a.get_help().map(|h| h.to_string()));
            let word = text(lang, "cli.default").to_string();
            match (help, defaults.is_empty()) {
                // A help that names its default itself keeps its words.
                (Some(h), false) if h.contains(&format!("[{word}:")) => {
                    a.hide_default_value(true).help(h)
                }
                (Some(h), false) => a
                    .hide_default_value(true)
                    .help(format!("{h} [{word}: {}]", defaults.join(", "))),
                (Some(h), true) => a.help(h),
                (None, _) => a,
            }
        });
    }
    cmd = cmd
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(text(lang, "cli.flag.help").to_string())
                .help_heading(options),
        )
        .subcommand_help_heading(text(lang, "cli.heading.commands").to_string())
        .help_template(text(lang, "cli.template").to_string());
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let p = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        cmd = cmd.mut_subcommand(&name, |s| walk(s, &p, lang));
    }
    cmd
}

/// Prints a command-line error (or the help or version asked for) and
/// gives the exit status: 0 for help and version, 2 for a bad command line.
pub fn exit_on(e: clap::Error, lang: Lang) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                std::process::ExitCode::from(2)
            } else {
                std::process::ExitCode::SUCCESS
            }
        }
        ErrorKind::MissingRequiredArgument => {
            use clap::error::{ContextKind, ContextValue};
            let missing = match e.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(v)) => v.join(", "),
                Some(ContextValue::String(v)) => v.clone(),
                _ => String::new(),
            };
            let usage = match e.get(ContextKind::Usage) {
                Some(ContextValue::StyledStr(u)) => u.to_string(),
                _ => String::new(),
            };
            let usage = usage.trim();
            let usage = usage
                .strip_prefix("Usage:")
                .or_else(|| usage.strip_prefix("使い方:"))
                .unwrap_or(usage)
                .trim()
                // Given through SOUDAN_LANG, it is no part of what is missing.
                .replace(" --lang <ja|en>", "");
            eprintln!(
                "{}",
                crate::tr!(
                    lang,
                    "cli.missing",
                    args = crate::i18n::safe(&missing),
                    usage = crate::i18n::safe(&usage)
                )
            );
            std::process::ExitCode::from(2)
        }
        _ => {
            let detail = e.render().to_string();
            let first = detail.lines().next().unwrap_or_default();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!(
                "{}",
                crate::tr!(lang, "cli.error", detail = crate::i18n::safe(first))
            );
            std::process::ExitCode::from(2)
        }
    }
}

/// The language asked for on the command line or in SOUDAN_LANG, read
/// before clap parses (so that its help and errors come in it).
pub fn early_lang(args: &[std::ffi::OsString]) -> Lang {
    let mut it = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return Lang::parse(v).unwrap_or(Lang::Ja);
        }
        if a == "--lang" {
            return it.next().and_then(Lang::parse).unwrap_or(Lang::Ja);
        }
    }
    std::env::var("SOUDAN_LANG")
        .ok()
        .and_then(|v| Lang::parse(&v))
        .unwrap_or(Lang::Ja)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_command_and_argument_has_help_in_both_languages() {
        let keys = keys(&crate::cli::Cli::command());
        assert!(keys.len() > 60, "{}", keys.len());
        for lang in [Lang::Ja, Lang::En] {
            for (k, _) in &keys {
                assert!(lookup(lang, k).is_some(), "{lang:?}: {k} is missing");
            }
        }
    }

    #[test]
    fn japanese_help_is_japanese_throughout() {
        let mut cmd = localize(crate::cli::Cli::command(), Lang::Ja);
        let top = cmd.render_help().to_string();
        for s in [
            "使い方:",
            "オプション",
            "コマンド",
            "ヘルプを表示する",
            "枠を予約する",
        ] {
            assert!(top.contains(s), "{s}:\n{top}");
        }
        for s in ["Usage", "Options", "Print help", "Book a slot"] {
            assert!(!top.contains(s), "{s}:\n{top}");
        }
        let book = cmd
            .find_subcommand_mut("book")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(
            book.contains("相談日 YYYY-MM-DD") && book.contains("求職番号: 5桁"),
            "{book}"
        );
        let mut en = localize(crate::cli::Cli::command(), Lang::En);
        let top = en.render_help().to_string();
        assert!(
            top.contains("Usage:") && top.contains("Book a slot"),
            "{top}"
        );
    }

    #[test]
    fn the_language_is_read_before_parsing() {
        let args = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(
            early_lang(&args(&["soudan", "--lang", "en", "book"])),
            Lang::En
        );
        assert_eq!(
            early_lang(&args(&["soudan", "book", "--lang=en"])),
            Lang::En
        );
        assert_eq!(
            early_lang(&args(&["soudan", "--", "--lang", "en"])),
            Lang::Ja
        );
    }
}
