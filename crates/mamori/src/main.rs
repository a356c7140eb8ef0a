//! The `mamori` binary: wires the store, the demo and the web application together.

mod cli;

use anyhow::{bail, Context, Result};
use clap::FromArgMatches;
use cli::{
    AuditCommand, Cli, Command, DbArgs, FrameworkCommand, OrgCommand, OutputFormat, TokenCommand,
    UserCommand,
};
use mamori_demo::{DemoOptions, DEMO_MARKER};
use mamori_domain::{Bureau, OrganisationKind, Role};
use mamori_store::accounts::NewAccount;
use mamori_store::{Actor, Store};
use mamori_web::i18n::{tf, Lang};
use mamori_web::{AppState, WebConfig};
use std::io::{Read, Write};
use std::sync::OnceLock;
use std::time::Instant;
use tokio::net::TcpListener;

/// The language of this run's messages, set once from `--lang` or the locale.
static LANG: OnceLock<Lang> = OnceLock::new();

fn lang() -> Lang {
    *LANG.get().unwrap_or(&Lang::En)
}

/// A message of the `cli.*` catalogue in this run's language, with `{name}`s filled in.
fn say(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let args: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tf(lang(), key, &args)
}

/// `--lang X` or `--lang=X` among the arguments, or `MAMORI_LANG`, if it names a language.
fn early_language() -> Option<cli::Language> {
    let mut args = std::env::args().skip(1);
    let mut given = std::env::var("MAMORI_LANG").ok();
    while let Some(a) = args.next() {
        if a == "--lang" {
            given = args.next();
        } else if let Some(v) = a.strip_prefix("--lang=") {
            given = Some(v.to_string());
        }
    }
    match given.as_deref() {
        Some("ja") => Some(cli::Language::Ja),
        Some("en") => Some(cli::Language::En),
        _ => None,
    }
}

/// `--lang`, else the locale's language: Japanese when LC_ALL, LC_MESSAGES or LANG (the
/// first one set) names it, English otherwise.
fn choose_language(given: Option<cli::Language>) -> Lang {
    match given {
        Some(cli::Language::Ja) => Lang::Ja,
        Some(cli::Language::En) => Lang::En,
        None => {
            let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
                .unwrap_or_default();
            if locale.starts_with("ja") {
                Lang::Ja
            } else {
                Lang::En
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    let started = Instant::now();
    // The language is needed before parsing, for the help texts: `--lang` is read from the
    // raw arguments here and parsed (and checked) again with the rest.
    let lang = choose_language(early_language());
    let _ = LANG.set(lang);
    let cli = match cli::command(lang)
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let message = say("cli.runtime", &[("error", &e)]);
            eprintln!("{}", say("cli.error", &[("message", &message)]));
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, started)) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`mamori user list | head`) is not an error worth a message.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return std::process::ExitCode::SUCCESS;
            }
            eprintln!("{}", say("cli.error", &[("message", &format!("{e:#}"))]));
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MAMORI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        cli::LogFormat::Json => builder.json().init(),
        cli::LogFormat::Text => builder.init(),
    }
}

async fn connect(db: &DbArgs) -> Result<Store> {
    Store::connect(&db.database_url)
        .await
        .with_context(|| say("cli.db_open", &[("url", &redact(&db.database_url))]))
}

/// Hides a password in a database URL before printing it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn run(cli: Cli, started: Instant) -> Result<std::process::ExitCode> {
    use std::process::ExitCode;
    match cli.command {
        Command::Serve(args) => {
            let store = connect(&args.db).await?;
            let listener = TcpListener::bind(&args.listen)
                .await
                .with_context(|| say("cli.listen", &[("addr", &args.listen)]))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, "serving");
            println!("{}", say("cli.serving", &[("addr", &addr)]));
            serve(listener, store, args.cookie_secure).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let store = fresh_demo_database(&args.db).await?;
            let options = DemoOptions {
                scale: args.scale.max(1),
                seed: args.seed,
            };
            let summary = mamori_demo::seed(&store, options)
                .await
                .with_context(|| say("cli.demo_data", &[]))?;
            let listener = TcpListener::bind(&args.listen)
                .await
                .with_context(|| say("cli.listen", &[("addr", &args.listen)]))?;
            let addr = listener.local_addr()?;
            let mut out = std::io::stdout().lock();
            let intro = say(
                "cli.demo_intro",
                &[
                    ("institutions", &summary.institutions),
                    ("organisations", &summary.organisations),
                    ("scale", &options.scale),
                    ("seed", &options.seed),
                ],
            );
            let surveys = say(
                "cli.demo_surveys",
                &[
                    ("closed", &summary.closed_campaign_assignments),
                    ("open", &summary.open_campaign_assignments),
                ],
            );
            let sharing = say(
                "cli.demo_sharing",
                &[
                    ("indicators", &summary.sharing.indicators),
                    ("advisories", &summary.sharing.advisories),
                    ("sightings", &summary.sharing.sightings),
                    ("addr", &addr),
                    ("events", &summary.sharing.events),
                ],
            );
            writeln!(out, "{intro}\n{surveys}\n{sharing}")?;
            writeln!(out, "{}", say("cli.demo_sign_in", &[("addr", &addr)]))?;
            writeln!(out)?;
            writeln!(
                out,
                "  {:<15} {:<26} {:<22} {}",
                say("cli.col_username", &[]),
                say("cli.col_password", &[]),
                say("cli.col_role", &[]),
                say("cli.col_organisation", &[])
            )?;
            for a in &summary.accounts {
                writeln!(
                    out,
                    "  {:<15} {:<26} {:<22} {} ({})",
                    a.username,
                    a.password,
                    a.role.code(),
                    a.organisation_name_en,
                    a.organisation_code
                )?;
            }
            writeln!(out)?;
            let seconds = format!("{:.2}", started.elapsed().as_secs_f64());
            writeln!(out, "{}", say("cli.demo_ready", &[("seconds", &seconds)]))?;
            out.flush()?;
            drop(out);
            if args.no_serve {
                return Ok(ExitCode::SUCCESS);
            }
            serve(listener, store, false).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(db) => {
            let store = Store::connect_without_migrating(&db.database_url).await?;
            let applied = store.migrate().await?;
            if applied.is_empty() {
                println!("{}", say("cli.schema_current", &[]));
            } else {
                println!(
                    "{}",
                    say(
                        "cli.migrations_applied",
                        &[("list", &format!("{applied:?}"))]
                    )
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Org(cmd) => org(cmd).await,
        Command::Framework(cmd) => framework(cmd).await,
        Command::User(cmd) => user(cmd).await,
        Command::Token(cmd) => token(cmd).await,
        Command::Audit(AuditCommand::Verify(db)) => {
            let store = connect(&db).await?;
            match store.verify_audit().await? {
                Ok(n) => {
                    println!("{}", say("cli.audit_intact", &[("count", &n)]));
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    eprintln!("{}", say("cli.audit_broken", &[("detail", &b)]));
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Backup(args) => {
            let store = connect(&args.db).await?;
            store.backup_to(&args.output).await?;
            println!(
                "{}",
                say("cli.backup_written", &[("path", &args.output.display())])
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(cli::ReportCommand::Sector(args)) => sector_report(args).await,
        Command::Scan(args) => scan_command(args).await,
    }
}

/// `mamori scan` around the library: indicators from files and TAXII collections, the scan
/// on a blocking thread, then (when asked) one sighting per matched indicator reported back.
async fn scan_command(args: cli::ScanArgs) -> Result<std::process::ExitCode> {
    if args.indicators.is_empty() && args.taxii.is_empty() {
        anyhow::bail!(say("cli.scan_no_source", &[]));
    }
    let mut bundles = Vec::new();
    for path in &args.indicators {
        let bytes = std::fs::read(path)
            .with_context(|| say("cli.cannot_read", &[("path", &path.display())]))?;
        bundles.push((path.display().to_string(), bytes));
    }
    let http = reqwest::Client::new();
    let token = args.token.clone();
    let need_token = !args.taxii.is_empty() || args.report_sightings.is_some();
    if need_token && token.is_none() {
        anyhow::bail!(say("cli.scan_needs_token", &[]));
    }
    for url in &args.taxii {
        let objects = taxii_pull(&http, url, token.as_deref().unwrap_or("")).await?;
        let bundle = serde_json::json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects});
        bundles.push((url.clone(), serde_json::to_vec(&bundle)?));
    }
    let started = chrono::Utc::now();
    let report = args.report_sightings.clone();
    let (code, counts) = tokio::task::spawn_blocking(move || scan(args, bundles)).await??;
    if let Some(base) = report {
        let finished = chrono::Utc::now();
        let (mut ok, mut failed) = (0, 0);
        for (id, n) in &counts {
            let url = format!(
                "{}/api/v1/sharing/objects/{id}/sightings",
                base.trim_end_matches('/')
            );
            let body =
                serde_json::json!({"count": n, "first_seen": started, "last_seen": finished});
            let res = http
                .post(&url)
                .bearer_auth(token.as_deref().unwrap_or(""))
                .json(&body)
                .send()
                .await;
            match res {
                Ok(r) if r.status().is_success() => ok += 1,
                Ok(r) => {
                    failed += 1;
                    let status = r.status();
                    let detail = r.text().await.unwrap_or_default();
                    let detail =
                        format!("{status} {}", detail.chars().take(200).collect::<String>());
                    eprintln!(
                        "{}",
                        say("cli.sighting_failed", &[("id", id), ("detail", &detail)])
                    );
                }
                Err(e) => {
                    failed += 1;
                    eprintln!(
                        "{}",
                        say("cli.sighting_failed", &[("id", id), ("detail", &e)])
                    );
                }
            }
        }
        let message = if failed > 0 {
            say(
                "cli.sightings_reported_failed",
                &[("count", &ok), ("server", &base), ("failed", &failed)],
            )
        } else {
            say(
                "cli.sightings_reported",
                &[("count", &ok), ("server", &base)],
            )
        };
        eprintln!("{message}");
        if failed > 0 {
            return Ok(std::process::ExitCode::FAILURE);
        }
    }
    Ok(code)
}

/// Every object of a TAXII 2.1 collection, following `next` until `more` is false.
async fn taxii_pull(
    http: &reqwest::Client,
    collection: &str,
    token: &str,
) -> Result<Vec<serde_json::Value>> {
    let base = if collection.ends_with("/objects/") {
        collection.to_string()
    } else {
        format!("{}/objects/", collection.trim_end_matches('/'))
    };
    let mut objects = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut req = http
            .get(&base)
            .bearer_auth(token)
            .header("accept", "application/taxii+json;version=2.1")
            .query(&[("limit", "1000"), ("match[type]", "indicator")]);
        if let Some(n) = &next {
            req = req.query(&[("next", n)]);
        }
        let res = req
            .send()
            .await
            .with_context(|| say("cli.cannot_reach", &[("url", &base)]))?;
        let status = res.status();
        let body: serde_json::Value = res
            .json()
            .await
            .with_context(|| say("cli.not_taxii", &[("url", &base), ("status", &status)]))?;
        if !status.is_success() {
            anyhow::bail!(
                "{base}: {status} {}",
                body.get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("")
            );
        }
        if let Some(o) = body.get("objects").and_then(|o| o.as_array()) {
            objects.extend(o.iter().cloned());
        }
        match (
            body.get("more").and_then(|m| m.as_bool()),
            body.get("next").and_then(|n| n.as_str()),
        ) {
            (Some(true), Some(n)) => next = Some(n.to_string()),
            _ => break,
        }
    }
    Ok(objects)
}

/// `mamori scan`: the library does the work; this reads the bundles, opens the logs, writes
/// matches and, on a terminal, shows progress. Returns the matches per indicator id.
fn scan(
    args: cli::ScanArgs,
    bundles: Vec<(String, Vec<u8>)>,
) -> Result<(
    std::process::ExitCode,
    std::collections::BTreeMap<String, u64>,
)> {
    use mamori_scan::scanner::{open, scan};
    use std::io::{IsTerminal, Write};
    let table = match args.format.as_str() {
        "jsonl" => false,
        "table" => true,
        other => anyhow::bail!(say("cli.unknown_scan_format", &[("format", &other)])),
    };
    let mut loaded = mamori_scan::stix::Loaded::default();
    for (name, bytes) in &bundles {
        let one = mamori_scan::stix::load(bytes).with_context(|| name.clone())?;
        loaded.indicators.extend(one.indicators);
        loaded.skipped += one.skipped;
    }
    let set = mamori_scan::IndicatorSet::new(loaded.indicators)
        .with_context(|| say("cli.indicators", &[]))?;
    let mut per_indicator: std::collections::BTreeMap<String, u64> = Default::default();
    let threads = match args.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let scanning = Instant::now();
    let logs: Vec<Option<std::path::PathBuf>> = if args.logs.is_empty() {
        vec![None]
    } else {
        args.logs
            .iter()
            .map(|p| (p.as_os_str() != "-").then(|| p.clone()))
            .collect()
    };
    let total: u64 = logs
        .iter()
        .flatten()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let show_progress = std::io::stderr().is_terminal() && total > 0;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if table {
        writeln!(
            out,
            "{:<40} {:>8}  {:<14} {:<40} {}",
            say("cli.col_file", &[]),
            say("cli.col_line", &[]),
            say("cli.col_type", &[]),
            say("cli.col_value", &[]),
            say("cli.col_indicator", &[])
        )?;
    }
    let mut done = 0u64;
    let mut last_shown = Instant::now();
    let (mut matches, mut bytes) = (0u64, 0u64);
    for log in &logs {
        let name = log
            .as_ref()
            .map_or_else(|| "-".to_string(), |p| p.display().to_string());
        let input: Box<dyn std::io::Read> = match log {
            Some(p) => Box::new(
                std::fs::File::open(p)
                    .with_context(|| say("cli.cannot_open", &[("path", &name)]))?,
            ),
            None => Box::new(std::io::stdin()),
        };
        let input = open(input).with_context(|| say("cli.cannot_read", &[("path", &name)]))?;
        let file_json = serde_json::to_string(&name)?;
        let summary = scan(
            &set,
            input,
            mamori_scan::ScanOptions {
                threads,
                ..Default::default()
            },
            |found| {
                for m in found {
                    let ind = set.get(m.indicator);
                    *per_indicator.entry(ind.id.clone()).or_default() += 1;
                    if table {
                        writeln!(
                            out,
                            "{:<40} {:>8}  {:<14} {:<40} {}",
                            name,
                            m.line,
                            ind.kind.code(),
                            m.value,
                            ind.id
                        )?;
                    } else {
                        writeln!(
                            out,
                            "{{\"file\":{file_json},\"line\":{},\"value\":{},\"indicator\":{},\"type\":\"{}\",\"indicator_value\":{},\"tlp\":{}}}",
                            m.line,
                            serde_json::to_string(&m.value)?,
                            serde_json::to_string(&ind.id)?,
                            ind.kind.code(),
                            serde_json::to_string(&ind.value)?,
                            ind.tlp.map_or("null".to_string(), |t| format!("\"{}\"", t.code()))
                        )?;
                    }
                }
                Ok(())
            },
            |n| {
                done += n;
                if show_progress && last_shown.elapsed().as_millis() >= 200 {
                    last_shown = Instant::now();
                    let progress = say(
                        "cli.scan_progress",
                        &[
                            ("done", &format!("{:.0}", done as f64 / 1e6)),
                            ("total", &format!("{:.0}", total as f64 / 1e6)),
                            ("percent", &format!("{:.0}", 100.0 * done as f64 / total as f64)),
                        ],
                    );
                    eprint!("\r{progress}");
                }
            },
        )
        .with_context(|| say("cli.cannot_read", &[("path", &name)]))?;
        matches += summary.matches;
        bytes += summary.bytes;
    }
    out.flush()?;
    if show_progress {
        eprintln!();
    }
    let seconds = scanning.elapsed().as_secs_f64();
    eprintln!(
        "{}",
        say(
            "cli.scan_summary",
            &[
                ("matches", &matches),
                ("mb", &format!("{:.1}", bytes as f64 / 1e6)),
                (
                    "speed",
                    &format!("{:.0}", bytes as f64 / 1e6 / seconds.max(1e-9))
                ),
                ("threads", &threads),
                ("classifier", &mamori_scan::masks::Isa::detect().name()),
                ("indicators", &set.len()),
            ],
        )
    );
    if loaded.skipped > 0 {
        eprintln!("{}", say("cli.scan_skipped", &[("count", &loaded.skipped)]));
    }
    Ok((std::process::ExitCode::SUCCESS, per_indicator))
}

async fn sector_report(args: cli::SectorReportArgs) -> Result<std::process::ExitCode> {
    let format = mamori_report::Format::from_code(&args.format)
        .with_context(|| say("cli.unknown_report_format", &[("format", &args.format)]))?;
    let lang = lang();
    let store = connect(&args.db).await?;
    // The same loading and rendering as the web download: one path, the same figures.
    let state = AppState::new(store.clone(), WebConfig::default());
    let (results, earlier) = mamori_web::ui::reports::report_inputs(&state, args.campaign)
        .await
        .map_err(|e| match e {
            mamori_web::error::AppError::NotFound => {
                anyhow::anyhow!(say("cli.no_campaign", &[("id", &args.campaign)]))
            }
            e => anyhow::anyhow!(say(
                "cli.cannot_read_campaign",
                &[("id", &args.campaign), ("error", &e)]
            )),
        })?;
    let date = args
        .generated_on
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
        .to_string();
    let bytes = mamori_web::ui::reports::render_sector(&results, &earlier, lang, format, &date)?;
    std::fs::write(&args.output, &bytes)
        .with_context(|| say("cli.cannot_write", &[("path", &args.output.display())]))?;
    println!(
        "{}",
        say(
            "cli.report_written",
            &[
                ("format", &format.extension()),
                ("id", &args.campaign),
                ("responses", &results.data.responses.len()),
                ("path", &args.output.display()),
            ],
        )
    );
    store.close().await;
    Ok(std::process::ExitCode::SUCCESS)
}

async fn serve(listener: TcpListener, store: Store, cookie_secure: bool) -> Result<()> {
    let config = WebConfig {
        cookie_secure,
        ..WebConfig::default()
    };
    let state = AppState::new(store.clone(), config);
    let housekeeping = store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = housekeeping.purge_expired_sessions().await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
        }
    });
    mamori_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    store.close().await;
    Ok(())
}

/// The demo always starts from a fresh database, but never destroys real data: it replaces
/// only a database that is empty or that an earlier demo created.
async fn fresh_demo_database(db: &DbArgs) -> Result<Store> {
    let store = Store::connect(&db.database_url).await?;
    let existing = store.list_organisations().await?;
    let accounts = store.list_accounts().await?;
    let is_demo = existing.iter().any(|o| o.code == DEMO_MARKER);
    let empty = existing.is_empty() && accounts.is_empty();
    if empty {
        return Ok(store);
    }
    if !is_demo {
        bail!(say(
            "cli.demo_foreign_data",
            &[("url", &redact(&db.database_url))]
        ));
    }
    store.reset_schema().await?;
    store.migrate().await?;
    Ok(store)
}

fn read_password(from_stdin: bool) -> Result<Option<String>> {
    if !from_stdin {
        return Ok(None);
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    let p = s.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        bail!(say("cli.no_password", &[]));
    }
    Ok(Some(p))
}

fn generated_password() -> String {
    format!("mamori-{}", &mamori_store::sessions::random_secret()[..20])
}

async fn framework(cmd: FrameworkCommand) -> Result<std::process::ExitCode> {
    match cmd {
        FrameworkCommand::Import(a) => {
            const MAX_FILE: u64 = 20 * 1024 * 1024;
            let meta = std::fs::metadata(&a.file)
                .with_context(|| say("cli.cannot_read", &[("path", &a.file.display())]))?;
            if meta.len() > MAX_FILE {
                bail!(say("cli.file_too_large", &[("path", &a.file.display())]));
            }
            let text = std::fs::read_to_string(&a.file)
                .with_context(|| say("cli.not_utf8", &[("path", &a.file.display())]))?;
            let name = a.file.display().to_string();
            let mut framework = match mamori_survey::load(&name, &text) {
                Ok(f) => f,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    bail!(say(
                        "cli.framework_errors",
                        &[("path", &name), ("count", &errors.len())]
                    ));
                }
            };
            if let Some(key) = a.key {
                if !key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    || key.is_empty()
                {
                    bail!(say("cli.framework_key", &[]));
                }
                framework.key = key;
            }
            let store = connect(&a.db).await?;
            match store
                .import_framework(&Actor::system("cli"), &framework)
                .await
            {
                Ok(mamori_store::frameworks::FrameworkImport::Created(id)) => println!(
                    "{}",
                    say(
                        "cli.framework_imported",
                        &[
                            ("key", &framework.key),
                            ("version", &framework.version),
                            ("id", &id),
                            ("items", &framework.assessable_items()),
                        ],
                    )
                ),
                Ok(mamori_store::frameworks::FrameworkImport::Unchanged(id)) => println!(
                    "{}",
                    say(
                        "cli.framework_unchanged",
                        &[
                            ("key", &framework.key),
                            ("version", &framework.version),
                            ("id", &id),
                        ],
                    )
                ),
                Err(mamori_store::StoreError::Conflict { .. }) => bail!(say(
                    "cli.framework_conflict",
                    &[("key", &framework.key), ("version", &framework.version)]
                )),
                Err(e) => return Err(e.into()),
            }
        }
        FrameworkCommand::List(l) => {
            let store = connect(&l.db).await?;
            let list = store.list_frameworks().await?;
            match l.format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                OutputFormat::Table => {
                    println!(
                        "{:<5} {:<22} {:<10} {:>6}  {}",
                        say("cli.col_id", &[]),
                        say("cli.col_key", &[]),
                        say("cli.col_version", &[]),
                        say("cli.col_items", &[]),
                        say("cli.col_name", &[])
                    );
                    for f in list {
                        println!(
                            "{:<5} {:<22} {:<10} {:>6}  {}",
                            f.id, f.key, f.version, f.assessable_items, f.name
                        );
                    }
                }
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn org(cmd: OrgCommand) -> Result<std::process::ExitCode> {
    match cmd {
        OrgCommand::Add(a) => {
            let kind = OrganisationKind::from_code(&a.kind)
                .filter(|k| *k != OrganisationKind::Institution)
                .with_context(|| {
                    say(
                        "cli.unknown_org_kind",
                        &[("kind", &format!("{:?}", a.kind))],
                    )
                })?;
            let bureau = match a.bureau.as_deref() {
                Some(b) => Some(Bureau::from_code(b).with_context(|| {
                    say("cli.unknown_bureau", &[("bureau", &format!("{b:?}"))])
                })?),
                None if kind == OrganisationKind::Bureau => bail!(say("cli.bureau_needed", &[])),
                None => None,
            };
            let mut v = mamori_domain::validation::Validator::default();
            let code = v.text("code", &a.code, 32);
            let name_ja = v.text("name_ja", &a.name_ja, 200);
            let name_en = v.text("name_en", &a.name_en, 200);
            if let Err(errs) = v.finish(()) {
                return Err(describe_store_error(mamori_store::StoreError::Invalid(
                    errs,
                )));
            }
            let store = connect(&a.db).await?;
            store
                .create_organisation(
                    &Actor::system("cli"),
                    kind,
                    &code,
                    &name_ja,
                    &name_en,
                    bureau,
                )
                .await
                .map_err(describe_store_error)?;
            println!("{}", say("cli.created", &[("name", &code)]));
        }
        OrgCommand::List(l) => {
            let store = connect(&l.db).await?;
            let orgs = store.list_organisations().await?;
            match l.format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&orgs)?),
                OutputFormat::Table => {
                    for o in orgs {
                        println!("{:<18} {:<12} {}", o.code, o.kind.code(), o.name_en);
                    }
                }
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn user(cmd: UserCommand) -> Result<std::process::ExitCode> {
    let actor = Actor::system("cli");
    match cmd {
        UserCommand::Add(a) => {
            let store = connect(&a.db).await?;
            let role = Role::from_code(&a.role).with_context(|| {
                let roles = Role::ALL
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(", ");
                say(
                    "cli.unknown_role",
                    &[("role", &format!("{:?}", a.role)), ("roles", &roles)],
                )
            })?;
            let given = read_password(a.password_stdin)?;
            let password = given.clone().unwrap_or_else(generated_password);
            let new = NewAccount {
                username: a.username.clone(),
                display_name: a.display_name.clone().unwrap_or_else(|| a.username.clone()),
                organisation_code: a.organisation.clone(),
                role,
                password: password.clone(),
            };
            store
                .create_account(&actor, &new)
                .await
                .map_err(describe_store_error)?;
            if given.is_none() {
                println!(
                    "{}",
                    say(
                        "cli.created_with_password",
                        &[("name", &a.username), ("password", &password)]
                    )
                );
            } else {
                println!("{}", say("cli.created", &[("name", &a.username)]));
            }
        }
        UserCommand::List(l) => {
            let store = connect(&l.db).await?;
            let accounts = store.list_accounts().await?;
            let mut out = std::io::stdout().lock();
            match l.format {
                OutputFormat::Json => {
                    let rows: Vec<_> = accounts
                        .iter()
                        .map(|a| {
                            serde_json::json!({
                                "username": a.username, "display_name": a.display_name, "role": a.role.code(),
                                "organisation": a.organisation, "organisation_name": a.organisation_name_en,
                                "disabled": a.disabled, "totp_enabled": a.totp_enabled,
                            })
                        })
                        .collect();
                    writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
                }
                OutputFormat::Table => {
                    writeln!(
                        out,
                        "{:<20} {:<22} {:<16} {:<8} {}",
                        say("cli.col_username", &[]),
                        say("cli.col_role", &[]),
                        say("cli.col_organisation", &[]),
                        say("cli.col_state", &[]),
                        say("cli.col_totp", &[])
                    )?;
                    for a in &accounts {
                        writeln!(
                            out,
                            "{:<20} {:<22} {:<16} {:<8} {}",
                            a.username,
                            a.role.code(),
                            a.organisation,
                            say(
                                if a.disabled {
                                    "cli.state_disabled"
                                } else {
                                    "cli.state_active"
                                },
                                &[]
                            ),
                            say(if a.totp_enabled { "cli.yes" } else { "cli.no" }, &[])
                        )?;
                    }
                }
            }
        }
        UserCommand::ResetPassword(r) => {
            let store = connect(&r.db).await?;
            let given = read_password(r.password_stdin)?;
            let password = given.clone().unwrap_or_else(generated_password);
            store
                .reset_password(&actor, &r.username, &password)
                .await
                .map_err(describe_store_error)?;
            if given.is_none() {
                println!(
                    "{}",
                    say(
                        "cli.new_password",
                        &[("name", &r.username), ("password", &password)]
                    )
                );
            } else {
                println!("{}", say("cli.password_changed", &[("name", &r.username)]));
            }
        }
        UserCommand::Disable(u) => {
            let store = connect(&u.db).await?;
            store
                .set_account_disabled(&actor, &u.username, true)
                .await
                .map_err(describe_store_error)?;
            println!("{}", say("cli.disabled", &[("name", &u.username)]));
        }
        UserCommand::Enable(u) => {
            let store = connect(&u.db).await?;
            store
                .set_account_disabled(&actor, &u.username, false)
                .await
                .map_err(describe_store_error)?;
            println!("{}", say("cli.enabled", &[("name", &u.username)]));
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn token(cmd: TokenCommand) -> Result<std::process::ExitCode> {
    let actor = Actor::system("cli");
    match cmd {
        TokenCommand::Create(c) => {
            let store = connect(&c.db).await?;
            let account = store
                .account_by_username(&c.user)
                .await
                .map_err(describe_store_error)?;
            if !(1..=3650).contains(&c.days) {
                bail!(say("cli.days_range", &[]));
            }
            let expires = chrono::Utc::now() + chrono::Duration::days(c.days);
            let (token, _) = store
                .create_token(&actor, account.id, &c.name, expires)
                .await
                .map_err(describe_store_error)?;
            // The token alone, so that scripts can capture it.
            println!("{token}");
        }
        TokenCommand::List(l) => {
            let store = connect(&l.db).await?;
            let account = store
                .account_by_username(&l.user)
                .await
                .map_err(describe_store_error)?;
            let tokens = store.list_tokens(account.id).await?;
            match l.format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&tokens)?),
                OutputFormat::Table => {
                    println!(
                        "{:<6} {:<20} {:<16} {:<12} {}",
                        say("cli.col_id", &[]),
                        say("cli.col_name", &[]),
                        say("cli.col_prefix", &[]),
                        say("cli.col_expires", &[]),
                        say("cli.col_state", &[])
                    );
                    for t in tokens {
                        let state = say(
                            if t.revoked_at.is_some() {
                                "cli.state_revoked"
                            } else if t.expires_at <= chrono::Utc::now() {
                                "cli.state_expired"
                            } else {
                                "cli.state_active"
                            },
                            &[],
                        );
                        println!(
                            "{:<6} {:<20} {:<16} {:<12} {state}",
                            t.id,
                            t.name,
                            t.prefix,
                            t.expires_at.format("%Y-%m-%d")
                        );
                    }
                }
            }
        }
        TokenCommand::Revoke(r) => {
            let store = connect(&r.db).await?;
            let account = store
                .account_by_username(&r.user)
                .await
                .map_err(describe_store_error)?;
            store
                .revoke_token(&actor, account.id, r.id)
                .await
                .map_err(describe_store_error)?;
            println!("{}", say("cli.token_revoked", &[("id", &r.id)]));
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Store errors in words for the terminal.
fn describe_store_error(e: mamori_store::StoreError) -> anyhow::Error {
    use mamori_store::StoreError;
    match e {
        StoreError::NotFound => anyhow::anyhow!(say("cli.not_found", &[])),
        StoreError::Invalid(errs) => {
            // Each field with the validation message in words (its key names it in the
            // catalogue), and the value given.
            let details = errs
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}{}",
                        e.field,
                        mamori_web::i18n::t(lang(), &e.key),
                        e.value
                            .as_deref()
                            .map(|v| format!(" ({v})"))
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            anyhow::anyhow!(say("cli.invalid_input", &[("details", &details)]))
        }
        other => anyhow::Error::new(other),
    }
}
