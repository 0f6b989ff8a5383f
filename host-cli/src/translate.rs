//! `retort translate`: one input per line in, predictions out (text, JSONL or CSV), in
//! chunks so that memory stays bounded and output streams on long files.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use retort_core::{ComputeType, Engine, Prediction, Request, Source, TokenizerKind, TranslateOptions, Translation};
use serde::Serialize;

use crate::error::{CliError, CliResult};
use crate::io_util::{is_stdin, open_output, write_error, Lines};
use crate::model::{LoadedModel, ModelSource};
use crate::options::DecodeArgs;
use crate::progress::Progress;
#[cfg(feature = "lambda")]
use crate::remote::{LambdaArgs, Remote};

/// Inputs read, translated and written at a time.
const CHUNK_LINES: usize = 1024;

/// The k reported by `--targets`, those not above n_best.
const TOP_KS: [usize; 5] = [1, 2, 3, 5, 10];

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// n_best 1: one prediction per line; n_best > 1: `input<TAB>rank<TAB>score<TAB>text`.
    Text,
    /// One JSON object per input line.
    Jsonl,
    /// `input,rank,score,prediction` with a header.
    Csv,
}

#[derive(Args, Debug)]
pub struct TranslateArgs {
    /// Model bundle (.retort, a file or s3://bucket/key); the built-in default model when omitted.
    #[arg(short = 'm', long = "model", value_name = "BUNDLE")]
    pub model: Option<PathBuf>,
    /// One source per line (a file or s3://bucket/key, read as it arrives); stdin when omitted
    /// or `-`. Empty lines are errors.
    #[arg(value_name = "INPUT_FILE")]
    pub input: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write predictions here instead of stdout: a file, or s3://bucket/key (uploaded as it is
    /// produced, multipart when large; nothing is left at the key if the run fails).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// One target per input line: prints top-k accuracy on stderr.
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// One space-tokenized target prefix per input line (an empty line: no prefix).
    #[arg(long, value_name = "FILE")]
    pub target_prefix: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Arithmetic of the linear layers: auto (as the bundle stores its weights), f32 or int8.
    #[arg(long, value_name = "TYPE", default_value = "auto")]
    pub compute_type: ComputeType,
    /// Draw the progress bar on stderr even when it is not a terminal.
    #[arg(long)]
    pub progress: bool,
    #[command(flatten)]
    pub decode: DecodeArgs,
    #[cfg(feature = "lambda")]
    #[command(flatten)]
    pub lambda: LambdaArgs,
}

/// Where the decoding happens: here, or on a Retort Lambda function.
// One per run: boxing the local model would only add an indirection.
#[allow(clippy::large_enum_variant)]
enum Backend {
    Local(LoadedModel),
    #[cfg(feature = "lambda")]
    Remote(Box<Remote>),
}

impl Backend {
    fn open(args: &TranslateArgs) -> CliResult<Backend> {
        #[cfg(feature = "lambda")]
        if let Some(function) = args.lambda.lambda.as_deref() {
            if args.model.is_some() {
                return Err(CliError::usage("--lambda decodes with the function's model: drop -m/--model"));
            }
            return Ok(Backend::Remote(Box::new(Remote::connect(&args.lambda, function)?)));
        }
        Ok(Backend::Local(ModelSource::from_arg(args.model.as_deref()).engine(args.compute_type)?))
    }

    fn defaults(&self) -> TranslateOptions {
        match self {
            Backend::Local(m) => m.engine.default_options(),
            #[cfg(feature = "lambda")]
            Backend::Remote(r) => r.defaults.clone(),
        }
    }

    fn tokenizer(&self) -> TokenizerKind {
        match self {
            Backend::Local(m) => m.engine.meta().tokenizer_kind,
            #[cfg(feature = "lambda")]
            Backend::Remote(r) => r.tokenizer,
        }
    }

    fn chunk_lines(&self, _args: &TranslateArgs) -> usize {
        match self {
            Backend::Local(_) => CHUNK_LINES,
            #[cfg(feature = "lambda")]
            Backend::Remote(_) => Remote::chunk_lines(&_args.lambda),
        }
    }

    /// Translates one chunk of input lines; errors name the file and line.
    fn translate(
        &self,
        name: &str,
        lines: &[(usize, String)],
        prefixes: Option<&[String]>,
        opts: &TranslateOptions,
        progress: &mut dyn FnMut(usize),
    ) -> CliResult<Vec<Translation>> {
        match self {
            Backend::Local(m) => translate_local(&m.engine, name, lines, prefixes, opts, progress),
            #[cfg(feature = "lambda")]
            Backend::Remote(r) => {
                let texts: Vec<String> = lines.iter().map(|(_, t)| t.clone()).collect();
                let out = r.translate(&texts, prefixes, opts).map_err(|e| match e {
                    retort_lambda_fanout::FanOutError::Input { index, problem } => {
                        input_error(name, lines, index, &problem)
                    }
                    other => CliError::failure(other.to_string()),
                })?;
                progress(lines.len());
                Ok(out)
            }
        }
    }
}

fn translate_local(
    engine: &Engine,
    name: &str,
    lines: &[(usize, String)],
    prefixes: Option<&[String]>,
    opts: &TranslateOptions,
    progress: &mut dyn FnMut(usize),
) -> CliResult<Vec<Translation>> {
    // The same request every host builds: the core tokenizes and checks each line.
    let request = Request {
        sources: lines.iter().map(|(_, text)| Source::Text(text.clone())).collect(),
        target_prefixes: prefixes.map(|p| p.iter().map(|t| Source::Text(t.clone())).collect()),
        options: opts.clone(),
    };
    engine.run(&request, &mut |d, _| progress(d)).map_err(|e| relabel(e, name, lines))
}

/// A thread count the machine can run: at least 1 and at most one per core (more only adds
/// switching, and an absurd count would ask the system for thousands of stacks).
pub fn check_thread_count(n: usize) -> CliResult<()> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    if n == 0 {
        return Err(CliError::usage("--threads must be at least 1"));
    }
    if n > cores {
        return Err(CliError::usage(format!("--threads {n} is more than this machine's {cores} cores")));
    }
    Ok(())
}

pub fn init_global_threads(threads: Option<usize>) -> CliResult<()> {
    if let Some(n) = threads {
        check_thread_count(n)?;
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| CliError::failure(format!("cannot start {n} worker threads: {e}")))?;
    }
    Ok(())
}

pub fn run(args: TranslateArgs) -> CliResult<()> {
    init_global_threads(args.threads)?;
    let backend = Backend::open(&args)?;
    let mut opts = backend.defaults();
    args.decode.apply(&mut opts);
    opts.validate()?;
    let kind = backend.tokenizer();
    let chunk_lines = backend.chunk_lines(&args);

    let input_path = args.input.as_deref().filter(|p| !is_stdin(Some(p)));
    // A file is checked whole first, so a bad line stops the run before any work.
    // (Only regular files: a pipe such as `<(...)` can be read once.)
    let total = input_path.filter(|p| is_regular_file(p)).map(prescan).transpose()?;
    if input_path.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprintln!("reading inputs from stdin, one per line (end with Ctrl-D)");
    }
    let mut inputs = Lines::open(input_path, "input")?;
    let mut prefixes = args.target_prefix.as_deref().map(|p| Lines::open(Some(p), "target prefix file")).transpose()?;
    let mut targets = args.targets.as_deref().map(|p| Lines::open(Some(p), "targets file")).transpose()?;
    if prefixes.is_some() && args.target_prefix.as_deref().is_some_and(|p| is_stdin(Some(p))) {
        return Err(CliError::usage("--target-prefix must be a file, not stdin"));
    }
    if targets.is_some() && args.targets.as_deref().is_some_and(|p| is_stdin(Some(p))) {
        return Err(CliError::usage("--targets must be a file, not stdin"));
    }

    if let Some(total) = total {
        for (path, what) in [(&args.target_prefix, "target prefix file"), (&args.targets, "targets file")] {
            if let Some(path) = path.as_deref().filter(|p| is_regular_file(p)) {
                let n = count_lines(path, what)?;
                if n != total {
                    return Err(CliError::usage(format!(
                        "{what} '{}' has {n} lines, the input has {total}: they must match line for line",
                        path.display()
                    )));
                }
            }
        }
    }
    let mut out = open_output(args.output.as_ref())?;
    if args.format == Format::Csv {
        writeln!(out, "input,rank,score,prediction").map_err(write_error)?;
    }
    let mut progress = Progress::new(args.progress, total);
    let ks: Vec<usize> = TOP_KS.iter().copied().filter(|&k| k <= opts.n_best).collect();
    let mut hits = vec![0usize; ks.len()];
    let mut done = 0usize;

    loop {
        let mut lines: Vec<(usize, String)> = Vec::new();
        let mut chunk_prefixes: Vec<String> = Vec::new();
        let mut chunk_targets: Vec<String> = Vec::new();
        while lines.len() < chunk_lines {
            let Some((line_no, text)) = inputs.next_line()? else {
                break;
            };
            if text.trim().is_empty() {
                return Err(empty_line(inputs.name(), line_no));
            }
            if let Some(p) = prefixes.as_mut() {
                chunk_prefixes.push(companion_line(p, line_no)?);
            }
            if let Some(t) = targets.as_mut() {
                chunk_targets.push(companion_line(t, line_no)?);
            }
            lines.push((line_no, text));
        }
        if lines.is_empty() {
            break;
        }
        let base = done;
        let translations = backend.translate(
            inputs.name(),
            &lines,
            prefixes.is_some().then_some(chunk_prefixes.as_slice()),
            &opts,
            &mut |d| progress.update(base + d),
        )?;
        for (i, ((line_no, text), t)) in lines.iter().zip(&translations).enumerate() {
            let target_rank = chunk_targets.get(i).map(|target| {
                let want = canonical(target, kind);
                t.predictions.iter().position(|p| canonical(&p.text, kind) == want).map(|r| r + 1)
            });
            if let Some(Some(rank)) = target_rank {
                for (h, &k) in hits.iter_mut().zip(&ks) {
                    if rank <= k {
                        *h += 1;
                    }
                }
            }
            write_translation(&mut out, args.format, opts.n_best, *line_no, text, t, target_rank)
                .map_err(write_error)?;
        }
        out.flush().map_err(write_error)?;
        done += lines.len();
    }
    progress.finish();
    for extra in [prefixes.as_mut(), targets.as_mut()].into_iter().flatten() {
        if extra.next_line()?.is_some() {
            return Err(CliError::usage(format!(
                "{} has more lines than the input ({done}): they must match line for line",
                extra.name()
            )));
        }
    }
    out.finish()?;
    if targets.is_some() {
        for (k, h) in ks.iter().zip(&hits) {
            let pct = if done > 0 { 100.0 * *h as f64 / done as f64 } else { 0.0 };
            eprintln!("top-{k}: {pct:.1}% ({h}/{done})");
        }
    }
    Ok(())
}

fn empty_line(name: &str, line_no: usize) -> CliError {
    CliError::usage(format!(
        "{name} line {line_no}: empty input (every line must hold one source; empty lines are not skipped)"
    ))
}

/// The line of a companion file (targets, prefixes) that goes with input line `line_no`.
fn companion_line(lines: &mut Lines, line_no: usize) -> CliResult<String> {
    match lines.next_line()? {
        Some((_, text)) => Ok(text),
        None => Err(CliError::usage(format!(
            "{} has fewer lines ({}) than the input (line {line_no} has none)",
            lines.name(),
            lines.count()
        ))),
    }
}

/// The core numbers inputs within a batch from 0; users know line numbers.
fn relabel(e: retort_core::Error, name: &str, lines: &[(usize, String)]) -> CliError {
    match e {
        retort_core::Error::InvalidInput { index, problem } => input_error(name, lines, index, &problem),
        other => CliError::from(other),
    }
}

/// A problem with input `index` of a chunk, told by its line number.
fn input_error(name: &str, lines: &[(usize, String)], index: usize, problem: &str) -> CliError {
    match lines.get(index) {
        Some((line_no, _)) => CliError::usage(format!("{name} line {line_no}: {problem}")),
        None => CliError::usage(format!("input {index}: {problem}")),
    }
}

/// Counts a file's lines and refuses empty or non-UTF-8 ones before any work.
fn prescan(path: &Path) -> CliResult<usize> {
    let name = format!("input '{}'", path.display());
    let f = std::fs::File::open(path).map_err(|e| CliError::io("input", path, e))?;
    let mut reader = BufReader::new(f);
    let mut buf = Vec::new();
    let mut n = 0usize;
    loop {
        buf.clear();
        let read =
            reader.read_until(b'\n', &mut buf).map_err(|e| CliError::failure(format!("cannot read {name}: {e}")))?;
        if read == 0 {
            return Ok(n);
        }
        n += 1;
        let text =
            std::str::from_utf8(&buf).map_err(|_| CliError::usage(format!("{name} line {n}: not valid UTF-8")))?;
        if text.trim().is_empty() {
            return Err(empty_line(&name, n));
        }
    }
}

fn is_regular_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

fn count_lines(path: &Path, what: &str) -> CliResult<usize> {
    let mut lines = Lines::open(Some(path), what)?;
    while lines.next_line()?.is_some() {}
    Ok(lines.count())
}

/// Text as compared by `--targets`: SMILES and character models compare without spaces (so a
/// space-tokenized target matches), space-tokenized models with single spaces.
pub fn canonical(text: &str, kind: TokenizerKind) -> String {
    match kind {
        TokenizerKind::Smiles | TokenizerKind::Char | TokenizerKind::ReinventSmiles => {
            text.split_whitespace().collect()
        }
        TokenizerKind::Space => text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

#[derive(Serialize)]
struct JsonLine<'a> {
    /// 1-based input line number.
    line: usize,
    source: &'a str,
    /// The source as the model saw it; attention columns follow the model's source (plus
    /// BOS/EOS where the model adds them).
    source_tokens: &'a [String],
    /// Source tokens the vocabulary lacks (the model saw the unknown token).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unknown_source_tokens: &'a [String],
    predictions: &'a [Prediction],
    /// With `--targets`: rank (1-based) of the target among the predictions, null if absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    target_rank: Option<Option<usize>>,
}

fn write_translation(
    out: &mut dyn Write,
    format: Format,
    n_best: usize,
    line_no: usize,
    source: &str,
    t: &Translation,
    target_rank: Option<Option<usize>>,
) -> std::io::Result<()> {
    match format {
        Format::Text if n_best == 1 => {
            writeln!(out, "{}", t.predictions.first().map(|p| p.text.as_str()).unwrap_or(""))
        }
        Format::Text => {
            for (rank, p) in t.predictions.iter().enumerate() {
                writeln!(out, "{line_no}\t{}\t{:.6}\t{}", rank + 1, p.score, p.text)?;
            }
            Ok(())
        }
        Format::Jsonl => {
            let line = JsonLine {
                line: line_no,
                source,
                source_tokens: &t.source_tokens,
                unknown_source_tokens: &t.unknown_source_tokens,
                predictions: &t.predictions,
                target_rank,
            };
            serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
            writeln!(out)
        }
        Format::Csv => {
            for (rank, p) in t.predictions.iter().enumerate() {
                writeln!(out, "{line_no},{},{:.6},{}", rank + 1, p.score, csv_field(&p.text))?;
            }
            Ok(())
        }
    }
}

/// RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
