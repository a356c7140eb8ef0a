//! The route table. [`router`] and [`ROUTES`] come from the same list, and the
//! authorization-matrix test fails for any entry of [`ROUTES`] it has no expectation for.

use crate::{api, ui, AppState};
use axum::routing::{delete, get, post, put};
use axum::Router;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
}

macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path;)*) => {
        /// Every route the application serves.
        pub const ROUTES: &[RouteSpec] = &[$(RouteSpec { method: stringify!($method), path: $path }),*];

        pub fn router() -> Router<AppState> {
            let r = Router::new();
            $(let r = r.route($path, $method($handler));)*
            r
        }
    };
}

route_table! {
    // Operations, public.
    get "/healthz" => api::system::healthz;
    get "/readyz" => api::system::readyz;
    get "/metrics" => api::system::metrics;
    get "/static/app.css" => ui::layout::stylesheet;

    // Sign-in and language, public.
    get "/login" => ui::login::show;
    post "/login" => ui::login::submit;
    post "/logout" => ui::login::logout;
    post "/lang" => ui::login::set_lang;

    // Web UI.
    get "/" => ui::home::home;
    get "/registry" => ui::registry::list;
    get "/registry/export.csv" => ui::registry::export_csv;
    get "/registry/import" => ui::registry::import_page;
    post "/registry/import" => ui::registry::import_submit;
    get "/registry/new" => ui::registry::new_page;
    post "/registry/new" => ui::registry::new_submit;
    get "/registry/{id}" => ui::registry::detail;
    get "/registry/{id}/edit" => ui::registry::edit_page;
    post "/registry/{id}/edit" => ui::registry::edit_submit;
    post "/registry/{id}/contacts" => ui::registry::add_contact;
    post "/registry/{id}/contacts/{contact_id}/delete" => ui::registry::delete_contact;
    get "/organisations" => ui::organisations::list;
    get "/audit" => ui::audit::list;
    get "/account" => ui::account::show;
    post "/account/totp" => ui::account::enrol_totp;
    post "/account/totp/disable" => ui::account::disable_totp;
    post "/account/tokens" => ui::account::create_token;
    post "/account/tokens/{token_id}/revoke" => ui::account::revoke_token;
    get "/admin/accounts" => ui::admin::accounts;
    post "/admin/accounts" => ui::admin::create_account;
    post "/admin/accounts/{username}/disable" => ui::admin::disable_account;
    post "/admin/accounts/{username}/enable" => ui::admin::enable_account;
    get "/surveys" => ui::surveys::index;
    get "/surveys/frameworks/{id}" => ui::surveys::framework;
    get "/surveys/campaigns/new" => ui::surveys::new_campaign;
    post "/surveys/campaigns/new" => ui::surveys::create_campaign;
    get "/surveys/campaigns/{id}" => ui::surveys::campaign;
    post "/surveys/campaigns/{id}/remind" => ui::surveys::remind;
    post "/surveys/campaigns/{id}/close" => ui::surveys::close;
    get "/surveys/assignments/{id}" => ui::surveys::assignment;
    post "/surveys/assignments/{id}" => ui::surveys::answer;
    post "/surveys/assignments/{id}/review" => ui::surveys::review;
    get "/surveys/assignments/{id}/questionnaire.xlsx" => ui::surveys::download_xlsx;
    post "/surveys/assignments/{id}/upload" => ui::surveys::upload_xlsx;
    post "/surveys/assignments/{id}/extend" => ui::surveys::extend;
    post "/surveys/assignments/{id}/evidence" => ui::surveys::upload_evidence;
    get "/surveys/assignments/{id}/evidence/{evidence_id}" => ui::surveys::evidence_file;
    get "/supervision" => ui::supervision::list;
    get "/supervision/export.csv" => ui::supervision::export_csv;
    get "/supervision/institutions/{id}" => ui::supervision::institution;
    get "/outsourcing" => ui::soon::outsourcing;
    get "/exercises" => ui::soon::exercises;
    get "/mutual-aid" => ui::sharing::list;
    get "/mutual-aid/export.stix.json" => api::sharing::export;
    get "/mutual-aid/new" => ui::sharing::new_page;
    post "/mutual-aid/indicators" => ui::sharing::post_indicator;
    post "/mutual-aid/advisories" => ui::sharing::post_advisory;
    post "/mutual-aid/import" => ui::sharing::import;
    get "/mutual-aid/objects/{stix_id}" => ui::sharing::detail;
    post "/mutual-aid/objects/{stix_id}/sightings" => ui::sharing::post_sighting;
    post "/mutual-aid/objects/{stix_id}/revoke" => ui::sharing::revoke;
    get "/mutual-aid/policy" => ui::sharing::policy_page;
    post "/mutual-aid/policy" => ui::sharing::policy_submit;
    get "/outreach" => ui::outreach::show;
    post "/outreach/events" => ui::outreach::record_event;
    get "/reports" => ui::reports::index;
    get "/reports/campaigns/{id}/sector/{format}" => ui::reports::sector;
    get "/reports/feedback/{id}" => ui::reports::feedback_page;
    get "/reports/feedback/{id}/pdf" => ui::reports::feedback_pdf;

    // JSON API.
    get "/api/v1/openapi.json" => api::openapi::document;
    get "/api/v1/me" => api::me::me;
    get "/api/v1/institutions" => api::institutions::list;
    post "/api/v1/institutions" => api::institutions::create;
    get "/api/v1/institutions/{id}" => api::institutions::get_one;
    put "/api/v1/institutions/{id}" => api::institutions::update;
    get "/api/v1/institutions/{id}/contacts" => api::institutions::contacts;
    post "/api/v1/institutions/{id}/contacts" => api::institutions::add_contact;
    delete "/api/v1/institutions/{id}/contacts/{contact_id}" => api::institutions::delete_contact;
    get "/api/v1/registry/export.csv" => api::institutions::export_csv;
    post "/api/v1/registry/import" => api::institutions::import_csv;
    get "/api/v1/organisations" => api::organisations::list;
    get "/api/v1/audit" => api::audit::list;
    get "/api/v1/frameworks" => api::surveys::frameworks;
    get "/api/v1/frameworks/{id}" => api::surveys::framework;
    get "/api/v1/campaigns" => api::surveys::campaigns;
    post "/api/v1/campaigns" => api::surveys::create_campaign;
    get "/api/v1/campaigns/{id}" => api::surveys::campaign;
    get "/api/v1/campaigns/{id}/answers.csv" => api::surveys::answers_csv;
    get "/api/v1/campaigns/{id}/answers.xlsx" => api::surveys::answers_xlsx;
    post "/api/v1/campaigns/{id}/remind" => api::surveys::remind;
    post "/api/v1/campaigns/{id}/close" => api::surveys::close;
    get "/api/v1/assignments" => api::surveys::assignments;
    get "/api/v1/assignments/{id}" => api::surveys::assignment;
    put "/api/v1/assignments/{id}/answers" => api::surveys::put_answers;
    post "/api/v1/assignments/{id}/submit" => api::surveys::submit;
    post "/api/v1/assignments/{id}/return" => api::surveys::return_;
    post "/api/v1/assignments/{id}/accept" => api::surveys::accept;
    post "/api/v1/assignments/{id}/extend" => api::surveys::extend;
    get "/api/v1/assignments/{id}/evidence" => api::surveys::evidence;
    get "/api/v1/assignments/{id}/evidence/{evidence_id}" => api::surveys::evidence_file;
    get "/api/v1/assignments/{id}/questionnaire.xlsx" => api::surveys::questionnaire_xlsx;
    put "/api/v1/assignments/{id}/questionnaire.xlsx" => api::surveys::put_questionnaire_xlsx;
    get "/api/v1/supervision/priorities" => api::supervision::list;
    get "/api/v1/institutions/{id}/risk-profile" => api::supervision::risk_profile;
    get "/api/v1/institutions/{id}/benchmark" => api::supervision::benchmark_one;
    get "/api/v1/sharing/objects" => api::sharing::list;
    get "/api/v1/sharing/objects/{stix_id}" => api::sharing::get_one;
    post "/api/v1/sharing/objects/{stix_id}/revoke" => api::sharing::revoke;
    post "/api/v1/sharing/objects/{stix_id}/sightings" => api::sharing::post_sighting;
    post "/api/v1/sharing/indicators" => api::sharing::post_indicator;
    post "/api/v1/sharing/advisories" => api::sharing::post_advisory;
    post "/api/v1/sharing/import" => api::sharing::import;
    get "/api/v1/sharing/export.stix.json" => api::sharing::export;
    get "/api/v1/sharing/trial-policy" => api::sharing::trial_policy;
    put "/api/v1/sharing/trial-policy" => api::sharing::put_trial_policy;
    get "/api/v1/outreach" => api::outreach::get_report;
    post "/api/v1/outreach/events" => api::outreach::post_event;

    // TAXII 2.1.
    get "/taxii2/" => api::taxii::discovery;
    get "/taxii2/mamori/" => api::taxii::api_root;
    get "/taxii2/mamori/status/{status_id}/" => api::taxii::status;
    get "/taxii2/mamori/collections/" => api::taxii::collections;
    get "/taxii2/mamori/collections/{collection_id}/" => api::taxii::collection;
    get "/taxii2/mamori/collections/{collection_id}/manifest/" => api::taxii::manifest;
    get "/taxii2/mamori/collections/{collection_id}/objects/" => api::taxii::get_objects;
    post "/taxii2/mamori/collections/{collection_id}/objects/" => api::taxii::add_objects;
    get "/taxii2/mamori/collections/{collection_id}/objects/{object_id}/" => api::taxii::get_object;
    delete "/taxii2/mamori/collections/{collection_id}/objects/{object_id}/" => api::taxii::delete_object;
    get "/taxii2/mamori/collections/{collection_id}/objects/{object_id}/versions/" => api::taxii::versions;
}
