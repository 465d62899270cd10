//! Integration tests: drive the `newsfacts` binary. One test binary (see STYLE.md §6).
#![allow(clippy::unwrap_used)]

mod cli;
mod fetch;
mod load;
mod output;
mod pipeline;
mod rerun;
mod robustness;
mod util;
