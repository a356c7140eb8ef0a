//! Loading what supervision analytics and reports compute from: one path for the pages, the
//! API and the downloads, so they cannot disagree. The figures themselves come from
//! `mamori_analytics`.

use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::AppState;
use mamori_analytics::priority::{rank, Basis, PriorityEntry};
use mamori_analytics::{score_responses, Response, RiskModel, RiskProfile, Scored};
use mamori_domain::institution::Institution;
use mamori_domain::policy::InstitutionScope;
use mamori_domain::{Bureau, Sector};
use mamori_store::campaigns::Campaign;
use mamori_store::registry::InstitutionFilter;
use mamori_survey::Framework;
use std::collections::HashMap;

/// Every institution of `scope`, by id.
pub async fn institutions(state: &AppState, scope: InstitutionScope) -> AppResult<HashMap<i64, Institution>> {
    Ok(state
        .store
        .export_institutions(scope, &InstitutionFilter::default())
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect())
}

/// A campaign's accepted responses across the whole population, with what scoring needs.
/// Peer figures are computed over everyone; only anonymised aggregates leave analytics.
pub struct CampaignResults {
    pub campaign: Campaign,
    pub framework: Framework,
    pub institutions: HashMap<i64, Institution>,
    pub responses: Vec<Response>,
}

impl CampaignResults {
    pub fn scored(&self) -> Vec<Scored<'_>> {
        score_responses(&self.framework, &self.institutions, &self.responses)
    }
    pub fn measures(&self) -> Vec<String> {
        mamori_analytics::measures(&self.framework)
    }
}

pub async fn campaign_results(state: &AppState, campaign_id: i64) -> AppResult<CampaignResults> {
    let campaign = state.store.campaign(campaign_id).await?;
    let framework = state.store.framework(campaign.framework_id).await?;
    let responses = state
        .store
        .accepted_responses(InstitutionScope::All, campaign_id)
        .await?
        .into_iter()
        .map(|r| Response {
            institution_id: r.institution_id,
            answers: r.answers,
        })
        .collect();
    Ok(CampaignResults {
        campaign,
        framework,
        institutions: institutions(state, InstitutionScope::All).await?,
        responses,
    })
}

/// The results of every campaign of a framework key, oldest first (for trends).
pub async fn series(state: &AppState, framework_key: &str) -> AppResult<Vec<CampaignResults>> {
    let mut campaigns: Vec<Campaign> = state
        .store
        .list_campaigns(InstitutionScope::All)
        .await?
        .into_iter()
        .filter(|c| c.framework_key == framework_key)
        .collect();
    campaigns.sort_by_key(|c| (c.opens_on, c.id));
    let all = institutions(state, InstitutionScope::All).await?;
    let mut out = Vec::new();
    for c in campaigns {
        let framework = state.store.framework(c.framework_id).await?;
        let responses = state
            .store
            .accepted_responses(InstitutionScope::All, c.id)
            .await?
            .into_iter()
            .map(|r| Response {
                institution_id: r.institution_id,
                answers: r.answers,
            })
            .collect();
        out.push(CampaignResults {
            campaign: c,
            framework,
            institutions: all.clone(),
            responses,
        });
    }
    Ok(out)
}

/// The shipped risk model, checked against the newest version of the framework it reads.
/// `Err(key)` when that framework is not in the library (or no longer fits the model).
pub async fn risk_model(state: &AppState) -> AppResult<Result<(RiskModel, Framework), String>> {
    let (file, text) = mamori_analytics::SHIPPED_MODEL;
    let key = "fsa-baseline";
    let newest = state
        .store
        .list_frameworks()
        .await?
        .into_iter()
        .filter(|f| f.key == key)
        .max_by_key(|f| f.id);
    let Some(summary) = newest else {
        return Ok(Err(key.to_string()));
    };
    let framework = state.store.framework(summary.id).await?;
    Ok(match RiskModel::load(file, text, &framework) {
        Ok(m) => Ok((m, framework)),
        Err(errors) => {
            tracing::warn!(?errors, "the shipped risk model does not fit the framework in the library");
            Err(key.to_string())
        }
    })
}

#[derive(Debug, Clone, Default)]
pub struct PriorityFilter {
    pub sector: Option<Sector>,
    pub bureau: Option<Bureau>,
}

pub struct Priorities {
    pub model: RiskModel,
    /// The framework version the model was checked against (for domain titles).
    pub framework: Framework,
    pub entries: Vec<PriorityEntry>,
    pub institutions: HashMap<i64, Institution>,
    pub campaigns: HashMap<i64, String>,
}

/// The ranked list for the institutions of `scope` that pass `filter`.
pub async fn priorities(
    state: &AppState,
    scope: InstitutionScope,
    filter: &PriorityFilter,
) -> AppResult<Result<Priorities, String>> {
    let (model, framework) = match risk_model(state).await? {
        Ok(x) => x,
        Err(key) => return Ok(Err(key)),
    };
    let insts: HashMap<i64, Institution> = institutions(state, scope)
        .await?
        .into_iter()
        .filter(|(_, i)| filter.sector.is_none_or(|s| i.sector == s))
        .filter(|(_, i)| filter.bureau.is_none_or(|b| i.bureau == b))
        .collect();
    let latest = state.store.latest_accepted(scope, &model.framework).await?;
    let mut frameworks: HashMap<i64, Framework> = HashMap::new();
    for r in &latest {
        if !frameworks.contains_key(&r.framework_id) {
            frameworks.insert(r.framework_id, state.store.framework(r.framework_id).await?);
        }
    }
    let by_inst: HashMap<i64, &mamori_store::results::AcceptedResponse> =
        latest.iter().map(|r| (r.institution_id, r)).collect();
    let mut subjects: Vec<(&Institution, Option<Basis>)> = Vec::with_capacity(insts.len());
    for inst in insts.values() {
        let basis = by_inst.get(&inst.id).and_then(|r| {
            Some(Basis {
                campaign_id: r.campaign_id,
                framework: frameworks.get(&r.framework_id)?,
                answers: &r.answers,
            })
        });
        subjects.push((inst, basis));
    }
    let entries = rank(&model, &subjects);
    let campaigns = state
        .store
        .list_campaigns(InstitutionScope::All)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    drop(subjects);
    Ok(Ok(Priorities {
        model,
        framework,
        entries,
        institutions: insts,
        campaigns,
    }))
}

pub fn domain_title(l: Lang, f: &Framework, id: &str) -> String {
    f.items
        .iter()
        .find(|d| d.id == id)
        .map(|d| d.title.get(l == Lang::Ja).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// The one-line reason a supervisor reads: the two largest gaps.
pub fn reason(l: Lang, profile: Option<&RiskProfile>, f: &Framework) -> String {
    let Some(p) = profile else {
        return t(l, "supervision.reason.no_answers").to_string();
    };
    let gaps = p.largest_gaps(2);
    if gaps.is_empty() {
        return t(l, "supervision.reason.none").to_string();
    }
    let parts: Vec<String> = gaps
        .iter()
        .map(|g| {
            tf(
                l,
                "supervision.gap",
                &[
                    ("domain", &domain_title(l, f, &g.domain)),
                    ("gap", &format!("{:.1}", g.gap)),
                ],
            )
        })
        .collect();
    tf(l, "supervision.reason.gaps", &[("gaps", &parts.join(l.list_separator()))])
}

pub fn not_found_to_none<T>(r: AppResult<T>) -> AppResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}
