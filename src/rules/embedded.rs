//! The repository's `rules/` folder, compiled into the binary by `build.rs`.

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
