//! Main text and page metadata of an article: this module owns the
//! HTML-versus-plain-text sniff, boilerplate removal and main-content
//! selection for HTML pages (one pass over the DOM that flattens it into
//! text blocks and scores every element by the text density of what it
//! holds), and the title, publication date and `lang` attribute found in
//! `<meta>` tags, JSON-LD and `<time>` elements. Plain text only gets its
//! line endings and blank lines normalized.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Node};
use serde_json::Value;

/// The main text of an article and what its markup says about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MainText {
    /// Main text: blocks (paragraphs, headings, list items…) separated by a
    /// blank line, whitespace collapsed inside each block.
    pub text: String,
    /// Headline: `og:title`, else `<title>` without a site-name suffix, else
    /// the first `<h1>`; for plain text the first line when it is short.
    pub title: Option<String>,
    /// Publication date, ISO 8601: `YYYY-MM-DD`, or a full datetime as the
    /// page gives it (offset kept).
    pub published: Option<String>,
    /// Primary language subtag of the page's declared language, lowercased
    /// (`"fr-FR"` → `"fr"`).
    pub lang_attr: Option<String>,
}

/// Why no main text could be produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextError {
    /// The page or text holds nothing but whitespace and boilerplate.
    NoContent,
}

impl TextError {
    /// Stable `snake_case` name of the error kind, for the `kind` column of `errors.csv`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            TextError::NoContent => "no_content",
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::NoContent => f.write_str("no main content found"),
        }
    }
}

impl std::error::Error for TextError {}

/// Score factor for a container candidate that is, or is inside, boilerplate.
const BOILER_CONTAINER_FACTOR: f64 = 0.1;

/// A descendant announced as the article body replaces the best container
/// when it keeps at least this share of its score.
const REFINE_RATIO: f64 = 0.95;
/// How many levels above the container an article element may bound the
/// search for a lead paragraph.
const LEAD_LEVELS: u32 = 4;

/// Weighted length from which a paragraph counts as substantial text.
const SUBSTANTIAL_LEN: u32 = 80;
/// Weighted length under which a block before the first or after the last
/// substantial paragraph is taken for a dateline, byline or credit.
const SHORT_LEN: u32 = 40;

/// A weakly marked element whose paragraphs score this much (positive
/// weights only) holds real text and is not boilerplate.
const WEAK_BOILER_MAX_SCORE: f64 = 200.0;

/// Longest first line that [`from_plain`] takes as a title, in characters.
const MAX_PLAIN_TITLE_CHARS: usize = 200;

// ---------------------------------------------------------------------------
// Sniffing and plain text
// ---------------------------------------------------------------------------

/// Whether `text_or_prefix` looks like HTML: after leading whitespace and a
/// BOM it starts with `<!doctype html`, `<html`, `<head` or `<body`, or one
/// of `<html`, `<meta`, `<div`, `<p` appears within the first kilobyte.
#[must_use]
pub fn looks_like_html(text_or_prefix: &str) -> bool {
    let start = text_or_prefix.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    let head = start.as_bytes();
    let head = &head[..head.len().min(1024)];
    let starts = |p: &[u8]| head.len() >= p.len() && head[..p.len()].eq_ignore_ascii_case(p);
    if [b"<!doctype html".as_slice(), b"<html", b"<head", b"<body"]
        .into_iter()
        .any(starts)
    {
        return true;
    }
    // Tag names that must be followed by whitespace, `>` or `/` to count.
    let tags: [&[u8]; 5] = [b"<html", b"<meta", b"<div", b"<p", b"<body"];
    (0..head.len()).any(|i| {
        head[i] == b'<'
            && tags.iter().any(|t| {
                head.len() > i + t.len()
                    && head[i..i + t.len()].eq_ignore_ascii_case(t)
                    && matches!(
                        head[i + t.len()],
                        b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/'
                    )
            })
    })
}

/// Main text of a plain-text article: line endings normalized to `\n`,
/// trailing whitespace of lines removed, runs of blank lines reduced to one.
/// The title is the first non-empty line when it has at most 200 characters.
///
/// # Errors
///
/// [`TextError::NoContent`] when the text is empty or only whitespace.
pub fn from_plain(text: &str) -> Result<MainText, TextError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut blank_run = false;
    for line in text.split('\n') {
        // `split('\n')` leaves "\r" of CRLF; lone CR also ends a line.
        for line in line.split('\r') {
            let line = line.trim_end();
            if line.is_empty() {
                blank_run = !out.is_empty();
                continue;
            }
            if !out.is_empty() {
                out.push_str(if blank_run { "\n\n" } else { "\n" });
            }
            blank_run = false;
            out.push_str(line);
        }
    }
    if out.trim().is_empty() {
        return Err(TextError::NoContent);
    }
    let title = out
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .filter(|l| l.chars().count() <= MAX_PLAIN_TITLE_CHARS)
        .map(str::to_owned);
    Ok(MainText {
        text: out,
        title,
        published: None,
        lang_attr: None,
    })
}

// ---------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------

/// Main text and metadata of an HTML page.
///
/// The page is walked once and flattened into text blocks; every element
/// gets a score from the blocks it holds (long, link-poor paragraphs count
/// for it, link lists and short fragments against it, boilerplate children
/// only against it; elements inside boilerplate score far less). The
/// best-scoring element gives the text, or a descendant announced as the
/// article body (`itemprop=articleBody`, "article-body"-like classes,
/// `article`, `main`) that keeps nearly all of its score. The `<h1>` and long
/// lead paragraphs just before it, up to an enclosing article element, come
/// first; boilerplate inside it, link lists, the headings over them and
/// short lines before the first or after the last substantial paragraph are
/// left out.
///
/// # Errors
///
/// [`TextError::NoContent`] when the page yields no text at all.
pub fn from_html(html: &str) -> Result<MainText, TextError> {
    let doc = Html::parse_document(html);
    let mut walker = Walker::default();
    walker.walk(doc.root_element());
    let (text, container) = walker.main_text();
    if text.trim().is_empty() {
        return Err(TextError::NoContent);
    }
    let meta = &walker.meta;
    Ok(MainText {
        title: meta.title(),
        published: meta.published(container.map(|c| {
            let s = walker.spans[c.body];
            (s.first_block, s.end_block)
        })),
        lang_attr: meta.lang(),
        text,
    })
}

/// What kind of block a run of text belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockKind {
    Paragraph,
    Heading,
    ListItem,
    Cell,
    Preformatted,
    Caption,
    Other,
}

/// How an element takes part in text flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Display {
    Inline,
    Block(BlockKind),
}

/// One flattened block of text.
#[derive(Debug)]
struct Block {
    text: String,
    /// Text length, CJK characters weighted ×3.
    len: u32,
    /// Part of `len` inside links.
    link_len: u32,
    kind: BlockKind,
}

impl Block {
    fn link_density(&self) -> f64 {
        if self.len == 0 {
            0.0
        } else {
            f64::from(self.link_len) / f64::from(self.len)
        }
    }

    /// A paragraph that can be an article's lead (or a standfirst set as a
    /// heading): long and hardly linked.
    fn is_lead_paragraph(&self) -> bool {
        let min_len = match self.kind {
            BlockKind::Paragraph | BlockKind::Other => 50,
            BlockKind::Heading => SUBSTANTIAL_LEN,
            _ => return false,
        };
        self.len >= min_len && self.link_density() < 0.2
    }

    /// Contribution of the block to the score of the elements holding it.
    fn weight(&self) -> f64 {
        let len = f64::from(self.len);
        let density = self.link_density();
        if density > 0.5 {
            return -len;
        }
        match self.kind {
            BlockKind::Heading | BlockKind::Caption => 0.0,
            _ if self.len >= SUBSTANTIAL_LEN => len * (1.0 - density),
            _ if self.len >= 30 => 0.5 * len * (1.0 - density),
            _ => -3.0,
        }
    }
}

/// An open element during the walk.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug)]
struct Frame {
    depth: u32,
    display: Display,
    /// Kind of block that text directly in this element forms.
    block_kind: BlockKind,
    link: bool,
    pre: bool,
    /// Inside an `<h1>`.
    h1: bool,
    boiler: Boiler,
    semantic: bool,
    article: bool,
    bonus: f64,
    first_block: usize,
    score: f64,
    negative: f64,
}

/// A closed element: its block range, depth and container score.
#[derive(Clone, Copy, Debug)]
struct Span {
    first_block: usize,
    end_block: usize,
    depth: u32,
    score: f64,
    bonus: f64,
    /// `<article>`, `role=article`, `itemprop=articleBody` or a class or
    /// id naming an article ("article", "story", "entry", "post").
    article: bool,
    boiler: bool,
}

/// The block ranges chosen as the main text.
#[derive(Clone, Copy, Debug)]
struct Container {
    /// Index in `spans` of the element holding the text.
    body: usize,
    /// Index in `spans` of the ancestor bounding the search for a lead
    /// paragraph before the body (the body itself when there is none).
    scope: usize,
}

#[derive(Debug, Default)]
struct Walker {
    frames: Vec<Frame>,
    blocks: Vec<Block>,
    buf: String,
    buf_len: u32,
    buf_link_len: u32,
    /// Whitespace seen since the last character written: `' '`, or a lone
    /// no-break space kept as such.
    pending_space: Option<char>,
    link_depth: u32,
    pre_depth: u32,
    semantic_depth: u32,
    /// Every closed element, in closing (post-)order: an element's
    /// descendants are the run of deeper spans just before it.
    spans: Vec<Span>,
    /// Blocks of the first few `<h1>` elements.
    h1_blocks: Vec<usize>,
    /// Block of the first `<h1>` outside boilerplate.
    h1_block: Option<usize>,
    meta: Meta,
}

impl Walker {
    /// Visits every node once, without recursion (deeply nested markup
    /// cannot overflow the stack).
    fn walk(&mut self, root: ElementRef<'_>) {
        let root_node = *root;
        let mut node = root_node;
        'outer: loop {
            let opened = match node.value() {
                Node::Text(text) => {
                    self.text(text);
                    false
                }
                Node::Element(_) => ElementRef::wrap(node).is_some_and(|el| self.open(el)),
                _ => false,
            };
            if opened && let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            let mut current = node;
            let mut close = opened;
            loop {
                if close {
                    self.close();
                }
                if current == root_node {
                    break 'outer;
                }
                if let Some(sibling) = current.next_sibling() {
                    node = sibling;
                    continue 'outer;
                }
                match current.parent() {
                    Some(parent) => {
                        current = parent;
                        close = true;
                    }
                    None => break 'outer,
                }
            }
        }
        while !self.frames.is_empty() {
            self.close();
        }
        self.flush();
        self.find_headline();
    }

    /// Handles an element start; returns whether a frame was pushed (and
    /// the children are to be visited).
    fn open(&mut self, el: ElementRef<'_>) -> bool {
        let e = el.value();
        let name = e.name();
        match name {
            "html" => {
                self.meta.html_lang(e);
            }
            "meta" => {
                self.meta.meta_tag(e);
                return false;
            }
            "title" => {
                if self.meta.title_tag.is_none() && self.semantic_depth == 0 {
                    self.meta.title_tag = Some(child_text(el));
                }
                return false;
            }
            "script" => {
                if e.attr("type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
                {
                    self.meta.json_ld.push(child_text(el));
                }
                return false;
            }
            "br" => {
                self.flush();
                return false;
            }
            "time" => {
                self.meta
                    .time_tag(e, self.blocks.len(), self.semantic_depth > 0);
            }
            _ if is_dropped(name) => return false,
            _ => {}
        }
        let attrs = Attrs::read(e);
        if let Some(value) = attrs.date_published {
            let value = value.to_owned();
            self.meta.add_date(Priority::Specific, value);
        }
        let semantic = matches!(name, "article" | "main") || attrs.article_body || attrs.role_main;
        let display = display_of(name);
        let words = summarize_words(name, &attrs);
        let boiler = if semantic {
            Boiler::No
        } else {
            boilerplate(name, display, &attrs, words, self.semantic_depth > 0)
        };
        if display == Display::Inline && boiler == Boiler::Strong {
            return false;
        }
        if let Display::Block(_) = display {
            self.flush();
        }
        let (parent_kind, parent_h1) = self
            .frames
            .last()
            .map_or((BlockKind::Other, false), |f| (f.block_kind, f.h1));
        let depth = u32::try_from(self.frames.len() + 1).unwrap_or(u32::MAX);
        let frame = Frame {
            depth,
            display,
            block_kind: match display {
                Display::Block(kind) => kind,
                Display::Inline => parent_kind,
            },
            link: name == "a" && attrs.href,
            pre: matches!(name, "pre" | "textarea" | "listing" | "plaintext"),
            h1: parent_h1 || name == "h1",
            boiler: if display == Display::Inline {
                Boiler::No
            } else {
                boiler
            },
            semantic,
            article: name == "article"
                || attrs.article_body
                || attrs.role.eq_ignore_ascii_case("article")
                || words.article,
            bonus: content_bonus(name, &attrs, words),
            first_block: self.blocks.len(),
            score: 0.0,
            negative: 0.0,
        };
        self.link_depth += u32::from(frame.link);
        self.pre_depth += u32::from(frame.pre);
        self.semantic_depth += u32::from(frame.semantic);
        self.frames.push(frame);
        true
    }

    fn close(&mut self) {
        let Some(top) = self.frames.last() else {
            return;
        };
        if let Display::Block(_) = top.display {
            self.flush();
        }
        let Some(frame) = self.frames.pop() else {
            return;
        };
        self.link_depth -= u32::from(frame.link);
        self.pre_depth -= u32::from(frame.pre);
        self.semantic_depth -= u32::from(frame.semantic);
        // A weakly marked element ("header", "info", "links"…) that holds
        // real paragraphs is content after all.
        let boiler = match frame.boiler {
            Boiler::No => false,
            Boiler::Weak => frame.score - frame.negative < WEAK_BOILER_MAX_SCORE,
            Boiler::Strong => true,
        };
        self.spans.push(Span {
            first_block: frame.first_block,
            end_block: self.blocks.len(),
            depth: frame.depth,
            score: frame.score,
            bonus: frame.bonus,
            article: frame.article,
            boiler,
        });
        if let Some(parent) = self.frames.last_mut() {
            parent.negative += frame.negative;
            parent.score += if boiler { frame.negative } else { frame.score };
        }
    }

    fn text(&mut self, text: &str) {
        if self.frames.is_empty() {
            return;
        }
        let in_link = self.link_depth > 0;
        for c in text.chars() {
            if c.is_whitespace() || c == '\u{200B}' {
                if self.pre_depth > 0 && c == '\n' {
                    if !self.buf.is_empty() {
                        self.pending_space = Some('\n');
                    }
                    continue;
                }
                self.pending_space = match (self.pending_space, c) {
                    (Some('\n'), _) => Some('\n'),
                    (None, '\u{00A0}' | '\u{202F}' | '\u{2007}') => Some(c),
                    _ => Some(' '),
                };
                continue;
            }
            if c == '\u{00AD}' || c == '\u{FEFF}' {
                continue;
            }
            if let Some(space) = self.pending_space.take()
                && !self.buf.is_empty()
            {
                self.buf.push(space);
                self.buf_len += 1;
                self.buf_link_len += u32::from(in_link);
            }
            self.buf.push(c);
            let w = char_weight(c);
            self.buf_len += w;
            if in_link {
                self.buf_link_len += w;
            }
        }
    }

    /// Ends the current block.
    fn flush(&mut self) {
        self.pending_space = None;
        if self.buf.is_empty() {
            return;
        }
        let (kind, h1) = self
            .frames
            .last()
            .map_or((BlockKind::Other, false), |f| (f.block_kind, f.h1));
        let block = Block {
            text: std::mem::take(&mut self.buf),
            len: self.buf_len,
            link_len: self.buf_link_len,
            kind,
        };
        self.buf_len = 0;
        self.buf_link_len = 0;
        if h1 && self.h1_blocks.len() < 8 {
            self.h1_blocks.push(self.blocks.len());
        }
        let weight = block.weight();
        if let Some(top) = self.frames.last_mut() {
            top.score += weight;
            if weight < 0.0 {
                top.negative += weight;
            }
        }
        self.blocks.push(block);
    }

    /// Index of the first span of `i`'s descendants (`i` itself when it has none).
    fn descendants_start(&self, i: usize) -> usize {
        let depth = self.spans[i].depth;
        self.spans[..i]
            .iter()
            .rposition(|s| s.depth <= depth)
            .map_or(0, |p| p + 1)
    }

    /// For the blocks of span `i`, whether each lies in boilerplate below it.
    fn boiler_mask(&self, i: usize) -> Vec<bool> {
        let span = self.spans[i];
        let len = span.end_block.saturating_sub(span.first_block);
        let mut diff = vec![0i32; len + 1];
        for s in &self.spans[self.descendants_start(i)..i] {
            if s.boiler && s.end_block > s.first_block {
                // Descendants' ranges lie within the ancestor's.
                let from = s.first_block.saturating_sub(span.first_block);
                let to = s.end_block.saturating_sub(span.first_block);
                if let Some(d) = diff.get_mut(from) {
                    *d += 1;
                }
                if let Some(d) = diff.get_mut(to) {
                    *d -= 1;
                }
            }
        }
        let mut level = 0;
        diff[..len]
            .iter()
            .map(|d| {
                level += d;
                level > 0
            })
            .collect()
    }

    /// Picks the first `<h1>` outside boilerplate as the headline.
    fn find_headline(&mut self) {
        let mut diff = vec![0i32; self.blocks.len() + 1];
        for s in &self.spans {
            if s.boiler && s.end_block > s.first_block {
                if let Some(d) = diff.get_mut(s.first_block) {
                    *d += 1;
                }
                if let Some(d) = diff.get_mut(s.end_block) {
                    *d -= 1;
                }
            }
        }
        let mut in_boiler = Vec::with_capacity(self.blocks.len());
        let mut level = 0;
        for d in &diff[..self.blocks.len()] {
            level += d;
            in_boiler.push(level > 0);
        }
        self.h1_block = self
            .h1_blocks
            .iter()
            .copied()
            .find(|&i| !in_boiler.get(i).copied().unwrap_or(true));
        self.meta.first_h1 = self
            .h1_block
            .and_then(|i| self.blocks.get(i))
            .map(|b| b.text.clone());
    }

    /// Chooses the container: the best-scoring element (elements in
    /// boilerplate count less); then, among its descendants, one announced
    /// as the article body that loses little of its score; the lead may be
    /// sought up to the farthest article-like ancestor a few levels up.
    fn choose(&self) -> Option<Container> {
        // Spans in reverse closing order meet ancestors before descendants.
        let mut held = vec![false; self.spans.len()];
        let mut stack: Vec<(u32, bool)> = Vec::new();
        for (i, s) in self.spans.iter().enumerate().rev() {
            while stack.last().is_some_and(|&(d, _)| d >= s.depth) {
                stack.pop();
            }
            let above = stack.last().is_some_and(|&(_, h)| h);
            held[i] = above || s.boiler;
            stack.push((s.depth, held[i]));
        }
        let value = |i: usize| {
            let factor = if held[i] {
                BOILER_CONTAINER_FACTOR
            } else {
                1.0
            };
            self.spans[i].score * factor
        };
        let best_i = (0..self.spans.len())
            .filter(|&i| self.spans[i].score > 0.0)
            .max_by(|&a, &b| value(a).total_cmp(&value(b)))?;
        let best_value = value(best_i);
        let mut body = best_i;
        let mut body_value = best_value * self.spans[best_i].bonus;
        for i in self.descendants_start(best_i)..best_i {
            let v = value(i);
            let bonus = self.spans[i].bonus;
            if bonus > 1.0 && v >= REFINE_RATIO * best_value && v * bonus > body_value {
                body = i;
                body_value = v * bonus;
            }
        }
        // Ancestors close later, each one level shallower than the last.
        let depth = self.spans[body].depth;
        let mut scope = body;
        let mut want = depth.saturating_sub(1);
        for (i, s) in self.spans.iter().enumerate().skip(body + 1) {
            if want == 0 || depth - want > LEAD_LEVELS {
                break;
            }
            if s.depth == want {
                if s.article {
                    scope = i;
                }
                want -= 1;
            }
        }
        Some(Container { body, scope })
    }

    /// The main text: the chosen container's blocks, or the whole page's
    /// when nothing scored or the container's text came out empty.
    fn main_text(&self) -> (String, Option<Container>) {
        let container = self.choose();
        if let Some(c) = container {
            let text = self.join(c);
            if !text.is_empty() {
                return (text, container);
            }
        }
        let all: Vec<&Block> = self.blocks.iter().collect();
        (finish_blocks(&all, 0), None)
    }

    /// Joins the container's blocks that are not boilerplate inside it or
    /// link lists; the page's `<h1>` goes first when it comes before them,
    /// and long paragraphs between the lead bound and the container (an
    /// intro in the article header) come next. Headings over link lists
    /// are left out.
    fn join(&self, c: Container) -> String {
        let body = self.spans[c.body];
        let scope = self.spans[c.scope];
        let headline = self
            .h1_block
            .filter(|&i| i < scope.first_block)
            .and_then(|i| self.blocks.get(i));
        let scope_mask = self.boiler_mask(c.scope);
        let lead = self
            .blocks
            .get(scope.first_block..body.first_block)
            .unwrap_or_default()
            .iter()
            .zip(&scope_mask)
            .filter(|(b, boiler)| !**boiler && b.is_lead_paragraph())
            .map(|(b, _)| b);
        let mut picked: Vec<&Block> = headline.into_iter().chain(lead).collect();
        let body_start = picked.len();
        let body_mask = self.boiler_mask(c.body);
        let body_blocks = self
            .blocks
            .get(body.first_block..body.end_block)
            .unwrap_or_default();
        for (block, &boiler) in body_blocks.iter().zip(&body_mask) {
            let link_list = block.link_density() > 0.5;
            if link_list
                && picked.len() > body_start
                && picked.last().is_some_and(|b| b.kind == BlockKind::Heading)
            {
                // "See also" and the like: a heading over links.
                picked.pop();
            }
            if !boiler && (!link_list || block.kind == BlockKind::Heading) {
                picked.push(block);
            }
        }
        finish_blocks(&picked, body_start)
    }
}

/// Joins blocks with blank lines, dropping repeats and short lines before
/// the first and after the last substantial paragraph (datelines, bylines,
/// credits, "Tags"); blocks before `body_start` (headline, lead) are only
/// checked for repeats, and nothing is trimmed when no paragraph is
/// substantial.
fn finish_blocks(picked: &[&Block], body_start: usize) -> String {
    let substantial = |b: &&Block| b.len >= SUBSTANTIAL_LEN && b.kind != BlockKind::Heading;
    let first_long = picked.iter().position(substantial).unwrap_or(picked.len());
    let last_long = picked.iter().rposition(substantial).unwrap_or(0);
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = String::new();
    for (i, block) in picked.iter().enumerate() {
        let short = block.len < SHORT_LEN;
        let edge = first_long < picked.len()
            && ((i >= body_start && i < first_long && block.kind != BlockKind::Heading)
                || i > last_long);
        if (short && edge) || !seen.insert(block.text.as_str()) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&block.text);
    }
    out
}

/// Concatenated text of an element's direct text children.
fn child_text(el: ElementRef<'_>) -> String {
    let mut s = String::new();
    for child in el.children() {
        if let Node::Text(t) = child.value() {
            s.push_str(t);
        }
    }
    s
}

fn char_weight(c: char) -> u32 {
    if matches!(c,
        '\u{1100}'..='\u{11FF}'
        | '\u{2E80}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
    {
        3
    } else {
        1
    }
}

/// Elements whose content is never article text.
fn is_dropped(name: &str) -> bool {
    matches!(
        name,
        "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "frame"
            | "frameset"
            | "button"
            | "select"
            | "option"
            | "optgroup"
            | "datalist"
            | "textarea"
            | "input"
            | "label"
            | "rt"
            | "rp"
            | "object"
            | "embed"
            | "applet"
            | "canvas"
            | "video"
            | "audio"
            | "picture"
            | "source"
            | "track"
            | "map"
            | "area"
            | "img"
            | "link"
            | "base"
            | "dialog"
    )
}

fn display_of(name: &str) -> Display {
    use BlockKind as K;
    Display::Block(match name {
        "p" => K::Paragraph,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "hgroup" => K::Heading,
        "li" | "dt" | "dd" => K::ListItem,
        "td" | "th" => K::Cell,
        "pre" | "listing" | "plaintext" | "xmp" => K::Preformatted,
        "figcaption" | "caption" => K::Caption,
        "div" | "section" | "article" | "main" | "header" | "footer" | "nav" | "aside"
        | "blockquote" | "ul" | "ol" | "dl" | "menu" | "table" | "thead" | "tbody" | "tfoot"
        | "tr" | "figure" | "address" | "center" | "form" | "fieldset" | "legend" | "details"
        | "summary" | "body" | "html" | "hr" => K::Other,
        _ => return Display::Inline,
    })
}

// ---------------------------------------------------------------------------
// Boilerplate and content hints from tag names and attributes
// ---------------------------------------------------------------------------

/// The attributes that matter for classification, read in one pass.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Default)]
struct Attrs<'a> {
    class: &'a str,
    id: &'a str,
    role: &'a str,
    href: bool,
    hidden: bool,
    article_body: bool,
    role_main: bool,
    date_published: Option<&'a str>,
}

impl<'a> Attrs<'a> {
    fn read(e: &'a scraper::node::Element) -> Self {
        let mut a = Attrs::default();
        let mut itemprop_date = false;
        let mut content = None;
        for (name, value) in e.attrs() {
            match name {
                "class" => a.class = value,
                "id" => a.id = value,
                "role" => {
                    a.role = value;
                    a.role_main =
                        value.eq_ignore_ascii_case("main") || value.eq_ignore_ascii_case("article");
                }
                "href" => a.href = true,
                "hidden" => a.hidden = true,
                "aria-hidden" => a.hidden |= value.trim().eq_ignore_ascii_case("true"),
                "style" => a.hidden |= hidden_style(value),
                "itemprop" => {
                    for p in value.split_ascii_whitespace() {
                        a.article_body |= p.eq_ignore_ascii_case("articleBody");
                        itemprop_date |= p.eq_ignore_ascii_case("datePublished");
                    }
                }
                "content" | "datetime" if content.is_none() => content = Some(value),
                _ => {}
            }
        }
        if itemprop_date {
            a.date_published = content;
        }
        a
    }
}

fn hidden_style(style: &str) -> bool {
    let compact: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    compact.contains("display:none") || compact.contains("visibility:hidden")
}

/// How a class or id word bears on boilerplate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Word {
    /// Marks boilerplate by itself.
    Strong,
    /// Marks boilerplate unless a content word is present too.
    Weak,
    /// A word naming an article ("article", "story", "entry", "post").
    Article,
    /// Another content word ("content", "main", …).
    Content,
    /// A word naming the article body itself when combined with a content word.
    Body,
    Neutral,
}

fn classify_word(w: &str) -> Word {
    match w {
        "nav" | "navbar" | "navigation" | "navi" | "menu" | "menus" | "submenu" | "megamenu"
        | "footer" | "comment" | "comments" | "commentlist" | "disqus" | "share" | "shares"
        | "sharing" | "sharebar" | "sharethis" | "social" | "socials" | "socialmedia"
        | "related" | "relatedposts" | "recommended" | "recommendations" | "recirculation"
        | "breadcrumb" | "breadcrumbs" | "cookie" | "cookies" | "consent" | "gdpr"
        | "newsletter" | "newsletters" | "subscribe" | "subscription" | "signup" | "login"
        | "promo" | "promotion" | "promoted" | "advert" | "advertisement" | "advertising"
        | "adv" | "ad" | "ads" | "adslot" | "adunit" | "adsbygoogle" | "sponsor" | "sponsored"
        | "sidebar" | "banner" | "popup" | "modal" | "masthead" | "toolbar" | "outbrain"
        | "taboola" | "trending" | "popular" | "mostread" | "pagination" | "pager" | "tags"
        | "tagcloud" | "skip" | "widget" | "widgets" | "teaser" | "teasers" | "byline"
        | "copyright" | "disclaimer" | "rss" => Word::Strong,
        "header" | "meta" | "author" | "authors" | "dateline" | "timestamp" | "info" | "tools"
        | "links" | "more" | "aside" | "extra" | "caption" | "credit" | "credits" | "legal"
        | "topbar" | "top" | "bottom" | "foot" | "masthead2" => Word::Weak,
        "article" | "entry" | "post" | "story" => Word::Article,
        "content" | "main" | "blog" | "news" => Word::Content,
        "body" | "text" | "txt" | "prose" | "richtext" => Word::Body,
        // Compounds written as one word ("sharebuttons", "popuphowto") mark
        // boilerplate less surely than the words themselves.
        _ if w != "commentary"
            && STRONG_STEMS
                .iter()
                .any(|stem| w.len() > stem.len() && w.starts_with(stem)) =>
        {
            Word::Weak
        }
        _ => Word::Neutral,
    }
}

/// Beginnings of one-word compounds that mark boilerplate.
const STRONG_STEMS: [&str; 16] = [
    "share",
    "social",
    "comment",
    "related",
    "footer",
    "popup",
    "cookie",
    "banner",
    "breadcrumb",
    "newsletter",
    "sidebar",
    "sponsor",
    "advert",
    "subscri",
    "recommend",
    "navig",
];

/// Calls `f` with every lowercased word of a class or id value: split at
/// non-alphanumerics and at lower-to-upper case changes ("shareBar").
fn for_each_word(value: &str, mut f: impl FnMut(&str)) {
    let mut word = String::new();
    let mut prev_lower = false;
    for c in value.chars().chain(std::iter::once(' ')) {
        let boundary = !c.is_ascii_alphanumeric() || (prev_lower && c.is_ascii_uppercase());
        if boundary && !word.is_empty() {
            f(&word);
            word.clear();
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
}

#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Copy, Debug, Default)]
struct WordSummary {
    strong: bool,
    weak: bool,
    content: bool,
    article: bool,
    body: bool,
}

fn summarize_words(name: &str, attrs: &Attrs<'_>) -> WordSummary {
    let mut s = WordSummary::default();
    // A heading's id is usually an anchor made from its own text.
    let id = if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
        ""
    } else {
        attrs.id
    };
    // Class names such as "js-truncate-related" are script hooks, not meaning.
    let classes = attrs
        .class
        .split_ascii_whitespace()
        .filter(|c| !(c.starts_with("js-") || c.starts_with("js_")));
    for value in classes.chain(std::iter::once(id)) {
        for_each_word(value, |w| match classify_word(w) {
            Word::Strong => s.strong = true,
            Word::Weak => s.weak = true,
            Word::Content => s.content = true,
            Word::Article => {
                s.content = true;
                s.article = true;
            }
            Word::Body => s.body = true,
            Word::Neutral => {}
        });
    }
    s
}

/// How strongly an element is marked as boilerplate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Boiler {
    No,
    /// By a weak class or id word ("header", "info", "links"…): undone at
    /// the element's end when it turns out to hold real paragraphs.
    Weak,
    /// By its tag, role, visibility or a strong class or id word.
    Strong,
}

/// Whether an element is boilerplate (navigation, footer, sharing, ads…).
/// Inline elements count only when hidden or strongly marked.
fn boilerplate(
    name: &str,
    display: Display,
    attrs: &Attrs<'_>,
    words: WordSummary,
    in_article: bool,
) -> Boiler {
    if matches!(name, "body" | "html") {
        return Boiler::No;
    }
    if attrs.hidden {
        return Boiler::Strong;
    }
    let block = display != Display::Inline;
    if block && name == "form" {
        // Some sites wrap the whole page in a form.
        return Boiler::Weak;
    }
    if block
        && (matches!(name, "nav" | "aside" | "footer" | "menu" | "figcaption")
            || (name == "header" && !in_article && !words.content))
    {
        return Boiler::Strong;
    }
    let role = attrs.role.to_ascii_lowercase();
    if matches!(
        role.as_str(),
        "navigation"
            | "banner"
            | "contentinfo"
            | "complementary"
            | "menu"
            | "menubar"
            | "search"
            | "dialog"
            | "alertdialog"
            | "toolbar"
    ) || words.strong
    {
        Boiler::Strong
    } else if words.weak && !words.content && !words.body {
        Boiler::Weak
    } else {
        Boiler::No
    }
}

/// Score multiplier for elements that announce the article body.
fn content_bonus(name: &str, attrs: &Attrs<'_>, words: WordSummary) -> f64 {
    let mut bonus: f64 = 1.0;
    if attrs.article_body {
        bonus = bonus.max(1.5);
    }
    if name == "article" || attrs.role.eq_ignore_ascii_case("article") {
        bonus = bonus.max(1.2);
    }
    if name == "main" || attrs.role.eq_ignore_ascii_case("main") {
        bonus = bonus.max(1.1);
    }
    if words.content && words.body {
        bonus = bonus.max(1.3);
    }
    bonus
}

// ---------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------

/// How much a publication-date source is trusted (lower is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Priority {
    /// `article:published_time`, `itemprop=datePublished` and the like.
    Specific,
    /// Generic `date`, `dc.date`, … meta tags.
    Generic,
}

#[derive(Debug)]
struct TimeTag {
    value: String,
    marked: bool,
    block: usize,
    in_article: bool,
}

#[derive(Debug, Default)]
struct Meta {
    og_title: Option<String>,
    twitter_title: Option<String>,
    site_name: Option<String>,
    title_tag: Option<String>,
    first_h1: Option<String>,
    html_lang: Option<String>,
    content_language: Option<String>,
    og_locale: Option<String>,
    dates: Vec<(Priority, String)>,
    json_ld: Vec<String>,
    times: Vec<TimeTag>,
}

impl Meta {
    fn html_lang(&mut self, e: &scraper::node::Element) {
        if self.html_lang.is_some() {
            return;
        }
        let lang = e
            .attr("lang")
            .and_then(primary_subtag)
            .or_else(|| e.attr("xml:lang").and_then(primary_subtag));
        self.html_lang = lang;
    }

    fn meta_tag(&mut self, e: &scraper::node::Element) {
        let mut key: Option<&str> = None;
        let mut http_equiv: Option<&str> = None;
        let mut content: Option<&str> = None;
        for (name, value) in e.attrs() {
            match name {
                "property" | "name" | "itemprop" if key.is_none() || name == "property" => {
                    key = Some(value);
                }
                "http-equiv" => http_equiv = Some(value),
                "content" => content = Some(value),
                // Some generators write `value` where `content` belongs.
                "value" if content.is_none() => content = Some(value),
                _ => {}
            }
        }
        let Some(content) = content.map(str::trim).filter(|c| !c.is_empty()) else {
            return;
        };
        if let Some(h) = http_equiv {
            if h.trim().eq_ignore_ascii_case("content-language") && self.content_language.is_none()
            {
                self.content_language = content.split(',').next().and_then(primary_subtag);
            }
            return;
        }
        let Some(key) = key else { return };
        let key = key.trim().to_ascii_lowercase();
        match key.as_str() {
            "og:title" => set_once(&mut self.og_title, content),
            "twitter:title" => set_once(&mut self.twitter_title, content),
            "og:site_name" => set_once(&mut self.site_name, content),
            "og:locale" if self.og_locale.is_none() => {
                self.og_locale = primary_subtag(content);
            }
            "article:published_time"
            | "og:article:published_time"
            | "article:published"
            | "og:published_time"
            | "published_time"
            | "datepublished"
            | "article.published"
            | "publishdate"
            | "publish-date"
            | "publish_date"
            | "publication_date"
            | "pubdate"
            | "dc.date.issued"
            | "dcterms.issued"
            | "sailthru.date"
            | "parsely-pub-date"
            | "cxenseparse:recs:publishtime"
            | "original-publish-date"
            | "datecreated" => self.add_date(Priority::Specific, content.to_owned()),
            "date"
            | "dc.date"
            | "dcterms.date"
            | "dcterms.created"
            | "dc.date.created"
            | "created"
            | "citation_publication_date"
            | "citation_date" => {
                self.add_date(Priority::Generic, content.to_owned());
            }
            _ => {}
        }
    }

    fn add_date(&mut self, priority: Priority, value: String) {
        if self.dates.len() < 64 {
            self.dates.push((priority, value));
        }
    }

    fn time_tag(&mut self, e: &scraper::node::Element, block: usize, in_article: bool) {
        let Some(value) = e.attr("datetime") else {
            return;
        };
        let marked = e.attr("pubdate").is_some()
            || e.attr("itemprop").is_some_and(|p| {
                p.split_ascii_whitespace()
                    .any(|w| w.eq_ignore_ascii_case("datePublished"))
            });
        if self.times.len() < 256 {
            self.times.push(TimeTag {
                value: value.to_owned(),
                marked,
                block,
                in_article,
            });
        }
    }

    fn title(&self) -> Option<String> {
        let site = self.site_name.as_deref();
        let h1 = self.first_h1.as_deref();
        [&self.og_title, &self.title_tag, &self.twitter_title]
            .into_iter()
            .find_map(|t| t.as_deref().and_then(clean_title))
            .map(|t| strip_site_name(&t, site, h1))
            .or_else(|| h1.and_then(clean_title))
    }

    fn published(&self, body: Option<(usize, usize)>) -> Option<String> {
        let mut dates: Vec<&(Priority, String)> = self.dates.iter().collect();
        dates.sort_by_key(|(p, _)| *p);
        let (specific, generic): (Vec<_>, Vec<_>) = dates
            .into_iter()
            .partition(|(p, _)| *p == Priority::Specific);
        if let Some(d) = specific.iter().find_map(|(_, v)| normalize_date(v)) {
            return Some(d);
        }
        if let Some(d) = self.json_ld.iter().find_map(|s| json_ld_date(s)) {
            return Some(d);
        }
        if let Some(d) = generic.iter().find_map(|(_, v)| normalize_date(v)) {
            return Some(d);
        }
        let in_container =
            |t: &&TimeTag| body.is_some_and(|(first, end)| t.block >= first && t.block < end);
        self.times
            .iter()
            .filter(|t| t.marked)
            .chain(self.times.iter().filter(in_container))
            .chain(self.times.iter().filter(|t| t.in_article))
            .find_map(|t| normalize_date(&t.value))
    }

    fn lang(&self) -> Option<String> {
        self.html_lang
            .clone()
            .or_else(|| self.content_language.clone())
            .or_else(|| self.og_locale.clone())
    }
}

fn set_once(slot: &mut Option<String>, value: &str) {
    if slot.is_none() {
        *slot = Some(value.to_owned());
    }
}

/// Primary language subtag, lowercased: `"fr-FR"` → `"fr"`, `"zh_Hans"` → `"zh"`.
fn primary_subtag(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?;
    let ok = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    ok.then(|| primary.to_ascii_lowercase())
}

fn clean_title(raw: &str) -> Option<String> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

/// Removes a site name from a title: what surrounds the page's `<h1>`, the
/// known `og:site_name`, or short last parts after clear separators.
fn strip_site_name(title: &str, site_name: Option<&str>, h1: Option<&str>) -> String {
    const SEPARATORS: [&str; 8] = [" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " // "];
    let is_separator = |c: char| c.is_whitespace() || "|-–—:·»/_｜：".contains(c);
    // The headline itself, followed or preceded by a separator.
    if let Some(h1) = h1.and_then(clean_title).filter(|h| h.chars().count() >= 10) {
        if let Some(rest) = title.strip_prefix(h1.as_str())
            && rest.chars().next().is_some_and(is_separator)
        {
            return h1;
        }
        if let Some(rest) = title.strip_suffix(h1.as_str())
            && rest.chars().next_back().is_some_and(is_separator)
        {
            return h1;
        }
    }
    if let Some(site) = site_name.map(str::trim).filter(|s| !s.is_empty()) {
        for sep in SEPARATORS {
            if let Some(head) = strip_suffix_ci(title, &format!("{sep}{site}")) {
                return head.trim().to_owned();
            }
            if let Some(tail) = strip_prefix_ci(title, &format!("{site}{sep}")) {
                return tail.trim().to_owned();
            }
        }
    }
    // Without a known site name: short trailing parts ("… | Site »
    // Section"), at most three.
    let mut t = title;
    for _ in 0..3 {
        let shorter = SEPARATORS.iter().find_map(|&sep| {
            let (head, tail) = t.rsplit_once(sep)?;
            let (head_chars, tail_chars) = (head.trim().chars().count(), tail.chars().count());
            let short_tail = tail.split_whitespace().count() <= 4;
            let clear_separator = sep != " - " || head_chars >= 2 * tail_chars;
            (short_tail && clear_separator && head_chars > tail_chars).then(|| head.trim())
        });
        match shorter {
            Some(head) => t = head,
            None => break,
        }
    }
    t.to_owned()
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.to_lowercase()
        .eq(&suffix.to_lowercase())
        .then(|| &s[..cut])
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.to_lowercase()
        .eq(&prefix.to_lowercase())
        .then(|| &s[prefix.len()..])
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// `datePublished` from a JSON-LD script, preferring article-like objects.
fn json_ld_date(script: &str) -> Option<String> {
    static DATE_PUBLISHED: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r#""datePublished"\s*:\s*"([^"]{4,64})""#).ok());
    let trimmed = script
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim()
        .trim_start_matches("//<![CDATA[")
        .trim_end_matches("//]]>")
        .trim()
        .trim_end_matches(';');
    if let Ok(value) = serde_json::from_str::<Value>(trimmed) {
        let mut best: Option<(bool, String)> = None;
        find_date_published(&value, 0, &mut best);
        return best.and_then(|(_, d)| normalize_date(&d));
    }
    let re = DATE_PUBLISHED.as_ref()?;
    re.captures_iter(trimmed)
        .filter_map(|c| c.get(1))
        .find_map(|m| normalize_date(m.as_str()))
}

/// Walks JSON-LD for `datePublished`; an article-typed object's date beats
/// another's. `best` holds `(is_article, date)`.
fn find_date_published(value: &Value, depth: usize, best: &mut Option<(bool, String)>) {
    if depth > 16 || best.as_ref().is_some_and(|(article, _)| *article) {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                find_date_published(item, depth + 1, best);
            }
        }
        Value::Object(map) => {
            if let Some(Value::String(date)) = map.get("datePublished") {
                let article = map.get("@type").is_some_and(is_article_type);
                if best.is_none() || article {
                    *best = Some((article, date.clone()));
                }
            }
            for (key, child) in map {
                if key != "datePublished" {
                    find_date_published(child, depth + 1, best);
                }
            }
        }
        _ => {}
    }
}

fn is_article_type(t: &Value) -> bool {
    let is = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("article") || s.contains("posting") || s.contains("report")
    };
    match t {
        Value::String(s) => is(s),
        Value::Array(items) => items.iter().any(|v| v.as_str().is_some_and(is)),
        _ => false,
    }
}

/// Normalizes a date to ISO 8601: `YYYY-MM-DD`, or an ISO datetime as given
/// (a space before the time becomes `T`, the offset is kept). Also reads
/// `YYYY/MM/DD`, `YYYYMMDD`, `DD.MM.YYYY` and dates with a month name in
/// a few Western European languages.
fn normalize_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    // YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD
    if let Some(year) = num(0, 4) {
        let (month, day, date_end, iso) = match b.get(4) {
            Some(&sep @ (b'-' | b'/' | b'.')) => {
                let (m, d_at) = match (num(5, 2), num(5, 1)) {
                    (Some(m), _) => (m, 8),
                    (None, Some(m)) if b.get(6) == Some(&sep) => (m, 7),
                    _ => return None,
                };
                if b.get(d_at - 1) != Some(&sep) {
                    return None;
                }
                let (d, end) = match num(d_at, 2) {
                    Some(d) => (d, d_at + 2),
                    None => (num(d_at, 1)?, d_at + 1),
                };
                (m, d, end, sep == b'-' && d_at == 8 && end == 10)
            }
            Some(c) if c.is_ascii_digit() => (num(4, 2)?, num(6, 2)?, 8, false),
            _ => return None,
        };
        if b.get(date_end).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let date = ymd(year, month, day)?;
        if iso && let Some(time) = iso_time_suffix(&s[date_end..]) {
            return Some(format!("{date}T{time}"));
        }
        return Some(date);
    }
    // DD.MM.YYYY
    if let (Some(d), Some(m), Some(y)) = (num(0, 2), num(3, 2), num(6, 4))
        && b.get(2) == Some(&b'.')
        && b.get(5) == Some(&b'.')
        && !b.get(10).is_some_and(u8::is_ascii_digit)
    {
        return ymd(y, m, d);
    }
    named_month_date(s)
}

fn ymd(year: u32, month: u32, day: u32) -> Option<String> {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1900..=2100).contains(&year) && (1..=days).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// The time part after an ISO date: `THH:MM[:SS[.fff]][Z|±HH[:]MM]`, as given.
fn iso_time_suffix(rest: &str) -> Option<&str> {
    let b = rest.as_bytes();
    if !matches!(b.first(), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let two = |i: usize| -> Option<u32> {
        let p = b.get(i..i + 2)?;
        p.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(p[0] - b'0') * 10 + u32::from(p[1] - b'0'))
    };
    let (h, m) = (two(1)?, two(4)?);
    if b.get(3) != Some(&b':') || h > 23 || m > 59 {
        return None;
    }
    let mut end = 6;
    if b.get(6) == Some(&b':') {
        if two(7)? > 60 {
            return None;
        }
        end = 9;
        if matches!(b.get(9), Some(b'.' | b',')) {
            end = 10;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
    }
    match b.get(end) {
        Some(b'Z' | b'z') => end += 1,
        Some(b'+' | b'-') => {
            let oh = two(end + 1)?;
            if oh > 14 {
                return None;
            }
            end += 3;
            if b.get(end) == Some(&b':') {
                two(end + 1)?;
                end += 3;
            } else if two(end).is_some() {
                end += 2;
            }
        }
        _ => {}
    }
    rest.get(1..end)
}

/// Month names and abbreviations (English, French, German, Spanish,
/// Italian, Portuguese, Dutch), lowercase.
const MONTH_NAMES: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("janvier", 1),
    ("janv", 1),
    ("januar", 1),
    ("jänner", 1),
    ("enero", 1),
    ("gennaio", 1),
    ("janeiro", 1),
    ("januari", 1),
    ("february", 2),
    ("feb", 2),
    ("février", 2),
    ("févr", 2),
    ("februar", 2),
    ("febrero", 2),
    ("febbraio", 2),
    ("fevereiro", 2),
    ("februari", 2),
    ("march", 3),
    ("mar", 3),
    ("mars", 3),
    ("märz", 3),
    ("marzo", 3),
    ("março", 3),
    ("maart", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("avr", 4),
    ("abril", 4),
    ("aprile", 4),
    ("may", 5),
    ("mai", 5),
    ("mayo", 5),
    ("maggio", 5),
    ("maio", 5),
    ("mei", 5),
    ("june", 6),
    ("jun", 6),
    ("juin", 6),
    ("juni", 6),
    ("junio", 6),
    ("giugno", 6),
    ("junho", 6),
    ("july", 7),
    ("jul", 7),
    ("juillet", 7),
    ("juil", 7),
    ("juli", 7),
    ("julio", 7),
    ("luglio", 7),
    ("julho", 7),
    ("august", 8),
    ("aug", 8),
    ("août", 8),
    ("agosto", 8),
    ("augustus", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("septiembre", 9),
    ("settembre", 9),
    ("setembro", 9),
    ("october", 10),
    ("oct", 10),
    ("octobre", 10),
    ("oktober", 10),
    ("octubre", 10),
    ("ottobre", 10),
    ("outubro", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("novembro", 11),
    ("december", 12),
    ("dec", 12),
    ("décembre", 12),
    ("déc", 12),
    ("dezember", 12),
    ("dez", 12),
    ("diciembre", 12),
    ("dicembre", 12),
    ("dezembro", 12),
];

fn month_number(word: &str) -> Option<u32> {
    let lower = word.to_lowercase();
    let lower = lower.trim_end_matches('.');
    MONTH_NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|&(_, n)| n)
}

/// Dates written with a month name: "March 3, 2020", "3 mars 2020",
/// "Tue, 03 Mar 2020 10:00:00 GMT", "jueves, 09 enero 2014".
fn named_month_date(s: &str) -> Option<String> {
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for token in s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == '/')
        .filter(|t| !t.is_empty())
        .take(10)
    {
        let digits = token.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let Ok(n) = digits.parse::<u32>() else {
                continue;
            };
            if digits.len() == 4 && year.is_none() {
                year = Some(n);
            } else if digits.len() <= 2 && day.is_none() && year.is_none() {
                day = Some(n);
            }
        } else if month.is_none() {
            month = month_number(token);
        }
    }
    ymd(year?, month?, day?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn html(s: &str) -> MainText {
        match from_html(s) {
            Ok(m) => m,
            Err(e) => panic!("from_html failed: {e}"),
        }
    }

    fn article_page(extra_head: &str, body: &str) -> String {
        format!(
            "<!doctype html><html lang=\"fr-FR\"><head><meta charset=\"utf-8\">{extra_head}</head>\
             <body>{body}</body></html>"
        )
    }

    const PARAS: [&str; 3] = [
        "Le conseil municipal a voté mardi soir un budget de 12,5 millions d'euros pour la rénovation \
         des écoles primaires de la commune, une somme record selon le maire.",
        "Les travaux commenceront en juin et dureront dix-huit mois. Trois entreprises locales ont été \
         retenues à l'issue d'un appel d'offres lancé à l'automne dernier.",
        "L'opposition a dénoncé un calendrier trop serré et réclamé une consultation des parents \
         d'élèves avant le début du chantier, sans obtenir gain de cause.",
    ];

    fn news_body() -> String {
        format!(
            "<header class=\"site-header\"><a href=\"/\">Le Petit Journal</a>\
             <nav><ul><li><a href=\"/politique\">Politique</a></li><li><a href=\"/sport\">Sport</a></li>\
             <li><a href=\"/culture\">Culture</a></li></ul></nav></header>\
             <div class=\"layout\"><article><h1>Budget record pour les écoles</h1>\
             <p>{}</p><div class=\"share-buttons\"><a href=\"#\">Partager sur Facebook</a></div>\
             <p>{}</p><p>{}</p></article>\
             <aside class=\"related\"><h3>À lire aussi</h3><ul><li><a href=\"/a\">Un autre article sur la \
             rentrée scolaire et ses difficultés</a></li></ul></aside></div>\
             <footer><p>© 2024 Le Petit Journal. Tous droits réservés. Mentions légales et conditions \
             générales d'utilisation du site.</p></footer>",
            PARAS[0], PARAS[1], PARAS[2]
        )
    }

    #[test]
    fn article_paragraphs_are_kept_and_boilerplate_dropped() {
        let m = html(&article_page("", &news_body()));
        for p in PARAS {
            assert!(
                m.text.contains(p),
                "missing paragraph: {p}\n--- got:\n{}",
                m.text
            );
        }
        for junk in [
            "Politique",
            "Partager",
            "À lire aussi",
            "droits réservés",
            "Le Petit Journal",
        ] {
            assert!(
                !m.text.contains(junk),
                "boilerplate {junk:?} kept:\n{}",
                m.text
            );
        }
    }

    #[test]
    fn blocks_are_separated_by_a_blank_line() {
        let m = html(&article_page("", &news_body()));
        let blocks: Vec<&str> = m.text.split("\n\n").collect();
        assert_eq!(blocks[0], "Budget record pour les écoles");
        assert_eq!(&blocks[1..], &PARAS);
    }

    #[test]
    fn headline_appears_once() {
        let body = format!(
            "<article><h1>Budget record</h1><h1>Budget record</h1><p>{}</p></article>",
            PARAS[0]
        );
        let m = html(&article_page("", &body));
        assert_eq!(m.text.matches("Budget record").count(), 1);
    }

    #[test]
    fn whitespace_is_collapsed_and_entities_decoded() {
        let body = format!(
            "<article><p>  Prix&nbsp;: 10&nbsp;000 &euro;\n\n   pour   &laquo;&#160;tous&#160;&raquo; \
             &amp; chacun. {}</p></article>",
            PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert!(
            m.text
                .starts_with("Prix\u{a0}: 10\u{a0}000 € pour «\u{a0}tous\u{a0}» & chacun."),
            "{}",
            m.text
        );
    }

    #[test]
    fn line_breaks_split_blocks() {
        let body = format!(
            "<div class=\"content\">{}<br><br>{}</div>",
            PARAS[0], PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert_eq!(m.text, format!("{}\n\n{}", PARAS[0], PARAS[1]));
    }

    #[test]
    fn scripts_styles_and_ruby_annotations_are_dropped() {
        let body = format!(
            "<article><script>var x = 'Budget';</script><style>p {{ color: red }}</style>\
             <p><ruby>東京<rp>(</rp><rt>とうきょう</rt><rp>)</rp></ruby>都は{}</p>\
             <noscript>Activez JavaScript</noscript><template><p>modèle</p></template></article>",
            PARAS[0]
        );
        let m = html(&article_page("", &body));
        assert!(m.text.starts_with("東京都は"), "{}", m.text);
        for junk in ["var x", "color", "とうきょう", "JavaScript", "modèle", "("] {
            assert!(!m.text.contains(junk), "{junk:?} kept: {}", m.text);
        }
    }

    #[test]
    fn dense_container_wins_over_link_lists_without_semantic_tags() {
        let links = (0..30).fold(String::new(), |mut acc, i| {
            let _ = write!(
                acc,
                "<li><a href=\"/n/{i}\">Titre d'un autre article numéro {i}</a></li>"
            );
            acc
        });
        let body = format!(
            "<div id=\"wrap\"><div class=\"col-a\"><ul>{links}</ul></div>\
             <div class=\"col-b\"><div class=\"txt\"><p>{}</p><p>{}</p><p>{}</p></div></div></div>",
            PARAS[0], PARAS[1], PARAS[2]
        );
        let m = html(&article_page("", &body));
        assert_eq!(m.text, PARAS.join("\n\n"));
    }

    #[test]
    fn container_with_header_in_class_name_is_kept() {
        let body = format!(
            "<div class=\"article-header\"><h1>Budget record</h1></div>\
             <div class=\"article-body\"><p>{}</p><p>{}</p></div>",
            PARAS[0], PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert!(
            m.text.contains(PARAS[0]) && m.text.contains(PARAS[1]),
            "{}",
            m.text
        );
    }

    #[test]
    fn whole_page_in_a_form_still_yields_text() {
        let body = format!(
            "<form id=\"aspnetForm\" action=\"/x\"><div><p>{}</p><p>{}</p></div></form>",
            PARAS[0], PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert_eq!(m.text, format!("{}\n\n{}", PARAS[0], PARAS[1]));
    }

    #[test]
    fn comments_are_not_chosen_even_when_longer_than_the_article() {
        let comment = "Je ne suis pas du tout d'accord avec cette décision du conseil municipal, \
                       qui aurait dû consulter les habitants du quartier avant de voter.";
        let comments = (0..12).fold(String::new(), |mut acc, i| {
            let _ = write!(acc, "<li class=\"c\"><p>Lecteur {i} : {comment}</p></li>");
            acc
        });
        let body = format!(
            "<div class=\"story\"><p>{}</p><p>{}</p></div>\
             <section id=\"comments\"><ol>{comments}</ol></section>",
            PARAS[0], PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert!(m.text.contains(PARAS[1]), "{}", m.text);
        assert!(!m.text.contains("Lecteur"), "{}", m.text);
    }

    #[test]
    fn weakly_marked_wrapper_holding_paragraphs_is_kept() {
        let body = format!(
            "<div class=\"page\"><div class=\"intext-links\"><p>{}</p><p>{}</p></div>\
             <div class=\"links\"><a href=\"/a\">Accueil</a></div></div>",
            PARAS[0], PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert_eq!(m.text, format!("{}\n\n{}", PARAS[0], PARAS[1]));
    }

    #[test]
    fn script_hook_classes_do_not_mark_boilerplate() {
        let body = format!(
            "<section class=\"article-main js-truncate-related\"><p>{}</p><p>{}</p></section>",
            PARAS[0], PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert_eq!(m.text, format!("{}\n\n{}", PARAS[0], PARAS[1]));
    }

    #[test]
    fn lead_in_the_article_header_precedes_the_body() {
        let lead = "Douze millions et demi d'euros : la commune n'avait jamais autant investi \
                    dans ses écoles, et l'opposition s'interroge sur le calendrier.";
        let body = format!(
            "<article><header class=\"article-header\"><h1>Budget record</h1>\
             <time datetime=\"2024-03-05\">5 mars</time><p class=\"standfirst\">{lead}</p></header>\
             <div class=\"share\"><a href=\"#\">Partager</a></div>\
             <div class=\"article-body\" itemprop=\"articleBody\"><p>{}</p><p>{}</p><p>{}</p></div>\
             </article>",
            PARAS[0], PARAS[1], PARAS[2]
        );
        let m = html(&article_page("", &body));
        let blocks: Vec<&str> = m.text.split("\n\n").collect();
        assert_eq!(blocks[..2], ["Budget record", lead], "{}", m.text);
        assert_eq!(blocks[2..], PARAS);
    }

    #[test]
    fn heading_over_a_link_list_is_dropped() {
        let body = format!(
            "<article><p>{}</p><p>{}</p><h3>Voir aussi</h3>\
             <ul><li><a href=\"/a\">Les écoles de la commune en chiffres</a></li>\
             <li><a href=\"/b\">Le conseil municipal adopte son budget</a></li></ul>\
             <h2>La suite du chantier</h2><p>{}</p></article>",
            PARAS[0], PARAS[1], PARAS[2]
        );
        let m = html(&article_page("", &body));
        assert!(!m.text.contains("Voir aussi"), "{}", m.text);
        assert!(!m.text.contains("en chiffres"), "{}", m.text);
        assert!(m.text.contains("La suite du chantier"), "{}", m.text);
    }

    #[test]
    fn short_lines_before_and_after_the_paragraphs_are_dropped() {
        let body = format!(
            "<article><h1>Budget record</h1><div>Publié le 05.03.2024</div><p>{}</p><p>{}</p>\
             <div>Photo : AFP</div><div>Source : mairie</div></article>",
            PARAS[0], PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert_eq!(
            m.text,
            format!("Budget record\n\n{}\n\n{}", PARAS[0], PARAS[1])
        );
    }

    #[test]
    fn hidden_elements_are_dropped() {
        let body = format!(
            "<article><p>{}</p><div style=\"display: none\"><p>{}</p></div>\
             <p>Texte <span aria-hidden=\"true\">caché</span>visible et assez long pour rester \
             dans l'article, avec une phrase qui continue encore un peu.</p></article>",
            PARAS[0], PARAS[1]
        );
        let m = html(&article_page("", &body));
        assert!(
            !m.text.contains(PARAS[1]) && !m.text.contains("caché"),
            "{}",
            m.text
        );
        assert!(m.text.contains("Texte visible"), "{}", m.text);
    }

    #[test]
    fn meta_value_attribute_is_read_like_content() {
        let head = "<meta name=\"article:published_time\" value=\"2024-03-05T08:30:00Z\">";
        let m = html(&article_page(head, &news_body()));
        assert_eq!(m.published.as_deref(), Some("2024-03-05T08:30:00Z"));
    }

    #[test]
    fn og_title_loses_the_text_around_the_headline() {
        let head =
            "<meta property=\"og:title\" content=\"Budget record pour les écoles_Actualité_LPJ\">";
        let m = html(&article_page(head, &news_body()));
        assert_eq!(m.title.as_deref(), Some("Budget record pour les écoles"));
        let head = "<title>Budget record » Éducation » Le Petit Journal</title>";
        let m = html(&article_page(head, "<p>x</p>"));
        assert_eq!(m.title.as_deref(), Some("Budget record"));
    }

    #[test]
    fn page_without_text_is_no_content() {
        let Err(err) = from_html(
            "<html><head><title>Vide</title></head><body><script>x()</script> </body></html>",
        ) else {
            panic!("expected NoContent");
        };
        assert_eq!(err, TextError::NoContent);
        assert_eq!(err.kind(), "no_content");
        assert_eq!(err.to_string(), "no main content found");
    }

    #[test]
    fn short_page_falls_back_to_its_text() {
        let m = html("<html><body><p>Bref.</p></body></html>");
        assert_eq!(m.text, "Bref.");
    }

    #[test]
    fn deeply_nested_markup_does_not_overflow_the_stack() {
        let depth = 5_000;
        let page = format!(
            "{}<p>{}</p>{}",
            "<div>".repeat(depth),
            PARAS[0],
            "</div>".repeat(depth)
        );
        let m = html(&page);
        assert_eq!(m.text, PARAS[0]);
    }

    #[test]
    fn og_title_is_preferred() {
        let head = "<title>Autre titre | Le Petit Journal</title>\
                    <meta property=\"og:title\" content=\"Budget record pour les écoles\">";
        let m = html(&article_page(head, &news_body()));
        assert_eq!(m.title.as_deref(), Some("Budget record pour les écoles"));
    }

    #[test]
    fn title_tag_loses_its_site_name_suffix() {
        let head = "<title>Budget record pour les écoles - Le Petit Journal</title>\
                    <meta property=\"og:site_name\" content=\"Le Petit Journal\">";
        let m = html(&article_page(head, &news_body()));
        assert_eq!(m.title.as_deref(), Some("Budget record pour les écoles"));
        let m = html(&article_page(
            "<title>Budget record pour les écoles | LPJ</title>",
            &news_body(),
        ));
        assert_eq!(m.title.as_deref(), Some("Budget record pour les écoles"));
    }

    #[test]
    fn title_with_dash_in_headline_is_kept_whole() {
        let m = html(&article_page(
            "<title>Paris - Lyon en deux heures</title>",
            &news_body(),
        ));
        assert_eq!(m.title.as_deref(), Some("Paris - Lyon en deux heures"));
    }

    #[test]
    fn first_h1_is_the_title_without_title_tags() {
        let m = html(&article_page("", &news_body()));
        assert_eq!(m.title.as_deref(), Some("Budget record pour les écoles"));
    }

    #[test]
    fn published_time_meta_is_kept_with_offset() {
        let head =
            "<meta property=\"article:published_time\" content=\"2024-03-05T08:30:00+01:00\">";
        let m = html(&article_page(head, &news_body()));
        assert_eq!(m.published.as_deref(), Some("2024-03-05T08:30:00+01:00"));
    }

    #[test]
    fn json_ld_date_in_graph_is_found() {
        let head = r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"WebSite","name":"LPJ"},
            {"@type":["NewsArticle"],"headline":"Budget","datePublished":"2024-03-05"}]}</script>"#;
        let m = html(&article_page(head, &news_body()));
        assert_eq!(m.published.as_deref(), Some("2024-03-05"));
    }

    #[test]
    fn invalid_json_ld_still_yields_its_date() {
        let head = "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\
                    \"description\":\"ligne\nbrisée\",\"datePublished\":\"2023-11-30T17:02:00Z\",}</script>";
        let m = html(&article_page(head, &news_body()));
        assert_eq!(m.published.as_deref(), Some("2023-11-30T17:02:00Z"));
    }

    #[test]
    fn time_element_marked_as_publication_date_is_used() {
        let body = format!(
            "<p>Aujourd'hui <time datetime=\"2030-01-01\">1er janvier</time></p>\
             <article><time itemprop=\"datePublished\" datetime=\"2024-03-05 07:15\">5 mars</time>\
             <p>{}</p></article>",
            PARAS[0]
        );
        let m = html(&article_page("", &body));
        assert_eq!(m.published.as_deref(), Some("2024-03-05T07:15"));
    }

    #[test]
    fn unparseable_dates_are_none() {
        let head = "<meta property=\"article:published_time\" content=\"hier soir\">";
        let m = html(&article_page(head, &news_body()));
        assert_eq!(m.published, None);
    }

    #[test]
    fn dates_are_normalized_to_iso() {
        let cases = [
            ("2024-03-05", Some("2024-03-05")),
            ("2024-03-05T08:30:00Z", Some("2024-03-05T08:30:00Z")),
            (
                "2024-03-05T08:30:00.123+0530",
                Some("2024-03-05T08:30:00.123+0530"),
            ),
            ("2024/3/5 10:00", Some("2024-03-05")),
            ("20240305", Some("2024-03-05")),
            ("05.03.2024", Some("2024-03-05")),
            ("Tue, 05 Mar 2024 10:00:00 GMT", Some("2024-03-05")),
            ("March 5, 2024", Some("2024-03-05")),
            ("jueves, 09 enero 2014 10:21", Some("2014-01-09")),
            ("5. März 2024", Some("2024-03-05")),
            ("mardi 5 mars 2024", Some("2024-03-05")),
            ("2024-02-30", None),
            ("2024-13-01", None),
            ("1700000000", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_date(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn lang_attribute_is_reduced_to_primary_subtag() {
        let m = html(&article_page("", &news_body()));
        assert_eq!(m.lang_attr.as_deref(), Some("fr"));
        for (attr, want) in [
            ("zh-Hans", Some("zh")),
            ("no", Some("no")),
            ("", None),
            ("x", None),
        ] {
            let page = format!(
                "<html lang=\"{attr}\"><body><p>{}</p></body></html>",
                PARAS[0]
            );
            assert_eq!(html(&page).lang_attr.as_deref(), want, "{attr}");
        }
    }

    #[test]
    fn lang_falls_back_to_content_language_then_og_locale() {
        let page = format!(
            "<html><head><meta http-equiv=\"Content-Language\" content=\"de-AT\"></head><body><p>{}</p></body></html>",
            PARAS[0]
        );
        assert_eq!(html(&page).lang_attr.as_deref(), Some("de"));
        let page = format!(
            "<html><head><meta property=\"og:locale\" content=\"pt_BR\"></head><body><p>{}</p></body></html>",
            PARAS[0]
        );
        assert_eq!(html(&page).lang_attr.as_deref(), Some("pt"));
    }

    #[test]
    fn html_is_sniffed_from_its_start() {
        assert!(looks_like_html("\u{FEFF}  <!DOCTYPE html><html>"));
        assert!(looks_like_html("<HTML><BODY>x"));
        assert!(looks_like_html(
            "<?xml version=\"1.0\"?>\n<div class=\"a\">x</div>"
        ));
        assert!(looks_like_html("Note\n<p>Texte</p>"));
        assert!(!looks_like_html("Le prix est <pre-négocié> à 3 < 4 euros."));
        assert!(!looks_like_html(
            "Plain text about <paragraphs> and <divisions>."
        ));
        assert!(!looks_like_html(""));
    }

    #[test]
    fn plain_text_line_endings_and_blank_lines_are_normalized() {
        let m = match from_plain(
            "\u{FEFF}Titre du jour  \r\n\r\n\r\nPremier paragraphe.\rSuite.\n\n\n\nFin.\n\n",
        ) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            m.text,
            "Titre du jour\n\nPremier paragraphe.\nSuite.\n\nFin."
        );
        assert_eq!(m.title.as_deref(), Some("Titre du jour"));
        assert_eq!(m.published, None);
        assert_eq!(m.lang_attr, None);
    }

    #[test]
    fn plain_text_long_first_line_is_not_a_title() {
        let long = "mot ".repeat(80);
        let m = match from_plain(&format!("\n\n{long}\nsuite")) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(m.title, None);
    }

    #[test]
    fn blank_plain_text_is_no_content() {
        assert_eq!(from_plain(" \r\n\t\n"), Err(TextError::NoContent));
        assert_eq!(from_plain(""), Err(TextError::NoContent));
    }
}
