//! Integration tests of the web crate: a real server on port 0 over a fresh database.

mod api;
mod authz_matrix;
mod browser;
mod security;
mod sharing;
mod supervision;
mod support;
mod surveys;
mod ui;
