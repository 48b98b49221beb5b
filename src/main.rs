//! soudan: parse the command line, run, map the outcome to the contract's exit status.

use std::process::ExitCode;

use soudan::cli::{self, Cli, Env};
use soudan::i18n::Lang;
use soudan::tr;

fn main() -> ExitCode {
    // Output piped into `head` and the like: stop quietly when the reader
    // goes away, as Unix tools do, instead of failing on a broken pipe.
    // SAFETY: restores the default disposition of SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let early = cli::help::early_lang(&args);
    let command = cli::help::localize(<Cli as clap::CommandFactory>::command(), early);
    let mut cli = match command
        .try_get_matches_from(&args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return cli::help::exit_on(e, early),
    };
    cli.global.config_may_be_missing =
        matches!(cli.command, Some(cli::Command::Kiosk { set_pin: true, .. }));
    // A readable report for a bug; the store's filter goes outside it.
    let _ = color_eyre::install();
    soudan::store::install_panic_filter();
    let env = match Env::from_global(&cli.global) {
        Ok(env) => env,
        Err((lang, e)) => return fail(lang, &e),
    };
    let lang = env.lang;
    // The screens (dashboard, kiosk) and the commands are two front ends
    // over the desk; neither calls the other.
    let outcome = std::panic::catch_unwind(|| match cli.command {
        Some(cli::Command::Kiosk {
            set_pin: false,
            idle_seconds,
        }) => cli::parse_idle_seconds(idle_seconds.as_deref())
            .map_err(Into::into)
            .and_then(|idle| soudan::tui::kiosk_loop::run(&env, idle)),
        Some(command) => cli::run(&env, command),
        None => soudan::tui::run(&env),
    });
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => fail(lang, &e),
        Err(_) => {
            eprintln!("{}", tr!(lang, "main.panic"));
            ExitCode::from(1)
        }
    }
}

fn fail(lang: Lang, e: &soudan::error::Error) -> ExitCode {
    eprintln!("{}", e.message(lang));
    ExitCode::from(e.exit_code())
}
