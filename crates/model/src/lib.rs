//! # hyoka-model
//!
//! The domain of hyoka: the JAMA/JAPIA guideline's items and levels
//! ([`catalog`]), the values a check sheet holds ([`domain`], [`sheet`]),
//! the three achievement rates ([`scoring`]), METI SCS readiness ([`scs`]), the submission workflow
//! ([`workflow`]), and — with the default features — credentials
//! (`credentials`) and storage on SQLite or PostgreSQL (`db`).
//!
//! Features: `db` (diesel, bundled SQLite, libpq; implies `credentials`),
//! `credentials` (argon2id passwords, API tokens), `testing` (fresh test
//! databases, `db::testing`: for dev-dependencies, never in a release
//! binary). The pure crates (anomaly, generator, ingest) use none of them.
//!
//! Everything else in the workspace builds on these types: `ingest` produces
//! [`sheet::Sheet`]s, `anomaly` reads them, `api` and the binary store and
//! serve them through [`db`].

pub mod catalog;
#[cfg(feature = "credentials")]
pub mod credentials;
#[cfg(feature = "db")]
pub mod db;
pub mod domain;
pub mod error;
pub mod limits;
pub mod risk;
pub mod scoring;
pub mod scs;
pub mod sheet;
pub mod summary;
pub mod text;
pub mod time;
pub mod workflow;

pub use error::ParseError;
