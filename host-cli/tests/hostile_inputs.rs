//! The hostile-input table (issue #13): files and command lines an attacker or a careless user
//! hands the real `retort` binary — bad text, bad options, broken or hand-edited bundles,
//! booby-trapped checkpoints. Each case runs under an address-space ceiling (`prlimit --as`)
//! and a wall-clock limit, and must end with the exact exit code and a message naming the
//! problem: a panic, an abort, a blown ceiling or a hang is a failure. Run with
//! `cargo test --release -p retort-cli --test hostile_inputs -- --nocapture` to print the
//! table (case → outcome).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use retort_core::bundle::{Bundle, StorageType};
use retort_core::testing::unvalidated_bundle_bytes;

#[path = "../../model-import/tests/pickle_bytes/mod.rs"]
mod pickle_bytes;
use pickle_bytes::{legacy_file, shared_tuple, tensor, text};

const EXE: &str = env!("CARGO_BIN_EXE_retort");
/// Address space each case may map: the toy model needs ~100 MB; a blow-up needs far more.
const CEILING_BYTES: u64 = 768 << 20;
const TIME_LIMIT: Duration = Duration::from_secs(30);
const USAGE: i32 = 2;
const FAILURE: i32 = 1;

struct Case {
    name: &'static str,
    /// `{dir}` stands for the case's scratch directory.
    args: Vec<String>,
    stdin: Vec<u8>,
    files: Vec<(&'static str, Vec<u8>)>,
    code: i32,
    /// Every one of these must appear in stderr.
    says: Vec<&'static str>,
}

fn case(name: &'static str, args: &str, stdin: impl Into<Vec<u8>>, code: i32, says: &[&'static str]) -> Case {
    Case {
        name,
        args: args.split_whitespace().map(String::from).collect(),
        stdin: stdin.into(),
        files: Vec::new(),
        code,
        says: says.to_vec(),
    }
}

impl Case {
    fn with_file(mut self, name: &'static str, bytes: Vec<u8>) -> Case {
        self.files.push((name, bytes));
        self
    }
}

fn default_bundle_bytes() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/default.retort")).expect("default bundle asset")
}

/// The default bundle changed by `edit`, written with fresh checksums and no validation.
fn edited_bundle(edit: impl FnOnce(&mut Bundle)) -> Vec<u8> {
    let mut b = Bundle::from_bytes(&default_bundle_bytes()).expect("default bundle");
    edit(&mut b);
    unvalidated_bundle_bytes(&b, StorageType::F32).expect("write edited bundle")
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> usize {
    from + haystack[from..].windows(needle.len()).position(|w| w == needle).expect("needle in the bundle header")
}

fn set_weight(b: &mut Bundle, value: f32) {
    let name = b.tensors.keys().filter(|n| n.contains("ff") || n.contains("attn")).min().expect("a weight").clone();
    b.tensors.get_mut(&name).expect("tensor").values_mut()[0] = value;
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

/// A torch legacy checkpoint whose state dict holds one tensor `w` built by `t`.
fn checkpoint_with(t: Vec<u8>, floats: usize) -> Vec<u8> {
    legacy_file(&[("w", t)], floats)
}

fn translate_cases() -> Vec<Case> {
    vec![
        case("empty line", "translate", "CCO\n\nCC\n", USAGE, &["line 2", "empty"]),
        case("blank line of spaces", "translate", "CCO\n   \n", USAGE, &["line 2"]),
        case("NUL byte", "translate", "CC\0O\n", USAGE, &["line 1"]),
        case("invalid UTF-8", "translate", b"CC\xff\xfeO\n".to_vec(), USAGE, &["UTF-8"]),
        case(
            "5 MB single line",
            "translate",
            "C".repeat(5_000_000) + "\n",
            USAGE,
            &["line 1", "5000000 bytes is longer"],
        ),
        case("unknown symbols refused when asked", "translate --unknown-tokens refuse", "C☃C\n", USAGE, &["☃"]),
        case("beam 0", "translate --beam-size 0", "CCO\n", USAGE, &["beam_size", "outside"]),
        case("beam 65", "translate --beam-size 65", "CCO\n", USAGE, &["beam_size", "65"]),
        case("beam 2^64", "translate --beam-size 18446744073709551616", "CCO\n", USAGE, &["--beam-size"]),
        case("beam -1", "translate --beam-size=-1", "CCO\n", USAGE, &["--beam-size"]),
        case("beam not a number", "translate --beam-size five", "CCO\n", USAGE, &["--beam-size", "five"]),
        case("n-best 0", "translate --n-best 0", "CCO\n", USAGE, &["n_best"]),
        case("n-best above beam", "translate --beam-size 2 --n-best 3", "CCO\n", USAGE, &["n_best", "exceeds"]),
        case("max-length 0", "translate --max-length 0", "CCO\n", USAGE, &["max_length"]),
        case("min above max length", "translate --min-length 9 --max-length 5", "CCO\n", USAGE, &["min_length"]),
        case("alpha -1", "translate --alpha=-1", "CCO\n", USAGE, &["alpha"]),
        case("alpha NaN", "translate --alpha NaN", "CCO\n", USAGE, &["alpha"]),
        case("alpha infinite", "translate --alpha inf", "CCO\n", USAGE, &["alpha"]),
        case("beta -1", "translate --beta=-1", "CCO\n", USAGE, &["beta"]),
        case("threads 0", "translate --threads 0", "CCO\n", USAGE, &["--threads"]),
        case("threads 5000", "translate --threads 5000", "CCO\n", USAGE, &["--threads 5000", "cores"]),
        case("batch 0", "translate --batch-size 0", "CCO\n", USAGE, &["batch_size"]),
        case("batch 100000", "translate --batch-size 100000", "CCO\n", USAGE, &["batch_size"]),
        case("top-p 0", "translate --sampling --beam-size 1 --sampling-topp 0", "CCO\n", USAGE, &["sampling_topp"]),
        case("top-p 1.5", "translate --sampling --beam-size 1 --sampling-topp 1.5", "CCO\n", USAGE, &["sampling_topp"]),
        case(
            "temperature 0",
            "translate --sampling --beam-size 1 --sampling-temperature 0",
            "CCO\n",
            USAGE,
            &["sampling_temperature"],
        ),
        case("unknown flag", "translate --colour", "CCO\n", USAGE, &["--colour"]),
        case("unknown subcommand", "frobnicate", "", USAGE, &["frobnicate"]),
        case("unknown length penalty", "translate --length-penalty huge", "CCO\n", USAGE, &["huge"]),
        case("missing input file", "translate {dir}/none.smi", "", USAGE, &["none.smi"]),
        case("input is a directory", "translate {dir}", "", FAILURE, &["Is a directory"]),
        case("targets shorter than inputs", "translate {dir}/in.smi --targets {dir}/t.smi", "", USAGE, &["t.smi", "2"])
            .with_file("in.smi", b"CCO\nCC\n".to_vec())
            .with_file("t.smi", b"CCO\n".to_vec()),
        case(
            "target prefixes shorter than inputs",
            "translate {dir}/in.smi --target-prefix {dir}/p.txt",
            "",
            USAGE,
            &["p.txt"],
        )
        .with_file("in.smi", b"CCO\nCC\n".to_vec())
        .with_file("p.txt", b"C\n".to_vec()),
        case("output into a missing directory", "translate -o {dir}/no/such/out.txt", "CCO\n", FAILURE, &["out.txt"]),
    ]
}

fn bundle_cases() -> Vec<Case> {
    let good = default_bundle_bytes();
    let mut flipped_payload = good.clone();
    let last = flipped_payload.len() - 1;
    flipped_payload[last] ^= 0x55;
    // One token id of the source vocabulary in the JSON metadata (what would silently change
    // predictions): covered by the header checksum.
    let mut flipped_meta = good.clone();
    let tokenizer = find(&good, b"src_tokenizer", 0);
    let digit = (find(&good, b"vocab", tokenizer)..).find(|&i| good[i].is_ascii_digit()).expect("a token id");
    flipped_meta[digit] = if good[digit] == b'9' { b'8' } else { good[digit] + 1 };
    let mut huge_header = good.clone();
    huge_header[..8].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let bundle = |name: &'static str, bytes: Vec<u8>, code: i32, says: &[&'static str]| {
        case(name, "translate -m {dir}/m.retort", "CCO\n", code, says).with_file("m.retort", bytes)
    };
    vec![
        case("model file missing", "translate -m {dir}/none.retort", "CCO\n", USAGE, &["none.retort"]),
        case("model is a directory", "translate -m {dir}", "CCO\n", FAILURE, &["Is a directory"]),
        bundle("empty model file", Vec::new(), FAILURE, &["m.retort", "invalid model bundle"]),
        bundle(
            "4 KB of garbage",
            (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect(),
            FAILURE,
            &["not a Retort bundle"],
        ),
        bundle("truncated bundle", good[..good.len() / 2].to_vec(), FAILURE, &["truncated"]),
        bundle("payload byte flipped", flipped_payload, FAILURE, &["checksum"]),
        bundle("tokenizer vocabulary byte flipped", flipped_meta, FAILURE, &["checksum"]),
        bundle("header length 2^60", huge_header, FAILURE, &["m.retort"]),
        bundle(
            "a million layers (checksums fixed)",
            edited_bundle(|b| b.meta.spec.encoder_layers = 1_000_000),
            FAILURE,
            &["encoder_layers"],
        ),
        bundle("heads not dividing d_model", edited_bundle(|b| b.meta.spec.heads = 7), FAILURE, &["heads"]),
        bundle(
            "negative LayerNorm epsilon",
            edited_bundle(|b| b.meta.spec.layer_norm_eps = -1e-6),
            FAILURE,
            &["layer_norm_eps"],
        ),
        bundle("vocabulary of 2^40", edited_bundle(|b| b.meta.spec.src_vocab_size = 1 << 40), FAILURE, &["vocab"]),
        bundle("weight of 3e38", edited_bundle(|b| set_weight(b, 3e38)), FAILURE, &["3"]),
        bundle("NaN weight", edited_bundle(|b| set_weight(b, f32::NAN)), FAILURE, &["NaN"]),
        bundle(
            "missing tensor",
            edited_bundle(|b| {
                let name = b.tensors.keys().min().expect("a tensor").clone();
                b.tensors.remove(&name);
            }),
            FAILURE,
            &["missing from the bundle"],
        ),
        bundle(
            "tensor of the wrong shape",
            edited_bundle(|b| {
                let name = b.tensors.keys().min().expect("a tensor").clone();
                let t = b.tensors.get_mut(&name).expect("tensor");
                t.values_mut().push(0.0);
                t.shape = vec![t.len()];
            }),
            FAILURE,
            &["shape"],
        ),
        bundle(
            "smuggled extra tensor",
            edited_bundle(|b| {
                b.tensors.insert("evil".into(), retort_core::bundle::TensorData::new(vec![1], vec![0.0]).expect("t"));
            }),
            FAILURE,
            &["unexpected tensors: evil"],
        ),
        case("inspect garbage", "inspect {dir}/m.retort", "", FAILURE, &["not a Retort bundle"])
            .with_file("m.retort", b"PK\x03\x04 not a bundle at all".to_vec()),
    ]
}

fn import_cases() -> Vec<Case> {
    let import = |name: &'static str, file: &'static str, bytes: Vec<u8>, code: i32, says: &[&'static str]| {
        case(name, &format!("import {{dir}}/{file} -o {{dir}}/out.retort"), "", code, says).with_file(file, bytes)
    };
    // A pickle that would run `os.system("touch pwned")` in Python.
    let mut code_exec = b"\x80\x02cos\nsystem\n".to_vec();
    code_exec.extend(text("touch pwned"));
    code_exec.extend_from_slice(b"\x85R.");
    let mut deep = b"\x80\x02cfoo\nBar\n)\x81N".to_vec();
    deep.extend(std::iter::repeat_n(0x85u8, 200_000));
    deep.extend_from_slice(b"b.");
    let mut shared_key = b"\x80\x02}".to_vec();
    shared_key.extend(shared_tuple(60));
    shared_key.extend_from_slice(b"Ns.");
    let mut expanding = b"\x80\x02}q\x00".to_vec();
    expanding.extend(shared_tuple(7));
    expanding.extend_from_slice(b"q\x010(");
    (0..300_000).for_each(|_| expanding.extend_from_slice(b"h\x01N"));
    expanding.extend_from_slice(b"u.");
    let mut unterminated_string = b"\x80\x02X".to_vec();
    unterminated_string.extend(u32::MAX.to_le_bytes());
    let ct2 = std::fs::read(repo().join("fixtures/ct2/onmt12-f32/model.bin")).expect("ct2 fixture");
    let ct2_dir = |name: &'static str, bin: Vec<u8>, says: &[&'static str]| {
        case(name, "import {dir}/ct2 -o {dir}/out.retort", "", FAILURE, says)
            .with_file("ct2/model.bin", bin)
            .with_file(
                "ct2/config.json",
                std::fs::read(repo().join("fixtures/ct2/onmt12-f32/config.json")).expect("cfg"),
            )
            .with_file(
                "ct2/shared_vocabulary.json",
                std::fs::read(repo().join("fixtures/ct2/onmt12-f32/shared_vocabulary.json")).expect("vocab"),
            )
    };
    let mut ct2_huge_count = ct2.clone();
    // After the version (u32) comes the spec name (u16 length + bytes), then the spec
    // revision (u32) and the variable count (u32): claim 2^32-1 variables.
    let name_len = u16::from_le_bytes([ct2[4], ct2[5]]) as usize;
    let count_at = 4 + 2 + name_len + 4;
    ct2_huge_count[count_at..count_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    vec![
        case("import of a missing file", "import {dir}/none.pt -o {dir}/out.retort", "", USAGE, &["none.pt"]),
        import("import of an empty file", "m.pt", Vec::new(), FAILURE, &["m.pt"]),
        import("import of garbage", "m.pt", b"definitely not a checkpoint".to_vec(), FAILURE, &["m.pt"]),
        import("pickle that calls os.system", "m.pt", code_exec, FAILURE, &["os.system"]),
        import("object state nested 200k deep", "m.pt", deep, FAILURE, &["m.pt"]),
        import(
            "stride-0 view of 2^40 elements",
            "m.pt",
            checkpoint_with(tensor(1, &[1 << 20, 1 << 20], &[0, 0]), 1),
            FAILURE,
            &["m.pt"],
        ),
        import("shape of 2^61 elements", "m.pt", checkpoint_with(tensor(1, &[1 << 61], &[0]), 1), FAILURE, &["m.pt"]),
        import("2^60-leaf shared tuple as a dict key", "m.pt", shared_key, FAILURE, &["m.pt"]),
        import("300k hashes of a shared key", "m.pt", expanding, FAILURE, &["expands"]),
        import("string claiming 4 GiB", "m.pt", unterminated_string, FAILURE, &["m.pt"]),
        import(
            "torch zip that is only a zip header",
            "m.pt",
            b"PK\x03\x04\x14\x00\x00\x00\x00\x00".to_vec(),
            FAILURE,
            &["m.pt"],
        ),
        import("checkpoint without a model", "m.pt", legacy_file(&[("x", text("y"))], 0), FAILURE, &["m.pt"]),
        case("CTranslate2 dir without model.bin", "import {dir}/ct2 -o {dir}/out.retort", "", FAILURE, &["model.bin"])
            .with_file("ct2/config.json", b"{}".to_vec()),
        ct2_dir("CTranslate2 model.bin truncated", ct2[..ct2.len() / 3].to_vec(), &["model.bin"]),
        ct2_dir("CTranslate2 model.bin of garbage", vec![0xff; 64], &["model.bin"]),
        ct2_dir("CTranslate2 model.bin claiming 2^32 variables", ct2_huge_count, &["model.bin"]),
        case("unknown storage", "import {dir}/m.pt -o {dir}/out.retort --storage int3", "", USAGE, &["int3"]),
        case("unknown tokenizer", "import {dir}/m.pt -o {dir}/out.retort --tokenizer bpe9", "", USAGE, &["bpe9"]),
        case("unknown task", "import {dir}/m.pt -o {dir}/out.retort --task world-peace", "", USAGE, &["world-peace"]),
        case("import without an output", "import {dir}/m.pt", "", USAGE, &["--output"]),
    ]
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
}

fn run(c: &Case, dir: &Path) -> Outcome {
    for (name, bytes) in &c.files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write case file");
    }
    let dir_text = dir.to_str().expect("utf-8 temp dir");
    let args: Vec<String> = c.args.iter().map(|a| a.replace("{dir}", dir_text)).collect();
    let started = Instant::now();
    let mut child = Command::new("prlimit")
        .arg(format!("--as={CEILING_BYTES}"))
        .arg("--")
        .arg(EXE)
        .args(&args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs the CLI");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = c.stdin.clone();
    // A child that fails early stops reading: a broken pipe here is expected.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    Outcome {
        code: status.and_then(|s| s.code()),
        stderr: reader.join().expect("stderr reader"),
        elapsed: started.elapsed(),
    }
}

#[test]
fn every_hostile_input_gets_its_exit_code_and_a_message_naming_the_problem() {
    let cases: Vec<Case> = [translate_cases(), bundle_cases(), import_cases()].into_iter().flatten().collect();
    assert!(cases.len() >= 60, "the table has {} cases", cases.len());
    let root = std::env::temp_dir().join(format!("retort-hostile-table-{}", std::process::id()));
    let mut failures = Vec::new();
    println!("{:<48} {:>4} {:>8}  message", "case", "exit", "ms");
    for (i, c) in cases.iter().enumerate() {
        let dir = root.join(i.to_string());
        std::fs::create_dir_all(&dir).expect("case dir");
        let o = run(c, &dir);
        let first_line = o.stderr.lines().next().unwrap_or("").chars().take(110).collect::<String>();
        println!(
            "{:<48} {:>4} {:>8}  {first_line}",
            c.name,
            o.code.map_or("-".into(), |c| c.to_string()),
            o.elapsed.as_millis()
        );
        let mut problems = Vec::new();
        match o.code {
            None if o.elapsed > TIME_LIMIT => problems.push(format!("still running after {TIME_LIMIT:?}")),
            None => problems.push("killed by a signal (abort or memory ceiling)".into()),
            Some(code) if code != c.code => problems.push(format!("exit {code}, expected {}", c.code)),
            Some(_) => {}
        }
        for needle in &c.says {
            if !o.stderr.contains(needle) {
                problems.push(format!("stderr lacks {needle:?}"));
            }
        }
        for bad in ["panicked", "RUST_BACKTRACE", "memory allocation of", "stack overflow"] {
            if o.stderr.contains(bad) {
                problems.push(format!("stderr shows {bad:?}"));
            }
        }
        if dir.join("pwned").exists() {
            problems.push("a pickle ran code: the file 'pwned' exists".into());
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n  stderr: {}", c.name, problems.join("; "), o.stderr.trim()));
        }
    }
    std::fs::remove_dir_all(&root).ok();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
