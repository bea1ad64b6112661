//! # hyoka-model
//!
//! The domain of hyoka: the JAMA/JAPIA guideline's items and levels
//! ([`catalog`]), the values a check sheet holds ([`domain`], [`sheet`]),
//! the three achievement rates ([`scoring`]), the submission workflow
//! ([`workflow`]) and storage on SQLite or PostgreSQL ([`db`]).
//!
//! Everything else in the workspace builds on these types: `ingest` produces
//! [`sheet::Sheet`]s, `anomaly` reads them, `api` and the binary store and
//! serve them through [`db`].

pub mod catalog;
pub mod db;
pub mod domain;
pub mod error;
pub mod scoring;
pub mod sheet;
pub mod text;
pub mod time;
pub mod workflow;

pub use error::ParseError;
