//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::api;
use crate::error::{Problem, ProblemFieldError};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "mamori API", description = "Cybersecurity supervision and mutual aid for the financial sector. Errors are RFC 9457 problem+json with a stable `code`. Lists use cursor pagination: pass `next` back as `cursor`."),
    paths(
        api::system::healthz, api::system::readyz, api::system::metrics,
        api::me::me,
        api::institutions::list, api::institutions::create, api::institutions::get_one, api::institutions::update,
        api::institutions::contacts, api::institutions::add_contact, api::institutions::delete_contact,
        api::institutions::export_csv, api::institutions::import_csv,
        api::organisations::list,
        api::audit::list,
        api::surveys::frameworks, api::surveys::framework, api::surveys::campaigns, api::surveys::create_campaign,
        api::surveys::campaign, api::surveys::answers_csv, api::surveys::assignments, api::surveys::assignment,
        api::surveys::put_answers, api::surveys::submit, api::surveys::return_, api::surveys::accept,
        api::surveys::questionnaire_xlsx, api::surveys::put_questionnaire_xlsx,
        api::surveys::answers_xlsx, api::surveys::extend, api::surveys::remind, api::surveys::close,
        api::surveys::evidence, api::surveys::evidence_file,
        api::supervision::list, api::supervision::risk_profile, api::supervision::benchmark_one,
        api::sharing::list, api::sharing::get_one, api::sharing::revoke, api::sharing::post_sighting,
        api::sharing::post_indicator, api::sharing::post_advisory, api::sharing::import, api::sharing::export,
        api::sharing::trial_policy, api::sharing::put_trial_policy,
        api::outreach::get_report, api::outreach::post_event,
    ),
    components(schemas(Problem, ProblemFieldError)),
    modifiers(&BearerAuth),
    tags((name = "registry", description = "Institutions, organisations and contacts"), (name = "identity"), (name = "audit"), (name = "surveys", description = "Frameworks, campaigns, assignments and answers"), (name = "supervision", description = "Risk profiles, supervisory priority and peer benchmarks"), (name = "mutual aid", description = "Advisories, indicators and sightings under TLP 2.0; STIX 2.1 import and export. TAXII 2.1 is served at /taxii2/."), (name = "outreach", description = "Seminars, workshops and participation by sector and region"), (name = "operations"))
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
