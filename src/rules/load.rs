//! Reading a rule folder (or the embedded copy of `rules/`) into a [`RuleSet`], collecting
//! every error before giving up.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rayon::prelude::*;

use super::compile::{CompileContext, compile_rule, number_pattern};
use super::countries::Countries;
use super::spec::{RuleFileSpec, RuleSpec};
use super::{CachePool, Lexicon, RuleError, RuleGroup, RuleSet, line_of};
use crate::normalize::number::NumberFormat;

/// The files of a rule set: paths relative to the rule folder (with `/`) and contents.
#[derive(Clone, Debug)]
pub struct RuleFiles {
    /// `embedded` or the folder's path, for messages and `run.json`.
    pub origin: String,
    /// `(relative path, content)`, sorted by path.
    pub files: Vec<(String, String)>,
}

impl RuleFiles {
    /// The default rule set compiled into the binary.
    pub fn embedded() -> RuleFiles {
        let mut files: Vec<(String, String)> = super::embedded::FILES
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect();
        files.sort();
        RuleFiles {
            origin: "embedded".to_owned(),
            files,
        }
    }

    /// Reads every `.toml` and `.csv` file under a folder.
    pub fn from_dir(dir: &Path) -> Result<RuleFiles, RuleError> {
        let io_err = |path: &Path, e: std::io::Error| RuleError {
            file: path.display().to_string(),
            line: None,
            rule_id: None,
            message: format!("cannot read: {e}"),
        };
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let entries = std::fs::read_dir(&d).map_err(|e| io_err(&d, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| io_err(&d, e))?;
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if ext != "toml" && ext != "csv" {
                    continue;
                }
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let content = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
                files.push((rel, content));
            }
        }
        files.sort();
        Ok(RuleFiles {
            origin: dir.display().to_string(),
            files,
        })
    }
}

fn has_ext(path: &str, ext: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn is_lang_folder(name: &str) -> bool {
    (2..=3).contains(&name.len()) && name.chars().all(|c| c.is_ascii_lowercase())
}

fn parse_lexicon(file: &str, content: &str, errors: &mut Vec<RuleError>) -> Lexicon {
    let table = match content.parse::<toml::Table>() {
        Ok(t) => t,
        Err(e) => {
            errors.push(toml_error(file, content, &e));
            return Lexicon::default();
        }
    };
    match Lexicon::from_toml(&table) {
        Ok(l) => l,
        Err(messages) => {
            errors.extend(messages.into_iter().map(|message| RuleError {
                file: file.to_owned(),
                line: None,
                rule_id: None,
                message,
            }));
            Lexicon::default()
        }
    }
}

fn toml_error(file: &str, content: &str, e: &toml::de::Error) -> RuleError {
    RuleError {
        file: file.to_owned(),
        line: e.span().map(|s| line_of(content, s.start)),
        rule_id: None,
        message: e.message().trim().to_owned(),
    }
}

fn number_format(
    lexicon: &Lexicon,
    file: &str,
    errors: &mut Vec<RuleError>,
) -> (NumberFormat, String) {
    let mut format = NumberFormat::default();
    let mut group = ",".to_owned();
    if let Some(t) = lexicon.table("number_format") {
        if let Some(d) = t
            .get("decimal")
            .and_then(super::lexicon::LexValue::as_string)
        {
            let mut chars = d.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => format.decimal = c,
                _ => errors.push(RuleError {
                    file: file.to_owned(),
                    line: None,
                    rule_id: None,
                    message: format!("[number_format] decimal must be one character, found {d:?}"),
                }),
            }
        }
        if let Some(g) = t.get("group").and_then(super::lexicon::LexValue::as_string) {
            group = g;
        }
    }
    (format, group)
}

/// Loads and compiles a whole rule set. On failure, returns every problem found.
pub fn load(files: &RuleFiles) -> Result<RuleSet, Vec<RuleError>> {
    let mut errors = Vec::new();
    let by_path: BTreeMap<&str, &str> = files
        .files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();

    // Group files by their top-level folder.
    let mut groups: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    let mut countries_csv = None;
    for (&path, &content) in &by_path {
        match path.split_once('/') {
            None if path == "countries.csv" => countries_csv = Some(content),
            None => {
                if has_ext(path, "toml") {
                    errors.push(RuleError {
                        file: path.to_owned(),
                        line: None,
                        rule_id: None,
                        message: "rule files belong in common/ or a language folder such as fr/"
                            .into(),
                    });
                }
            }
            Some((folder, rest)) => {
                if !has_ext(path, "toml") {
                    continue;
                }
                if folder != "common" && !is_lang_folder(folder) {
                    errors.push(RuleError {
                        file: path.to_owned(),
                        line: None,
                        rule_id: None,
                        message: format!(
                            "folder {folder:?} is neither common/ nor an ISO 639-1 language code"
                        ),
                    });
                    continue;
                }
                if rest.contains('/') {
                    errors.push(RuleError {
                        file: path.to_owned(),
                        line: None,
                        rule_id: None,
                        message: "rule files must sit directly in their language folder".into(),
                    });
                    continue;
                }
                groups.entry(folder).or_default().push((path, content));
            }
        }
    }

    let lexicon_of = |folder: &str, errors: &mut Vec<RuleError>| -> Lexicon {
        let path = format!("{folder}/lexicon.toml");
        by_path
            .get(path.as_str())
            .map(|c| parse_lexicon(&path, c, errors))
            .unwrap_or_default()
    };
    let common_lexicon = lexicon_of("common", &mut errors);
    let mut common = None;
    let mut langs = BTreeMap::new();
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    let folders: Vec<&str> = std::iter::once("common")
        .chain(groups.keys().copied().filter(|f| *f != "common"))
        .collect();
    // Each folder's lexicon and rule files parsed first (on every core); then every rule of
    // every folder compiled at once (compiling the regexes is most of the cost of loading).
    let read: Vec<(Option<Folder<'_>>, Vec<RuleError>)> = folders
        .par_iter()
        .map(|&folder| {
            let mut found = Vec::new();
            let mut lexicon = common_lexicon.clone();
            if folder != "common" {
                lexicon.extend(&lexicon_of(folder, &mut found));
            }
            if !found.is_empty() {
                // The rules would only repeat the lexicon's errors as unknown placeholders.
                return (None, found);
            }
            let lexicon_file = format!("{folder}/lexicon.toml");
            let (format, group_chars) = number_format(&lexicon, &lexicon_file, &mut found);
            let mut specs = Vec::new();
            for &(path, content) in groups.get(folder).map_or(&[][..], Vec::as_slice) {
                if path.ends_with("/lexicon.toml") {
                    continue;
                }
                match toml::from_str::<RuleFileSpec>(content) {
                    Ok(file) => specs.extend(file.rule.into_iter().map(|rule| {
                        let line = line_of(content, rule.get_ref().id.span().start);
                        (rule.into_inner(), path, content, line)
                    })),
                    Err(e) => found.push(toml_error(path, content, &e)),
                }
            }
            let folder = Folder {
                name: folder,
                lexicon,
                format,
                number_pattern: number_pattern(format, &group_chars),
                specs,
            };
            (Some(folder), found)
        })
        .collect();
    let mut prepared: Vec<Folder<'_>> = Vec::new();
    for (folder, folder_errors) in read {
        errors.extend(folder_errors);
        let Some(mut folder) = folder else { continue };
        folder.specs.retain(|(rule, path, _, line)| {
            let id = rule.id.get_ref();
            match seen_ids.entry(id.clone()) {
                Entry::Vacant(v) => {
                    v.insert(format!("{path}:{line}"));
                    true
                }
                Entry::Occupied(first) => {
                    errors.push(RuleError {
                        file: (*path).to_owned(),
                        line: Some(*line),
                        rule_id: Some(id.clone()),
                        message: format!("duplicate id (first defined at {})", first.get()),
                    });
                    false
                }
            }
        });
        prepared.push(folder);
    }
    let all: Vec<(usize, &RuleSpec, &str, &str)> = prepared
        .iter()
        .enumerate()
        .flat_map(|(f, folder)| {
            folder
                .specs
                .iter()
                .map(move |(rule, path, content, _)| (f, rule, *path, *content))
        })
        .collect();
    let contexts: Vec<CompileContext<'_>> = prepared
        .iter()
        .map(|f| CompileContext::new(f.name, &f.lexicon, f.number_pattern.clone()))
        .collect();
    // The country names are read meanwhile.
    let (compiled, countries) = rayon::join(
        || {
            all.par_iter()
                .map(|&(f, rule, path, content)| {
                    (f, compile_rule(rule, path, content, &contexts[f]))
                })
                .collect::<Vec<_>>()
        },
        || countries_csv.map(Countries::parse),
    );
    drop(contexts);
    let mut compiled = compiled.into_iter().peekable();
    for (f, folder) in prepared.into_iter().enumerate() {
        let mut rules = Vec::with_capacity(folder.specs.len());
        while let Some((_, result)) = compiled.next_if(|(g, _)| *g == f) {
            match result {
                Ok(r) => rules.push(r),
                Err(es) => errors.extend(es),
            }
        }
        let group = RuleGroup {
            name: folder.name.to_owned(),
            index: 0,
            lexicon: folder.lexicon,
            number_format: folder.format,
            rules,
            prefilter: std::sync::OnceLock::new(),
        };
        if folder.name == "common" {
            common = Some(group);
        } else {
            langs.insert(folder.name.to_owned(), group);
        }
    }

    let countries = match countries {
        Some(parsed) => parsed.unwrap_or_else(|es| {
            errors.extend(es);
            Countries::default()
        }),
        None => Countries::default(),
    };

    if !errors.is_empty() {
        // In file and line order (stable: a line's errors keep the order they were found in).
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(errors);
    }
    for (i, group) in langs.values_mut().enumerate() {
        group.index = i + 1;
    }
    let mut all = blake3::Hasher::new();
    let mut file_fingerprints = BTreeMap::new();
    for (path, content) in &files.files {
        let h = blake3::hash(content.as_bytes());
        all.update(path.as_bytes());
        all.update(&[0]);
        all.update(h.as_bytes());
        file_fingerprints.insert(path.clone(), h.to_hex()[..16].to_owned());
    }
    let langs_count = langs.len();
    Ok(RuleSet {
        common: common.unwrap_or(RuleGroup {
            name: "common".into(),
            index: 0,
            lexicon: Lexicon::default(),
            number_format: NumberFormat::default(),
            rules: Vec::new(),
            prefilter: std::sync::OnceLock::new(),
        }),
        langs,
        countries,
        origin: files.origin.clone(),
        fingerprint: all.finalize().to_hex()[..16].to_owned(),
        file_fingerprints,
        // The common group and each language's.
        caches: CachePool::new(1 + langs_count),
    })
}

/// One rule folder read for loading: its lexicon, number format and rule specs, before the
/// rules of every folder are compiled together.
struct Folder<'a> {
    name: &'a str,
    lexicon: Lexicon,
    format: NumberFormat,
    number_pattern: String,
    /// Each rule with its file, the file's text and the line of its id.
    specs: Vec<(RuleSpec, &'a str, &'a str, usize)>,
}
#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> RuleFiles {
        RuleFiles {
            origin: "test".into(),
            files: list
                .iter()
                .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn every_error_is_reported_with_file_line_and_rule() {
        let src = "[[rule]]\nid = \"fr.date.a\"\nkind = \"date\"\npattern = '{mois}'\nexamples = [{ text = \"x\" }]\n\n[[rule]]\nid = \"fr.date.b\"\nkind = \"date\"\npattern = '(?<year>\\d{4}'\nexamples = [{ text = \"x\" }]\n";
        let errs = load(&files(&[("fr/dates.toml", src)])).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(
            errs[0].to_string().split(": unknown").next(),
            Some("fr/dates.toml:4: rule fr.date.a")
        );
        assert!(
            errs[1]
                .to_string()
                .starts_with("fr/dates.toml:10: rule fr.date.b: pattern does not compile")
        );
    }

    #[test]
    fn errors_of_several_folders_come_in_file_and_line_order() {
        let bad_pattern = "[[rule]]\nid = \"de.date.a\"\nkind = \"date\"\npattern = '(?<year>\\d{4}'\nexamples = [{ text = \"x\" }]\n";
        let bad_toml = "[[rule]]\nid = \"fr.date.a\"\nkind = ";
        let errs = load(&files(&[
            ("de/dates.toml", bad_pattern),
            ("fr/dates.toml", bad_toml),
            (
                "de/amounts.toml",
                bad_toml.replace("fr.date", "de.amount").as_str(),
            ),
        ]))
        .unwrap_err();
        let at: Vec<String> = errs
            .iter()
            .map(|e| format!("{}:{:?}", e.file, e.line))
            .collect();
        assert_eq!(
            at,
            [
                "de/amounts.toml:Some(3)",
                "de/dates.toml:Some(4)",
                "fr/dates.toml:Some(3)"
            ],
            "{errs:?}"
        );
    }

    #[test]
    fn duplicate_ids_are_errors() {
        let rule = "[[rule]]\nid = \"fr.date.a\"\nkind = \"date\"\npattern = '(?<year>\\d{4})'\nexamples = [{ text = \"2019\" }]\n";
        let errs = load(&files(&[("fr/a.toml", rule), ("fr/b.toml", rule)])).unwrap_err();
        assert!(
            errs[0]
                .message
                .starts_with("duplicate id (first defined at fr/a.toml:2)")
        );
    }

    #[test]
    fn a_minor_unit_group_without_minor_hundredths_is_an_error() {
        let src = "[[rule]]\nid = \"fr.amount.a\"\nkind = \"amount\"\npattern = '(?<number>\\d+) (?<minor_unit>cents)'\nset = { currency = \"EUR\" }\nexamples = [{ text = \"5 cents\" }]\n";
        let errs = load(&files(&[("fr/amounts.toml", src)])).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "fr/amounts.toml:4: rule fr.amount.a: a (?<minor_unit>…) group needs a (?<minor>…) group beside it"
        );
    }

    #[test]
    fn unknown_fields_are_errors() {
        let src = "[[rule]]\nid = \"fr.date.a\"\nkind = \"date\"\npatern = 'x'\n";
        let errs = load(&files(&[("fr/dates.toml", src)])).unwrap_err();
        assert!(errs[0].message.contains("patern"), "{errs:?}");
        assert_eq!(errs[0].line, Some(4));
    }

    #[test]
    fn a_rule_too_large_to_build_is_reported_not_lost() {
        // It parses, so loading accepts it; building its automaton exceeds the size limit.
        // (The optional front leaves the prefilter `\d{4}`, which finds the year below, so
        // the rule's regex is needed.)
        let src = "[[rule]]\nid = \"fr.date.huge\"\nkind = \"date\"\npattern = '(?<year>(?:\\w{100}){0,1000}\\d{4})'\nexamples = [{ text = \"x\" }]\n";
        let set = load(&files(&[("fr/dates.toml", src)])).unwrap();
        assert!(set.late_errors().is_empty(), "nothing is built before use");
        let got = crate::extract::extract(&set, Some("fr"), "en 2019", None, false);
        assert!(got.facts.is_empty());
        let errs = set.late_errors();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0]
                .to_string()
                .starts_with("fr/dates.toml:2: rule fr.date.huge: pattern does not compile"),
            "{}",
            errs[0]
        );
        assert_eq!(set.compile_all().len(), 1);
    }
}
