//! Integration tests: drive the `newsfacts` binary. One test binary (see STYLE.md §6).

mod cli;
mod pipeline;
mod util;
