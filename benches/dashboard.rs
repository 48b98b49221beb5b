//! Whole-process measurements of the dashboard (`cargo bench --bench dashboard`):
//! with 0 and 10,000 bookings (more with `SOUDAN_BENCH_SIZES=0,10000,100000`),
//! the release binary is started in a pseudo-terminal of 80x24 and timed to
//! its first frame; its peak resident memory (VmHWM) is read from /proc; and
//! the bytes it writes for one cursor move are counted; and the CPU time the
//! whole process spends on a cursor move is read from /proc over 200 moves.
//! A first run starts the server for the folder; the medians are of the 5
//! runs that join it after.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Pty, fill, median};

const NOW: &str = "2026-12-03T09:45";

struct Run {
    first_frame: Duration,
    peak_kib: u64,
    move_bytes: usize,
    first_frame_bytes: usize,
    /// The whole process's CPU time per cursor move, in microseconds.
    move_cpu_us: u64,
}

/// Cursor moves timed for their CPU: enough that the 10 ms clock ticks of
/// /proc add up to a figure.
const MOVES: u64 = 200;

fn run_once(dir: &Path) -> Run {
    let mut p = Pty::spawn(
        &[],
        &[
            ("SOUDAN_DATA_DIR", dir.as_os_str()),
            ("SOUDAN_NOW", NOW.as_ref()),
        ],
    );
    let mut first_frame_bytes =
        p.until(|text| text.contains("規約 2025-02-07") && text.contains("q 終了する"));
    let first_frame = p.started.elapsed();
    first_frame_bytes += p.drain(Duration::from_millis(300));
    let move_bytes = p.key(b"j");
    p.expect("one cursor move", "規約 2025-02-07");
    // The CPU of the whole process for a cursor move: each key answered
    // before the next is sent, down and up again so the view stays.
    let before = p.cpu_ticks();
    for i in 0..MOVES {
        let key: &[u8] = if i % 2 == 0 { b"j" } else { b"k" };
        p.key_answered(key, Duration::from_millis(5));
    }
    let move_cpu_us = (p.cpu_ticks() - before) * 10_000 / MOVES;
    let peak_kib = p.peak_kib();
    p.key(b"q");
    p.wait("the dashboard after q");
    Run {
        first_frame,
        peak_kib,
        move_bytes,
        first_frame_bytes,
        move_cpu_us,
    }
}

enum Kept {
    Temp(tempfile::TempDir),
    Path(std::path::PathBuf),
}

impl Kept {
    fn path(&self) -> &Path {
        match self {
            Kept::Temp(t) => t.path(),
            Kept::Path(p) => p,
        }
    }
}

/// Fills `dir` with `n` bookings in a child process: a bench process that
/// held the fill's memory (a GiB at a million) would make every later
/// fork, and so every dashboard's start, slower than any office's.
fn fill_apart(dir: &Path, n: usize) {
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env("SOUDAN_BENCH_FILL", format!("{n}:{}", dir.display()))
        .status()
        .unwrap();
    assert!(status.success(), "the fill failed");
}

fn main() {
    if let Ok(job) = std::env::var("SOUDAN_BENCH_FILL") {
        let (n, dir) = job.split_once(':').unwrap();
        fill(Path::new(dir), n.parse().unwrap());
        return;
    }
    let sizes: Vec<usize> = std::env::var("SOUDAN_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 10_000]);
    println!("dashboard, 80x24, median of 5 runs (release binary in a pseudo-terminal)");
    println!(
        "{:>10} {:>14} {:>12} {:>14} {:>14} {:>16}",
        "bookings", "first frame", "peak RSS", "1st frame B", "cursor move B", "move CPU (proc)"
    );
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let dir = match std::env::var_os("SOUDAN_BENCH_KEEP") {
            // Keep the filled database for a look afterwards.
            Some(keep) => {
                let path = std::path::PathBuf::from(keep).join(n.to_string());
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Kept::Path(path)
            }
            None => Kept::Temp(dir),
        };
        let fill_started = Instant::now();
        fill_apart(dir.path(), n);
        let fill_time = fill_started.elapsed();
        // The fill's writes reach the disk first: a first frame measured
        // while hundreds of MiB are written back measures the disk.
        // SAFETY: sync(2) takes no arguments.
        unsafe { libc::sync() };
        // The first run starts the server for the folder (its open of the
        // database is the server's start, measured by the server's bench);
        // the five measured runs join it, as every dashboard but the first.
        let _ = run_once(dir.path());
        let runs: Vec<Run> = (0..5).map(|_| run_once(dir.path())).collect();
        println!(
            "{:>10} {:>11.1} ms {:>8.1} MiB {:>14} {:>14} {:>13.2} ms   (filled in {:.1} s)",
            n,
            median(runs.iter().map(|r| r.first_frame).collect()).as_secs_f64() * 1000.0,
            median(runs.iter().map(|r| r.peak_kib).collect()) as f64 / 1024.0,
            median(runs.iter().map(|r| r.first_frame_bytes).collect()),
            median(runs.iter().map(|r| r.move_bytes).collect()),
            median(runs.iter().map(|r| r.move_cpu_us).collect()) as f64 / 1000.0,
            fill_time.as_secs_f64(),
        );
    }
}
