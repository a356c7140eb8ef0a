//! Command-line arguments. Every flag has a `MAMORI_*` environment variable as fallback.

use clap::{Arg, ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use mamori_web::i18n::{t, Lang};
use std::path::PathBuf;

/// The help texts come from the catalogues (`help.*`), in the language of the run: see
/// [`command`]. Doc comments here are for readers of the code.
#[derive(Parser)]
#[command(name = "mamori", version, disable_help_subcommand = true)]
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

/// The command line with every help text in `lang`: `help.PATH` for a command (`help.mamori`
/// for the program, `help.user.reset_password` for `mamori user reset-password`),
/// `help.PATH.ARG` for an argument, else `help.arg.ARG` for one several commands share.
pub fn command(lang: Lang) -> clap::Command {
    localize(Cli::command(), "", lang)
}

/// The catalogue key of an argument's help (`None`: the catalogues have none).
fn arg_key(path: &str, id: &str, has: impl Fn(&str) -> bool) -> Option<String> {
    [format!("help.{path}.{id}"), format!("help.arg.{id}")]
        .into_iter()
        .find(|k| has(k))
}

fn has_key(key: &str) -> bool {
    // `t` answers the key itself for a key it does not have.
    t(Lang::En, key) != key
}

fn localize(mut cmd: clap::Command, path: &str, lang: Lang) -> clap::Command {
    let key = if path.is_empty() {
        "help.mamori".to_string()
    } else {
        format!("help.{path}")
    };
    cmd = cmd.about(t(lang, &key).to_string()).long_about(None);
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let help = arg_key(path, &id, has_key).map(|k| t(lang, &k).to_string());
        cmd = cmd.mut_arg(&id, |a| {
            let heading = if a.is_positional() {
                "help.heading.arguments"
            } else {
                "help.heading.options"
            };
            let a = a.help_heading(t(lang, heading));
            match help {
                Some(h) => a.help(h).long_help(None),
                None => a,
            }
        });
    }
    // clap's own -h and -V, in the same language.
    let flag = |id: &'static str, short: char, action: ArgAction| {
        Arg::new(id)
            .short(short)
            .long(id)
            .action(action)
            .help(t(lang, &format!("help.arg.{id}")).to_string())
            .help_heading(t(lang, "help.heading.options"))
    };
    cmd = cmd
        .disable_help_flag(true)
        .arg(flag("help", 'h', ArgAction::Help));
    if path.is_empty() {
        cmd = cmd
            .disable_version_flag(true)
            .arg(flag("version", 'V', ArgAction::Version));
    }
    cmd = cmd
        .subcommand_help_heading(t(lang, "help.heading.commands"))
        .help_template(format!(
            "{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
            t(lang, "help.heading.usage")
        ));
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub = name.replace('-', "_");
        let sub_path = if path.is_empty() {
            sub
        } else {
            format!("{path}.{sub}")
        };
        cmd = cmd.mut_subcommand(&name, |s| localize(s, &sub_path, lang));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and every argument has its help in the catalogues (which a test of
    /// the i18n crate keeps in both languages).
    #[test]
    fn every_command_and_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let key = if path.is_empty() {
                "help.mamori".to_string()
            } else {
                format!("help.{path}")
            };
            if !has_key(&key) {
                missing.push(key);
            }
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if arg_key(path, id, has_key).is_none() {
                    missing.push(format!("help.{path}.{id}"));
                }
            }
            for s in cmd.get_subcommands() {
                let sub = s.get_name().replace('-', "_");
                let p = if path.is_empty() {
                    sub
                } else {
                    format!("{path}.{sub}")
                };
                walk(s, &p, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "help without text: {missing:?}");
    }

    /// The help is in the language asked for, and the command line still parses.
    #[test]
    fn help_follows_the_language() {
        let ja = command(Lang::Ja).try_get_matches_from(["mamori", "scan", "--help"]);
        let text = ja.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("使い方:") && text.contains("指標を含む"),
            "{text}"
        );
        let en = command(Lang::En).try_get_matches_from(["mamori", "scan", "--help"]);
        let text = en.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("Usage:") && text.contains("A STIX 2.1 bundle"),
            "{text}"
        );
        command(Lang::Ja).debug_assert();
    }
}
