//! The registry: institutions, the other organisations, and contacts.

use crate::audit::{invalid_cursor, AuditEvent};
use crate::sql::{bind_args, rows_per_statement, Arg, Cursor, Sql};
use crate::{conflict_on, on_tx, read, Actor, Page, PageRequest, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use mamori_domain::institution::{ContactInput, InstitutionInput};
use mamori_domain::policy::InstitutionScope;
use mamori_domain::{
    Bureau, Contact, Institution, IsacMembership, Organisation, OrganisationKind, Prefecture,
    Sector, SizeTier,
};
use serde_json::json;

#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: i64,
    kind: String,
    code: String,
    name_ja: String,
    name_en: String,
    sector: Option<String>,
    size_tier: Option<String>,
    bureau: Option<String>,
    prefecture: Option<String>,
    group_name: Option<String>,
    isac_membership: String,
    require_totp: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Binds an institution's attributes as `$1`..`$10` in column order: code, name_ja, name_en,
/// sector, size_tier, bureau, prefecture, group_name, isac_membership, require_totp.
macro_rules! bind_institution {
    ($query:expr, $input:expr) => {
        $query
            .bind(&$input.code)
            .bind(&$input.name_ja)
            .bind(&$input.name_en)
            .bind($input.sector.code())
            .bind($input.size_tier.code())
            .bind($input.bureau.code())
            .bind($input.prefecture.code())
            .bind(&$input.group_name)
            .bind($input.isac_membership.code())
            .bind($input.require_totp)
    };
}

const ORG_COLUMNS: &str = "id, kind, code, name_ja, name_en, sector, size_tier, bureau, prefecture, group_name, isac_membership, require_totp, created_at, updated_at";

fn parse<T>(what: &str, value: Option<&str>, f: impl Fn(&str) -> Option<T>) -> Result<T> {
    value
        .and_then(&f)
        .ok_or_else(|| StoreError::Corrupt(format!("{what} = {value:?}")))
}

impl TryFrom<OrganisationRow> for Institution {
    type Error = StoreError;
    fn try_from(r: OrganisationRow) -> Result<Institution> {
        Ok(Institution {
            id: r.id,
            sector: parse("sector", r.sector.as_deref(), Sector::from_code)?,
            size_tier: parse("size_tier", r.size_tier.as_deref(), SizeTier::from_code)?,
            bureau: parse("bureau", r.bureau.as_deref(), Bureau::from_code)?,
            prefecture: parse("prefecture", r.prefecture.as_deref(), Prefecture::from_code)?,
            isac_membership: parse(
                "isac_membership",
                Some(r.isac_membership.as_str()),
                IsacMembership::from_code,
            )?,
            code: r.code,
            name_ja: r.name_ja,
            name_en: r.name_en,
            group_name: r.group_name,
            require_totp: r.require_totp,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;
    fn try_from(r: OrganisationRow) -> Result<Organisation> {
        Ok(Organisation {
            id: r.id,
            kind: parse("kind", Some(r.kind.as_str()), OrganisationKind::from_code)?,
            bureau: r.bureau.as_deref().and_then(Bureau::from_code),
            code: r.code,
            name_ja: r.name_ja,
            name_en: r.name_en,
        })
    }
}

/// Filters for the institution list. Every field narrows the list; none widens the scope.
#[derive(Debug, Clone, Default)]
pub struct InstitutionFilter {
    /// Free text matched against both names and the code.
    pub q: Option<String>,
    pub sector: Option<Sector>,
    pub bureau: Option<Bureau>,
    pub size_tier: Option<SizeTier>,
    pub isac_membership: Option<IsacMembership>,
    pub prefecture: Option<Prefecture>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstitutionSort {
    #[default]
    NameEn,
    NameJa,
    Code,
    Sector,
    Bureau,
}

impl InstitutionSort {
    pub const ALL: [InstitutionSort; 5] = [
        InstitutionSort::NameEn,
        InstitutionSort::NameJa,
        InstitutionSort::Code,
        InstitutionSort::Sector,
        InstitutionSort::Bureau,
    ];

    pub fn code(self) -> &'static str {
        match self {
            InstitutionSort::NameEn => "name_en",
            InstitutionSort::NameJa => "name_ja",
            InstitutionSort::Code => "code",
            InstitutionSort::Sector => "sector",
            InstitutionSort::Bureau => "bureau",
        }
    }

    pub fn from_code(s: &str) -> Option<InstitutionSort> {
        InstitutionSort::ALL.into_iter().find(|c| c.code() == s)
    }

    fn key(self, i: &Institution) -> String {
        match self {
            InstitutionSort::NameEn => i.name_en.clone(),
            InstitutionSort::NameJa => i.name_ja.clone(),
            InstitutionSort::Code => i.code.clone(),
            InstitutionSort::Sector => i.sector.code().to_string(),
            InstitutionSort::Bureau => i.bureau.code().to_string(),
        }
    }
}

/// Counts of what an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Store {
    fn institution_where(&self, scope: InstitutionScope, filter: &InstitutionFilter) -> Sql {
        let mut w = Sql::new(self.backend(), " WHERE kind = 'institution'");
        w.institution_scope(scope, "id", "bureau");
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            w.contains_any(&["name_ja", "name_en", "code"], q);
        }
        if let Some(s) = filter.sector {
            w.push(" AND sector = ").text_arg(s.code());
        }
        if let Some(b) = filter.bureau {
            w.push(" AND bureau = ").text_arg(b.code());
        }
        if let Some(t) = filter.size_tier {
            w.push(" AND size_tier = ").text_arg(t.code());
        }
        if let Some(m) = filter.isac_membership {
            w.push(" AND isac_membership = ").text_arg(m.code());
        }
        if let Some(p) = filter.prefecture {
            w.push(" AND prefecture = ").text_arg(p.code());
        }
        w
    }

    /// A page of institutions within `scope`, sorted by `sort` then id, with keyset paging.
    pub async fn list_institutions(
        &self,
        scope: InstitutionScope,
        filter: &InstitutionFilter,
        sort: InstitutionSort,
        descending: bool,
        page: &PageRequest,
    ) -> Result<Page<Institution>> {
        let mut w = self.institution_where(scope, filter);
        let count_sql = format!("SELECT COUNT(*) FROM organisations{}", w.text);
        let total: i64 = read!(self, |c| bind_args!(sqlx::query_scalar(&count_sql), w.args)
            .fetch_one(c)
            .await)?;
        let col = sort.code();
        let (cmp, dir) = if descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let Some(cursor) = &page.cursor {
            let c = Cursor::decode(cursor).ok_or_else(invalid_cursor)?;
            w.push(&format!(" AND ({col} {cmp} "))
                .text_arg(c.key.clone())
                .push(&format!(" OR ({col} = "))
                .text_arg(c.key)
                .push(&format!(" AND id {cmp} "))
                .arg(Arg::I64(c.id))
                .push("))");
        }
        let limit = page.limit();
        let sql = format!(
            "SELECT {ORG_COLUMNS} FROM organisations{} ORDER BY {col} {dir}, id {dir} LIMIT {}",
            w.text,
            limit + 1
        );
        let rows: Vec<OrganisationRow> = read!(self, |c| bind_args!(sqlx::query_as(&sql), w.args)
            .fetch_all(c)
            .await)?;
        let mut items = rows
            .into_iter()
            .map(Institution::try_from)
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|i| {
                Cursor {
                    key: sort.key(i),
                    id: i.id,
                }
                .encode()
            })
        } else {
            None
        };
        Ok(Page { items, next, total })
    }

    /// Every institution within `scope` matching `filter`, sorted by code (for exports).
    pub async fn export_institutions(
        &self,
        scope: InstitutionScope,
        filter: &InstitutionFilter,
    ) -> Result<Vec<Institution>> {
        let w = self.institution_where(scope, filter);
        let sql = format!(
            "SELECT {ORG_COLUMNS} FROM organisations{} ORDER BY code",
            w.text
        );
        let rows: Vec<OrganisationRow> = read!(self, |c| bind_args!(sqlx::query_as(&sql), w.args)
            .fetch_all(c)
            .await)?;
        rows.into_iter().map(Institution::try_from).collect()
    }

    /// One institution, or `NotFound` when it does not exist or lies outside `scope`.
    pub async fn get_institution(&self, scope: InstitutionScope, id: i64) -> Result<Institution> {
        let mut w = Sql::new(self.backend(), " WHERE kind = 'institution' AND id = ");
        w.arg(Arg::I64(id));
        w.institution_scope(scope, "id", "bureau");
        let sql = format!("SELECT {ORG_COLUMNS} FROM organisations{}", w.text);
        let row: Option<OrganisationRow> =
            read!(self, |c| bind_args!(sqlx::query_as(&sql), w.args)
                .fetch_optional(c)
                .await)?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The organisations that are not supervised institutions.
    pub async fn list_organisations(&self) -> Result<Vec<Organisation>> {
        let sql = format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE kind <> 'institution' ORDER BY kind, code"
        );
        let rows: Vec<OrganisationRow> = read!(self, |c| sqlx::query_as(&sql).fetch_all(c).await)?;
        rows.into_iter().map(Organisation::try_from).collect()
    }

    /// Any organisation by code (used by the CLI and the demo to attach accounts).
    pub async fn organisation_by_code(&self, code: &str) -> Result<(i64, OrganisationKind)> {
        let row: Option<(i64, String)> = read!(self, |c| sqlx::query_as(
            "SELECT id, kind FROM organisations WHERE code = $1"
        )
        .bind(code)
        .fetch_optional(c)
        .await)?;
        let (id, kind) = row.ok_or(StoreError::NotFound)?;
        Ok((
            id,
            parse("kind", Some(kind.as_str()), OrganisationKind::from_code)?,
        ))
    }

    pub async fn create_institution(
        &self,
        actor: &Actor,
        input: &InstitutionInput,
    ) -> Result<Institution> {
        let mut tx = self.begin().await?;
        let id = tx.insert_institution(actor, input).await?;
        tx.commit().await?;
        self.get_institution(InstitutionScope::All, id).await
    }

    /// Replaces an institution's attributes; the audit record holds only what changed.
    pub async fn update_institution(
        &self,
        actor: &Actor,
        current: &Institution,
        input: &InstitutionInput,
    ) -> Result<Institution> {
        let mut tx = self.begin().await?;
        if tx.update_institution(actor, current, input).await? {
            tx.commit().await?;
        } else {
            // Nothing changed: nothing to write, nothing to audit.
            tx.rollback().await?;
        }
        self.get_institution(InstitutionScope::All, current.id)
            .await
    }

    /// Creates or updates institutions by code, all in one transaction: either every row is
    /// applied or none is.
    pub async fn import_institutions(
        &self,
        actor: &Actor,
        rows: &[InstitutionInput],
    ) -> Result<ImportSummary> {
        let mut tx = self.begin().await?;
        let mut existing: std::collections::HashMap<String, OrganisationRow> =
            std::collections::HashMap::new();
        for chunk in rows.chunks(rows_per_statement(self.backend(), 1)) {
            let mut sql = Sql::new(
                self.backend(),
                &format!("SELECT {ORG_COLUMNS} FROM organisations WHERE code IN ("),
            );
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.text_arg(r.code.clone());
            }
            sql.push(")");
            let found: Vec<OrganisationRow> =
                on_tx!(tx, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
                    .fetch_all(c)
                    .await)?;
            existing.extend(found.into_iter().map(|r| (r.code.clone(), r)));
        }
        if existing.values().any(|r| r.kind != "institution") {
            tx.rollback().await?;
            return Err(StoreError::Conflict { field: "code" });
        }
        let mut summary = ImportSummary::default();
        let mut new = Vec::new();
        for input in rows {
            match existing.remove(&input.code) {
                None => new.push(input.clone()),
                Some(row) => {
                    let current = Institution::try_from(row)?;
                    if tx.update_institution(actor, &current, input).await? {
                        summary.updated += 1;
                    } else {
                        summary.unchanged += 1;
                    }
                }
            }
        }
        summary.created = tx.insert_institutions(actor, &new).await?.len();
        if summary.created + summary.updated == 0 {
            // Nothing changed: nothing to audit, nothing to commit.
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(summary)
    }

    /// Creates a non-supervised organisation (the FSA, a bureau, the ISAC...).
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        kind: OrganisationKind,
        code: &str,
        name_ja: &str,
        name_en: &str,
        bureau: Option<Bureau>,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = tx
            .insert_organisation(actor, kind, code, name_ja, name_en, bureau)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_contacts(&self, organisation_id: i64) -> Result<Vec<Contact>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            organisation_id: i64,
            name: String,
            title: Option<String>,
            email: Option<String>,
            phone: Option<String>,
        }
        let rows: Vec<Row> = read!(self, |c| {
            sqlx::query_as(
            "SELECT id, organisation_id, name, title, email, phone FROM contacts WHERE organisation_id = $1 ORDER BY id"
        )
        .bind(organisation_id)
        .fetch_all(c)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|r| Contact {
                id: r.id,
                organisation_id: r.organisation_id,
                name: r.name,
                title: r.title,
                email: r.email,
                phone: r.phone,
            })
            .collect())
    }

    pub async fn add_contact(
        &self,
        actor: &Actor,
        organisation_id: i64,
        input: &ContactInput,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = tx.insert_contact(actor, organisation_id, input).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_contact(
        &self,
        actor: &Actor,
        organisation_id: i64,
        contact_id: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let deleted = on_tx!(tx, |c| sqlx::query(
            "DELETE FROM contacts WHERE id = $1 AND organisation_id = $2"
        )
        .bind(contact_id)
        .bind(organisation_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if deleted == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        tx.audit(AuditEvent {
            actor,
            organisation_id: Some(organisation_id),
            action: "contact.delete",
            object_type: "contact",
            object_id: contact_id.to_string(),
            changes: json!({}),
        })
        .await?;
        tx.commit().await
    }
}

impl Tx {
    pub async fn insert_institution(
        &mut self,
        actor: &Actor,
        input: &InstitutionInput,
    ) -> Result<i64> {
        let ids = self
            .insert_institutions(actor, std::slice::from_ref(input))
            .await?;
        ids.first()
            .copied()
            .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))
    }

    /// Inserts institutions with multi-row statements, one audit record each; returns their
    /// ids in input order.
    pub async fn insert_institutions(
        &mut self,
        actor: &Actor,
        inputs: &[InstitutionInput],
    ) -> Result<Vec<i64>> {
        let now = Utc::now();
        let mut ids = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(rows_per_statement(self.backend, 13)) {
            let mut sql = Sql::new(
                self.backend,
                "INSERT INTO organisations (kind, code, name_ja, name_en, sector, size_tier, bureau, prefecture, \
                 group_name, isac_membership, require_totp, created_at, updated_at) VALUES ",
            );
            for (i, input) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.row(vec![
                    Arg::Text("institution".into()),
                    Arg::Text(input.code.clone()),
                    Arg::Text(input.name_ja.clone()),
                    Arg::Text(input.name_en.clone()),
                    Arg::Text(input.sector.code().into()),
                    Arg::Text(input.size_tier.code().into()),
                    Arg::Text(input.bureau.code().into()),
                    Arg::Text(input.prefecture.code().into()),
                    Arg::OptText(input.group_name.clone()),
                    Arg::Text(input.isac_membership.code().into()),
                    Arg::Bool(input.require_totp),
                    Arg::Time(now),
                    Arg::Time(now),
                ]);
            }
            sql.push(" RETURNING id, code");
            // RETURNING order is not guaranteed on SQLite: match rows back by code.
            let rows: Vec<(i64, String)> =
                on_tx!(self, |c| bind_args!(sqlx::query_as(&sql.text), sql.args)
                    .fetch_all(c)
                    .await)
                .map_err(conflict_on("code"))?;
            let by_code: std::collections::HashMap<String, i64> =
                rows.into_iter().map(|(id, code)| (code, id)).collect();
            for input in chunk {
                let id = by_code.get(&input.code).copied().ok_or_else(|| {
                    StoreError::Corrupt(format!("no id returned for {}", input.code))
                })?;
                ids.push(id);
            }
        }
        let events = inputs
            .iter()
            .zip(&ids)
            .map(|(input, id)| AuditEvent {
                actor,
                organisation_id: Some(*id),
                action: "institution.create",
                object_type: "institution",
                object_id: id.to_string(),
                changes: json!({
                    "code": input.code, "name_ja": input.name_ja, "name_en": input.name_en,
                    "sector": input.sector, "size_tier": input.size_tier, "bureau": input.bureau,
                    "prefecture": input.prefecture, "group_name": input.group_name,
                    "isac_membership": input.isac_membership, "require_totp": input.require_totp,
                }),
            })
            .collect();
        self.audit_many(events).await?;
        Ok(ids)
    }

    /// Returns whether anything changed. Unchanged input writes nothing and audits nothing.
    pub async fn update_institution(
        &mut self,
        actor: &Actor,
        current: &Institution,
        input: &InstitutionInput,
    ) -> Result<bool> {
        let mut changes = serde_json::Map::new();
        let mut diff = |field: &str, old: serde_json::Value, new: serde_json::Value| {
            if old != new {
                changes.insert(field.to_string(), json!([old, new]));
            }
        };
        diff("code", json!(current.code), json!(input.code));
        diff("name_ja", json!(current.name_ja), json!(input.name_ja));
        diff("name_en", json!(current.name_en), json!(input.name_en));
        diff("sector", json!(current.sector), json!(input.sector));
        diff(
            "size_tier",
            json!(current.size_tier),
            json!(input.size_tier),
        );
        diff("bureau", json!(current.bureau), json!(input.bureau));
        diff(
            "prefecture",
            json!(current.prefecture),
            json!(input.prefecture),
        );
        diff(
            "group_name",
            json!(current.group_name),
            json!(input.group_name),
        );
        diff(
            "isac_membership",
            json!(current.isac_membership),
            json!(input.isac_membership),
        );
        diff(
            "require_totp",
            json!(current.require_totp),
            json!(input.require_totp),
        );
        if changes.is_empty() {
            return Ok(false);
        }
        on_tx!(self, |c| bind_institution!(
            sqlx::query(
            "UPDATE organisations SET code = $1, name_ja = $2, name_en = $3, sector = $4, size_tier = $5, bureau = $6, \
             prefecture = $7, group_name = $8, isac_membership = $9, require_totp = $10, updated_at = $11 WHERE id = $12"
            ),
            input
        )
        .bind(Utc::now())
        .bind(current.id)
        .execute(c)
        .await.map(|r| r.rows_affected()))
        .map_err(conflict_on("code"))?;
        self.audit(AuditEvent {
            actor,
            organisation_id: Some(current.id),
            action: "institution.update",
            object_type: "institution",
            object_id: current.id.to_string(),
            changes: serde_json::Value::Object(changes),
        })
        .await?;
        Ok(true)
    }

    pub async fn insert_organisation(
        &mut self,
        actor: &Actor,
        kind: OrganisationKind,
        code: &str,
        name_ja: &str,
        name_en: &str,
        bureau: Option<Bureau>,
    ) -> Result<i64> {
        let now = Utc::now();
        let id: i64 = on_tx!(self, |c| sqlx::query_scalar(
            "INSERT INTO organisations (kind, code, name_ja, name_en, bureau, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id"
        )
        .bind(kind.code())
        .bind(code)
        .bind(name_ja)
        .bind(name_en)
        .bind(bureau.map(|b| b.code()))
        .bind(now)
        .fetch_one(c)
        .await)
        .map_err(conflict_on("code"))?;
        self.audit(AuditEvent {
            actor,
            organisation_id: Some(id),
            action: "organisation.create",
            object_type: "organisation",
            object_id: id.to_string(),
            changes: json!({"kind": kind, "code": code, "name_ja": name_ja, "name_en": name_en, "bureau": bureau}),
        })
        .await?;
        Ok(id)
    }

    pub async fn insert_contact(
        &mut self,
        actor: &Actor,
        organisation_id: i64,
        input: &ContactInput,
    ) -> Result<i64> {
        let ids = self
            .insert_contacts(actor, &[(organisation_id, input.clone())])
            .await?;
        ids.first()
            .copied()
            .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))
    }

    /// Inserts contacts with multi-row statements, one audit record each; returns their ids
    /// in input order.
    pub async fn insert_contacts(
        &mut self,
        actor: &Actor,
        contacts: &[(i64, ContactInput)],
    ) -> Result<Vec<i64>> {
        let now = Utc::now();
        let mut ids = Vec::with_capacity(contacts.len());
        for chunk in contacts.chunks(rows_per_statement(self.backend, 6)) {
            let mut sql = Sql::new(
                self.backend,
                "INSERT INTO contacts (organisation_id, name, title, email, phone, created_at) VALUES ",
            );
            for (i, (org, c)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.row(vec![
                    Arg::I64(*org),
                    Arg::Text(c.name.clone()),
                    Arg::OptText(c.title.clone()),
                    Arg::OptText(c.email.clone()),
                    Arg::OptText(c.phone.clone()),
                    Arg::Time(now),
                ]);
            }
            // Both backends draw ids from one increasing sequence row by row, in VALUES order,
            // so sorting them restores the order of the rows.
            sql.push(" RETURNING id");
            let mut rows: Vec<i64> = on_tx!(self, |c| bind_args!(
                sqlx::query_scalar(&sql.text),
                sql.args
            )
            .fetch_all(c)
            .await)?;
            rows.sort_unstable();
            ids.extend(rows);
        }
        let events = contacts
            .iter()
            .zip(&ids)
            .map(|((org, c), id)| AuditEvent {
                actor,
                organisation_id: Some(*org),
                action: "contact.create",
                object_type: "contact",
                object_id: id.to_string(),
                changes: json!({"name": c.name, "title": c.title, "email": c.email, "phone": c.phone}),
            })
            .collect();
        self.audit_many(events).await?;
        Ok(ids)
    }
}
