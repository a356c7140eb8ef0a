//! Accepted answers, read in bulk: the input of supervision analytics and reports.
//!
//! Only accepted responses count: a supervisor's acceptance is what makes answers final.

use crate::sql::{bind_args, Arg, Sql};
use crate::{read, Result, Store, StoreError};
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
    assignment_id: i64,
    institution_id: i64,
    campaign_id: i64,
    framework_id: i64,
    item_id: Option<String>,
    value: Option<String>,
}

fn group(rows: Vec<Row>) -> Result<Vec<AcceptedResponse>> {
    let mut out: Vec<AcceptedResponse> = Vec::new();
    let mut last = None;
    for r in rows {
        if last != Some(r.assignment_id) {
            last = Some(r.assignment_id);
            out.push(AcceptedResponse {
                institution_id: r.institution_id,
                campaign_id: r.campaign_id,
                framework_id: r.framework_id,
                answers: HashMap::new(),
            });
        }
        if let (Some(item), Some(value), Some(resp)) = (r.item_id, r.value, out.last_mut()) {
            let v: AnswerValue = serde_json::from_str(&value)
                .map_err(|e| StoreError::Corrupt(format!("answer {item}: {e}")))?;
            resp.answers.insert(item, v);
        }
    }
    Ok(out)
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
            "SELECT a.id AS assignment_id, a.institution_id, a.campaign_id, c.framework_id, ans.item_id, ans.value \
             FROM assignments a JOIN campaigns c ON c.id = a.campaign_id JOIN organisations o ON o.id = a.institution_id \
             LEFT JOIN answers ans ON ans.assignment_id = a.id WHERE a.status = 'accepted' AND a.campaign_id = ",
        );
        w.arg(Arg::I64(campaign_id));
        w.institution_scope(scope, "o.id", "o.bureau");
        w.push(" ORDER BY a.id");
        let rows: Vec<Row> = read!(self, |c| bind_args!(sqlx::query_as(&w.text), w.args)
            .fetch_all(c)
            .await)?;
        group(rows)
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
        w.push(
            ") SELECT p.id AS assignment_id, p.institution_id, p.campaign_id, p.framework_id, ans.item_id, ans.value \
             FROM picked p LEFT JOIN answers ans ON ans.assignment_id = p.id WHERE p.rn = 1 ORDER BY p.id",
        );
        let rows: Vec<Row> = read!(self, |c| bind_args!(sqlx::query_as(&w.text), w.args)
            .fetch_all(c)
            .await)?;
        group(rows)
    }
}
