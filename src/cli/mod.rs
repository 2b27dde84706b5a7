//! The command line: argument parsing (clap derive) and the commands. `main`
//! only calls [`main_with_args`] and exits with the code it returns.

mod replay;
mod replay_cdn;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::batch::folder::{self, Claim, OutputFolder};
use crate::batch::{self, BatchOptions};
use crate::error::{EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, Error, InputError};
use crate::experiment::runner::Recording;
use crate::experiment::{self, Experiment};
use crate::report;
use crate::study::{self, RunPlan, Shard};

const EXAMPLES: &str = "\
Examples:
  edgesim run experiments/quickstart.toml
  edgesim run experiments/quickstart.toml --threads 2 --out /tmp/qs
  edgesim run experiments/validation/mm1.toml --set queue.arrival_rate=0.5/s --dry-run
  edgesim check experiments/quickstart.toml
  edgesim run experiments/quickstart.toml --resume
  edgesim run experiments/quickstart.toml --shard 0/4 --out out/shards/0
  edgesim merge out/shards/0 out/shards/1 out/shards/2 out/shards/3 --out out/quickstart
  edgesim plot output/quickstart
  edgesim validate";

/// edgesim: a deterministic discrete-event simulator of global CDNs and server-push architectures.
#[derive(Parser, Debug)]
#[command(name = "edgesim", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run an experiment file: every sweep point and replication, in parallel.
    #[command(
        after_help = "Writes results.csv, summary.csv, timeseries.csv, histograms.csv, manifest.json,\n\
        experiment.toml, plots/ and report.html to output/<name>/ (or --out); every finished run is\n\
        also recorded in runs/ at once, for --resume and merge. A folder of other files is refused\n\
        without --force, and one in use by another edgesim always (docs/reliability.md).\n\
        Exit codes: 0 success, 1 a run failed, 2 bad input."
    )]
    Run(RunArgs),
    /// Join the output folders of shards into what one unsharded run writes.
    #[command(
        after_help = "Every folder must come from the same experiment file, --set values and edgesim\n\
        version, and together they must hold every run exactly once. Exit code 2 otherwise."
    )]
    Merge(MergeArgs),
    /// Redraw the charts (plots/) and report.html of an output folder from its files.
    Plot(PlotArgs),
    /// Validate an experiment file without running it.
    Check(CheckArgs),
    /// Run the built-in validation suite (models against theory); exit 1 on any failure.
    Validate(ValidateArgs),
    /// Replay a request trace through single caches to size them (miss-ratio curve).
    Replay(Box<replay::ReplayArgs>),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The experiment file (TOML).
    pub file: PathBuf,
    /// Output folder (default: [output] dir, else output/<name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: the number of cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override a key: --set queue.servers=2 (repeatable; applied before the sweep).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Print the run table (run index, point, replication, seed, parameters) and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Run only shard K of N: the runs whose index modulo N is K (default
    /// output: output/<name>/shards/shard-K-of-N).
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Keep the runs an interrupted run of the same file already finished
    /// (recorded in DIR/runs/) and run only the rest.
    #[arg(long)]
    pub resume: bool,
    /// Write the requests the workload sends as a trace (model cdn): a .csv
    /// (with region and client columns) or .oracleGeneral file records run 0;
    /// a folder (ending in /) gets one file per run, run-NNNNNNNN.csv.
    #[arg(long, value_name = "PATH")]
    pub record_trace: Option<PathBuf>,
    /// Format of the files --record-trace writes into a folder: csv or oracleGeneral.
    #[arg(long, value_name = "FORMAT")]
    pub record_format: Option<String>,
    /// Write into a folder that holds other files and is not an edgesim
    /// output folder (edgesim then replaces and removes only its own files).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shard output folders.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where the merged output goes.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into a folder that holds other files and is not an edgesim
    /// output folder (edgesim then replaces and removes only its own files).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// An output folder (with manifest.json, results.csv, summary.csv, ...).
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The experiment file (TOML).
    pub file: PathBuf,
    /// Override a key, as for `run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Worker threads (default: the number of cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Only the checks whose group or name contains this text.
    #[arg(long)]
    pub only: Option<String>,
    /// Master seed of the checks (default: each group's fixed seed).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Parses `args` (program name first), runs the command, reports errors on
/// stderr and returns the exit code.
pub fn main_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
        }
    };
    let result = match cli.command {
        Command::Run(args) => cmd_run(&args),
        Command::Merge(args) => cmd_merge(&args),
        Command::Plot(args) => cmd_plot(&args),
        Command::Check(args) => cmd_check(&args),
        Command::Validate(args) => cmd_validate(&args),
        Command::Replay(args) => replay::run(&args).map(|()| EXIT_OK),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            e.exit_code()
        }
    }
}

/// Prints an error: one plain line naming file, line, key and what was
/// expected, then (for file errors) the offending line underlined.
pub fn report_error(e: &Error) {
    eprintln!("error: {e}");
    if let Error::Input(input) = e
        && let Some((source, span)) = &input.snippet
    {
        eprintln!("{}", snippet(&input.origin, source, span.clone()));
    }
}

fn snippet(origin: &str, source: &str, span: std::ops::Range<usize>) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};
    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("here")]
    struct Pointed {
        #[source_code]
        code: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    }
    let end = span.end.min(source.len());
    let start = span.start.min(end);
    let diagnostic = Pointed {
        code: NamedSource::new(origin, source.to_string()),
        span: (start, (end - start).max(1)).into(),
    };
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    let _ = handler.render_report(&mut out, &diagnostic);
    // Keep the source excerpt; the message is already on the line above.
    let start = out
        .find('╭')
        .and_then(|i| out[..i].rfind('\n'))
        .map_or(0, |i| i + 1);
    out[start..].trim_end().to_string()
}

fn threads(requested: Option<usize>) -> Result<usize, Error> {
    match requested {
        Some(0) => Err(InputError::new("command line", "--threads must be at least 1").into()),
        Some(n) if n > 4096 => {
            Err(InputError::new("command line", "--threads must be at most 4096").into())
        }
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Loads an experiment and prints, on stderr, what `--set` changed in its
/// sweep.
fn load(file: &Path, sets: &[String]) -> Result<Experiment, Error> {
    let exp = experiment::load(file, sets).map_err(Error::from)?;
    for note in &exp.notes {
        eprintln!("note: {note}");
    }
    Ok(exp)
}

fn cmd_check(args: &CheckArgs) -> Result<i32, Error> {
    let exp = experiment::load::check(&args.file, &args.sets).map_err(Error::from)?;
    for note in &exp.notes {
        eprintln!("note: {note}");
    }
    if let Some(search) = &exp.search {
        println!(
            "ok: {} (model {}): a search over {} candidate(s) x {} design(s) (base and scenarios), {} to {} replications each, runs of {}",
            exp.spec.name,
            exp.spec.model.name(),
            search.candidates(),
            search.points_per_candidate(),
            search.min_replications,
            search.max_replications,
            exp.spec.run.duration,
        );
        return Ok(EXIT_OK);
    }
    println!(
        "ok: {} (model {}): {} point(s) x {} replication(s) = {} runs of {} each",
        exp.spec.name,
        exp.spec.model.name(),
        exp.points,
        exp.spec.run.replications,
        exp.points * exp.spec.run.replications as usize,
        exp.spec.run.duration,
    );
    if exp.validated < exp.points {
        println!(
            "checked {} distinct point(s): every value of every swept parameter and the corners of each pair; `run` checks all {} before it runs",
            exp.validated, exp.points
        );
    }
    Ok(EXIT_OK)
}

/// The output folder: `--out`, else `[output] dir`, else `output/<name>`;
/// for a shard without `--out`, `shards/shard-K-of-N` inside it.
pub fn output_dir(exp: &Experiment, out: Option<&Path>, shard: Option<Shard>) -> PathBuf {
    let dir = match (out, &exp.spec.output.dir) {
        (Some(out), _) => out.to_path_buf(),
        (None, Some(dir)) => PathBuf::from(dir),
        (None, None) => Path::new("output").join(&exp.spec.name),
    };
    match (out, shard) {
        (None, Some(s)) => dir
            .join("shards")
            .join(format!("shard-{}-of-{}", s.index, s.count)),
        _ => dir,
    }
}

fn cmd_run(args: &RunArgs) -> Result<i32, Error> {
    let threads = threads(args.threads)?;
    let exp = load(&args.file, &args.sets)?;
    if exp.search.is_some() {
        return cmd_search(args, &exp, threads);
    }
    if args.dry_run {
        let plan = exp.plan();
        let plan = args.shard.map_or(plan.clone(), |s| s.select(&plan));
        print!("{}", run_table(&exp, &plan));
        return Ok(EXIT_OK);
    }
    let record = recording(args, &exp)?;
    let plan = exp.plan();
    let plan = args.shard.map_or(plan.clone(), |s| s.select(&plan));
    // Refused before the folder is claimed: nothing is written.
    batch::check_recording(record.as_ref(), &plan)?;
    let dir = output_dir(&exp, args.out.as_deref(), args.shard);
    let force = args.force;
    let _folder = OutputFolder::claim(&dir, "--out", Claim::Write { force })?;
    if args.out.is_none()
        && args.shard.is_some()
        && let Some(parent) = dir.parent().and_then(Path::parent)
    {
        folder::adopt_shards_parent(parent)?;
    }
    let options = BatchOptions {
        dir,
        threads,
        shard: args.shard,
        resume: args.resume,
        progress: true,
        record,
    };
    let outcome = batch::run_into(&exp, &options)?;
    let published = report::publish(
        &outcome.study,
        &outcome.records,
        &options.dir,
        &outcome.execution,
    )?;
    let shard = args
        .shard
        .map_or(String::new(), |s| format!(" (shard {s})"));
    eprintln!(
        "{}{shard}: {} runs done{}, {} events in {:.2} s ({}) on {} thread(s)",
        exp.spec.name,
        outcome.executed + outcome.resumed,
        if outcome.resumed > 0 {
            format!(" ({} kept from before)", outcome.resumed)
        } else {
            String::new()
        },
        outcome.events_executed,
        outcome.wall_s,
        experiment::progress::format_rate(
            outcome.events_executed as f64 / outcome.wall_s.max(1e-9)
        ),
        threads
    );
    finish(&published.written, &published.warnings)
}

/// `run` of a file with `[search]`: rounds of candidates until the
/// search ends; `plan.csv`, `answer.json` and `report.html` in the folder,
/// the answer on stderr.
fn cmd_search(args: &RunArgs, exp: &Experiment, threads: usize) -> Result<i32, Error> {
    let refuse = |flag: &str| -> Result<i32, Error> {
        Err(InputError::new(
            "command line",
            format!("{flag} is for sweeps; a search chooses its runs as it goes"),
        )
        .with_key(flag)
        .into())
    };
    if args.shard.is_some() {
        return refuse("--shard");
    }
    if args.record_trace.is_some() || args.record_format.is_some() {
        return refuse("--record-trace");
    }
    if args.dry_run {
        print!("{}", candidate_table(exp));
        return Ok(EXIT_OK);
    }
    let dir = output_dir(exp, args.out.as_deref(), None);
    let force = args.force;
    let _folder = OutputFolder::claim(&dir, "--out", Claim::Write { force })?;
    let options = BatchOptions {
        dir,
        threads,
        shard: None,
        resume: args.resume,
        progress: true,
        record: None,
    };
    let outcome = batch::search::search_into(exp, &options)?;
    let study = exp.study();
    let written = report::search::publish(&outcome.table, &study, &options.dir)?;
    let batch = &outcome.batch;
    eprintln!(
        "{}: search done in {} round(s): {} runs{}, {} events in {:.2} s on {} thread(s)",
        exp.spec.name,
        outcome.rounds,
        batch.executed + batch.resumed,
        if batch.resumed > 0 {
            format!(" ({} kept from before)", batch.resumed)
        } else {
            String::new()
        },
        batch.events_executed,
        batch.wall_s,
        threads
    );
    for line in report::search::answer_lines(&outcome.table) {
        eprintln!("{line}");
    }
    finish(&written, &[])
}

/// The candidates of a search as a tab-separated table (`--dry-run`).
fn candidate_table(exp: &Experiment) -> String {
    let Some(search) = &exp.search else {
        return String::new();
    };
    let mut out = String::from("candidate");
    for v in &search.variables {
        out.push('\t');
        out.push_str(&v.path.to_string());
    }
    out.push('\n');
    for c in 0..search.candidates() {
        out.push_str(&c.to_string());
        for v in &exp.points[search.point(c, 0)].values[..search.variables.len()] {
            out.push('\t');
            out.push_str(v);
        }
        out.push('\n');
    }
    out
}

/// Where `--record-trace` writes, checked before anything runs.
fn recording(args: &RunArgs, exp: &Experiment) -> Result<Option<Recording>, Error> {
    let Some(path) = &args.record_trace else {
        if args.record_format.is_some() {
            return Err(
                InputError::new("command line", "--record-format needs --record-trace")
                    .with_key("--record-format")
                    .into(),
            );
        }
        return Ok(None);
    };
    if let Some(point) = exp.points.iter().find(|p| !p.spec.model.records_requests()) {
        return Err(InputError::new(
            "command line",
            format!(
                "model \"{}\" has no request stream to record; --record-trace works with model \"cdn\"",
                point.spec.model.name()
            ),
        )
        .with_key("--record-trace")
        .into());
    }
    let record = Recording::parse(path, args.record_format.as_deref())?;
    let runs = exp.points.len() * exp.spec.run.replications as usize;
    if let Recording::File(path) = &record
        && runs > 1
    {
        eprintln!(
            "recording run 0 (point 0, replication 0) of {runs} to {}; give a folder (ending in /) to record every run",
            path.display()
        );
    }
    Ok(Some(record))
}

/// Prints the files written (stdout) and the charts not drawn (stderr).
fn finish(written: &[PathBuf], warnings: &[String]) -> Result<i32, Error> {
    for w in warnings {
        eprintln!("warning: {w}");
    }
    for path in written {
        println!("{}", path.display());
    }
    Ok(EXIT_OK)
}

fn cmd_merge(args: &MergeArgs) -> Result<i32, Error> {
    let outcome = batch::merge::gather(&args.dirs)?;
    let force = args.force;
    let folder = OutputFolder::claim(&args.out, "--out", Claim::Write { force })?;
    batch::merge::write(&outcome, folder.dir())?;
    let published = report::publish(
        &outcome.study,
        &outcome.records,
        folder.dir(),
        &outcome.execution,
    )?;
    eprintln!(
        "merged {} runs from {} folder(s) into {}",
        outcome.records.len(),
        args.dirs.len(),
        args.out.display()
    );
    finish(&published.written, &published.warnings)
}

/// Redraws a folder's charts and report after checking that its parts
/// belong together: the manifest agrees with itself and with
/// `results.csv`, and where the folder keeps its run records, each proves
/// itself and the data files are exactly what they give.
fn cmd_plot(args: &PlotArgs) -> Result<i32, Error> {
    let dir = &args.dir;
    folder::check_path(dir, "DIR")?;
    if !dir.is_dir() {
        return Err(
            InputError::file(dir, "is not a folder; expected an edgesim output folder").into(),
        );
    }
    // A folder without the marker is adopted only once its manifest reads;
    // one with it is locked first, so that a folder in use says so.
    let unmarked = !dir.join(folder::MARKER).exists();
    let early = unmarked.then(|| study::read_manifest(dir)).transpose()?;
    let _folder = OutputFolder::claim(dir, "DIR", Claim::Existing)?;
    let head = match early {
        Some(head) => head,
        None => study::read_manifest(dir)?,
    };
    if head.shard.is_none()
        && let Some(records) = batch::records::listed_records(dir, &head)?
    {
        report::output::check_tables(&head.study, &records, dir)?;
    }
    let drawn = report::plot::redraw(dir)?;
    finish(&drawn.written, &drawn.warnings)
}

/// The plan as a tab-separated table.
pub fn run_table(exp: &Experiment, plan: &[RunPlan]) -> String {
    let mut out = String::from("run_index\tpoint\treplication\tseed");
    for p in &exp.sweep_paths {
        out.push('\t');
        out.push_str(p);
    }
    out.push('\n');
    for r in plan {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}",
            r.run_index, r.point, r.replication, r.seed
        ));
        for v in &exp.points[r.point].values {
            out.push('\t');
            out.push_str(v);
        }
        out.push('\n');
    }
    out
}

fn cmd_validate(args: &ValidateArgs) -> Result<i32, Error> {
    let threads = threads(args.threads)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("cannot start {threads} threads: {e}")))?;
    let checks = pool.install(|| crate::validate::all_checks(args.seed, args.only.as_deref()));
    print!("{}", crate::validate::format_table(&checks));
    let failed = checks.iter().filter(|c| !c.pass).count();
    println!(
        "{} checks, {} passed, {} failed",
        checks.len(),
        checks.len() - failed,
        failed
    );
    Ok(if failed == 0 { EXIT_OK } else { EXIT_FAILED })
}
