//! `/api/v1/supervision/priorities`, `/api/v1/institutions/{id}/risk-profile` and
//! `/api/v1/institutions/{id}/benchmark`: supervision analytics over JSON.

use crate::api::institutions::code_param;
use crate::context::{ApiQuery, Ctx, PathParam};
use crate::error::{AppError, AppResult, Problem};
use crate::supervision::{campaign_results, priorities, reason, results_readable, PriorityFilter};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use mamori_analytics::benchmark::{benchmark, Benchmark};
use mamori_analytics::risk::{RiskProfile, RiskRating};
use mamori_domain::policy::{allows, survey_scope, Permission};
use mamori_domain::{Bureau, Sector, SizeTier};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PriorityQuery {
    pub sector: Option<String>,
    pub bureau: Option<String>,
    /// 1 to 500; default 50.
    pub limit: Option<u32>,
    /// Rows to skip; default 0.
    pub offset: Option<u32>,
}

impl PriorityQuery {
    pub fn parse(&self) -> AppResult<(PriorityFilter, usize, usize)> {
        let mut errors = Vec::new();
        let filter = PriorityFilter {
            sector: code_param(&mut errors, "sector", &self.sector, Sector::from_code),
            bureau: code_param(&mut errors, "bureau", &self.bureau, Bureau::from_code),
        };
        let limit = self.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            errors.push(
                mamori_domain::validation::FieldError::new("limit", "invalid.limit")
                    .with_value(&limit.to_string()),
            );
        }
        if errors.is_empty() {
            Ok((filter, limit as usize, self.offset.unwrap_or(0) as usize))
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriorityInstitution {
    pub id: i64,
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    #[schema(value_type = String)]
    pub sector: Sector,
    #[schema(value_type = String)]
    pub size_tier: SizeTier,
    #[schema(value_type = String)]
    pub bureau: Bureau,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapSummary {
    pub domain: String,
    /// Maturity levels below the minimum expected.
    pub gap: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriorityRow {
    /// 1 is the highest priority; null when the institution has no accepted self-assessment.
    pub rank: Option<usize>,
    pub institution: PriorityInstitution,
    pub campaign_id: Option<i64>,
    /// 0–100.
    pub priority: Option<f64>,
    /// 0–100.
    pub inherent_score: Option<f64>,
    pub inherent_rating: Option<RiskRating>,
    /// Overall maturity level, 1–5.
    pub maturity: Option<f64>,
    /// One line, in the caller's language.
    pub reason: String,
    pub gaps: Vec<GapSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriorityList {
    pub model_key: String,
    pub model_version: String,
    /// Rows matching the filters (also those without accepted answers).
    pub total: usize,
    pub offset: usize,
    pub items: Vec<PriorityRow>,
}

fn not_ready(_key: String) -> AppError {
    AppError::NotReady {
        detail: "supervision.model_not_ready",
    }
}

#[utoipa::path(get, path = "/api/v1/supervision/priorities", tag = "supervision", params(PriorityQuery),
    responses((status = 200, body = PriorityList, description = "Institutions in the caller's jurisdiction, ranked by supervisory priority, each with a one-line reason"),
        (status = 403, body = Problem), (status = 409, body = Problem, description = "The framework the risk model reads is not in the library"), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<PriorityQuery>,
) -> AppResult<Json<PriorityList>> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ViewSupervision) {
        return Err(AppError::Forbidden);
    }
    let (filter, limit, offset) = q.parse()?;
    let list = priorities(&state, survey_scope(p), &filter)
        .await?
        .map_err(not_ready)?;
    let items = list
        .entries
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(|e| {
            let i = list.institutions.get(&e.institution_id)?;
            let prof = e.profile.as_ref();
            Some(PriorityRow {
                rank: e.rank,
                institution: PriorityInstitution {
                    id: i.id,
                    code: i.code.clone(),
                    name_ja: i.name_ja.clone(),
                    name_en: i.name_en.clone(),
                    sector: i.sector,
                    size_tier: i.size_tier,
                    bureau: i.bureau,
                },
                campaign_id: e.campaign_id,
                priority: prof.map(|p| p.priority),
                inherent_score: prof.map(|p| p.inherent.score),
                inherent_rating: prof.map(|p| p.inherent.rating),
                maturity: prof.and_then(|p| p.maturity),
                reason: reason(ctx.lang, prof, &list.framework),
                gaps: prof
                    .map(|p| {
                        p.largest_gaps(usize::MAX)
                            .into_iter()
                            .map(|g| GapSummary {
                                domain: g.domain.clone(),
                                gap: g.gap,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(PriorityList {
        model_key: list.model.key.clone(),
        model_version: list.model.version.clone(),
        total: list.entries.len(),
        offset,
        items,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskProfileDocument {
    pub institution_id: i64,
    pub model_key: String,
    pub model_version: String,
    /// The campaign whose accepted answers the profile uses; null without one.
    pub campaign_id: Option<i64>,
    pub profile: Option<RiskProfile>,
}

#[utoipa::path(get, path = "/api/v1/institutions/{id}/risk-profile", tag = "supervision", params(("id" = i64, Path)),
    responses((status = 200, body = RiskProfileDocument, description = "Inherent risk by factor, maturity and gap by domain, priority score"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn risk_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
) -> AppResult<Json<RiskProfileDocument>> {
    let p = ctx.principal()?;
    if !allows(p, Permission::ViewSupervision) {
        return Err(AppError::Forbidden);
    }
    let inst = results_readable(&state, ctx.principal()?, id).await?;
    let list = priorities(
        &state,
        mamori_domain::policy::InstitutionScope::Only(inst.id),
        &PriorityFilter::default(),
    )
    .await?
    .map_err(not_ready)?;
    let entry = list.entries.into_iter().next();
    Ok(Json(RiskProfileDocument {
        institution_id: inst.id,
        model_key: list.model.key,
        model_version: list.model.version,
        campaign_id: entry.as_ref().and_then(|e| e.campaign_id),
        profile: entry.and_then(|e| e.profile),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BenchmarkQuery {
    /// The campaign whose accepted answers to compare.
    pub campaign: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/institutions/{id}/benchmark", tag = "supervision", params(("id" = i64, Path), BenchmarkQuery),
    responses((status = 200, body = Benchmark, description = "Overall and domain scores against the same sector, size tier, office and everyone: quartiles and percentile rank; groups below five are withheld"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "No accepted answers of the institution in that campaign"), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn benchmark_one(
    State(state): State<AppState>,
    ctx: Ctx,
    PathParam(id): PathParam<i64>,
    ApiQuery(q): ApiQuery<BenchmarkQuery>,
) -> AppResult<Json<Benchmark>> {
    let inst = results_readable(&state, ctx.principal()?, id).await?;
    let Some(campaign) = q.campaign else {
        return Err(AppError::Validation(vec![
            mamori_domain::validation::FieldError::new("campaign", "invalid.required"),
        ]));
    };
    let results = campaign_results(&state, campaign).await?;
    let scored = results.scored();
    benchmark(&scored, &results.measures(), inst.id)
        .map(Json)
        .ok_or(AppError::NotReady {
            detail: "supervision.no_accepted",
        })
}
