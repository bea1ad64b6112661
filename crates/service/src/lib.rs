//! # hyoka-service
//!
//! The use cases that every door shares — the JSON API, the web UI and the
//! command line call these and nothing below them for a write:
//!
//! - [`sheets`]: store a sheet — read by `hyoka-ingest`, judged by
//!   `hyoka-anomaly`, stored with its flags, risk, carried-over decisions and
//!   dashboard summaries in one transaction;
//! - [`analysis`]: analyse a fiscal year with the group rules, as a versioned
//!   run; [`jobs`]: the same as database jobs, asked for by uploads
//!   (debounced) and reviewers, run by the worker of `hyoka serve`;
//! - [`review`]: decide a flag, move a sheet through the workflow;
//! - [`scs`]: METI SCS ★3 / ★4 readiness from the kept summaries;
//! - [`compare`]: a sheet beside another revision or last year's, item by item;
//! - [`detect`]: the glue between the pure detector and storage;
//! - [`login`]: whether a login name and password are accepted (the shared
//!   lockout);
//! - [`access`]: who may see which companies, sheets and flags, and when a
//!   subsidiary sees what hyoka found.
//!
//! The catalog and the detector are loaded once into a [`Pipeline`]; every
//! failure is a typed [`ServiceError`], which each door turns into its own
//! answer (the API: 422 / 404 / 409 / 403 / 409 / 500).
//!
//! Arrows: `api, web, cli → service → {ingest, anomaly, model}`;
//! `ingest, anomaly → model`.

pub mod access;
pub mod analysis;
pub mod compare;
pub mod detect;
mod error;
pub mod jobs;
pub mod login;
pub mod mail;
pub mod notify;
mod pipeline;
pub mod review;
pub mod scs;
pub mod sheets;

pub use error::ServiceError;
pub use pipeline::Pipeline;
