//! Rule patterns translated to the regex engine's intermediate form (HIR) without parsing
//! their placeholders' expansions again for each rule.
//!
//! A `{currency}` stands for kilobytes of alternation, and most of a language's rules use the
//! same few tables: translating each expanded pattern was half the time of building a
//! language's prefilter and of each rule's regex. Here each expansion of a group is
//! translated once (per case mode) and shared; a rule's pattern is translated with a small
//! marker group in each placeholder's place, and the markers are replaced with the shared
//! translations ([`Recipe::translate`]). The result is the same HIR the expanded pattern
//! translates to (a test checks every shipped rule); when a recipe cannot vouch for that
//! (inline flags that change how an expansion reads, a quantifier right after a placeholder
//! that is not one group), it declines and the expanded pattern is translated instead.

use std::sync::{Arc, OnceLock};

use regex_syntax::hir::{self, Hir, HirKind};

/// What a placeholder stands for in one group, translated on first use.
#[derive(Debug)]
pub struct Expansion {
    /// The pattern text as written for the placeholder.
    raw: String,
    /// The text as the expanded pattern reads it (digits made readable).
    text: String,
    /// Whether the text is one group, so that a quantifier after the placeholder applies to
    /// all of it, as it does to the marker group standing in for it.
    one_group: bool,
    /// The translation, case-sensitive and case-insensitive; `None` if it does not translate.
    hirs: [OnceLock<Option<Hir>>; 2],
}

impl Expansion {
    /// An expansion: `raw` as written, `text` as read; `one_group` when it is a single group.
    pub fn new(raw: String, text: String, one_group: bool) -> Expansion {
        Expansion {
            raw,
            text,
            one_group,
            hirs: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// The text as written, which expansion inlines.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The translation, made on first use; `None` if the text does not translate alone.
    pub fn hir(&self, case_insensitive: bool) -> Option<&Hir> {
        self.hirs[usize::from(case_insensitive)]
            .get_or_init(|| translate(&self.text, case_insensitive).ok())
            .as_ref()
    }
}

/// Translates a pattern as the rule regexes and prefilters do (Unicode, UTF-8 only).
pub fn translate(pattern: &str, case_insensitive: bool) -> Result<Hir, Box<regex_syntax::Error>> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .build()
        .parse(pattern)
        .map_err(Box::new)
}

/// How to translate one rule's pattern from shared expansions.
#[derive(Debug, Default)]
pub struct Recipe {
    /// The pattern with each placeholder a marker group (digits made readable); `None` when
    /// the pattern has something a marker cannot stand in for.
    marked: Option<String>,
    /// What each marker stands for, in order.
    parts: Vec<Arc<Expansion>>,
}

/// The name of the marker group of placeholder `n` (not a name rules may use).
fn marker_name(n: usize) -> String {
    format!("__newsfacts_placeholder_{n}")
}

/// Whether a group name is a marker's.
pub fn is_marker(name: &str) -> bool {
    marker_index(name).is_some()
}

fn marker_index(name: &str) -> Option<usize> {
    name.strip_prefix("__newsfacts_placeholder_")?.parse().ok()
}

/// Builds [`Recipe`]s: the written parts of a pattern and its placeholders, in order.
#[derive(Debug, Default)]
pub struct RecipeBuilder {
    marked: String,
    parts: Vec<Arc<Expansion>>,
    /// The last piece was a placeholder whose expansion is not one group: a quantifier
    /// after it would apply to the whole marker, but to the expansion's last piece.
    after_loose: bool,
    /// Set when a marker could not stand in for a placeholder.
    declined: bool,
}

impl RecipeBuilder {
    /// Adds written pattern text.
    pub fn written(&mut self, text: &str) {
        if std::mem::take(&mut self.after_loose) && text.starts_with(['?', '*', '+', '{']) {
            self.declined = true;
        }
        self.marked.push_str(text);
    }

    /// Adds a placeholder.
    pub fn placeholder(&mut self, expansion: Arc<Expansion>) {
        // A backslash before it would escape the marker's parenthesis.
        if self.marked.ends_with('\\') {
            self.declined = true;
        }
        self.after_loose = !expansion.one_group;
        self.marked.push_str("(?<");
        self.marked.push_str(&marker_name(self.parts.len()));
        self.marked.push_str(">x)");
        self.parts.push(expansion);
    }

    /// The recipe, its marked pattern passed through `finish` (digits made readable).
    pub fn build(self, finish: impl FnOnce(&str) -> String) -> Recipe {
        // Flags that change how an expansion reads (whitespace, greed, Unicode) are not
        // carried to the shared translations; case is (see `Splice::marker`).
        let flags_ok = !self.marked.match_indices("(?").any(|(i, _)| {
            self.marked[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
                .any(|c| !matches!(c, 'i' | 'm' | 's' | '-'))
        });
        Recipe {
            marked: (!self.declined && flags_ok).then(|| finish(&self.marked)),
            parts: self.parts,
        }
    }
}

impl Recipe {
    /// The marked pattern and what its markers stand for; `None` when the recipe declines.
    pub fn marked(&self) -> Option<(&str, &[Arc<Expansion>])> {
        Some((self.marked.as_deref()?, &self.parts))
    }

    /// The pattern's translation with the shared expansions spliced in; `None` when the
    /// recipe declines (the caller translates the expanded pattern).
    pub fn translate(&self, case_insensitive: bool) -> Option<Hir> {
        let marked = translate(self.marked.as_deref()?, case_insensitive).ok()?;
        let mut splice = Splice {
            parts: &self.parts,
            markers: 0,
            ok: true,
        };
        let hir = splice.rebuild(marked);
        (splice.ok && splice.markers == self.parts.len()).then_some(hir)
    }
}

/// One splicing walk over a marked pattern's translation.
struct Splice<'a> {
    parts: &'a [Arc<Expansion>],
    /// Markers replaced so far (in the order of their opening parentheses, as capture
    /// indexes count).
    markers: usize,
    ok: bool,
}

impl Splice<'_> {
    /// Rebuilds `hir` with markers replaced and capture indexes renumbered without them.
    /// The constructors merge and flatten exactly as the translator's calls to them do.
    fn rebuild(&mut self, hir: Hir) -> Hir {
        match hir.into_kind() {
            HirKind::Capture(cap) => {
                if let Some(n) = cap.name.as_deref().and_then(marker_index) {
                    self.markers += 1;
                    return self.marker(n, &cap.sub).unwrap_or_else(|| {
                        self.ok = false;
                        Hir::empty()
                    });
                }
                // Captures are numbered by their opening parentheses: the markers opened
                // before this one are the ones replaced so far.
                let index = cap.index - u32::try_from(self.markers).unwrap_or(u32::MAX);
                let sub = Box::new(self.rebuild(*cap.sub));
                Hir::capture(hir::Capture {
                    index,
                    name: cap.name,
                    sub,
                })
            }
            HirKind::Concat(subs) => {
                Hir::concat(subs.into_iter().map(|h| self.rebuild(h)).collect())
            }
            HirKind::Alternation(subs) => {
                Hir::alternation(subs.into_iter().map(|h| self.rebuild(h)).collect())
            }
            HirKind::Repetition(rep) => Hir::repetition(hir::Repetition {
                sub: Box::new(self.rebuild(*rep.sub)),
                ..rep
            }),
            HirKind::Empty => Hir::empty(),
            HirKind::Literal(hir::Literal(bytes)) => Hir::literal(bytes),
            HirKind::Class(class) => Hir::class(class),
            HirKind::Look(look) => Hir::look(look),
        }
    }

    /// The translation of expansion `n`, in the case mode its marker's `x` shows.
    fn marker(&self, n: usize, x: &Hir) -> Option<Hir> {
        let case_insensitive = match x.kind() {
            HirKind::Literal(hir::Literal(bytes)) if &**bytes == b"x" => false,
            HirKind::Class(hir::Class::Unicode(class))
                if class.ranges()
                    == [
                        hir::ClassUnicodeRange::new('X', 'X'),
                        hir::ClassUnicodeRange::new('x', 'x'),
                    ] =>
            {
                true
            }
            _ => return None,
        };
        self.parts.get(n)?.hir(case_insensitive).cloned()
    }
}
