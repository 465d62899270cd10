//! Re-runs (issue 5): documents keep their rows or come from the cache, `diff` lists exactly
//! what a rule edit changed, and a run killed at any moment leaves the previous output or
//! the new one, and is resumed without redoing its finished documents.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{TABLES, newsfacts, repo};

fn run(args: &[&str]) -> std::process::Output {
    let r = newsfacts(args);
    assert!(
        matches!(r.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    r
}

fn run_json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap()
}

fn paths(out: &Path) -> [u64; 4] {
    let p = &run_json(out)["counts"]["paths"];
    ["kept", "cached_records", "cached_text", "processed"].map(|k| p[k].as_u64().unwrap())
}

fn tables(out: &Path) -> Vec<Option<Vec<u8>>> {
    TABLES
        .iter()
        .map(|t| std::fs::read(out.join(format!("{t}.csv"))).ok())
        .collect()
}

/// A copy of the repository's rule folder.
fn copy_rules(to: &Path) {
    copy_dir(&repo().join("rules"), to);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Edits the French lexicon: drops a qualifier, changes one's meaning, adds one.
fn edit_french_lexicon(rules: &Path) {
    let path = rules.join("fr/lexicon.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in [
        ("\"un peu plus de\" = \"more_than\"\n", ""),
        ("\"presque\" = \"nearly\"", "\"presque\" = \"about\""),
        (
            "\"environ\" = \"about\"",
            "\"environ\" = \"about\"\n\"grosso modo\" = \"about\"",
        ),
    ] {
        assert_eq!(text.matches(from).count(), 1, "fr/lexicon.toml: {from}");
        text = text.replace(from, to);
    }
    std::fs::write(&path, text).unwrap();
}

fn write_docs(dir: &Path, docs: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in docs {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

const DOC_A: &str = "Grève aux chantiers navals de Saint-Nazaire\n\nLe 14 mai 2019, presque 50 \
personnes ont manifesté devant les chantiers, selon la préfecture. Les syndicats réclament une \
hausse des salaires et dénoncent la sous-traitance au Japon.\n\nUn peu plus de 30 cas de \
harcèlement ont été signalés depuis janvier 2018, a indiqué la direction, qui a promis 2 \
millions d'euros pour la formation.\n";
const DOC_B: &str = "Les douanes suisses saisissent des montres\n\nGrosso modo 30 navires ont été \
contrôlés en mars 2021 dans les ports de la Suisse et du Japon. Les douaniers ont saisi 1 200 \
montres contrefaites pour une valeur de 4 millions de francs suisses.\n\nEnviron 40 bateaux \
attendaient encore leur inspection le 2 avril 2021.\n";
const DOC_C: &str = "Le temps en Bretagne\n\nLa météo annonce de la pluie pour toute la semaine \
prochaine en Bretagne. Les agriculteurs attendent avec impatience le retour du soleil pour les \
récoltes de printemps.\n";
const DOC_D: &str = "Port strike enters second week\n\nDockworkers in Rotterdam have been on \
strike since 3 March 2024. About 40 ships are waiting off the coast of the Netherlands, and \
losses are estimated at 120 million euros.\n";

#[test]
fn diff_lists_exactly_the_records_a_lexicon_edit_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (docs, rules, out, old) = (
        tmp.path().join("docs"),
        tmp.path().join("rules"),
        tmp.path().join("out"),
        tmp.path().join("old"),
    );
    write_docs(
        &docs,
        &[
            ("a.txt", DOC_A),
            ("b.txt", DOC_B),
            ("c.txt", DOC_C),
            ("d.txt", DOC_D),
        ],
    );
    copy_rules(&rules);
    let args = |o: &Path| {
        vec![
            "run".to_owned(),
            docs.display().to_string(),
            "-o".into(),
            o.display().to_string(),
            "--rules".into(),
            rules.display().to_string(),
        ]
    };
    let first = args(&out);
    run(&first.iter().map(String::as_str).collect::<Vec<_>>());
    copy_dir(&out, &old);
    std::fs::remove_dir_all(old.join(".cache")).unwrap();

    edit_french_lexicon(&rules);
    let rerun = run(&first.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = String::from_utf8_lossy(&rerun.stderr);

    // The English document keeps its rows; the French ones are extracted again from the
    // cached text, none decoded again.
    assert_eq!(paths(&out), [1, 0, 3, 0], "{stderr}");

    let diff = newsfacts(&[
        "diff",
        old.to_str().unwrap(),
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(diff.status.code(), Some(0));
    let mut reader = csv::Reader::from_reader(&diff.stdout[..]);
    let got: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            [0, 2, 5, 8, 9, 10]
                .map(|i| r[i].replace(&format!("{}/", docs.display()), ""))
                .to_vec()
        })
        .collect();
    let expected: Vec<Vec<String>> = [
        // "presque" now means "about": same record, new value.
        [
            "changed",
            "fr.count.qualified",
            "a.txt",
            "presque 50 personnes",
            "value=50; qualifier=nearly; unit=personnes",
            "value=50; qualifier=about; unit=personnes",
        ],
        // "un peu plus de" is gone: "plus de" still matches, four characters later.
        [
            "removed",
            "fr.count.qualified",
            "a.txt",
            "Un peu plus de 30 cas",
            "value=30; qualifier=more_than; unit=cas",
            "",
        ],
        [
            "added",
            "fr.count.qualified",
            "a.txt",
            "plus de 30 cas",
            "",
            "value=30; qualifier=more_than; unit=cas",
        ],
        // "grosso modo" is new: the qualified count wins over the bare one.
        [
            "added",
            "fr.count.qualified",
            "b.txt",
            "Grosso modo 30 navires",
            "",
            "value=30; qualifier=about; unit=navires",
        ],
        [
            "removed",
            "fr.count.number",
            "b.txt",
            "30 navires",
            "value=30; unit=navires",
            "",
        ],
    ]
    .map(|r| r.map(str::to_owned).to_vec())
    .to_vec();
    assert_eq!(got, expected);

    // The summary printed by the re-run says the same.
    assert!(
        stderr.contains("2 records added, 2 removed, 1 changed in 2 documents"),
        "{stderr}"
    );
    assert!(stderr.contains("fr.count.qualified  +2 -1 ~1"), "{stderr}");

    // And the re-run's tables are those of a run from scratch with the edited rules.
    let fresh = tmp.path().join("fresh");
    let mut fresh_args = args(&fresh);
    fresh_args.push("--no-cache".into());
    run(&fresh_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(tables(&fresh), tables(&out));
    assert!(!fresh.join(".cache").exists(), "--no-cache writes no cache");
}

#[test]
fn each_document_takes_the_cheapest_valid_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (docs, out) = (tmp.path().join("docs"), tmp.path().join("out"));
    write_docs(
        &docs,
        &[
            ("a.txt", DOC_A),
            ("b.txt", DOC_B),
            ("c.txt", DOC_C),
            ("d.txt", DOC_D),
        ],
    );
    let out_s = out.to_str().unwrap();
    let docs_s = docs.to_str().unwrap();
    run(&["run", docs_s, "-o", out_s]);
    assert_eq!(paths(&out), [0, 0, 0, 4]);

    // Unchanged: every row kept, and the tables are not even rewritten.
    let r = run(&["run", docs_s, "-o", out_s]);
    assert_eq!(paths(&out), [4, 0, 0, 0]);
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("no record changed"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );

    // One document edited, one removed, one added: those are processed (the edited one
    // from its new bytes), the others kept, and the removed one's records reported.
    std::fs::write(
        docs.join("a.txt"),
        DOC_A.replace("2 millions", "3 millions"),
    )
    .unwrap();
    std::fs::remove_file(docs.join("b.txt")).unwrap();
    std::fs::write(docs.join("e.txt"), DOC_B.replace("1 200", "1 300")).unwrap();
    let r = run(&["run", docs_s, "-o", out_s]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(paths(&out), [2, 0, 0, 2], "{stderr}");
    let sources = crate::util::column(&out.join("documents.csv"), "source");
    assert_eq!(sources.len(), 4);
    assert!(
        stderr.contains("- ") && stderr.contains("b.txt"),
        "{stderr}"
    );

    // Back to the first contents: the records come from the cache.
    std::fs::write(docs.join("a.txt"), DOC_A).unwrap();
    run(&["run", docs_s, "-o", out_s]);
    assert_eq!(paths(&out), [3, 1, 0, 0]);

    // The same tables as a run from scratch.
    let fresh = tmp.path().join("fresh");
    run(&["run", docs_s, "-o", fresh.to_str().unwrap(), "--no-cache"]);
    assert_eq!(tables(&fresh), tables(&out));
}

/// A small xorshift generator: the kill test's moments, reproducible from the seed it
/// prints.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Articles that differ in their numbers, with the phrases the lexicon edit touches.
fn generate_corpus(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir.join("fr")).unwrap();
    std::fs::create_dir_all(dir.join("en")).unwrap();
    for i in 0..n {
        let k = i * 37 % 997 + 2;
        let (name, text) = if i % 4 == 3 {
            (
                format!("en/{i:04}.txt"),
                format!(
                    "Port strike, day {i}\n\nDockworkers in Rotterdam have been on strike \
                     since {} March 2024. About {k} ships are waiting off the coast of the \
                     Netherlands, and losses are estimated at {} million euros.\n",
                    i % 28 + 1,
                    k + 3
                ),
            )
        } else {
            (
                format!("fr/{i:04}.txt"),
                format!(
                    "Grève aux chantiers navals, jour {i}\n\nLe {} mai 2019, presque {k} \
                     personnes ont manifesté devant les chantiers. Les syndicats dénoncent la \
                     sous-traitance au Japon et en Corée du Sud.\n\nUn peu plus de {} cas ont \
                     été signalés, et grosso modo {} navires attendent au port. La direction \
                     a promis {} millions d'euros.\n",
                    i % 28 + 1,
                    k + 1,
                    k + 2,
                    k % 50 + 1
                ),
            )
        };
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// The stage cache's entries as the cache reads them (see `src/cache.rs`): for each key, the
/// last complete frame of the newest pack, and the rules its records were extracted with
/// (empty when it has none or its checksum fails).
fn entries(cache: &Path) -> Vec<(String, String)> {
    const HEADER: usize = 72;
    let packs_dir = cache.join(format!("stages/v{}/packs", newsfacts::cache::FORMAT));
    let Ok(dir) = std::fs::read_dir(packs_dir) else {
        return Vec::new();
    };
    let mut packs: Vec<(u64, PathBuf)> = dir
        .filter_map(|e| {
            let path = e.unwrap().path();
            let n = path
                .file_name()?
                .to_str()?
                .strip_suffix(".pack")?
                .parse()
                .ok()?;
            Some((n, path))
        })
        .collect();
    packs.sort();
    let mut latest = std::collections::BTreeMap::new();
    for (_, path) in packs {
        let bytes = std::fs::read(&path).unwrap();
        let mut at = 0;
        while let Some(header) = bytes.get(at..at + HEADER) {
            if header[..4] != *b"NFC2" {
                break;
            }
            let len = u32::from_le_bytes(header[4..8].try_into().unwrap()) as usize;
            let Some(payload) = bytes.get(at + HEADER..at + HEADER + len) else {
                break; // torn
            };
            let mut sum = blake3::Hasher::new();
            sum.update(&header[4..40]);
            sum.update(payload);
            let rules = if sum.finalize().as_bytes()[..] == header[40..] {
                newsfacts::cache::payload_rules(payload).unwrap_or_default()
            } else {
                String::new()
            };
            latest.insert(String::from_utf8(header[8..40].to_vec()).unwrap(), rules);
            at += HEADER + len;
        }
    }
    latest.into_iter().collect()
}

fn state_name(
    got: &[Option<Vec<u8>>],
    old: &[Option<Vec<u8>>],
    new: &[Option<Vec<u8>>],
) -> &'static str {
    if got == old {
        "old"
    } else if got == new {
        "new"
    } else {
        "mixed"
    }
}

/// Kills runs with SIGKILL at random moments, 20 times in a row, alternately on top of a
/// previous output (a re-run after a rule edit) and on an empty folder (a first run).
///
/// After each kill: without any recovery, the tables are all old or all new unless the
/// commit marker says a commit was under way, in which case each table is old or new; after
/// the recovery that every run does first, they are all old or all new. The next run then
/// finishes with the same tables as an uninterrupted run, and takes the records of every
/// document the killed run finished from the cache, extracting none of them again.
#[test]
fn killed_runs_leave_old_or_new_output_and_resume() {
    const DOCS: usize = 80;
    const ROUNDS: usize = 20;
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, rules_a, rules_b) = (
        tmp.path().join("corpus"),
        tmp.path().join("rules-a"),
        tmp.path().join("rules-b"),
    );
    generate_corpus(&corpus, DOCS);
    copy_rules(&rules_a);
    copy_rules(&rules_b);
    edit_french_lexicon(&rules_b);
    let bin = env!("CARGO_BIN_EXE_newsfacts");
    let command = |out: &Path, rules: &Path| {
        let mut c = Command::new(bin);
        c.args(["run", "-q", "--jobs", "2", "--rules"])
            .arg(rules)
            .arg("-o")
            .arg(out)
            .arg(&corpus)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let finish = |out: &Path, rules: &Path| {
        let status = command(out, rules).status().unwrap();
        assert_eq!(status.code(), Some(0));
    };
    // Reference outputs: the previous run (rules A), and the new one (rules B).
    let base = tmp.path().join("base");
    finish(&base, &rules_a);
    let reference = tmp.path().join("reference");
    finish(&reference, &rules_b);
    let (old_tables, new_tables) = (tables(&base), tables(&reference));
    // The entry reader below must understand this build's cache, or every count of finished
    // documents would be zero.
    assert_eq!(
        entries(&reference.join(".cache"))
            .iter()
            .filter(|(_, rules)| !rules.is_empty())
            .count(),
        DOCS,
        "entries with records in a finished run's cache"
    );
    assert_ne!(old_tables, new_tables, "the edit must change some table");
    let none = vec![None; TABLES.len()];
    // How long an uninterrupted re-run and first run take.
    let timed = |from_base: bool| {
        let out = tmp.path().join("timing");
        let _ = std::fs::remove_dir_all(&out);
        if from_base {
            copy_dir(&base, &out);
        }
        let t = Instant::now();
        finish(&out, &rules_b);
        t.elapsed()
    };
    let (rerun_time, first_time) = (timed(true), timed(false));

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut rng = Rng(seed);
    let mut states = Vec::new();
    for round in 0..ROUNDS {
        let from_base = round % 2 == 0;
        let out = tmp.path().join(format!("round-{round}"));
        if from_base {
            copy_dir(&base, &out);
        }
        let cache = out.join(".cache");
        let before = entries(&cache);
        let full = if from_base { rerun_time } else { first_time };
        // Anywhere from the start to a little past the end of an uninterrupted run.
        let delay = Duration::from_micros(rng.next() % (full.as_micros() as u64 * 6 / 5 + 1));
        let mut child = command(&out, &rules_b).spawn().unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        let ctx = format!("round {round} (seed {seed}, killed after {delay:?})");

        let (old, new) = if from_base {
            (&old_tables, &new_tables)
        } else {
            (&none, &new_tables)
        };
        let got = tables(&out);
        let committing = out.join(".staging/READY").exists();
        if committing {
            for (i, t) in got.iter().enumerate() {
                assert!(t == &old[i] || t == &new[i], "{ctx}: {} torn", TABLES[i]);
            }
        } else {
            assert_ne!(state_name(&got, old, new), "mixed", "{ctx}");
        }
        if out.exists() {
            newsfacts::write::recover(&out).unwrap();
        }
        let state = state_name(&tables(&out), old, new);
        assert_ne!(state, "mixed", "{ctx}: after recovery");
        states.push(state);

        // Documents the killed run finished: their entries got records for rules B.
        let after = entries(&cache);
        let finished = after
            .iter()
            .filter(|(key, rules)| {
                !rules.is_empty() && !before.iter().any(|(k, r)| k == key && r == rules)
            })
            .count() as u64;
        let resumed = command(&out, &rules_b).status().unwrap();
        assert_eq!(resumed.code(), Some(0), "{ctx}");
        assert_eq!(tables(&out), new_tables, "{ctx}: resumed output");
        let [kept, cached_records, cached_text, processed] = paths(&out);
        assert_eq!(
            kept + cached_records + cached_text + processed,
            DOCS as u64,
            "{ctx}"
        );
        if state == "new" {
            assert_eq!(
                kept, DOCS as u64,
                "{ctx}: a finished run leaves nothing to do"
            );
        } else {
            assert_eq!(
                cached_records, finished,
                "{ctx}: finished documents come from the cache"
            );
            let cached_text_expected = if from_base {
                // The French documents not finished; the English ones keep their rows.
                (DOCS - DOCS / 4) as u64 - finished
            } else {
                0
            };
            assert_eq!(cached_text, cached_text_expected, "{ctx}");
            if !from_base {
                assert_eq!(processed, DOCS as u64 - finished, "{ctx}");
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    // Not an assertion on timing, which is not tested: a note for whoever reads the log.
    eprintln!("kill test states after recovery: {states:?}");
}

/// A run with `--lang` detects no language: its cache stores the given one as such, and a
/// run without `--lang` on that cache detects each document's language (plain text and HTML
/// pages, with and without a `lang` attribute), so that its tables are those of a run that
/// had no cache. The `--lang` run's tables are those of one without a cache too.
#[test]
fn a_cache_filled_by_a_run_with_lang_serves_a_run_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = repo().join("fixtures");
    let fixtures = fixtures.to_str().unwrap();
    let cache = tmp.path().join("cache");
    let out = |name: &str| tmp.path().join(name).to_str().unwrap().to_owned();
    let cached = |o: &str, extra: &[&str]| {
        let mut args = vec!["run", fixtures, "-o", o, "--cache", cache.to_str().unwrap()];
        args.extend(extra);
        run(&args);
    };
    let uncached = |o: &str, extra: &[&str]| {
        let mut args = vec!["run", fixtures, "-o", o, "--no-cache"];
        args.extend(extra);
        run(&args);
    };
    let (given, given_fresh) = (out("given"), out("given-fresh"));
    cached(&given, &["--lang", "fr"]);
    uncached(&given_fresh, &["--lang", "fr"]);
    assert_eq!(tables(Path::new(&given)), tables(Path::new(&given_fresh)));

    let (detected, detected_fresh) = (out("detected"), out("detected-fresh"));
    cached(&detected, &[]);
    uncached(&detected_fresh, &[]);
    let documents = |o: &str| std::fs::read_to_string(Path::new(o).join("documents.csv")).unwrap();
    assert!(documents(&detected).contains(",detected,"));
    assert_eq!(documents(&detected), documents(&detected_fresh));
    assert_eq!(
        tables(Path::new(&detected)),
        tables(Path::new(&detected_fresh))
    );
    let [_, _, cached_text, processed] = paths(Path::new(&detected));
    assert!(
        cached_text > 0 && processed == 0,
        "{cached_text} {processed}"
    );
}
