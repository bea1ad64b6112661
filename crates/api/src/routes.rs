//! Route registration (only through `utoipa-actix-web`, so the OpenAPI
//! document lists every route) and the fallback that answers 405 for a known
//! path with another method and 404 for everything else.

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ErrorBody};
use crate::handlers::{audit, collections, companies, dashboards, exports, flags, session, submissions, users};

/// Registers every route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(crate::healthz).service(crate::readyz).service(
        scope::scope("/api/v1")
            .service(session::login)
            .service(session::logout)
            .service(session::get_me)
            .service(session::list_tokens)
            .service(session::create_token)
            .service(session::revoke_token)
            .service(users::list_users)
            .service(users::create_user)
            .service(users::update_user)
            .service(companies::list_companies)
            .service(companies::create_company)
            .service(companies::get_company)
            .service(companies::update_company)
            .service(companies::set_company_year)
            .service(collections::list_collections)
            .service(collections::open_collection)
            .service(collections::get_collection)
            .service(collections::update_collection)
            .service(submissions::upload_submission)
            .service(submissions::upload_submission_json)
            .service(submissions::list_submissions)
            .service(submissions::get_submission)
            .service(submissions::start_review)
            .service(submissions::return_submission)
            .service(submissions::accept_submission)
            .service(submissions::release_flags)
            .service(dashboards::compare_submission)
            .service(dashboards::get_overview)
            .service(dashboards::get_review_queue)
            .service(dashboards::get_trend)
            .service(dashboards::get_item_dashboard)
            .service(flags::list_flags)
            .service(flags::get_flag)
            .service(flags::decide_flag)
            .service(flags::reply_to_flag)
            .service(audit::list_audit_events)
            .service(audit::verify_audit_log)
            .service(exports::export_flags_csv)
            .service(exports::export_flags)
            .service(exports::export_audit_csv)
            .service(exports::feedback_workbook),
    );
}

/// The paths of the OpenAPI document with their methods, for the fallback.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

impl RouteTable {
    /// Reads the paths of a document (plus the document itself).
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> RouteTable {
        let mut routes: Vec<(Vec<String>, Vec<Method>)> = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                for (m, op) in [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                ] {
                    if op.is_some() {
                        methods.push(m);
                    }
                }
                (segments(path), methods)
            })
            .collect();
        routes.push((segments("/api/openapi.json"), vec![Method::GET]));
        RouteTable { routes }
    }

    /// The methods a concrete path answers to.
    fn methods_for(&self, path: &str) -> Vec<Method> {
        let parts = segments(path);
        let mut out = Vec::new();
        for (template, methods) in &self.routes {
            let fits = template.len() == parts.len()
                && template.iter().zip(&parts).all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p);
            if fits {
                out.extend(methods.iter().cloned());
            }
        }
        out
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/').split('/').map(str::to_owned).collect()
}

/// The default service: 405 (with `Allow`) for a known path, else 404.
pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    let methods = table.methods_for(req.path());
    if methods.is_empty() {
        return actix_web::ResponseError::error_response(&ApiError::NotFound(format!(
            "no such path: {} / このパスはありません",
            req.path()
        )));
    }
    let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, allow.clone())).json(ErrorBody::new(
        "method_not_allowed",
        format!("{} is not allowed here; use {allow} / このパスでは {allow} のみ使えます", req.method()),
    ))
}
