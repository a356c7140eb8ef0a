//! Scanner throughput against the tools people use today, on the same generated logs in one
//! run: `cat > /dev/null` (the ceiling: reading the file), `grep -F -f` and `rg -F -f` with
//! the indicators as fixed strings (which also report substring false positives), and the
//! scanner on one core with each byte classifier the processor has and on all cores, with
//! 100k and 1M indicators.
//!
//! `cargo bench -p mamori-scan --bench throughput` (MAMORI_SCAN_BENCH_MB, default 512, the
//! log size; MAMORI_SCAN_BENCH_TIMEOUT, default 300 s per external tool;
//! MAMORI_SCAN_BENCH_REPEATS, default 3, runs of each scanner row, the fastest reported).

use mamori_scan::masks::Isa;
use mamori_scan::scanner::scan;
use mamori_scan::{Indicator, IndicatorSet, Kind, ScanOptions};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic synthetic data without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "mo", "ri", "sa", "to", "ne", "yu", "hi", "ku", "ro", "mi", "zo",
];

fn word(r: &mut Rng, parts: u64) -> String {
    (0..parts)
        .map(|_| SYLLABLES[r.below(SYLLABLES.len() as u64) as usize])
        .collect()
}

fn ip(r: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        1 + r.below(223),
        r.below(256),
        r.below(256),
        1 + r.below(254)
    )
}

fn hex(r: &mut Rng, len: usize) -> String {
    let mut s = String::with_capacity(len);
    while s.len() < len {
        s.push_str(&format!("{:016x}", r.next()));
    }
    s.truncate(len);
    s
}

fn indicators(n: usize, seed: u64) -> Vec<Indicator> {
    let mut r = Rng(seed);
    (0..n)
        .map(|i| {
            let (kind, value) = match i % 20 {
                0..=7 => (Kind::Ipv4, ip(&mut r)),
                8..=13 => (
                    Kind::Domain,
                    format!("{}.{}.example", word(&mut r, 3), word(&mut r, 2)),
                ),
                14..=17 => (Kind::Sha256, hex(&mut r, 64)),
                18 => (
                    Kind::Url,
                    format!("https://{}.example/{}", word(&mut r, 3), word(&mut r, 2)),
                ),
                _ => (Kind::Md5, hex(&mut r, 32)),
            };
            Indicator {
                id: format!("indicator--{i}"),
                kind,
                value,
                tlp: None,
            }
        })
        .collect()
}

/// Firewall, web-proxy and endpoint lines; one in a thousand carries an indicator.
fn write_logs(path: &std::path::Path, mb: usize, planted: &[Indicator]) -> u64 {
    let mut r = Rng(7);
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut written = 0u64;
    let target = (mb as u64) << 20;
    let mut n = 0u64;
    while written < target {
        n += 1;
        let plant = n.is_multiple_of(1000);
        let pick = &planted[r.below(planted.len() as u64) as usize];
        let line = match n % 3 {
            0 => format!(
                "2026-11-28T10:{:02}:{:02}Z fw{:02} ALLOW src={}:{} dst={}:443 proto=tcp bytes={}\n",
                r.below(60), r.below(60), r.below(20), ip(&mut r), 1024 + r.below(60000),
                if plant && pick.kind == Kind::Ipv4 { pick.value.clone() } else { ip(&mut r) },
                r.below(100000)
            ),
            1 => format!(
                "{} - - [28/Nov/2026:10:00:00 +0900] \"GET https://{}/{}/{}?id={} HTTP/1.1\" 200 {} \"Mozilla/5.0\"\n",
                ip(&mut r),
                if plant && pick.kind == Kind::Domain { pick.value.clone() } else { format!("www.{}.example", word(&mut r, 3)) },
                word(&mut r, 2), word(&mut r, 3), r.below(1_000_000), r.below(50000)
            ),
            _ => format!(
                "{{\"time\":\"2026-11-28T10:00:00Z\",\"host\":\"pc-{}\",\"event\":\"file_write\",\"path\":\"C:\\\\Users\\\\staff\\\\{}.dll\",\"sha256\":\"{}\"}}\n",
                r.below(5000), word(&mut r, 3),
                if plant && pick.kind == Kind::Sha256 { pick.value.clone() } else { hex(&mut r, 64) }
            ),
        };
        f.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
    }
    f.flush().unwrap();
    written
}

fn external(cmd: &str, args: &[&str], timeout: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut child = Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    loop {
        if let Some(_status) = child.try_wait().ok()? {
            return Some(start.elapsed());
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mbps(bytes: u64, d: Duration) -> String {
    format!("{:.0}", bytes as f64 / 1e6 / d.as_secs_f64())
}

fn main() {
    let mb: usize = std::env::var("MAMORI_SCAN_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    let timeout = Duration::from_secs(
        std::env::var("MAMORI_SCAN_BENCH_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300),
    );
    let repeats: usize = std::env::var("MAMORI_SCAN_BENCH_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let dir = std::env::temp_dir().join(format!("mamori-scan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("logs.txt");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let big = indicators(1_000_000, 99);
    let bytes = write_logs(&log, mb, &big[..100_000]);
    let log_s = log.to_str().unwrap();
    // Warm the page cache, then measure the ceiling.
    let _ = external("cat", &[log_s], timeout);
    let cat = external("sh", &["-c", &format!("cat {log_s} > /dev/null")], timeout).unwrap();
    println!(
        "\n{:.0} MB of generated logs, {cores} cores; MB/s (and × the cat ceiling's time); \
         mamori scan: the fastest of {repeats} runs, the other tools: one run\n",
        bytes as f64 / 1e6
    );
    println!("| tool | 100k indicators | 1M indicators |");
    println!("|---|---|---|");
    println!(
        "| cat > /dev/null (ceiling) | {} | {} |",
        mbps(bytes, cat),
        mbps(bytes, cat)
    );
    // Every classifier this processor has, fastest first, on one core; the fastest on all.
    let mut isas = Isa::available();
    isas.reverse();
    let mut runs: Vec<(String, Isa, usize)> = isas
        .iter()
        .map(|isa| (format!("mamori scan, 1 core, {}", isa.name()), *isa, 1))
        .collect();
    runs.push((
        format!("mamori scan, {cores} cores, {}", isas[0].name()),
        isas[0],
        cores,
    ));
    let mut rows: Vec<(String, Vec<String>)> =
        vec![("grep -F -f".into(), vec![]), ("rg -F -f".into(), vec![])];
    rows.extend(runs.iter().map(|(name, _, _)| (name.clone(), vec![])));
    for n in [100_000usize, 1_000_000] {
        let set_src: Vec<Indicator> = big[..n].to_vec();
        let patterns = dir.join(format!("patterns-{n}.txt"));
        let mut pf = std::io::BufWriter::new(std::fs::File::create(&patterns).unwrap());
        for i in &set_src {
            writeln!(pf, "{}", i.value).unwrap();
        }
        pf.flush().unwrap();
        let p = patterns.to_str().unwrap();
        let cell = |d: Option<Duration>| match d {
            Some(d) => format!(
                "{} ({:.1}×)",
                mbps(bytes, d),
                d.as_secs_f64() / cat.as_secs_f64()
            ),
            None => format!("> {} s, stopped", timeout.as_secs()),
        };
        rows[0].1.push(cell(external(
            "grep",
            &["-c", "-F", "-f", p, log_s],
            timeout,
        )));
        rows[1]
            .1
            .push(match Command::new("rg").arg("--version").output() {
                Ok(_) => cell(external("rg", &["-c", "-F", "-f", p, log_s], timeout)),
                Err(_) => "not installed".into(),
            });
        let build = Instant::now();
        let set = IndicatorSet::new(set_src).unwrap();
        let built = build.elapsed();
        for (k, (_, isa, threads)) in runs.iter().enumerate() {
            let (k, threads) = (k + 2, *threads);
            // The fastest of a few runs: on a shared machine the others lost time to
            // neighbours, not to the scanner.
            let mut d = Duration::MAX;
            let mut found = 0usize;
            for _ in 0..repeats {
                let start = Instant::now();
                let f = std::fs::File::open(&log).unwrap();
                found = 0;
                scan(
                    &set,
                    f,
                    ScanOptions {
                        threads,
                        classifier: Some(*isa),
                        ..Default::default()
                    },
                    |m| {
                        found += m.len();
                        Ok(())
                    },
                    |_| {},
                )
                .unwrap();
                d = d.min(start.elapsed());
            }
            rows[k].1.push(format!(
                "{} ({:.1}×), {found} matches",
                mbps(bytes, d),
                d.as_secs_f64() / cat.as_secs_f64()
            ));
        }
        eprintln!("{n} indicators indexed in {:.2} s", built.as_secs_f64());
    }
    for (name, cells) in rows {
        println!("| {name} | {} |", cells.join(" | "));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
