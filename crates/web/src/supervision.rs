//! Loading what supervision analytics and reports compute from: one path for the pages, the
//! API and the downloads, so they cannot disagree. The figures themselves come from
//! `mamori_analytics`.

use crate::error::AppResult;
use crate::i18n::{t, tf, Lang};
use crate::AppState;
use mamori_analytics::priority::{rank, Basis, PriorityEntry};
use mamori_analytics::{scored_from, Response, RiskModel, RiskProfile, Scored};
use mamori_domain::institution::Institution;
use mamori_domain::policy::{check_results, InstitutionScope, Principal};
use mamori_domain::{Bureau, Sector};
use mamori_store::campaigns::Campaign;
use mamori_store::registry::InstitutionFilter;
use mamori_store::results::AcceptedResponse;
use mamori_survey::scoring::Scores;
use mamori_survey::Framework;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What analytics read, kept between requests while nothing changes. Entries are keyed by
/// [`mamori_store::Store::change_counter`], which moves with every audited change, so a
/// figure is never computed from stale data. Framework versions never change once
/// imported, so they are kept for good.
#[derive(Default)]
pub struct AnalyticsCache {
    institutions: Mutex<Option<Versioned<HashMap<i64, Institution>>>>,
    campaigns: Entries<i64, CampaignData>,
    latest: Entries<String, Vec<AcceptedResponse>>,
    /// The whole population's ranking per framework key; scopes and filters narrow it.
    ranked: Entries<String, Vec<PriorityEntry>>,
    frameworks: Mutex<HashMap<i64, Arc<Framework>>>,
}

/// A value and the change counter it was read at.
type Versioned<V> = (i64, Arc<V>);
type Entries<K, V> = Mutex<HashMap<K, Versioned<V>>>;

fn cached<K: std::hash::Hash + Eq, V>(
    map: &Entries<K, V>,
    key: &K,
    counter: i64,
) -> Option<Arc<V>> {
    let m = map.lock().unwrap_or_else(|e| e.into_inner());
    m.get(key)
        .filter(|(c, _)| *c == counter)
        .map(|(_, v)| v.clone())
}

fn remember<K: std::hash::Hash + Eq, V>(map: &Entries<K, V>, key: K, counter: i64, value: Arc<V>) {
    let mut m = map.lock().unwrap_or_else(|e| e.into_inner());
    m.insert(key, (counter, value));
}

/// A framework version (immutable), from the cache or the store.
pub async fn framework_version(state: &AppState, id: i64) -> AppResult<Arc<Framework>> {
    let hit = {
        let m = state
            .analytics
            .frameworks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        m.get(&id).cloned()
    };
    if let Some(f) = hit {
        return Ok(f);
    }
    let f = Arc::new(state.store.framework(id).await?);
    let mut m = state
        .analytics
        .frameworks
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    m.insert(id, f.clone());
    Ok(f)
}

/// Every institution, by id.
async fn all_institutions(
    state: &AppState,
    counter: i64,
) -> AppResult<Arc<HashMap<i64, Institution>>> {
    {
        let m = state
            .analytics
            .institutions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some((c, v)) = m.as_ref() {
            if *c == counter {
                return Ok(v.clone());
            }
        }
    }
    let v = Arc::new(institutions(state, InstitutionScope::All).await?);
    *state
        .analytics
        .institutions
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some((counter, v.clone()));
    Ok(v)
}

/// A campaign's accepted responses and their scores, aligned.
pub struct CampaignData {
    pub responses: Vec<Response>,
    pub scores: Vec<Option<Scores>>,
}

async fn campaign_data(
    state: &AppState,
    campaign_id: i64,
    framework: &Framework,
    institutions: &HashMap<i64, Institution>,
    counter: i64,
) -> AppResult<Arc<CampaignData>> {
    if let Some(v) = cached(&state.analytics.campaigns, &campaign_id, counter) {
        return Ok(v);
    }
    let responses: Vec<Response> = state
        .store
        .accepted_responses(InstitutionScope::All, campaign_id)
        .await?
        .into_iter()
        .map(|r| Response {
            institution_id: r.institution_id,
            answers: r.answers,
        })
        .collect();
    let scores = mamori_analytics::scores_of(framework, institutions, &responses);
    let v = Arc::new(CampaignData { responses, scores });
    remember(&state.analytics.campaigns, campaign_id, counter, v.clone());
    Ok(v)
}

async fn latest_accepted(
    state: &AppState,
    key: &str,
    counter: i64,
) -> AppResult<Arc<Vec<AcceptedResponse>>> {
    if let Some(v) = cached(&state.analytics.latest, &key.to_string(), counter) {
        return Ok(v);
    }
    let v = Arc::new(
        state
            .store
            .latest_accepted(InstitutionScope::All, key)
            .await?,
    );
    remember(&state.analytics.latest, key.to_string(), counter, v.clone());
    Ok(v)
}

/// Every institution of `scope`, by id.
pub async fn institutions(
    state: &AppState,
    scope: InstitutionScope,
) -> AppResult<HashMap<i64, Institution>> {
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
    pub framework: Arc<Framework>,
    pub institutions: Arc<HashMap<i64, Institution>>,
    pub data: Arc<CampaignData>,
}

impl CampaignResults {
    pub fn scored(&self) -> Vec<Scored<'_>> {
        scored_from(&self.institutions, &self.data.responses, &self.data.scores)
    }
    pub fn measures(&self) -> Vec<String> {
        mamori_analytics::measures(&self.framework)
    }
}

pub async fn campaign_results(state: &AppState, campaign_id: i64) -> AppResult<CampaignResults> {
    let counter = state.store.change_counter().await?;
    let campaign = state.store.campaign(campaign_id).await?;
    let framework = framework_version(state, campaign.framework_id).await?;
    let institutions = all_institutions(state, counter).await?;
    Ok(CampaignResults {
        data: campaign_data(state, campaign_id, &framework, &institutions, counter).await?,
        framework,
        institutions,
        campaign,
    })
}

/// The results of every campaign of a framework key, oldest first (for trends).
pub async fn series(state: &AppState, framework_key: &str) -> AppResult<Vec<CampaignResults>> {
    let counter = state.store.change_counter().await?;
    let mut campaigns: Vec<Campaign> = state
        .store
        .list_campaigns(InstitutionScope::All)
        .await?
        .into_iter()
        .filter(|c| c.framework_key == framework_key)
        .collect();
    campaigns.sort_by_key(|c| (c.opens_on, c.id));
    let all = all_institutions(state, counter).await?;
    let mut out = Vec::new();
    for c in campaigns {
        let framework = framework_version(state, c.framework_id).await?;
        out.push(CampaignResults {
            data: campaign_data(state, c.id, &framework, &all, counter).await?,
            framework,
            institutions: all.clone(),
            campaign: c,
        });
    }
    Ok(out)
}

/// The shipped risk model, checked against the newest version of the framework it reads.
/// `Err(key)` when that framework is not in the library (or no longer fits the model).
pub async fn risk_model(
    state: &AppState,
) -> AppResult<Result<(RiskModel, Arc<Framework>), String>> {
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
    let framework = framework_version(state, summary.id).await?;
    Ok(match RiskModel::load(file, text, &framework) {
        Ok(m) => Ok((m, framework)),
        Err(errors) => {
            tracing::warn!(
                ?errors,
                "the shipped risk model does not fit the framework in the library"
            );
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
    pub framework: Arc<Framework>,
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
    let counter = state.store.change_counter().await?;
    let all = all_institutions(state, counter).await?;
    let insts: HashMap<i64, Institution> = all
        .values()
        .filter(|i| scope.contains(i.policy_ref()))
        .filter(|i| filter.sector.is_none_or(|s| i.sector == s))
        .filter(|i| filter.bureau.is_none_or(|b| i.bureau == b))
        .map(|i| (i.id, i.clone()))
        .collect();
    let ranked = ranked_all(state, &model, &all, counter).await?;
    // The population's order, narrowed to the caller's scope and filters, ranked afresh.
    let mut n = 0;
    let entries: Vec<PriorityEntry> = ranked
        .iter()
        .filter(|e| insts.contains_key(&e.institution_id))
        .map(|e| {
            let mut e = e.clone();
            if e.rank.is_some() {
                n += 1;
                e.rank = Some(n);
            }
            e
        })
        .collect();
    let campaigns = state
        .store
        .list_campaigns(InstitutionScope::All)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(Ok(Priorities {
        model,
        framework,
        entries,
        institutions: insts,
        campaigns,
    }))
}

/// Every institution's profile and rank, computed once per change.
async fn ranked_all(
    state: &AppState,
    model: &RiskModel,
    all: &HashMap<i64, Institution>,
    counter: i64,
) -> AppResult<Arc<Vec<PriorityEntry>>> {
    if let Some(v) = cached(&state.analytics.ranked, &model.framework, counter) {
        return Ok(v);
    }
    let latest = latest_accepted(state, &model.framework, counter).await?;
    let mut frameworks: HashMap<i64, Arc<Framework>> = HashMap::new();
    for r in latest.iter() {
        if let std::collections::hash_map::Entry::Vacant(slot) = frameworks.entry(r.framework_id) {
            slot.insert(framework_version(state, r.framework_id).await?);
        }
    }
    let by_inst: HashMap<i64, &AcceptedResponse> =
        latest.iter().map(|r| (r.institution_id, r)).collect();
    let subjects: Vec<(&Institution, Option<Basis>)> = all
        .values()
        .map(|inst| {
            let basis = by_inst.get(&inst.id).and_then(|r| {
                Some(Basis {
                    campaign_id: r.campaign_id,
                    framework: frameworks.get(&r.framework_id)?,
                    answers: &r.answers,
                })
            });
            (inst, basis)
        })
        .collect();
    let v = Arc::new(rank(model, &subjects));
    remember(
        &state.analytics.ranked,
        model.framework.clone(),
        counter,
        v.clone(),
    );
    Ok(v)
}

/// An institution whose results (scores, profile, benchmark) the caller may read; "not found"
/// otherwise, as for its answers.
pub async fn results_readable(state: &AppState, p: &Principal, id: i64) -> AppResult<Institution> {
    let inst = state
        .store
        .get_institution(InstitutionScope::All, id)
        .await?;
    check_results(p, inst.policy_ref())?;
    Ok(inst)
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
    tf(
        l,
        "supervision.reason.gaps",
        &[("gaps", &parts.join(l.list_separator()))],
    )
}
