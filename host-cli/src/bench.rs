//! `retort bench`: throughput per (beam size, threads) pair, model load time, memory, and
//! optionally cold start (process start to first answer). `--json` prints one object whose
//! layout is documented in host-cli/README.md (schema "retort-bench/1").

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Args;
use retort_core::{ComputeType, Engine, Request, Source, TokenInput, TranslateOptions};
use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::inspect::human_bytes;
use crate::io_util::Lines;
use crate::model::ModelSource;

/// Inputs used with the built-in model when no `--input` is given (the seed's reactions).
static SAMPLE_INPUTS: &str = include_str!("../assets/bench-inputs.txt");

pub const SCHEMA: &str = "retort-bench/1";

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Model bundle (.retort, a file or s3://bucket/key); the built-in default model when omitted.
    #[arg(short = 'm', long = "model", value_name = "BUNDLE")]
    pub model: Option<PathBuf>,
    /// One source per line; built-in sample SMILES when omitted (only with the built-in model).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Use only the first N inputs.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Beam sizes to measure, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "5,1")]
    pub beam_size: Vec<usize>,
    /// Arithmetic of the linear layers: auto (as the bundle stores its weights), f32 or int8.
    #[arg(long, value_name = "TYPE", default_value = "auto")]
    pub compute_type: ComputeType,
    /// Thread counts to measure, comma-separated (default: 1 and the number of cores).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub threads: Vec<usize>,
    /// Inputs decoded together (default: the model's).
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
    /// Maximum generated tokens (default: the model's).
    #[arg(long, value_name = "N")]
    pub max_length: Option<usize>,
    /// Timed runs per setting; the median is reported.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub repeat: usize,
    /// Skip the untimed warm-up batch before each setting.
    #[arg(long)]
    pub no_warmup: bool,
    /// Also time process start to first answer: runs `retort translate` on one input in
    /// fresh processes, with the first beam size and thread count.
    #[arg(long)]
    pub cold_start: bool,
    /// Fresh processes for --cold-start.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub cold_start_runs: usize,
    /// Machine-readable output (schema "retort-bench/1").
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report {
    schema: &'static str,
    retort_version: &'static str,
    model: ModelReport,
    input: InputReport,
    settings: Settings,
    runs: Vec<RunReport>,
    rss_after_load_bytes: Option<u64>,
    peak_rss_bytes: Option<u64>,
    cold_start: Option<ColdStart>,
}

#[derive(Serialize)]
struct ModelReport {
    source: String,
    name: String,
    parameters: usize,
    file_bytes: usize,
    load_s: f64,
    compute_type: ComputeType,
}

#[derive(Serialize)]
struct InputReport {
    source: String,
    sentences: usize,
    source_tokens: usize,
}

#[derive(Serialize)]
struct Settings {
    batch_size: usize,
    max_length: usize,
    n_best: usize,
    repeat: usize,
    warmup: bool,
}

#[derive(Serialize)]
struct RunReport {
    beam_size: usize,
    threads: usize,
    /// Median wall time of one pass over all inputs.
    wall_s: f64,
    wall_s_min: f64,
    wall_s_all: Vec<f64>,
    sentences_per_s: f64,
    /// Tokens of the best predictions (end token not counted) per second.
    tokens_per_s: f64,
    generated_tokens: usize,
}

#[derive(Serialize)]
struct ColdStart {
    beam_size: usize,
    threads: usize,
    runs: usize,
    first_answer_s_min: f64,
    first_answer_s_median: f64,
    first_answer_s_all: Vec<f64>,
}

pub fn run(args: BenchArgs) -> CliResult<()> {
    if args.repeat == 0 {
        return Err(CliError::usage("--repeat must be at least 1"));
    }
    if args.beam_size.is_empty() || args.beam_size.contains(&0) {
        return Err(CliError::usage("--beam-size needs beam sizes of at least 1"));
    }
    let threads: Vec<usize> = if args.threads.is_empty() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores > 1 {
            vec![1, cores]
        } else {
            vec![1]
        }
    } else {
        args.threads.clone()
    };
    for &n in &threads {
        crate::translate::check_thread_count(n)?;
    }
    if args.cold_start && args.cold_start_runs == 0 {
        return Err(CliError::usage("--cold-start-runs must be at least 1"));
    }

    let source = ModelSource::from_arg(args.model.as_deref());
    let loaded = source.engine(args.compute_type)?;
    let rss_after_load = proc_status_bytes("VmRSS");
    let engine = &loaded.engine;

    let (input_name, texts) = read_inputs(&args, &source)?;
    // Tokenized once, as every host does, outside the timed passes.
    let request = Request {
        sources: texts.iter().cloned().map(Source::Text).collect(),
        target_prefixes: None,
        options: engine.default_options(),
    };
    let inputs = engine.prepare(&request).map_err(|e| match e {
        retort_core::Error::InvalidInput { index, problem } => {
            CliError::usage(format!("input line {}: {problem}", index + 1))
        }
        other => CliError::from(other),
    })?;
    let source_tokens = inputs.iter().map(|i| i.source.len()).sum();

    let mut base = engine.default_options();
    base.n_best = 1;
    base.return_attention = false;
    base.sampling = false;
    if let Some(b) = args.batch_size {
        base.batch_size = b;
    }
    if let Some(m) = args.max_length {
        base.max_length = m;
        base.min_length = base.min_length.min(m);
    }
    for &beam in &args.beam_size {
        TranslateOptions { beam_size: beam, ..base.clone() }.validate()?;
    }

    let mut runs = Vec::new();
    for &beam in &args.beam_size {
        for &n in &threads {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| CliError::failure(format!("cannot start {n} worker threads: {e}")))?;
            let opts = TranslateOptions { beam_size: beam, ..base.clone() };
            let run = pool.install(|| measure(engine, &inputs, &opts, args.repeat, !args.no_warmup))?;
            if !args.json {
                eprintln!("beam {beam}, {n} thread(s): {:.1} sentences/s", run.sentences_per_s);
            }
            runs.push(RunReport { beam_size: beam, threads: n, ..run });
        }
    }

    let cold_start =
        if args.cold_start { Some(cold_start(&args, &texts[0], args.beam_size[0], threads[0])?) } else { None };

    let report = Report {
        schema: SCHEMA,
        retort_version: env!("CARGO_PKG_VERSION"),
        model: ModelReport {
            source: source.describe(),
            name: engine.meta().name.clone(),
            parameters: loaded.parameters,
            file_bytes: loaded.file_bytes,
            load_s: loaded.load_time.as_secs_f64(),
            compute_type: engine.compute_type(),
        },
        input: InputReport { source: input_name, sentences: inputs.len(), source_tokens },
        settings: Settings {
            batch_size: base.batch_size,
            max_length: base.max_length,
            n_best: 1,
            repeat: args.repeat,
            warmup: !args.no_warmup,
        },
        runs,
        rss_after_load_bytes: rss_after_load,
        peak_rss_bytes: proc_status_bytes("VmHWM"),
        cold_start,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

fn read_inputs(args: &BenchArgs, source: &ModelSource) -> CliResult<(String, Vec<String>)> {
    let (name, mut texts) = match (&args.input, source) {
        (Some(path), _) => {
            let mut lines = Lines::open(Some(path), "input")?;
            let mut texts = Vec::new();
            while let Some((n, line)) = lines.next_line()? {
                if line.trim().is_empty() {
                    return Err(CliError::usage(format!("{} line {n}: empty input", lines.name())));
                }
                texts.push(line);
                if args.limit.is_some_and(|l| texts.len() >= l) {
                    break;
                }
            }
            (path.display().to_string(), texts)
        }
        (None, ModelSource::BuiltIn) => (
            "<built-in sample inputs>".to_string(),
            SAMPLE_INPUTS.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect(),
        ),
        (None, ModelSource::File(_)) => {
            return Err(CliError::usage(
                "--input FILE is needed with -m (sample inputs exist only for the built-in model)",
            ))
        }
    };
    if let Some(l) = args.limit {
        texts.truncate(l);
    }
    if texts.is_empty() {
        return Err(CliError::usage("no inputs to benchmark"));
    }
    Ok((name, texts))
}

fn measure(
    engine: &Engine,
    inputs: &[TokenInput],
    opts: &TranslateOptions,
    repeat: usize,
    warmup: bool,
) -> CliResult<RunReport> {
    if warmup {
        let n = opts.batch_size.min(inputs.len());
        engine.translate_tokens(&inputs[..n], opts, &mut |_, _| {})?;
    }
    let mut walls = Vec::with_capacity(repeat);
    let mut generated = 0;
    for _ in 0..repeat {
        let start = Instant::now();
        let out = engine.translate_tokens(inputs, opts, &mut |_, _| {})?;
        walls.push(start.elapsed().as_secs_f64());
        generated = out.iter().map(|t| t.predictions.first().map_or(0, |p| p.tokens.len())).sum();
    }
    let wall = median(&walls);
    let per_s = |x: usize| if wall > 0.0 { x as f64 / wall } else { 0.0 };
    Ok(RunReport {
        beam_size: opts.beam_size,
        threads: rayon::current_num_threads(),
        wall_s: wall,
        wall_s_min: walls.iter().copied().fold(f64::INFINITY, f64::min),
        sentences_per_s: per_s(inputs.len()),
        tokens_per_s: per_s(generated),
        generated_tokens: generated,
        wall_s_all: walls,
    })
}

/// Spawns `retort translate` on one input, timing spawn to exit (the answer is complete then).
fn cold_start(args: &BenchArgs, input: &str, beam: usize, threads: usize) -> CliResult<ColdStart> {
    let exe = std::env::current_exe().map_err(|e| CliError::failure(format!("cannot find this program: {e}")))?;
    let mut times = Vec::with_capacity(args.cold_start_runs);
    for _ in 0..args.cold_start_runs {
        let mut cmd = Command::new(&exe);
        cmd.arg("translate");
        if let Some(m) = &args.model {
            cmd.arg("-m").arg(m);
        }
        cmd.arg("--compute-type").arg(args.compute_type.as_str());
        cmd.arg("--beam-size").arg(beam.to_string()).arg("--n-best=1").arg("--threads").arg(threads.to_string());
        if let Some(m) = args.max_length {
            cmd.arg("--max-length").arg(m.to_string());
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = cmd.spawn().map_err(|e| CliError::failure(format!("cannot start {}: {e}", exe.display())))?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            writeln!(stdin, "{input}").map_err(|e| CliError::failure(format!("cold start: cannot send input: {e}")))?;
        }
        let out = child.wait_with_output().map_err(|e| CliError::failure(format!("cold start: {e}")))?;
        let elapsed = start.elapsed().as_secs_f64();
        if !out.status.success() || out.stdout.is_empty() {
            return Err(CliError::failure(format!(
                "cold start: `retort translate` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        times.push(elapsed);
    }
    Ok(ColdStart {
        beam_size: beam,
        threads,
        runs: times.len(),
        first_answer_s_min: times.iter().copied().fold(f64::INFINITY, f64::min),
        first_answer_s_median: median(&times),
        first_answer_s_all: times,
    })
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// A `kB` field of /proc/self/status in bytes (Linux); `None` elsewhere.
fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    let kb: u64 = line[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

fn print_text(r: &Report) {
    let mem = |x: Option<u64>| x.map_or("n/a".to_string(), |b| human_bytes(b as usize));
    println!("model:      {} ({})", r.model.source, if r.model.name.is_empty() { "unnamed" } else { &r.model.name });
    println!(
        "            {} parameters, {} file, loaded in {:.3} s, {} compute",
        r.model.parameters,
        human_bytes(r.model.file_bytes),
        r.model.load_s,
        r.model.compute_type
    );
    println!(
        "input:      {} ({} sentences, {} source tokens)",
        r.input.source, r.input.sentences, r.input.source_tokens
    );
    println!(
        "settings:   batch size {}, max length {}, n_best 1, {} timed run(s){}",
        r.settings.batch_size,
        r.settings.max_length,
        r.settings.repeat,
        if r.settings.warmup { " after a warm-up batch" } else { "" }
    );
    println!("{:>5} {:>8} {:>12} {:>12} {:>10}", "beam", "threads", "sentences/s", "tokens/s", "wall (s)");
    for run in &r.runs {
        println!(
            "{:>5} {:>8} {:>12.2} {:>12.1} {:>10.3}",
            run.beam_size, run.threads, run.sentences_per_s, run.tokens_per_s, run.wall_s
        );
    }
    println!("memory:     {} after load, {} peak", mem(r.rss_after_load_bytes), mem(r.peak_rss_bytes));
    if let Some(c) = &r.cold_start {
        println!(
            "cold start: {:.3} s median, {:.3} s min, process start to first answer (beam {}, {} thread(s), {} runs)",
            c.first_answer_s_median, c.first_answer_s_min, c.beam_size, c.threads, c.runs
        );
    }
}
