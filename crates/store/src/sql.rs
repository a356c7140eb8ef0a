//! A small builder for queries whose shape depends on filters, and keyset pagination.

use crate::Backend;
use mamori_domain::policy::{AuditScope, InstitutionScope, SharingScope};
use mamori_domain::Tlp;
use serde::Serialize;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Time(chrono::DateTime<chrono::Utc>),
    OptTime(Option<chrono::DateTime<chrono::Utc>>),
    Date(chrono::NaiveDate),
}

/// SQL text with numbered placeholders (`$1`, `$2`, ...), which both backends accept.
/// Rows per multi-row `INSERT`: well under both backends' limits on bound parameters
/// (SQLite 32,766; PostgreSQL 65,535) for our widest table.
pub(crate) const ROWS_PER_INSERT: usize = 400;

/// Rows per multi-row statement with `params` bound values each. On SQLite, sqlx looks every
/// numbered parameter up by name, which costs the square of the parameters in a statement
/// (measured: three quarters of a 5,000-object STIX import went there with 7,600 parameters
/// per statement); about 800 parameters keep that negligible while still batching.
pub(crate) fn rows_per_statement(backend: Backend, params: usize) -> usize {
    match backend {
        Backend::Sqlite => (800 / params.max(1)).clamp(1, ROWS_PER_INSERT),
        Backend::Postgres => ROWS_PER_INSERT,
    }
}

#[derive(Debug)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
    pub backend: Backend,
}

impl Sql {
    pub fn new(backend: Backend, text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
            backend,
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn arg(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    /// Appends `(p1, p2, ...)`: one row of a multi-row `VALUES`.
    pub fn row(&mut self, values: Vec<Arg>) -> &mut Self {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.arg(v);
        }
        self.push(")")
    }

    pub fn text_arg(&mut self, s: impl Into<String>) -> &mut Self {
        self.arg(Arg::Text(s.into()))
    }

    /// `AND <column> matches the institution scope`: the single translation of the tenant
    /// policy's institution scope into SQL. `id_col` and `bureau_col` name the institution's
    /// id and office columns in the query at hand.
    pub fn institution_scope(
        &mut self,
        scope: InstitutionScope,
        id_col: &str,
        bureau_col: &str,
    ) -> &mut Self {
        match scope {
            InstitutionScope::All => self,
            InstitutionScope::Bureau(b) => self
                .push(&format!(" AND {bureau_col} = "))
                .text_arg(b.code()),
            InstitutionScope::Only(id) => self.push(&format!(" AND {id_col} = ")).arg(Arg::I64(id)),
            InstitutionScope::Nothing => self.push(" AND 1 = 0"),
        }
    }

    /// `AND <organisation column> matches the audit scope`.
    pub fn audit_scope(&mut self, scope: AuditScope, org_col: &str) -> &mut Self {
        match scope {
            AuditScope::All => self,
            AuditScope::Bureau {
                bureau,
                own_organisation,
            } => self
                .push(&format!(" AND ({org_col} = "))
                .arg(Arg::I64(own_organisation))
                .push(&format!(
                    " OR {org_col} IN (SELECT id FROM organisations WHERE kind = 'institution' AND bureau = "
                ))
                .text_arg(bureau.code())
                .push("))"),
            AuditScope::Organisation(id) => self.push(&format!(" AND {org_col} = ")).arg(Arg::I64(id)),
            AuditScope::Nothing => self.push(" AND 1 = 0"),
        }
    }

    /// `AND <shared object is readable>`: the single translation of
    /// `mamori_domain::policy::SharingScope::can_read` into SQL (`so` is the
    /// `shared_objects` row). The conformance suite checks that both say the same.
    pub fn sharing_scope(&mut self, scope: SharingScope, so: &str) -> &mut Self {
        let org = scope.organisation_id;
        let acct = scope.account_id;
        let reaches = |t: Tlp| scope.community.is_some_and(|c| t <= c);
        self.push(&format!(" AND ({so}.author_account = "))
            .arg(Arg::I64(acct))
            .push(&format!(
                " OR {so}.tlp = 'clear' OR ({so}.tlp <> 'red' AND {so}.author_org = "
            ))
            .arg(Arg::I64(org))
            .push(")");
        if scope.staff || reaches(Tlp::Green) {
            self.push(&format!(" OR {so}.tlp = 'green'"));
        }
        if scope.staff {
            self.push(&format!(" OR {so}.tlp = 'amber'"));
        }
        for t in [Tlp::Amber, Tlp::AmberStrict] {
            if reaches(t) {
                self.push(&format!(
                    " OR ({so}.tlp = '{}' AND {so}.audience = 'community')",
                    t.code()
                ));
            }
        }
        self.push(&format!(
            " OR ({so}.tlp IN ('amber', 'amber_strict') AND {so}.audience = 'listed' AND EXISTS \
             (SELECT 1 FROM shared_recipients r WHERE r.object_id = {so}.id AND r.organisation_id = "
        ))
        .arg(Arg::I64(org))
        .push(&format!(
            ")) OR ({so}.tlp = 'red' AND EXISTS (SELECT 1 FROM shared_recipients r WHERE r.object_id = {so}.id AND r.account_id = "
        ))
        .arg(Arg::I64(acct))
        .push(")))");
        if !scope.staff {
            self.push(&format!(" AND (NOT {so}.revoked OR {so}.author_org = "))
                .arg(Arg::I64(org))
                .push(")");
        }
        if scope.feed {
            self.push(&format!(" AND {so}.tlp IN ('clear', 'green', 'amber')"));
        }
        self
    }

    /// `AND column LIKE 'prefix%'`, the prefix taken literally (SQLite compares ASCII case-insensitively; use it on lowercase codes).
    pub fn starts_with(&mut self, column: &str, prefix: &str) -> &mut Self {
        self.args
            .push(Arg::Text(format!("{}%", escape_like(prefix))));
        let n = self.args.len();
        self.push(&format!(" AND {column} LIKE ${n} ESCAPE '\\'"))
    }

    /// `AND (a LIKE x OR b LIKE x ...)`, case-insensitive, with `%` and `_` in the needle taken
    /// literally.
    pub fn contains_any(&mut self, columns: &[&str], needle: &str) -> &mut Self {
        self.args
            .push(Arg::Text(format!("%{}%", escape_like(needle))));
        let n = self.args.len();
        let op = self.backend.ilike();
        let parts: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} {op} ${n} ESCAPE '\\'"))
            .collect();
        self.push(&format!(" AND ({})", parts.join(" OR ")))
    }
}

/// Escapes `%`, `_` and the escape character itself for `LIKE ... ESCAPE '\\'`.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Binds the collected arguments to a query for any backend.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args.iter() {
            q = match a {
                $crate::sql::Arg::I64(v) => q.bind(*v),
                $crate::sql::Arg::OptI64(v) => q.bind(*v),
                $crate::sql::Arg::Text(s) => q.bind(s.clone()),
                $crate::sql::Arg::OptText(s) => q.bind(s.clone()),
                $crate::sql::Arg::Bool(b) => q.bind(*b),
                $crate::sql::Arg::Time(t) => q.bind(*t),
                $crate::sql::Arg::OptTime(t) => q.bind(*t),
                $crate::sql::Arg::Date(d) => q.bind(*d),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

/// What page of a list to fetch.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Items per page, clamped to 1..=500; 50 when zero.
    pub limit: u32,
    /// The opaque `next` value of the previous page.
    pub cursor: Option<String>,
}

impl PageRequest {
    pub fn limit(&self) -> i64 {
        match self.limit {
            0 => 50,
            n => n.clamp(1, 500) as i64,
        }
    }
}

/// One page of a list, with the cursor of the next page and the total count.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub total: i64,
}

/// A keyset position: the sort key and id of the last item of a page. Encoded as hex so that
/// it survives URLs and forms untouched; it is not a secret, only opaque.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub key: String,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        hex::encode(format!("{}\u{1f}{}", self.id, self.key))
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let bytes = hex::decode(s).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (id, key) = text.split_once('\u{1f}')?;
        Some(Cursor {
            key: key.to_string(),
            id: id.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let c = Cursor {
            key: "みどり銀行 %_".into(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("zz"), None);
        assert_eq!(Cursor::decode(&hex::encode("nope")), None);
    }
}
