//! Accepted answers, read in bulk: the input of supervision analytics and reports.
//!
//! Only accepted responses count: a supervisor's acceptance is what makes answers final.
//! Each response comes back as one row whose answers the database has already gathered into
//! a JSON object: a thousand rows to decode instead of tens of thousands.

use crate::sql::{bind_args, Arg, Sql};
use crate::{read, Backend, Result, Store, StoreError};
use mamori_domain::policy::InstitutionScope;
use mamori_survey::answer::AnswerValue;
use std::collections::HashMap;

/// One institution's accepted answers in one campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedResponse {
    pub institution_id: i64,
    pub campaign_id: i64,
    pub framework_id: i64,
    pub answers: HashMap<String, AnswerValue>,
}

#[derive(sqlx::FromRow)]
struct Row {
    institution_id: i64,
    campaign_id: i64,
    framework_id: i64,
    answers: Option<String>,
}

/// The answers of the joined `ans` rows as one JSON object text (`{}` or NULL without any).
fn gathered(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "json_group_object(ans.item_id, json(ans.value)) FILTER (WHERE ans.item_id IS NOT NULL)"
        }
        Backend::Postgres => {
            "(json_object_agg(ans.item_id, ans.value::json) FILTER (WHERE ans.item_id IS NOT NULL))::text"
        }
    }
}

fn decode(rows: Vec<Row>) -> Result<Vec<AcceptedResponse>> {
    rows.into_iter()
        .map(|r| {
            let answers = match r.answers.as_deref() {
                None => HashMap::new(),
                Some(text) => serde_json::from_str(text).map_err(|e| {
                    StoreError::Corrupt(format!("answers of institution {}: {e}", r.institution_id))
                })?,
            };
            Ok(AcceptedResponse {
                institution_id: r.institution_id,
                campaign_id: r.campaign_id,
                framework_id: r.framework_id,
                answers,
            })
        })
        .collect()
}

impl Store {
    /// The accepted responses of one campaign from institutions within `scope`.
    pub async fn accepted_responses(
        &self,
        scope: InstitutionScope,
        campaign_id: i64,
    ) -> Result<Vec<AcceptedResponse>> {
        let mut w = Sql::new(
            self.backend(),
            &format!(
                "SELECT a.institution_id, a.campaign_id, c.framework_id, {} AS answers \
                 FROM assignments a JOIN campaigns c ON c.id = a.campaign_id JOIN organisations o ON o.id = a.institution_id \
                 LEFT JOIN answers ans ON ans.assignment_id = a.id WHERE a.status = 'accepted' AND a.campaign_id = ",
                gathered(self.backend())
            ),
        );
        w.arg(Arg::I64(campaign_id));
        w.institution_scope(scope, "o.id", "o.bureau");
        w.push(" GROUP BY a.id, a.institution_id, a.campaign_id, c.framework_id ORDER BY a.id");
        let rows: Vec<Row> = read!(self, |c| bind_args!(sqlx::query_as(&w.text), w.args)
            .fetch_all(c)
            .await)?;
        decode(rows)
    }

    /// Each institution's latest accepted response to any version of the framework `key`:
    /// the campaign that opened last (then the newest campaign) wins.
    pub async fn latest_accepted(
        &self,
        scope: InstitutionScope,
        framework_key: &str,
    ) -> Result<Vec<AcceptedResponse>> {
        let mut w = Sql::new(
            self.backend(),
            "WITH picked AS (SELECT a.id, a.institution_id, a.campaign_id, c.framework_id, \
             ROW_NUMBER() OVER (PARTITION BY a.institution_id ORDER BY c.opens_on DESC, c.id DESC) AS rn \
             FROM assignments a JOIN campaigns c ON c.id = a.campaign_id JOIN frameworks f ON f.id = c.framework_id \
             JOIN organisations o ON o.id = a.institution_id WHERE a.status = 'accepted' AND f.key = ",
        );
        w.text_arg(framework_key.to_string());
        w.institution_scope(scope, "o.id", "o.bureau");
        w.push(&format!(
            ") SELECT p.institution_id, p.campaign_id, p.framework_id, {} AS answers \
             FROM picked p LEFT JOIN answers ans ON ans.assignment_id = p.id WHERE p.rn = 1 \
             GROUP BY p.id, p.institution_id, p.campaign_id, p.framework_id ORDER BY p.id",
            gathered(self.backend())
        ));
        let rows: Vec<Row> = read!(self, |c| bind_args!(sqlx::query_as(&w.text), w.args)
            .fetch_all(c)
            .await)?;
        decode(rows)
    }
}
