//! Compiling a [`RuleSpec`] into a [`Rule`]: placeholders expanded from the lexicon, the
//! regex built, the kind's named groups checked. Every problem is reported, not just the
//! first.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_syntax::hir::{Hir, HirKind};

use super::spec::{ExampleSpec, RuleSpec};
use super::splice::{self, Expansion, Recipe, RecipeBuilder};
use super::{Example, Lexicon, Rule, RuleError, line_of};
use crate::fact::FactKind;
use crate::normalize::number::NumberFormat;

/// Named groups each kind understands.
fn allowed_groups(kind: FactKind) -> &'static [&'static str] {
    match kind {
        FactKind::Date => &[
            "year",
            "month",
            "day",
            "end_year",
            "end_month",
            "end_day",
            "rel",
            "weekday",
            "offset",
            "unit",
            "direction",
            "quarter",
            "half",
            "part",
            "decade",
            "fact",
        ],
        FactKind::Amount => &[
            "number",
            "magnitude",
            "minor",
            "minor_unit",
            "currency",
            "coin",
            "qualifier",
            "fact",
        ],
        FactKind::Count => &[
            "number",
            "min",
            "max",
            "magnitude",
            "approx",
            "qualifier",
            "unit",
            "fact",
        ],
        FactKind::Country => &[],
    }
}

/// Groups of which a rule of each kind needs at least one, per requirement line.
fn required_groups(kind: FactKind) -> &'static [&'static [&'static str]] {
    match kind {
        FactKind::Date => &[&[
            "year", "month", "day", "rel", "weekday", "offset", "quarter", "half", "decade",
        ]],
        FactKind::Amount => &[&["number"], &["currency", "coin"]],
        FactKind::Count => &[&["unit"], &["number", "min", "approx"]],
        FactKind::Country => &[],
    }
}

/// Groups that mean something only beside another: (group, the group it needs).
fn dependent_groups(kind: FactKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        // The minor unit word names the unit of the `minor` hundredths.
        FactKind::Amount => &[("minor_unit", "minor")],
        FactKind::Date | FactKind::Count | FactKind::Country => &[],
    }
}

/// The default overlap priority of a kind: amounts beat dates beat counts.
pub fn default_priority(kind: FactKind) -> i32 {
    match kind {
        FactKind::Amount => 40,
        FactKind::Date => 30,
        FactKind::Count => 10,
        FactKind::Country => 0,
    }
}

/// Placeholders that are not lexicon tables.
pub const BUILTIN_PLACEHOLDERS: &[&str] =
    &["number", "int", "year", "day", "unit_word", "cjk_number"];

/// Everything compiling a rule needs to know about its group.
pub struct CompileContext<'a> {
    /// `common` or the language code (rule ids must start with it).
    pub group: &'a str,
    /// The group's lexicon.
    pub lexicon: &'a Lexicon,
    /// The `{number}` pattern for the group's number format.
    pub number_pattern: String,
    /// The group's placeholder expansions made so far, shared by its rules' recipes.
    pub expansions: Mutex<HashMap<String, Arc<Expansion>>>,
}

impl CompileContext<'_> {
    /// A context for a group's rules.
    pub fn new<'a>(
        group: &'a str,
        lexicon: &'a Lexicon,
        number_pattern: String,
    ) -> CompileContext<'a> {
        CompileContext {
            group,
            lexicon,
            number_pattern,
            expansions: Mutex::default(),
        }
    }

    /// What placeholder `name` stands for in this group; `None` for an unknown name.
    fn expansion(&self, name: &str) -> Option<Arc<Expansion>> {
        let mut made = self
            .expansions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = made.get(name) {
            return Some(Arc::clone(e));
        }
        let (raw, one_group): (Cow<'_, str>, bool) = match name {
            "number" => (self.number_pattern.as_str().into(), false),
            "int" => (r"\d+".into(), false),
            "year" => (r"\d{4}".into(), false),
            "day" => (r"\d{1,2}".into(), false),
            "unit_word" => (r"\p{L}(?:[\p{L}\p{M}'’-]*[\p{L}\p{M}])?".into(), false),
            "cjk_number" => (crate::normalize::number::cjk_number_pattern().into(), false),
            // A table's alternation is always one group.
            table => (self.lexicon.table(table)?.alternation().into(), true),
        };
        let readable = readable_digits(&raw);
        let e = Arc::new(Expansion::new(raw.into_owned(), readable, one_group));
        made.insert(name.to_owned(), Arc::clone(&e));
        Some(e)
    }
}

/// The `{number}` pattern: digits in any script with the group's separators.
pub fn number_pattern(format: NumberFormat, group_chars: &str) -> String {
    let mut class = String::new();
    for c in group_chars.chars() {
        if c == ' ' {
            class.push_str(r" \u{a0}\u{202f}\u{2009}");
        } else {
            class.push_str(&regex::escape(&c.to_string()));
        }
    }
    let dec = regex::escape(&format.decimal.to_string());
    let dec_class = if format.decimal == '.' {
        r"[.٫]".to_owned()
    } else {
        format!("[{dec}.٫]")
    };
    if class.is_empty() {
        format!(r"\d+(?:{dec_class}\d+)?")
    } else {
        format!(r"(?:\d{{1,3}}(?:[{class}]\d{{3}})+|\d+)(?:{dec_class}\d+)?")
    }
}

/// The pattern with its placeholders expanded and its digits made readable, and the recipe
/// that translates it from the group's shared expansions (see [`super::splice`]).
fn expand(pattern: &str, cx: &CompileContext<'_>) -> Result<(String, Recipe), String> {
    let mut out = String::with_capacity(pattern.len());
    let mut recipe = RecipeBuilder::default();
    let mut unknown = Vec::new();
    for_each_piece(pattern, |piece| match piece {
        Piece::Written(text) => {
            out.push_str(text);
            recipe.written(text);
        }
        Piece::Placeholder(name) => match cx.expansion(name) {
            Some(e) => {
                out.push_str(e.raw());
                recipe.placeholder(e);
            }
            None => unknown.push(name.to_owned()),
        },
    });
    if unknown.is_empty() {
        return Ok((readable_digits(&out), recipe.build(readable_digits)));
    }
    let mut known: Vec<String> = BUILTIN_PLACEHOLDERS
        .iter()
        .map(|s| (*s).to_owned())
        .chain(cx.lexicon.names().map(str::to_owned))
        .collect();
    known.sort();
    Err(format!(
        "unknown placeholder {} (known: {})",
        unknown
            .iter()
            .map(|u| format!("{{{u}}}"))
            .collect::<Vec<_>>()
            .join(", "),
        known
            .iter()
            .map(|k| format!("{{{k}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A part of a pattern as written: text (regex syntax) or a `{placeholder}`'s name.
enum Piece<'p> {
    Written(&'p str),
    Placeholder(&'p str),
}

/// Calls `piece` with each part of a pattern, in order.
fn for_each_piece<'p>(pattern: &'p str, mut piece: impl FnMut(Piece<'p>)) {
    let mut rest = pattern;
    let mut from = 0;
    while let Some(open) = rest[from..].find('{').map(|i| from + i) {
        match placeholder_name(&rest[open + 1..]) {
            Some(name) => {
                piece(Piece::Written(&rest[..open]));
                piece(Piece::Placeholder(name));
                rest = &rest[open + name.len() + 2..];
                from = 0;
            }
            // A regex repetition such as {3} or {1,2}: kept as written.
            None => from = open + 1,
        }
    }
    piece(Piece::Written(rest));
}

/// The name of the placeholder that `after` (the text after a `{`) starts with: a lowercase
/// `snake_case` name and its `}`. Anything else after a `{` is a repetition (`{3}`, `{1,2}`).
fn placeholder_name(after: &str) -> Option<&str> {
    let name = &after[..after.find('}')?];
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    valid.then_some(name)
}

/// The pattern as written with each placeholder replaced by a run of `x` of its length: the
/// same syntax apart from what the placeholders stand for, at the same offsets.
fn skeleton(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for_each_piece(pattern, |piece| match piece {
        Piece::Written(text) => out.push_str(text),
        Piece::Placeholder(name) => out.extend(std::iter::repeat_n('x', name.len() + 2)),
    });
    out
}

/// Says why a rule's pattern does not compile, pointing into the pattern as the rule file
/// writes it. The parser's own message quotes the pattern it parsed, with every placeholder
/// inlined: thousands of characters for a `{currency}`, the error somewhere inside. So the
/// written pattern is parsed again with its placeholders blanked out ([`skeleton`]); an
/// error there is the rule's own, shown under the line of the pattern it is on. Otherwise
/// the error comes from what a placeholder stands for, and a short excerpt of the expanded
/// pattern around it is shown instead.
fn pattern_error(written: &str, expanded: &str, error: &regex_syntax::Error) -> String {
    if let Err(own) = parse_pattern(&skeleton(written))
        && let Some((kind, span)) = error_parts(&own)
    {
        return format!(
            "pattern does not compile: {kind}\n{}",
            point_at(written, span)
        );
    }
    let Some((kind, span)) = error_parts(error) else {
        return format!("pattern does not compile: {error}");
    };
    let from = floor_char_boundary(expanded, span.start.saturating_sub(40));
    let to = floor_char_boundary(expanded, (span.start + 40).min(expanded.len()));
    format!(
        "pattern does not compile once its placeholders are expanded: {kind}, near `{}{}{}`",
        if from > 0 { "…" } else { "" },
        &expanded[from..to],
        if to < expanded.len() { "…" } else { "" },
    )
}

/// The message and byte span of a parse or translation error.
fn error_parts(error: &regex_syntax::Error) -> Option<(String, std::ops::Range<usize>)> {
    let (kind, span) = match error {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span()),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span()),
        _ => return None,
    };
    Some((kind, span.start.offset..span.end.offset))
}

/// The line of `pattern` that holds `span`, indented, with `^` under the span.
fn point_at(pattern: &str, span: std::ops::Range<usize>) -> String {
    let start = span.start.min(pattern.len());
    let line_start = pattern[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = pattern[start..]
        .find('\n')
        .map_or(pattern.len(), |i| start + i);
    let line = &pattern[line_start..line_end];
    let column = pattern[line_start..start].chars().count();
    let width = pattern[start..span.end.clamp(start, line_end)]
        .chars()
        .count()
        .max(1);
    format!(
        "    {line}\n    {}{}",
        " ".repeat(column),
        "^".repeat(width)
    )
}

/// The largest character boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Rewrites every `\d` of a pattern (inside classes too) to the digits newsfacts can read
/// ([`crate::normalize::number::digit_class`]); other escapes are kept as written.
fn readable_digits(pattern: &str) -> String {
    let class = crate::normalize::number::digit_class();
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&class),
            Some(next) => {
                out.push(c);
                out.push(next);
            }
            None => out.push(c),
        }
    }
    out
}

/// Builds a regex with the limits rule patterns need (large lexicon alternations): the
/// regex crate's configuration (leftmost-first, Unicode, empty matches only between
/// characters) with a larger size limit, and no literal prefilter. A rule's regex runs only
/// over paragraphs its group's prefilter found it matching in, where a literal search ahead
/// of the automaton saves little; extracting the literals (for patterns such as a number
/// lexicon's, the reverse-inner search flattens the whole alternation) took more time than it
/// saved: 100 MB text corpus, alternated runs, CPU 8.89 → 8.68 s, and 69.2 → 67.6 s at 1 GB.
/// Rules use the engine directly, as `regex_automata::meta::Regex`, so that their search
/// caches can be lent to any worker (see [`super::caches`]) instead of being kept per
/// thread.
pub fn build_regex(pattern: &str, case_insensitive: bool) -> Result<Regex, String> {
    regex_builder()
        .syntax(
            syntax::Config::new()
                .case_insensitive(case_insensitive)
                .utf8(true),
        )
        .build(pattern)
        .map_err(|e| e.to_string())
}

/// [`build_regex`] from a pattern already translated.
fn build_regex_from_hir(hir: &Hir) -> Result<Regex, String> {
    regex_builder()
        .build_from_hir(hir)
        .map_err(|e| e.to_string())
}

fn regex_builder() -> meta::Builder {
    let mut builder = meta::Builder::new();
    builder.configure(
        meta::Config::new()
            .match_kind(regex_automata::MatchKind::LeftmostFirst)
            .utf8_empty(true)
            .nfa_size_limit(Some(64 << 20))
            .hybrid_cache_capacity(2 << 20)
            .auto_prefilter(false),
    );
    builder
}

/// A rule's regex, compiled the first time a search needs it.
///
/// Loading a rule set parses every pattern (so syntax errors, unknown groups and the like are
/// reported at load time, with file and line) but builds the automata of a rule only when
/// its group's prefilter first says it may match. A corpus meets a fraction of the rules (a
/// French folder never needs the Korean ones), and building every regex up front was most
/// of a rule set's load time and a third of its memory.
pub struct LazyRegex {
    pattern: String,
    case_insensitive: bool,
    recipe: Recipe,
    compiled: OnceLock<Result<Regex, String>>,
}

impl LazyRegex {
    /// A regex to build from `pattern` (expanded) when first needed; `recipe` translates it
    /// from its group's shared expansions.
    pub fn new(pattern: String, case_insensitive: bool, recipe: Recipe) -> LazyRegex {
        LazyRegex {
            pattern,
            case_insensitive,
            recipe,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern translated with its case flag, as the regex and the group's prefilter
    /// compile it: from the recipe, else from the expanded pattern.
    pub fn hir(&self) -> Result<Hir, String> {
        match self.recipe.translate(self.case_insensitive) {
            Some(hir) => Ok(hir),
            None => splice::translate(&self.pattern, self.case_insensitive)
                .map_err(|e| format!("pattern does not compile: {e}")),
        }
    }

    /// The compiled regex, built now if it was not yet; the build error otherwise (only a
    /// pattern too large for the regex engine's size limit can fail here, as load time
    /// already parsed it).
    pub fn get(&self) -> Result<&Regex, &str> {
        self.compiled
            .get_or_init(|| {
                build_regex_from_hir(&self.hir()?)
                    .map_err(|e| format!("pattern does not compile: {e}"))
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// The build error, if the regex was built and failed.
    pub fn failed(&self) -> Option<&str> {
        match self.compiled.get() {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }
}

impl std::fmt::Debug for LazyRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyRegex")
            .field("pattern", &self.pattern)
            .field("case_insensitive", &self.case_insensitive)
            .field("compiled", &self.compiled.get().map(Result::is_ok))
            .finish_non_exhaustive()
    }
}

/// What loading needs to know of a pattern besides whether it compiles.
#[derive(Debug, Default, PartialEq)]
struct PatternShape {
    /// Its named groups, in order.
    names: Vec<String>,
    /// Whether it has assertions (`\b`, `^`, …).
    has_assertions: bool,
}

/// Checks a pattern as the regex crate parses it (same limits) and returns its shape: the
/// load-time check. Parsing to a syntax tree finds every error but two kinds, which need
/// the translation to the regex engine's intermediate form that the prefilter and the
/// regex do later: an unknown Unicode property (`\p{…}`) and, with Unicode turned off
/// (`(?-u)`), something that could match invalid UTF-8. So the tree is translated only when
/// it turns Unicode off (or has a `{0}` repetition, which translation drops), and each
/// distinct Unicode class is translated once per process; otherwise the tree alone gives
/// the shape, at half the cost of translating (the lexicons make patterns of many
/// kilobytes). Either way a failure is reported by the full parse, with its message.
fn check_pattern(pattern: &str) -> Result<PatternShape, Box<regex_syntax::Error>> {
    match tree_shape(pattern) {
        Some(shape) => Ok(shape),
        None => parse_pattern(pattern).map(|hir| hir_shape(&hir)),
    }
}

/// [`check_pattern`] for a rule: its marked pattern (small) and what each marker stands for
/// (translated once per group, and needed as translated for the prefilter and the regex
/// anyway) are checked apart, which is all that splicing them together needs. A recipe that
/// declines, or any failure, checks the expanded pattern, whose error is the one reported.
fn check_rule_pattern(
    recipe: &Recipe,
    expanded: &str,
    case_insensitive: bool,
) -> Result<PatternShape, Box<regex_syntax::Error>> {
    let apart = recipe.marked().and_then(|(marked, parts)| {
        let mut shape = check_pattern(marked).ok()?;
        for part in parts {
            let hir = part.hir(case_insensitive)?;
            shape.has_assertions |= !hir.properties().look_set().is_empty();
        }
        shape.names.retain(|name| !splice::is_marker(name));
        Some(shape)
    });
    apart.map_or_else(|| check_pattern(expanded), Ok)
}

/// The shape of a pattern read from its syntax tree, when the tree shows that it translates.
fn tree_shape(pattern: &str) -> Option<PatternShape> {
    let ast = regex_syntax::ast::parse::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let walk = regex_syntax::ast::visit(&ast, ShapeWalk::default()).ok()?;
    walk.classes
        .iter()
        .all(|c| class_translates(&pattern[c.clone()]))
        .then_some(walk.shape)
}

/// Parses a pattern to the regex engine's intermediate form, without the case-insensitive
/// flag of rules that have it: that flag only case-folds literals and classes (half the
/// cost of translating, for the classes of letters), and cannot make a pattern fail or
/// change its groups or assertions; the regex and prefilter built later do apply it.
fn parse_pattern(pattern: &str) -> Result<Hir, Box<regex_syntax::Error>> {
    splice::translate(pattern, false)
}

/// The shape of a translated pattern.
fn hir_shape(hir: &Hir) -> PatternShape {
    let mut names = Vec::new();
    group_names(hir, &mut names);
    PatternShape {
        names,
        has_assertions: !hir.properties().look_set().is_empty(),
    }
}

/// Whether a Unicode class written alone (`\p{Greek}`, `\pL`) translates; remembered for
/// the process, as rule files use a handful of classes many times.
fn class_translates(class: &str) -> bool {
    static KNOWN: OnceLock<std::sync::Mutex<std::collections::HashMap<String, bool>>> =
        OnceLock::new();
    let known = KNOWN.get_or_init(Default::default);
    let lock = || {
        known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(ok) = lock().get(class) {
        return *ok;
    }
    let ok = regex_syntax::Parser::new().parse(class).is_ok();
    lock().insert(class.to_owned(), ok);
    ok
}

/// Reads a pattern's shape from its syntax tree; fails (so that the pattern is translated)
/// on what the tree alone cannot vouch for. Records the spans of Unicode classes to check.
#[derive(Default)]
struct ShapeWalk {
    shape: PatternShape,
    classes: Vec<std::ops::Range<usize>>,
}

impl regex_syntax::ast::Visitor for ShapeWalk {
    type Output = ShapeWalk;
    type Err = ();

    fn finish(self) -> Result<ShapeWalk, ()> {
        Ok(self)
    }

    fn visit_pre(&mut self, ast: &regex_syntax::ast::Ast) -> Result<(), ()> {
        use regex_syntax::ast::{Ast, GroupKind, RepetitionKind, RepetitionRange};
        match ast {
            Ast::Group(g) => match &g.kind {
                GroupKind::CaptureName { name, .. } => self.shape.names.push(name.name.clone()),
                GroupKind::NonCapturing(flags) => unicode_untouched(flags)?,
                GroupKind::CaptureIndex(_) => {}
            },
            Ast::Flags(f) => unicode_untouched(&f.flags)?,
            Ast::Assertion(_) => self.shape.has_assertions = true,
            Ast::ClassUnicode(c) => self.classes.push(c.span.start.offset..c.span.end.offset),
            Ast::Repetition(r) => {
                if let RepetitionKind::Range(
                    RepetitionRange::Exactly(0) | RepetitionRange::Bounded(_, 0),
                ) = r.op.kind
                {
                    return Err(());
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_item_pre(
        &mut self,
        item: &regex_syntax::ast::ClassSetItem,
    ) -> Result<(), ()> {
        if let regex_syntax::ast::ClassSetItem::Unicode(c) = item {
            self.classes.push(c.span.start.offset..c.span.end.offset);
        }
        Ok(())
    }
}

/// Fails if the flags mention Unicode (only turning it off can make translation fail).
fn unicode_untouched(flags: &regex_syntax::ast::Flags) -> Result<(), ()> {
    use regex_syntax::ast::{Flag, FlagsItemKind};
    let mentions = flags
        .items
        .iter()
        .any(|i| matches!(i.kind, FlagsItemKind::Flag(Flag::Unicode)));
    if mentions { Err(()) } else { Ok(()) }
}

/// The names of a pattern's named groups, in order.
fn group_names(hir: &Hir, out: &mut Vec<String>) {
    match hir.kind() {
        HirKind::Capture(c) => {
            if let Some(name) = &c.name {
                out.push(name.to_string());
            }
            group_names(&c.sub, out);
        }
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            for sub in subs {
                group_names(sub, out);
            }
        }
        HirKind::Repetition(r) => group_names(&r.sub, out),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

fn valid_id(id: &str, group: &str, kind: &str) -> bool {
    let mut parts = id.split('.');
    let (Some(lang), Some(k), Some(shape), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    lang == group
        && k == kind
        && !shape.is_empty()
        && shape
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn example_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compiles one rule, or returns every problem found in it.
pub fn compile_rule(
    spec: &RuleSpec,
    file: &str,
    source: &str,
    cx: &CompileContext<'_>,
) -> Result<Rule, Vec<RuleError>> {
    let id = spec.id.get_ref().clone();
    let err = |offset: usize, message: String| RuleError {
        file: file.to_owned(),
        line: Some(line_of(source, offset)),
        rule_id: Some(id.clone()),
        message,
    };
    let mut errors = Vec::new();
    let kind_text = spec.kind.get_ref();
    let kind = match FactKind::parse(kind_text) {
        Some(FactKind::Country) => {
            errors.push(err(
                spec.kind.span().start,
                "kind country is not a regex rule: country names come from countries.csv".into(),
            ));
            None
        }
        Some(k) => Some(k),
        None => {
            errors.push(err(
                spec.kind.span().start,
                format!("unknown kind {kind_text:?} (known: date, amount, count)"),
            ));
            None
        }
    };
    if !valid_id(&id, cx.group, kind_text) {
        errors.push(err(
            spec.id.span().start,
            format!(
                "id must be {}.{kind_text}.<shape> with a lowercase snake_case shape",
                cx.group
            ),
        ));
    }
    if spec.examples.is_empty() {
        errors.push(err(
            spec.id.span().start,
            "no examples: add at least one `examples = [{ text = \"…\", expect = { … } }]`".into(),
        ));
    }
    let pattern_line = spec.pattern.span().start;
    let mut names = Vec::new();
    let regex = match expand(spec.pattern.get_ref(), cx) {
        Ok((expanded, recipe)) => {
            match check_rule_pattern(&recipe, &expanded, !spec.case_sensitive) {
                Ok(shape) => {
                    names = shape.names;
                    Some((shape.has_assertions, expanded, recipe))
                }
                Err(error) => {
                    let written = spec.pattern.get_ref();
                    errors.push(err(pattern_line, pattern_error(written, &expanded, &error)));
                    None
                }
            }
        }
        Err(message) => {
            errors.push(err(pattern_line, message));
            None
        }
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if let (Some(kind), Some(_)) = (kind, &regex) {
        let allowed = allowed_groups(kind);
        for name in &names {
            if !allowed.contains(name) {
                errors.push(err(
                    pattern_line,
                    format!(
                        "unknown group (?<{name}>) for kind {kind} (known: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        for key in spec.set.keys() {
            if !allowed.contains(&key.as_str()) {
                errors.push(err(
                    spec.id.span().start,
                    format!(
                        "unknown `set` key {key} for kind {kind} (known: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        for need in required_groups(kind) {
            let present = need
                .iter()
                .any(|g| names.contains(g) || spec.set.contains_key(*g));
            if !present {
                errors.push(err(
                    pattern_line,
                    format!(
                        "a {kind} rule needs a named group {}",
                        need.iter()
                            .map(|g| format!("(?<{g}>…)"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                ));
            }
        }
    }
    if let (Some(kind), Some(_)) = (kind, &regex) {
        let has = |g: &str| names.contains(&g) || spec.set.contains_key(g);
        for (group, needs) in dependent_groups(kind) {
            if has(group) && !has(needs) {
                errors.push(err(
                    pattern_line,
                    format!("a (?<{group}>…) group needs a (?<{needs}>…) group beside it"),
                ));
            }
        }
    }
    match (kind, regex) {
        (Some(kind), Some((has_assertions, expanded, recipe))) if errors.is_empty() => Ok(Rule {
            id,
            kind,
            has_fact_group: names.contains(&"fact"),
            cut_after_last_match: !has_assertions,
            set_pattern: if spec.case_sensitive {
                expanded.clone()
            } else {
                format!("(?i:{expanded})")
            },
            regex: LazyRegex::new(expanded, !spec.case_sensitive, recipe),
            priority: spec.priority.unwrap_or_else(|| default_priority(kind)),
            set: spec
                .set
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            examples: spec.examples.iter().map(compile_example).collect(),
            counter_examples: spec.counter_examples.clone(),
            file: file.to_owned(),
            line: line_of(source, spec.id.span().start),
        }),
        _ => Err(errors),
    }
}

fn compile_example(e: &ExampleSpec) -> Example {
    Example {
        text: e.text.clone(),
        published: e.published.clone(),
        expect: e
            .expect
            .iter()
            .map(|(k, v)| (k.clone(), example_value(v)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(lexicon: &Lexicon) -> CompileContext<'_> {
        CompileContext::new(
            "fr",
            lexicon,
            number_pattern(NumberFormat { decimal: ',' }, " "),
        )
    }

    #[test]
    fn every_shipped_pattern_is_checked_from_its_tree_as_translation_would() {
        let rules = super::super::load(&super::super::RuleFiles::embedded()).unwrap();
        let mut n = 0;
        for rule in rules.rules() {
            let pattern = &rule.regex.pattern;
            let hir = parse_pattern(pattern).unwrap();
            assert_eq!(tree_shape(pattern), Some(hir_shape(&hir)), "{}", rule.id);
            n += 1;
        }
        assert!(n > 1000, "{n}");
    }

    #[test]
    fn every_shipped_pattern_translates_from_its_recipe_as_from_its_expansion() {
        let rules = super::super::load(&super::super::RuleFiles::embedded()).unwrap();
        let mut n = 0;
        for rule in rules.rules() {
            let regex = &rule.regex;
            let spliced = regex.recipe.translate(regex.case_insensitive);
            let spliced = spliced.unwrap_or_else(|| panic!("{}: the recipe declines", rule.id));
            // What the prefilter compiled before recipes: the set pattern, case flag inline.
            let parsed = splice::translate(&rule.set_pattern, false).unwrap();
            assert!(spliced == parsed, "{}", rule.id);
            n += 1;
        }
        assert!(n > 1000, "{n}");
    }

    #[test]
    fn recipes_decline_what_a_marker_cannot_stand_for() {
        let lex = currencies();
        for (pattern, declines) in [
            (r"(?<number>{number})\s*(?<currency>{currency})", false),
            (
                r"(?i)(?<number>{int})(?-i:\s*)(?<currency>{currency}?)",
                false,
            ),
            (r"(?<number>{number}?)", true),
            (r"(?<number>{int}+)", true),
            (r"(?<number>{int}{2})", true),
            (r"(?x)(?<number>{number}) (?<currency>{currency})", true),
            (r"(?U)(?<number>{number})", true),
            (r"\\{currency}", true),
        ] {
            let (expanded, recipe) = expand(pattern, &cx(&lex)).unwrap();
            for ci in [false, true] {
                let spliced = recipe.translate(ci);
                assert_eq!(spliced.is_none(), declines, "{pattern}");
                if let Some(spliced) = spliced {
                    assert!(
                        spliced == splice::translate(&expanded, ci).unwrap(),
                        "{pattern}"
                    );
                }
            }
        }
    }

    #[test]
    fn what_only_translation_finds_is_reported_as_translation_reports_it() {
        for pattern in [
            r"\p{Bogus}",
            r"a[\p{Nope}b]",
            r"\p{Greek}\P{Script=Nowhere}",
            r"(?-u:\xFF)",
            r"(?-u)\W",
            r"(?u)(?<value>\d)\b",
            r"a(",
            r"(?<x>a)(?<x>b)",
            r"\b{0}(?<value>\d)",
            r"(?:(?<value>\d)|^){0,0}",
            r"[[:alpha:]\pL--\p{Lu}](?<unit>x)$",
        ] {
            let full = parse_pattern(pattern).map(|hir| hir_shape(&hir));
            assert_eq!(check_pattern(pattern), full, "{pattern}");
        }
        assert!(tree_shape(r"(?-u:\xFF)").is_none());
        assert!(tree_shape(r"\p{Bogus}").is_none());
        assert!(tree_shape(r"\b{0}").is_none());
    }

    fn currencies() -> Lexicon {
        let toml = toml::from_str("[currency]\neuro = \"EUR\"\ndollar = \"USD\"\n").unwrap();
        Lexicon::from_toml(&toml).unwrap()
    }

    /// The error `compile_rule` reports for a pattern.
    fn error_of(pattern: &str, lexicon: &Lexicon) -> String {
        let (expanded, _) = expand(pattern, &cx(lexicon)).unwrap();
        let error = check_pattern(&expanded).unwrap_err();
        pattern_error(pattern, &expanded, &error)
    }

    #[test]
    fn a_pattern_error_points_into_the_pattern_as_written() {
        let lex = currencies();
        let pattern = r"(?<number>{number})\s*(?<currency>{currency}";
        assert_eq!(
            error_of(pattern, &lex),
            format!(
                "pattern does not compile: unclosed group\n    {pattern}\n    {}^",
                " ".repeat(pattern.find("(?<currency>").unwrap())
            )
        );
        // The span is counted in characters, and an error on a later line shows that line.
        let pattern = "(?x)\n  (?<number>{number}) # près\n  é\\p{Bogus}";
        assert_eq!(
            error_of(pattern, &lex),
            "pattern does not compile: Unicode property not found\n      é\\p{Bogus}\n       ^^^^^^^^^"
        );
    }

    #[test]
    fn an_error_in_what_a_placeholder_stands_for_quotes_only_its_surroundings() {
        let lex = currencies();
        // Nesting that only the expansion takes past the parser's limit.
        let pattern = format!("{}{{number}}{}", "(?:".repeat(249), ")".repeat(249));
        let message = error_of(&pattern, &lex);
        assert!(
            message.starts_with(
                "pattern does not compile once its placeholders are expanded: exceed the maximum \
                 number of nested parentheses/brackets (250), near `…"
            ),
            "{message}"
        );
        assert!(message.chars().count() < 250, "{message}");
    }

    #[test]
    fn repetitions_are_not_placeholders() {
        let lex = Lexicon::default();
        let d = crate::normalize::number::digit_class();
        assert_eq!(
            expand(r"\d{4}-\d{1,2}", &cx(&lex)).unwrap().0,
            format!(r"{d}{{4}}-{d}{{1,2}}")
        );
    }

    #[test]
    fn digits_are_the_ones_normalization_reads() {
        let d = readable_digits(r"[\d,]+\\d\.\s");
        assert!(d.ends_with(r",]+\\d\.\s"), "{d}");
        let re = Regex::new(&d).unwrap();
        for text in ["12,5\\d. ", "١٢\\d. ", "१२\\d. ", "１２\\d. "] {
            assert!(re.is_match(text), "{text}");
        }
        // Mathematical bold digits are Unicode \d, but no number parser reads them.
        assert!(!re.is_match("\u{1D7CF}\\d. "));
    }

    #[test]
    fn unknown_placeholder_lists_known_ones() {
        let lex = Lexicon::default();
        let e = expand("{mois}", &cx(&lex)).unwrap_err();
        assert!(
            e.starts_with("unknown placeholder {mois} (known: {cjk_number}, {day}, {int}"),
            "{e}"
        );
    }

    #[test]
    fn number_pattern_keeps_groups_of_three() {
        let re = Regex::new(&format!(
            "^{}$",
            number_pattern(NumberFormat { decimal: ',' }, " ")
        ))
        .unwrap();
        assert!(re.is_match("450 000"));
        assert!(re.is_match("1,2"));
        assert!(re.is_match("2015"));
        assert!(!re.is_match("2015 142 1"));
    }

    #[test]
    fn id_must_match_folder_and_kind() {
        assert!(valid_id("fr.date.month_year", "fr", "date"));
        assert!(!valid_id("en.date.month_year", "fr", "date"));
        assert!(!valid_id("fr.count.month_year", "fr", "date"));
        assert!(!valid_id("fr.date.Month", "fr", "date"));
    }
}
