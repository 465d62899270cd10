//! Nothing panics on input: arbitrary bytes and mutated articles go through decode, text,
//! language detection and extraction in every language (STYLE.md §6). A small seeded
//! generator stands in for proptest, so the test is deterministic and needs no extra crate.

use newsfacts::pipeline::{main_text, process_text};
use newsfacts::rules::{RuleFiles, load};

/// xorshift64*: deterministic, good enough to shake inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack = vec![crate::util::repo().join("fixtures")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(std::fs::read(path).unwrap());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn arbitrary_and_mutated_bytes_never_panic_in_any_stage() {
    let rules = load(&RuleFiles::embedded()).unwrap();
    let langs: Vec<String> = rules.langs.keys().cloned().collect();
    let seeds = fixtures();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut texts, mut facts) = (0, 0);
    for round in 0..300 {
        let mut bytes = if round % 3 == 0 {
            (0..rng.below(2000)).map(|_| rng.next() as u8).collect()
        } else {
            seeds[rng.below(seeds.len())].clone()
        };
        // Flip, insert and cut bytes: broken UTF-8, half tags, numbers glued to letters.
        for _ in 0..rng.below(40) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => bytes[at] = rng.next() as u8,
                1 => bytes.insert(at, b"0123456789<>&;.,- \n"[rng.below(19)]),
                2 => bytes.truncate(at),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        let html = round % 2 == 0;
        if let Ok((_, _, main)) = main_text("fuzz", &bytes, html, None) {
            let lang = &langs[rng.below(langs.len())];
            let out = process_text(
                &rules,
                &main.text,
                Some(lang),
                None,
                Some("2024-03-12"),
                true,
            );
            texts += 1;
            facts += out.extraction.facts.len();
            for f in &out.extraction.facts {
                assert!(f.start <= f.end, "{f:?}");
                assert!(f.end <= main.text.chars().count(), "{f:?}");
            }
            // Detected language as well as the given one.
            let _ = process_text(&rules, &main.text, None, None, None, false);
        }
    }
    // The inputs must really reach extraction, or the test proves nothing.
    assert!(texts > 100 && facts > 200, "{texts} texts, {facts} facts");
}
