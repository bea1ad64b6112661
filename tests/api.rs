//! End to end: the REST API of `hyoka serve`, on SQLite and PostgreSQL.
//!
//! - `walk`: the whole yearly path (collection → refused and good upload →
//!   flags → review → return → reply and resubmit → accept) with the rates
//!   and the state checked at each step; JSON errors; limits; no secret in
//!   the log;
//! - `authz`: every operation of the OpenAPI document as every role, every
//!   2xx JSON body checked against the schema the document gives it
//!   (`schema`: the checker, with its own tests);
//! - `analysis_runs`: uploads queue one debounced group-analysis run that
//!   the server's worker runs (flags appear); reviewers ask for runs;
//! - `contact`: admins set a user's mail address and language; the next mail goes there;
//! - `accept`: accepting with undecided medium-or-higher flags (409, dismiss, keep);
//! - `audit`: a tampered audit entry is reported by the API and the CLI;
//! - `exports`: the flagged-items CSV and JSON, the audit log as CSV and the
//!   feedback workbook, read back with a CSV parser and calamine;
//! - `uploads`: a database failure (500, nothing of its message), another
//!   company (403), an unknown (404) or ambiguous (409) one; a subsidiary's
//!   year without a collection (422 `no_collection`), and the setting off;
//! - `password`: every user changes their own password (`POST /me/password`):
//!   the calling token survives, the others and the old password do not, a
//!   wrong current password is refused and counts toward the lockout;
//! - `scs`: SCS readiness on each basis, roles, the CSV's formula guard;
//! - `residual`: the residual risk after review on the submission, overview, queue and flag export;
//! - `security`: hardening headers, unknown query parameters, upload turns (503), the capped problem list, no database
//!   password printed;
//! - `concurrent`: two `hyoka serve` processes on one database taking
//!   concurrent reviews, and sharing the failed-login counter.

mod common;

#[path = "api/client.rs"]
mod client;
#[path = "api/fixtures.rs"]
mod fixtures;
#[path = "api/schema.rs"]
mod schema;

#[path = "api/accept.rs"]
mod accept;
#[path = "api/analysis_runs.rs"]
mod analysis_runs;
#[path = "api/audit.rs"]
mod audit;
#[path = "api/authz.rs"]
mod authz;
#[path = "api/concurrent.rs"]
mod concurrent;
#[path = "api/contact.rs"]
mod contact;
#[path = "api/dashboards.rs"]
mod dashboards;
#[path = "api/exports.rs"]
mod exports;
#[path = "api/password.rs"]
mod password;
#[path = "api/residual.rs"]
mod residual;
#[path = "api/scs.rs"]
mod scs;
#[path = "api/security.rs"]
mod security;
#[path = "api/uploads.rs"]
mod uploads;
#[path = "api/walk.rs"]
mod walk;
