//! `edgesim replay`: the command-line arguments of single-cache trace replay
//! and the function that runs them.

use std::path::{Path, PathBuf};

use crate::batch::folder::{Claim, OutputFolder, check_path};
use crate::cache::PolicyKind;
use crate::error::{Error, InputError};
use crate::replay::mrc::{DEFAULT_POINTS, MrcSpec, SampleRate, mrc};
use crate::replay::{CacheSize, ReplaySpec, Warmup, output, replay};
use crate::workload::trace::TraceFormat;
use crate::workload::trace::options::TraceOptions;

/// Replay a request trace through one cache per (policy, size) and report
/// miss ratios the way libCacheSim counts them.
#[derive(clap::Args, Debug, Clone)]
pub struct ReplayArgs {
    /// The trace: .csv, .tsv, .txt, .tr (webcachesim), .oracleGeneral; .gz or .zst compressed too.
    pub trace: PathBuf,
    /// Trace format when the file name does not say: csv, tsv, txt, oracleGeneral, wiki2019, webcachesim.
    #[arg(long)]
    pub format: Option<String>,
    /// Replacement policies: lru, fifo, lfu, sieve, clock, s3fifo (comma-separated or repeated;
    /// default lru). With --model cdn: the cache servers' policy (several: a sweep).
    #[arg(long = "policy", value_delimiter = ',')]
    pub policies: Vec<String>,
    /// Cache sizes: objects or bytes ("50000"), bytes with a unit ("10GiB"), or a share of the
    /// trace's footprint ("5%"); comma-separated or repeated. With --model cdn: each cache
    /// server's capacity (several: a sweep). Optional with --mrc.
    #[arg(long = "cache-size", value_delimiter = ',')]
    pub cache_sizes: Vec<String>,
    /// Object mode: every object has size 1 and cache sizes count objects.
    #[arg(long)]
    pub ignore_size: bool,
    /// Requests that warm the caches before counting starts: a count ("100000") or a fraction
    /// ("0.2", "20%"). With --model cdn: simulated time ("5min") or a share of the duration ("20%").
    #[arg(long)]
    pub warmup: Option<String>,
    /// Read only the trace's first N requests (libCacheSim --num-req); the warm-up and every
    /// share of the footprint are of those. Not with --model cdn (give --duration there).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
    /// Print one JSON object per (policy, size) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Count and skip malformed lines instead of stopping at the first one.
    #[arg(long)]
    pub skip_bad: bool,
    /// Results go to OUTPUT_DIR/NAME/ (default NAME: replay-<trace file
    /// name without its extensions>).
    #[arg(long)]
    pub name: Option<String>,
    /// Results go to this folder, as with `run --out` (instead of
    /// --output-dir and --name).
    #[arg(long, conflicts_with_all = ["name", "output_dir"])]
    pub out: Option<PathBuf>,
    /// Where result folders are made.
    #[arg(long, default_value = "output")]
    pub output_dir: PathBuf,
    /// Write into a folder that holds other files and is not an edgesim
    /// output folder (edgesim then replaces only its own files).
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: the number of cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Text traces: the time column, 1-based or by header name ("none": no time).
    #[arg(long)]
    pub time_col: Option<String>,
    /// Text traces: the object id column, 1-based or by header name.
    #[arg(long)]
    pub id_col: Option<String>,
    /// Text traces: the size column, 1-based or by header name ("none": every object has size 1).
    #[arg(long)]
    pub size_col: Option<String>,
    /// Text traces: field delimiter: a character, "tab", "space" (runs of blanks) or "auto".
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Text traces: whether the first line is a header: yes, no, auto.
    #[arg(long)]
    pub header: Option<String>,
    /// Text traces: how ids are read: auto, numeric (decimal, 0x hex, 0-octal), signed, hash.
    #[arg(long)]
    pub id_kind: Option<String>,
    /// Unit of the trace's timestamps: s, ms, us, ns (default s).
    #[arg(long)]
    pub time_unit: Option<String>,
    /// Text traces, with --model cdn: the client's region column (world region names or
    /// their slugs), 1-based or by header name.
    #[arg(long)]
    pub region_col: Option<String>,
    /// Text traces, with --model cdn: a client id column (picks the client's prefix, and
    /// its region when there is no region column).
    #[arg(long)]
    pub client_col: Option<String>,
    /// cache (default): one cache per (policy, size), libCacheSim's counting. cdn: the trace
    /// drives the whole CDN model (routing, PoPs, shield, origin, links), with every CDN metric.
    #[arg(long, default_value = "cache")]
    pub model: String,
    /// With --model cdn: the CDN experiment to replay through (default: the [cdn] defaults on
    /// the shipped world, for as long as the trace lasts).
    #[arg(long, value_name = "FILE")]
    pub experiment: Option<PathBuf>,
    /// With --model cdn: override a key of the experiment (repeatable), as for `edgesim run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// With --model cdn: simulated time (default: the trace's span plus one second).
    #[arg(long)]
    pub duration: Option<String>,
    /// With --model cdn and no region or client column: hash each request (request, the
    /// default) or each object (object) to a client region by population.
    #[arg(long)]
    pub hash_by: Option<String>,
    /// With --model cdn: the trace time of simulated time zero: first (the first request's) or
    /// zero.
    #[arg(long)]
    pub time_origin: Option<String>,
    /// With --model cdn: requests sharing a timestamp are spread evenly over this interval:
    /// auto (one time unit when every stamp is whole), none, or a duration.
    #[arg(long)]
    pub spread: Option<String>,
    /// With --model cdn: replay speed (2 plays the trace in half the time).
    #[arg(long)]
    pub speed: Option<f64>,
    /// Miss-ratio curves in one pass instead of one cache per size: the exact LRU curve
    /// (stack distances) and, with --sample, SHARDS estimates for every --policy. --cache-size
    /// is optional (default: --mrc-points sizes evenly spaced up to the footprint).
    #[arg(long)]
    pub mrc: bool,
    /// With --mrc: SHARDS sampling rate of object ids ("1%", "0.01"): LRU from sampled stack
    /// distances, other policies from caches scaled down by the rate. Without --exact, the
    /// exact LRU curve is not computed.
    #[arg(long, value_name = "RATE")]
    pub sample: Option<String>,
    /// With --mrc --sample: also compute the exact LRU curve, and the sampled curve's error.
    #[arg(long)]
    pub exact: bool,
    /// With --mrc and no --cache-size: the number of sizes, evenly spaced up to the footprint
    /// (default 100).
    #[arg(long, value_name = "N")]
    pub mrc_points: Option<usize>,
}

fn arg_error(key: &str, message: impl Into<String>) -> Error {
    InputError::new("command line", message)
        .with_key(key)
        .into()
}

/// The trace-reading flags, as options shared with `[cdn.workload]`.
pub fn trace_options(args: &ReplayArgs) -> TraceOptions {
    TraceOptions {
        format: args.format.clone(),
        time_unit: args.time_unit.clone(),
        time_col: args.time_col.clone(),
        id_col: args.id_col.clone(),
        size_col: args.size_col.clone(),
        region_col: args.region_col.clone(),
        client_col: args.client_col.clone(),
        delimiter: args.delimiter.clone(),
        header: args.header.clone(),
        id_kind: args.id_kind.clone(),
    }
}

/// The flag an option key is given by: `time_col` is `--time-col`.
pub fn flag(key: &str) -> String {
    format!("--{}", key.replace('_', "-"))
}

/// The trace format from `--format` or the file name, with column overrides applied.
pub fn trace_format(args: &ReplayArgs) -> Result<TraceFormat, Error> {
    trace_options(args).format(&args.trace).map_err(|e| {
        if e.key == "format" && args.format.is_none() {
            InputError::file(&args.trace, format!("{}; give --format", e.message)).into()
        } else {
            arg_error(&flag(e.key), e.message)
        }
    })
}

/// `--max-requests`, checked.
fn max_requests(args: &ReplayArgs) -> Result<Option<u64>, Error> {
    match args.max_requests {
        Some(0) => Err(arg_error(
            "--max-requests",
            "expected at least 1 request; leave --max-requests out to read the whole trace",
        )),
        n => Ok(n),
    }
}

/// The policies (lru when none is given, each once), cache sizes and
/// warm-up both kinds of replay read.
fn common_spec(args: &ReplayArgs) -> Result<(Vec<PolicyKind>, Vec<CacheSize>, Warmup), Error> {
    let mut policies = Vec::new();
    let given = if args.policies.is_empty() {
        vec!["lru".to_string()]
    } else {
        args.policies.clone()
    };
    for p in &given {
        let kind: PolicyKind = p.parse().map_err(|m: String| arg_error("--policy", m))?;
        if !policies.contains(&kind) {
            policies.push(kind);
        }
    }
    let sizes = args
        .cache_sizes
        .iter()
        .map(|s| CacheSize::parse(s).map_err(|m| arg_error("--cache-size", m)))
        .collect::<Result<Vec<_>, _>>()?;
    let warmup = Warmup::parse(args.warmup.as_deref().unwrap_or("0"))
        .map_err(|m| arg_error("--warmup", m))?;
    Ok((policies, sizes, warmup))
}

/// The replay spec the arguments describe.
pub fn replay_spec(args: &ReplayArgs) -> Result<ReplaySpec, Error> {
    if args.cache_sizes.is_empty() {
        return Err(arg_error(
            "--cache-size",
            "give at least one cache size: a count (\"5000\"), bytes (\"10GiB\") or a share of the footprint (\"5%\")",
        ));
    }
    let (policies, sizes, warmup) = common_spec(args)?;
    Ok(ReplaySpec {
        policies,
        sizes,
        ignore_size: args.ignore_size,
        warmup,
        max_requests: max_requests(args)?,
    })
}

/// The one-pass curves the arguments describe (`--mrc`).
pub fn mrc_spec(args: &ReplayArgs) -> Result<MrcSpec, Error> {
    let (policies, sizes, warmup) = common_spec(args)?;
    let sample = args
        .sample
        .as_deref()
        .map(|s| SampleRate::parse(s).map_err(|m| arg_error("--sample", m)))
        .transpose()?;
    if args.exact && sample.is_none() {
        return Err(arg_error(
            "--exact",
            "--exact adds the exact LRU curve to sampled ones; give --sample RATE (without --sample the curve is exact anyway)",
        ));
    }
    let points = match args.mrc_points {
        Some(n) if !sizes.is_empty() => {
            return Err(arg_error(
                "--mrc-points",
                format!(
                    "--mrc-points {n} spaces the default sizes; it cannot go with --cache-size"
                ),
            ));
        }
        Some(n) if n == 0 || n > MRC_POINTS_MAX => {
            return Err(arg_error(
                "--mrc-points",
                format!("expected 1 to {MRC_POINTS_MAX} points, found {n}"),
            ));
        }
        Some(n) => n,
        None => DEFAULT_POINTS,
    };
    Ok(MrcSpec {
        policies,
        sizes,
        points,
        ignore_size: args.ignore_size,
        warmup,
        exact: sample.is_none() || args.exact,
        sample,
        max_requests: max_requests(args)?,
    })
}

/// Sizes of one default curve, at most: a bound on the rows and the caches.
const MRC_POINTS_MAX: usize = 100_000;

/// Flags that only a one-pass run (`--mrc`) reads.
fn refuse_mrc_only_flags(args: &ReplayArgs) -> Result<(), Error> {
    let mrc_only = [
        ("--sample", args.sample.is_some()),
        ("--exact", args.exact),
        ("--mrc-points", args.mrc_points.is_some()),
    ];
    match mrc_only.iter().find(|(_, given)| *given) {
        Some((name, _)) => Err(arg_error(
            name,
            format!("{name} applies to one-pass miss-ratio curves; add --mrc"),
        )),
        None => Ok(()),
    }
}

/// The output folder's name: `--name`, else the trace's file name
/// without its extensions (`replay-mytrace` for `mytrace.csv.zst`).
fn output_name(args: &ReplayArgs) -> String {
    args.name
        .clone()
        .unwrap_or_else(|| format!("replay-{}", trace_stem(Path::new(&args.trace))))
}

/// A trace file's name up to its first dot (the whole name when it starts
/// with one); "trace" when the path has no file name.
pub fn trace_stem(trace: &Path) -> String {
    let name = trace
        .file_name()
        .map_or_else(|| "trace".to_string(), |n| n.to_string_lossy().to_string());
    match name.split_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name,
    }
}

/// `--output-dir`/`name`, checked: `name` is one plain folder name, so the
/// results stay inside `--output-dir`, and neither path is in the way.
/// Nothing is created.
pub fn output_folder(args: &ReplayArgs, name: &str) -> Result<PathBuf, Error> {
    if let Some(out) = &args.out {
        check_path(out, "--out")?;
        return Ok(out.clone());
    }
    let mut parts = Path::new(name).components();
    let plain = matches!(
        (parts.next(), parts.next()),
        (Some(std::path::Component::Normal(part)), None) if part == name
    );
    if !plain || name.contains(['/', '\\']) {
        return Err(arg_error(
            "--name",
            format!(
                "\"{name}\" is not a plain folder name; the results go to {}/NAME, so NAME must be one name without / or \\, and not empty, \".\" or \"..\"",
                args.output_dir.display()
            ),
        ));
    }
    check_path(&args.output_dir, "--output-dir")?;
    let dir = args.output_dir.join(name);
    check_path(&dir, "--name")?;
    Ok(dir)
}

/// Takes the output folder once the results are known.
pub fn claim(args: &ReplayArgs, dir: &Path) -> Result<OutputFolder, Error> {
    let flag = if args.out.is_some() {
        "--out"
    } else {
        "--name"
    };
    OutputFolder::claim(dir, flag, Claim::Write { force: args.force })
}

/// Flags that only the full-model replay reads.
fn refuse_model_only_flags(args: &ReplayArgs) -> Result<(), Error> {
    let model_only = [
        ("--experiment", args.experiment.is_some()),
        ("--set", !args.sets.is_empty()),
        ("--duration", args.duration.is_some()),
        ("--hash-by", args.hash_by.is_some()),
        ("--time-origin", args.time_origin.is_some()),
        ("--spread", args.spread.is_some()),
        ("--speed", args.speed.is_some()),
        ("--region-col", args.region_col.is_some()),
        ("--client-col", args.client_col.is_some()),
    ];
    match model_only.iter().find(|(_, given)| *given) {
        Some((name, _)) => Err(arg_error(
            name,
            format!("{name} applies to the full-model replay; add --model cdn"),
        )),
        None => Ok(()),
    }
}

/// Runs `edgesim replay`.
pub fn run(args: &ReplayArgs) -> Result<(), Error> {
    if args.mrc && args.model != "cache" {
        return Err(arg_error(
            "--mrc",
            "--mrc computes single-cache curves; it applies to --model cache (the default)",
        ));
    }
    if !args.mrc {
        refuse_mrc_only_flags(args)?;
    }
    match args.model.as_str() {
        "cache" => {}
        "cdn" => return super::replay_cdn::run(args),
        other => {
            return Err(arg_error(
                "--model",
                format!(
                    "unknown model \"{other}\"; expected cache (one cache per policy and size) or cdn (the whole CDN model)"
                ),
            ));
        }
    }
    refuse_model_only_flags(args)?;
    let dir = output_folder(args, &output_name(args))?;
    let format = trace_format(args)?;
    if args.mrc {
        return run_mrc(args, &format, &dir);
    }
    let spec = replay_spec(args)?;
    let outcome = on_threads(args.threads, || {
        replay(&args.trace, &format, args.skip_bad, &spec)
    })?;
    if args.json {
        print!("{}", output::json_lines(&outcome, spec.ignore_size));
    } else {
        print!("{}", output::table(&outcome, &args.trace, spec.ignore_size));
    }
    report_skipped(&outcome.read.stats);
    let _folder = claim(args, &dir)?;
    let path = output::write_curve(&dir, &outcome, spec.ignore_size)?;
    eprintln!("miss-ratio curve written to {}", path.display());
    for chart in crate::replay::chart::write_charts(&dir, &outcome, &args.trace, spec.ignore_size)?
    {
        eprintln!("chart written to {}", chart.display());
    }
    Ok(())
}

/// `edgesim replay --mrc`: the curves in one pass.
fn run_mrc(args: &ReplayArgs, format: &TraceFormat, dir: &Path) -> Result<(), Error> {
    let spec = mrc_spec(args)?;
    let outcome = on_threads(args.threads, || {
        mrc(&args.trace, format, args.skip_bad, &spec)
    })?;
    if args.json {
        print!("{}", output::mrc_json_lines(&outcome, spec.ignore_size));
    } else {
        print!(
            "{}",
            output::mrc_table(&outcome, &args.trace, spec.ignore_size)
        );
    }
    report_skipped(&outcome.read.stats);
    let _folder = claim(args, dir)?;
    let path = output::write_mrc_curve(dir, &outcome, spec.ignore_size)?;
    eprintln!("miss-ratio curves written to {}", path.display());
    let charts =
        crate::replay::chart::write_mrc_charts(dir, &outcome, &args.trace, spec.ignore_size)?;
    for chart in charts {
        eprintln!("chart written to {}", chart.display());
    }
    Ok(())
}

/// Runs `work` on `threads` worker threads (default: the global pool).
fn on_threads<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> Result<T, Error> + Send,
) -> Result<T, Error> {
    match threads {
        None => work(),
        Some(n) if n == 0 || n > 4096 => Err(arg_error("--threads", "expected 1 to 4096 threads")),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::Run(format!("cannot start {n} threads: {e}")))?
            .install(work),
    }
}

/// The malformed lines `--skip-bad` skipped, on stderr.
pub fn report_bad_skipped(stats: &crate::workload::trace::ReadStats) {
    if stats.bad_skipped > 0 {
        eprintln!(
            "skipped {} malformed lines (--skip-bad); the first: {}",
            stats.bad_skipped,
            stats.first_bad.as_deref().unwrap_or("?")
        );
    }
}

/// What the reader skipped or dropped, on stderr.
fn report_skipped(stats: &crate::workload::trace::ReadStats) {
    report_bad_skipped(stats);
    if stats.zero_size_dropped > 0 {
        eprintln!(
            "dropped {} requests of size 0 (as libCacheSim does)",
            stats.zero_size_dropped
        );
    }
}
