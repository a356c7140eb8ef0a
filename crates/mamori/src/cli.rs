//! Command-line arguments. Every flag has a `MAMORI_*` environment variable as fallback.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "mamori",
    version,
    about = "Cybersecurity supervision and mutual aid for the financial sector"
)]
pub struct Cli {
    /// Log format on standard error.
    #[arg(
        long,
        global = true,
        env = "MAMORI_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
    /// The language of messages and of reports: ja or en. By default the locale's (LC_ALL,
    /// LC_MESSAGES or LANG), English unless it is Japanese.
    #[arg(long, global = true, env = "MAMORI_LANG", value_enum)]
    pub lang: Option<Language>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Language {
    Ja,
    En,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Args, Clone)]
pub struct DbArgs {
    /// sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "MAMORI_DATABASE_URL",
        default_value = "sqlite://mamori.db"
    )]
    pub database_url: String,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web application and the API.
    Serve(ServeArgs),
    /// Create a fresh synthetic sector with accounts for every role, print the sign-ins and serve it.
    Demo(DemoArgs),
    /// Apply pending schema migrations (they also run on every start).
    Migrate(DbArgs),
    /// Manage the organisations that are not institutions (FSA, bureaus, ISAC, FISC, associations).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Self-assessment frameworks: import (mamori YAML or OSCAL JSON/YAML) and list.
    #[command(subcommand)]
    Framework(FrameworkCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent online copy of a SQLite database (PostgreSQL: use pg_dump).
    Backup(BackupArgs),
    /// Generate reports from accepted survey answers.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Check log files against indicators from a STIX 2.1 bundle, on this machine (no database).
    Scan(ScanArgs),
}

#[derive(Args)]
pub struct ScanArgs {
    /// A STIX 2.1 bundle holding the indicators (repeat for several).
    #[arg(long)]
    pub indicators: Vec<PathBuf>,
    /// A TAXII 2.1 collection to pull indicators from, e.g.
    /// `https://mamori.example/taxii2/mamori/collections/<id>/` (repeat for several).
    #[arg(long)]
    pub taxii: Vec<String>,
    /// The API token for `--taxii` and `--report-sightings` (or MAMORI_TOKEN).
    #[arg(long, env = "MAMORI_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// After scanning, report one sighting per matched indicator to this mamori server
    /// (e.g. `https://mamori.example`), as the token's institution.
    #[arg(long)]
    pub report_sightings: Option<String>,
    /// jsonl (one JSON object per match) or table.
    #[arg(long, default_value = "jsonl")]
    pub format: String,
    /// Threads to scan with (0: one per core).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Log files (plain text, JSON lines or gzip); none or `-` reads standard input.
    pub logs: Vec<PathBuf>,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The annual sector report of one campaign: HTML (self-contained, print-ready), PDF or the XLSX annex.
    Sector(SectorReportArgs),
}

#[derive(Args)]
pub struct SectorReportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Campaign id (see `mamori framework list` and the Surveys page).
    #[arg(long)]
    pub campaign: i64,
    /// html, pdf or xlsx.
    #[arg(long, default_value = "html")]
    pub format: String,
    /// The file to write.
    #[arg(long, short)]
    pub output: PathBuf,
    /// The date printed on the report (YYYY-MM-DD); today by default. Fixing it makes the
    /// output reproducible.
    #[arg(long)]
    pub generated_on: Option<chrono::NaiveDate>,
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, env = "MAMORI_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Mark cookies Secure (when served over TLS).
    #[arg(long, env = "MAMORI_COOKIE_SECURE")]
    pub cookie_secure: bool,
}

#[derive(Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, env = "MAMORI_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Multiply the sector's population.
    #[arg(long, env = "MAMORI_DEMO_SCALE", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub scale: u32,
    /// Seed of the synthetic data: the same seed gives the same sector.
    #[arg(long, env = "MAMORI_DEMO_SEED", default_value_t = 2019)]
    pub seed: u64,
    /// Create the data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Subcommand)]
pub enum FrameworkCommand {
    /// Import a framework file; the kind (mamori YAML, OSCAL catalog in JSON or YAML) is detected.
    Import(FrameworkImportArgs),
    /// List framework versions.
    List(ListArgs),
}

#[derive(Args)]
pub struct FrameworkImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    pub file: PathBuf,
    /// For OSCAL catalogs: the framework key (default: derived from the catalog's title).
    #[arg(long)]
    pub key: Option<String>,
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Create an organisation, e.g. the operator's own, to attach the first administrator to.
    Add(OrgAddArgs),
    /// List the organisations that are not institutions.
    List(ListArgs),
}

#[derive(Args)]
pub struct OrgAddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// operator, fsa, bureau, isac, fisc, association or government.
    #[arg(long)]
    pub kind: String,
    /// A unique code, e.g. BUREAU-KANTO.
    #[arg(long)]
    pub code: String,
    #[arg(long)]
    pub name_ja: String,
    #[arg(long)]
    pub name_en: String,
    /// For bureaus: the office (hokkaido, tohoku, kanto, ...).
    #[arg(long)]
    pub bureau: Option<String>,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a password is generated and printed.
    Add(UserAddArgs),
    /// List accounts.
    List(ListArgs),
    /// Set a new password (generated unless --password-stdin) and lift any lockout.
    ResetPassword(PasswordArgs),
    /// Disable an account and end its sessions.
    Disable(UsernameArgs),
    /// Enable a disabled account.
    Enable(UsernameArgs),
}

#[derive(Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub display_name: Option<String>,
    /// The organisation's registry code, e.g. FSA, BUREAU-KANTO, RB-00001.
    #[arg(long)]
    pub organisation: String,
    /// system_admin, fsa_supervisor, bureau_supervisor, institution_admin, institution_member, isac_analyst, exercise_controller or council_member.
    #[arg(long)]
    pub role: String,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
}

#[derive(Args)]
pub struct PasswordArgs {
    #[command(flatten)]
    pub db: DbArgs,
    pub username: String,
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Args)]
pub struct UsernameArgs {
    #[command(flatten)]
    pub db: DbArgs,
    pub username: String,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user and print it (alone) on standard output.
    Create(TokenCreateArgs),
    /// List a user's tokens.
    List(TokenListArgs),
    /// Revoke a token by id.
    Revoke(TokenRevokeArgs),
}

#[derive(Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long)]
    pub user: String,
    #[arg(long, default_value = "cli")]
    pub name: String,
    /// Days until the token expires.
    #[arg(long, default_value_t = 90)]
    pub days: i64,
}

#[derive(Args)]
pub struct TokenListArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long)]
    pub user: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
}

#[derive(Args)]
pub struct TokenRevokeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long)]
    pub user: String,
    pub id: i64,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain; exit 0 when intact, 2 naming the first bad record otherwise.
    Verify(DbArgs),
}

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The file to write; it must not exist.
    #[arg(long, short)]
    pub output: PathBuf,
}
