//! Route registration (only through `utoipa-actix-web`, so the OpenAPI
//! document lists every route) and the fallback that answers 405 for a known
//! path with another method and 404 for everything else.

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ErrorBody};
use crate::handlers::{
    analysis, audit, collections, companies, dashboards, exports, flags, scs, session, submissions, users,
};

/// Registers every route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(crate::healthz).service(crate::readyz).service(
        scope::scope("/api/v1")
            .service(session::login)
            .service(session::logout)
            .service(session::get_me)
            .service(session::change_own_password)
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
            .service(scs::get_readiness)
            .service(scs::get_readiness_csv)
            .service(scs::get_group)
            .service(dashboards::get_item_dashboard)
            .service(flags::list_flags)
            .service(flags::get_flag)
            .service(flags::decide_flag)
            .service(flags::reply_to_flag)
            .service(analysis::list_analysis_runs)
            .service(analysis::request_analysis_run)
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
    /// Each path's segments, with its methods and each method's query
    /// parameters.
    routes: Vec<(Vec<String>, Vec<Operation>)>,
}

/// A method and its documented query parameters.
type Operation = (Method, Vec<String>);

impl RouteTable {
    /// Reads the paths of a document (plus the document itself).
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> RouteTable {
        use utoipa::openapi::path::ParameterIn;
        let mut routes: Vec<(Vec<String>, Vec<Operation>)> = api
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
                    if let Some(op) = op {
                        let query = op
                            .parameters
                            .iter()
                            .flatten()
                            .filter_map(|p| match p {
                                utoipa::openapi::RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query) => {
                                    Some(p.name.clone())
                                }
                                _ => None,
                            })
                            .collect();
                        methods.push((m, query));
                    }
                }
                (segments(path), methods)
            })
            .collect();
        routes.push((segments("/api/openapi.json"), vec![(Method::GET, Vec::new())]));
        RouteTable { routes }
    }

    fn fitting<'a>(&'a self, path: &str) -> impl Iterator<Item = &'a Operation> + 'a {
        let parts = segments(path);
        self.routes
            .iter()
            .filter(move |(template, _)| {
                template.len() == parts.len()
                    && template.iter().zip(&parts).all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
            })
            .flat_map(|(_, methods)| methods.iter())
    }

    /// The methods a concrete path answers to.
    fn methods_for(&self, path: &str) -> Vec<Method> {
        self.fitting(path).map(|(m, _)| m.clone()).collect()
    }

    /// The first query parameter the operation does not document, if the
    /// path and method are one of the document's (issue 17: `?compnay_id=2`
    /// was ignored and answered everything).
    pub fn unknown_query_parameter(&self, method: &Method, path: &str, query: &str) -> Option<String> {
        let known: Vec<&String> = self.fitting(path).filter(|(m, _)| m == method).flat_map(|(_, q)| q.iter()).collect();
        if query.is_empty() || (known.is_empty() && self.fitting(path).all(|(m, _)| m != method)) {
            return None;
        }
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').map_or(pair, |(k, _)| k))
            .find(|key| !known.iter().any(|k| k.as_str() == *key))
            .map(str::to_owned)
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
