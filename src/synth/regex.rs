//! Strings that match, and strings that just miss, a regular expression of the spec.
//!
//! The spec's `REGEXP_CONTAINS(…, r'^1?[0-9]{10}$')` takes one branch for strings that match
//! and another for those that do not; data must hold both, and the ones that miss by one
//! (nine digits, sixteen, a letter among digits) are where code and spec part ways. No regex
//! crate is available, and none generates strings anyway, so this is a small engine for the
//! RE2 subset specs use: literals, `.`, classes (ranges, negation, `\d \w \s`, `[:digit:]`),
//! groups, alternation, `? * + {n} {n,} {n,m}`, anchors, and a leading `(?i)`. A pattern with
//! anything else (backreferences, look-around, `\b`) gives no samples rather than wrong ones.
//!
//! Every candidate is checked with the matcher here before it is kept, so a "hit" matches and a
//! "miss" does not; the matcher is a backtracking one with a step budget, and a candidate it
//! cannot decide within the budget is dropped.

use super::rng::Rng;
use std::cell::Cell;

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Regex {
    root: Node,
    case_insensitive: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Char(char),
    Any,
    Class(Class),
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat { node: Box<Node>, min: u32, max: Option<u32> },
}

#[derive(Debug, Clone, PartialEq)]
struct Class {
    items: Vec<Item>,
    negated: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Range(char, char),
    Class(Class),
}

impl Class {
    fn of(ranges: &[(char, char)], negated: bool) -> Class {
        Class { items: ranges.iter().map(|&(a, b)| Item::Range(a, b)).collect(), negated }
    }

    fn contains(&self, c: char) -> bool {
        let inside = self.items.iter().any(|item| match item {
            Item::Range(a, b) => *a <= c && c <= *b,
            Item::Class(k) => k.contains(c),
        });
        inside != self.negated
    }
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')];
const SPACE: &[(char, char)] = &[('\t', '\r'), (' ', ' ')];
/// Repetition counts above this are not generated (a spec pattern never needs them).
const MAX_COUNT: u32 = 1000;
/// Characters generated strings are made of, in order of preference for readable output.
const ALPHABET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -_.,()+/@#:;!?'é\t";

impl Regex {
    /// Parses `pattern`; `None` when it uses what this engine does not model.
    pub(crate) fn parse(pattern: &str) -> Option<Regex> {
        let (case_insensitive, body) = match pattern.strip_prefix("(?i)") {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let mut parser = Parser { chars: body.chars().collect(), pos: 0 };
        let root = parser.alternation()?;
        (parser.pos == parser.chars.len()).then_some(Regex { root, case_insensitive })
    }

    /// A LIKE pattern (`%` any run, `_` one character, `\` escapes) as an anchored regex.
    pub(crate) fn from_like(pattern: &str, case_insensitive: bool) -> Regex {
        let mut nodes = vec![Node::Start];
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            nodes.push(match c {
                '%' => Node::Repeat { node: Box::new(Node::Any), min: 0, max: None },
                '_' => Node::Any,
                '\\' => Node::Char(chars.next().unwrap_or('\\')),
                c => Node::Char(c),
            });
        }
        nodes.push(Node::End);
        Regex { root: Node::Concat(nodes), case_insensitive }
    }

    /// A regex for strings containing `literal` (STRPOS, CONTAINS_SUBSTR), starting with it or
    /// ending with it (STARTS_WITH, ENDS_WITH).
    pub(crate) fn containing(literal: &str, anchor_start: bool, anchor_end: bool) -> Regex {
        let mut nodes = Vec::new();
        if anchor_start {
            nodes.push(Node::Start);
        }
        nodes.extend(literal.chars().map(Node::Char));
        if anchor_end {
            nodes.push(Node::End);
        }
        Regex { root: Node::Concat(nodes), case_insensitive: false }
    }

    /// Whether the pattern matches somewhere in `text` (REGEXP_CONTAINS), or `None` when the
    /// step budget ran out before that was known.
    pub(crate) fn is_match(&self, text: &str) -> Option<bool> {
        let chars: Vec<char> = text.chars().collect();
        let m = Matcher::new(&chars, self.case_insensitive);
        let found = (0..=chars.len()).any(|start| m.at(&self.root, start, &mut |_| true));
        (!m.exhausted()).then_some(found)
    }

    /// `text` with every match removed (REGEXP_REPLACE(text, pattern, '')), leftmost first.
    pub(crate) fn remove_all(&self, text: &str) -> Option<String> {
        let chars: Vec<char> = text.chars().collect();
        let m = Matcher::new(&chars, self.case_insensitive);
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i <= chars.len() {
            let mut end = None;
            m.at(&self.root, i, &mut |e| {
                end = Some(e);
                true
            });
            match end {
                Some(e) if e > i => i = e,
                _ => {
                    if let Some(c) = chars.get(i) {
                        out.push(*c);
                    }
                    i += 1;
                }
            }
        }
        (!m.exhausted()).then_some(out)
    }

    /// Strings that match and strings that miss, checked. `strips` are patterns the column
    /// passes through first (`REGEXP_REPLACE(col, '[^0-9]', '')`, innermost first): a hit is
    /// then decorated with characters they remove (`+1 (415) 555-0100`), and every candidate
    /// is judged on what the strips leave.
    pub(crate) fn samples(&self, strips: &[Regex], rng: &mut Rng) -> Samples {
        let seen_by_pattern = |value: &str| self.seen_through(strips, value);
        let mut samples = Samples::default();
        let push = |list: &mut Vec<String>, value: String| {
            if !list.contains(&value) && list.len() < 8 {
                list.push(value);
            }
        };
        // Hits: the fewest repetitions, the most, and one in between.
        let mut bases = Vec::new();
        for shape in [Shape::Min, Shape::Max, Shape::Random] {
            if let Some(text) = self.generate(shape, Tweak::None, rng) {
                if !bases.contains(&text) {
                    bases.push(text);
                }
            }
        }
        for (k, base) in bases.iter().enumerate() {
            // Fewest and most repetitions read as `+1 (415) 555-0100`, the one between as dots.
            let style = if k < 2 { 0 } else { 1 };
            let decorated = if strips.is_empty() { None } else { decorate(base, style, strips) };
            for value in decorated.into_iter().chain(std::iter::once(base.clone())) {
                if seen_by_pattern(&value) == Some(true) {
                    push(&mut samples.hits, value);
                    break;
                }
            }
        }
        // Misses: each repetition one short and one long, a wrong character first and last,
        // and junk a person might type.
        let (repeats, atoms) = self.count_parts();
        let mut candidates = Vec::new();
        for index in 0..repeats {
            candidates.push(self.generate(Shape::Min, Tweak::Repeat { index, delta: -1 }, rng));
            candidates.push(self.generate(Shape::Max, Tweak::Repeat { index, delta: 1 }, rng));
        }
        for index in [0, atoms.saturating_sub(1)] {
            candidates.push(self.generate(Shape::Min, Tweak::WrongChar { index }, rng));
        }
        candidates.extend(["n/a", "", "call me", "+()-"].into_iter().map(|s| Some(s.to_string())));
        for candidate in candidates.into_iter().flatten() {
            if seen_by_pattern(&candidate) == Some(false) {
                push(&mut samples.misses, candidate);
            }
        }
        samples
    }

    /// Whether the pattern matches what `strips` leave of `value`; `None` when undecided.
    fn seen_through(&self, strips: &[Regex], value: &str) -> Option<bool> {
        let mut text = value.to_string();
        for strip in strips {
            text = strip.remove_all(&text)?;
        }
        self.is_match(&text)
    }

    /// Whether the pattern holds a `^` or `$` (a LIKE pattern always does).
    fn anchored(&self) -> bool {
        fn has(node: &Node) -> bool {
            match node {
                Node::Start | Node::End => true,
                Node::Concat(nodes) | Node::Alt(nodes) => nodes.iter().any(has),
                Node::Repeat { node, .. } => has(node),
                Node::Char(_) | Node::Any | Node::Class(_) => false,
            }
        }
        has(&self.root)
    }

    /// How many repetitions and single-character atoms a minimal string passes through.
    fn count_parts(&self) -> (usize, usize) {
        let mut g =
            Gen { rng: &mut Rng::for_parts(0, &[]), shape: Shape::Min, tweak: Tweak::None, repeats: 0, atoms: 0 };
        let mut out = Vec::new();
        g.node(&self.root, &mut out);
        (g.repeats, g.atoms)
    }

    fn generate(&self, shape: Shape, tweak: Tweak, rng: &mut Rng) -> Option<String> {
        let mut g = Gen { rng, shape, tweak, repeats: 0, atoms: 0 };
        let mut out = Vec::new();
        g.node(&self.root, &mut out).then(|| out.into_iter().collect())
    }
}

/// One pattern a column is matched against, with the strips its text passes through first and
/// the hits [`Regex::samples`] made for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sampled<'a> {
    pub regex: &'a Regex,
    pub strips: &'a [Regex],
    pub hits: &'a [String],
    /// Only replaced, not tested (`REGEXP_REPLACE`): what matches it alone is not a hit.
    pub weak: bool,
}

/// How many strings [`mixed`] adds to a column at most, so that its other edge cases still come
/// in the first rows.
pub(crate) const MAX_MIXED: usize = 6;

/// Characters put around a match, first one the pattern does not match by itself.
const FILLERS: [&str; 5] = ["x", "#", "Z", "0", "-"];

/// Strings that tell apart code that meets a column's patterns differently from the spec, where
/// the hits of one pattern at a time, whole, do not:
/// - a match of each of two patterns, joined in both orders (`tablet mobile`): the only strings
///   on which the order of two `CASE WHEN REGEXP_CONTAINS` branches matters;
/// - a match inside other text (`xOC-0x`, and for an anchored pattern `xOC-0` and `OC-0x`): an
///   anchored and an unanchored pattern differ only there;
/// - two separate matches of the longest hit (`x\t  x\t  x`): replacing the first match only
///   and replacing all of them differ only there.
///
/// Every string is checked against every pattern (through its strips); hits are the strings a
/// pattern that is tested matches, misses the others. At most [`MAX_MIXED`], the most telling
/// first: the first pair, then each pattern embedded and repeated, then the rest.
pub(crate) fn mixed(patterns: &[Sampled]) -> Samples {
    let mut distinct: Vec<Sampled> = Vec::new();
    for p in patterns {
        if p.hits.is_empty() {
            continue;
        }
        match distinct.iter_mut().find(|d| d.regex == p.regex && d.strips == p.strips) {
            // The same pattern tested somewhere counts as tested.
            Some(d) => d.weak &= p.weak,
            None => distinct.push(*p),
        }
    }
    let mut first: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    for (i, a) in distinct.iter().enumerate() {
        for (j, b) in distinct.iter().enumerate().skip(i + 1) {
            let both = |text: &str| a.matches(text) == Some(true) && b.matches(text) == Some(true);
            for (x, y) in [(a, b), (b, a)] {
                let joined = [" ", ""].iter().map(|sep| format!("{}{sep}{}", x.hits[0], y.hits[0])).find(|t| both(t));
                if let Some(text) = joined {
                    if i == 0 && j == 1 { &mut first } else { &mut rest }.push(text);
                }
            }
        }
    }
    for p in &distinct {
        let Some(fill) = FILLERS.iter().find(|f| p.matches(&f.repeat(2)) == Some(false)) else { continue };
        let short = &p.hits[0];
        let long = p.hits.iter().max_by_key(|h| h.chars().count()).unwrap_or(short);
        first.push(format!("{fill}{short}{fill}"));
        first.push(format!("{fill}{long}{fill}{long}{fill}"));
        if p.regex.anchored() {
            rest.push(format!("{fill}{short}"));
            rest.push(format!("{short}{fill}"));
        }
    }
    let mut samples = Samples::default();
    for text in first.into_iter().chain(rest) {
        if samples.hits.len() + samples.misses.len() >= MAX_MIXED {
            break;
        }
        if samples.hits.contains(&text) || samples.misses.contains(&text) {
            continue;
        }
        // A string no pattern can judge within the step budget is left out.
        let seen: Option<Vec<bool>> = distinct.iter().map(|p| p.matches(&text)).collect();
        let Some(seen) = seen else { continue };
        if distinct.iter().zip(&seen).any(|(p, hit)| *hit && !p.weak) {
            samples.hits.push(text);
        } else {
            samples.misses.push(text);
        }
    }
    samples
}

impl Sampled<'_> {
    fn matches(&self, value: &str) -> Option<bool> {
        self.regex.seen_through(self.strips, value)
    }
}

/// Strings for one pattern.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Samples {
    /// Strings the pattern matches.
    pub hits: Vec<String>,
    /// Strings it does not.
    pub misses: Vec<String>,
}

/// A digit string written the way people write phone numbers and codes, with separators the
/// strips remove: `+1 (415) 555-0100`, `1.415.555.0100`. `None` when no separator is removed.
fn decorate(base: &str, style: usize, strips: &[Regex]) -> Option<String> {
    let removed = |c: char| {
        let mut text = format!("0{c}0");
        for strip in strips {
            text = strip.remove_all(&text)?;
        }
        Some(text == "00")
    };
    let allowed: Vec<char> =
        [' ', '-', '(', ')', '+', '.', '/'].into_iter().filter(|&c| removed(c) == Some(true)).collect();
    let sep = |wanted: char| if allowed.contains(&wanted) { Some(wanted) } else { allowed.first().copied() };
    let chars: Vec<char> = base.chars().collect();
    if allowed.is_empty() || chars.len() < 4 {
        return None;
    }
    let n = chars.len();
    let text = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
    let (last, mid, area, rest) = if n >= 10 {
        (text(n - 4..n), text(n - 7..n - 4), text(n - 10..n - 7), text(0..n - 10))
    } else {
        (text(n / 2..n), text(0..n / 2), String::new(), String::new())
    };
    let mut out = String::new();
    let push_sep = |out: &mut String, c: char| {
        if let Some(s) = sep(c) {
            out.push(s);
        }
    };
    match style % 3 {
        0 => {
            if !rest.is_empty() {
                push_sep(&mut out, '+');
                out.push_str(&rest);
                push_sep(&mut out, ' ');
            }
            if !area.is_empty() {
                push_sep(&mut out, '(');
                out.push_str(&area);
                push_sep(&mut out, ')');
                push_sep(&mut out, ' ');
            }
            out.push_str(&mid);
            push_sep(&mut out, '-');
            out.push_str(&last);
        }
        style => {
            let c = if style == 1 { '.' } else { ' ' };
            for part in [&rest, &area, &mid] {
                if !part.is_empty() {
                    out.push_str(part);
                    push_sep(&mut out, c);
                }
            }
            out.push_str(&last);
        }
    }
    Some(out)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn alternation(&mut self) -> Option<Node> {
        let mut branches = vec![self.concat()?];
        while self.eat('|') {
            branches.push(self.concat()?);
        }
        Some(if branches.len() == 1 { branches.pop()? } else { Node::Alt(branches) })
    }

    fn concat(&mut self) -> Option<Node> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Some(Node::Concat(items))
    }

    fn atom(&mut self) -> Option<Node> {
        Some(match self.next()? {
            '(' => {
                if self.eat('?') && !self.eat(':') {
                    return None;
                }
                let inner = self.alternation()?;
                if !self.eat(')') {
                    return None;
                }
                inner
            }
            '[' => Node::Class(self.class()?),
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '\\' => match self.escape()? {
                Item::Range(a, b) if a == b => Node::Char(a),
                Item::Range(..) => return None,
                Item::Class(k) => Node::Class(k),
            },
            '*' | '+' | '?' | '{' | ')' => return None,
            c => Node::Char(c),
        })
    }

    fn quantified(&mut self, mut atom: Node) -> Option<Node> {
        loop {
            let (min, max) = match self.peek() {
                Some('*') => (0, None),
                Some('+') => (1, None),
                Some('?') => (0, Some(1)),
                Some('{') => {
                    self.pos += 1;
                    let min = self.number()?;
                    let max = if self.eat(',') {
                        if self.peek() == Some('}') {
                            None
                        } else {
                            Some(self.number()?)
                        }
                    } else {
                        Some(min)
                    };
                    if self.peek() != Some('}') || max.is_some_and(|m| m < min) {
                        return None;
                    }
                    (min, max)
                }
                _ => return Some(atom),
            };
            self.pos += 1;
            // A lazy repetition matches the same strings.
            self.eat('?');
            atom = Node::Repeat { node: Box::new(atom), min, max };
        }
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let n: u32 = self.chars[start..self.pos].iter().collect::<String>().parse().ok()?;
        (n <= MAX_COUNT).then_some(n)
    }

    /// After a backslash: a character (as a one-character range) or a class.
    fn escape(&mut self) -> Option<Item> {
        let c = self.next()?;
        let class = |ranges, negated| Some(Item::Class(Class::of(ranges, negated)));
        let single = |c| Some(Item::Range(c, c));
        match c {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            'n' => single('\n'),
            't' => single('\t'),
            'r' => single('\r'),
            'f' => single('\x0c'),
            'v' => single('\x0b'),
            c if c.is_ascii_alphanumeric() => None,
            c => single(c),
        }
    }

    fn class(&mut self) -> Option<Class> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let item = match c {
                '[' if self.peek() == Some(':') => {
                    let end = (self.pos..self.chars.len()).find(|&i| self.chars[i] == ']')?;
                    let name: String = self.chars[self.pos..end].iter().collect();
                    self.pos = end + 1;
                    let ranges: &[(char, char)] = match name.as_str() {
                        ":digit:" => DIGIT,
                        ":alpha:" => &[('A', 'Z'), ('a', 'z')],
                        ":alnum:" => &[('0', '9'), ('A', 'Z'), ('a', 'z')],
                        ":upper:" => &[('A', 'Z')],
                        ":lower:" => &[('a', 'z')],
                        ":space:" => SPACE,
                        ":punct:" => &[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
                        _ => return None,
                    };
                    Item::Class(Class::of(ranges, false))
                }
                '\\' => self.escape()?,
                c => Item::Range(c, c),
            };
            // A range `a-z`; a `-` before `]` is a literal.
            if let Item::Range(low, _) = item {
                if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|c| *c != ']') {
                    self.pos += 1;
                    let high = match self.next()? {
                        '\\' => match self.escape()? {
                            Item::Range(h, _) => h,
                            Item::Class(_) => return None,
                        },
                        h => h,
                    };
                    if high < low {
                        return None;
                    }
                    items.push(Item::Range(low, high));
                    continue;
                }
            }
            items.push(item);
        }
        Some(Class { items, negated })
    }
}

/// Backtracking steps allowed per match; spec patterns on short strings need a few hundred.
const STEP_BUDGET: u32 = 200_000;

struct Matcher<'a> {
    text: &'a [char],
    case_insensitive: bool,
    steps: Cell<u32>,
}

impl<'a> Matcher<'a> {
    fn new(text: &'a [char], case_insensitive: bool) -> Self {
        Matcher { text, case_insensitive, steps: Cell::new(0) }
    }

    fn exhausted(&self) -> bool {
        self.steps.get() > STEP_BUDGET
    }

    fn char_is(&self, c: char, test: impl Fn(char) -> bool) -> bool {
        test(c) || (self.case_insensitive && c.to_lowercase().chain(c.to_uppercase()).any(test))
    }

    /// Whether `node` matches at `i` with some end that `k` accepts.
    fn at(&self, node: &Node, i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        self.steps.set(self.steps.get() + 1);
        if self.exhausted() {
            return false;
        }
        let here = self.text.get(i).copied();
        match node {
            Node::Char(want) => here.is_some_and(|c| self.char_is(c, |x| x == *want)) && k(i + 1),
            Node::Any => here.is_some_and(|c| c != '\n') && k(i + 1),
            Node::Class(class) => here.is_some_and(|c| self.char_is(c, |x| class.contains(x))) && k(i + 1),
            Node::Start => i == 0 && k(i),
            Node::End => i == self.text.len() && k(i),
            Node::Concat(nodes) => self.sequence(nodes, i, k),
            Node::Alt(branches) => branches.iter().any(|b| self.at(b, i, k)),
            Node::Repeat { node, min, max } => self.repeat(node, *min, *max, 0, i, k),
        }
    }

    fn sequence(&self, nodes: &[Node], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match nodes.split_first() {
            None => k(i),
            Some((first, rest)) => self.at(first, i, &mut |j| self.sequence(rest, j, k)),
        }
    }

    /// Greedy: one more repetition first, then stop when the minimum is reached. A repetition
    /// that consumes nothing past the minimum is not retried, so `(a*)*` terminates.
    fn repeat(
        &self,
        node: &Node,
        min: u32,
        max: Option<u32>,
        count: u32,
        i: usize,
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        if max.is_none_or(|m| count < m)
            && self.at(node, i, &mut |j| (j != i || count < min) && self.repeat(node, min, max, count + 1, j, k))
        {
            return true;
        }
        count >= min && k(i)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Min,
    Max,
    Random,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tweak {
    None,
    /// The `index`-th repetition reached runs `delta` times more (or fewer).
    Repeat {
        index: usize,
        delta: i64,
    },
    /// The `index`-th single character written is one the pattern does not allow there.
    WrongChar {
        index: usize,
    },
}

struct Gen<'r> {
    rng: &'r mut Rng,
    shape: Shape,
    tweak: Tweak,
    repeats: usize,
    atoms: usize,
}

impl Gen<'_> {
    /// Appends a string for `node`; false when no character fits a class.
    fn node(&mut self, node: &Node, out: &mut Vec<char>) -> bool {
        match node {
            Node::Start | Node::End => true,
            Node::Char(c) => {
                let c = *c;
                self.atom(out, |x| x == c, Some(c))
            }
            Node::Any => self.atom(out, |x| x != '\n', None),
            Node::Class(class) => self.atom(out, |x| class.contains(x), None),
            Node::Concat(nodes) => nodes.iter().all(|n| self.node(n, out)),
            Node::Alt(branches) => {
                let pick = match self.shape {
                    Shape::Min => 0,
                    Shape::Max => branches.len() - 1,
                    Shape::Random => self.rng.below(branches.len() as u64) as usize,
                };
                self.node(&branches[pick], out)
            }
            Node::Repeat { node, min, max } => {
                let index = self.repeats;
                self.repeats += 1;
                let top = max.unwrap_or(min + 3);
                let mut count = i64::from(match self.shape {
                    Shape::Min => *min,
                    Shape::Max => top,
                    Shape::Random => min + self.rng.below(u64::from(top - min) + 1) as u32,
                });
                if let Tweak::Repeat { index: at, delta } = self.tweak {
                    if at == index {
                        count += delta;
                    }
                }
                if count < 0 || out.len() as i64 + count > 400 {
                    return false;
                }
                (0..count).all(|_| self.node(node, out))
            }
        }
    }

    /// Appends one character allowed by `allowed` (or, when this atom is the one to get wrong,
    /// one it does not allow). `exact` is the only allowed character, when there is one.
    fn atom(&mut self, out: &mut Vec<char>, allowed: impl Fn(char) -> bool, exact: Option<char>) -> bool {
        let index = self.atoms;
        self.atoms += 1;
        let wrong = self.tweak == Tweak::WrongChar { index };
        let pool: Vec<char> = ALPHABET.chars().filter(|&c| allowed(c) != wrong).collect();
        let pick = match (exact, wrong) {
            (Some(c), false) => Some(c),
            _ if pool.is_empty() => None,
            _ if wrong => pool.iter().copied().find(|c| c.is_ascii_alphabetic()).or(pool.first().copied()),
            _ => Some(pool[self.rng.below(pool.len() as u64) as usize]),
        };
        match pick {
            Some(c) => {
                out.push(c);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> Regex {
        Regex::parse(p).unwrap_or_else(|| panic!("{p} parses"))
    }

    #[test]
    fn matcher_agrees_with_re2_on_the_usual_patterns() {
        let cases: &[(&str, &str, bool)] = &[
            (r"^1?[0-9]{10}$", "4155550100", true),
            (r"^1?[0-9]{10}$", "14155550100", true),
            (r"^1?[0-9]{10}$", "24155550100", false),
            (r"^1?[0-9]{10}$", "415555010", false),
            (r"^[0-9]{11,15}$", "441234567890", true),
            (r"^[0-9]{11,15}$", "1234567890123456", false),
            (r"[^0-9]", "12a", true),
            (r"[^0-9]", "123", false),
            (r"^\w+@\w+\.(com|org)$", "bob@example.org", true),
            (r"^\w+@\w+\.(com|org)$", "bob@example.net", false),
            (r"(?i)^open$", "OPEN", true),
            (r"a|b", "xbx", true),
            (r"^(a*)*$", "aaaa", true),
            (r"[[:digit:]-]+", "-", true),
            (r"\.", "a", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(re(pattern).is_match(text), Some(*want), "{pattern} on {text:?}");
        }
        for unsupported in [r"\bword", r"(?=a)", r"(a)\1", "a{2", "[z-a]"] {
            assert_eq!(Regex::parse(unsupported), None, "{unsupported}");
        }
    }

    #[test]
    fn removal_is_global() {
        assert_eq!(re("[^0-9]").remove_all("+1 (415) 555-0100").as_deref(), Some("14155550100"));
        assert_eq!(re("a*").remove_all("baab").as_deref(), Some("bb"));
    }

    #[test]
    fn phone_samples_match_and_miss_through_the_strip() {
        let strip = re("[^0-9]");
        let mut rng = Rng::for_parts(7, &[]);
        let ten = re(r"^1?[0-9]{10}$").samples(std::slice::from_ref(&strip), &mut rng);
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count();
        assert!(ten.hits.iter().any(|h| digits(h) == 10 && h.contains('-')), "{ten:?}");
        assert!(ten.hits.iter().any(|h| digits(h) == 11), "{ten:?}");
        assert!(ten.misses.iter().any(|m| digits(m) == 9), "{ten:?}");
        assert!(ten.misses.iter().any(|m| m == "n/a"), "{ten:?}");
        let long = re(r"^[0-9]{11,15}$").samples(&[strip], &mut rng);
        assert!(long.hits.iter().any(|h| digits(h) == 15 && h.starts_with('+')), "{long:?}");
        assert!(long.misses.iter().any(|m| digits(m) == 16), "{long:?}");
    }

    #[test]
    fn like_patterns() {
        let like = Regex::from_like("ab%_", false);
        assert_eq!(like.is_match("abxyz"), Some(true));
        assert_eq!(like.is_match("ab"), Some(false));
        let samples = like.samples(&[], &mut Rng::for_parts(1, &[]));
        assert!(!samples.hits.is_empty() && !samples.misses.is_empty());
        assert_eq!(Regex::containing("x", true, false).is_match("xa"), Some(true));
    }

    fn mixed_of(patterns: &[(&str, bool)]) -> (Vec<Regex>, Samples) {
        let regexes: Vec<Regex> = patterns.iter().map(|(p, _)| re(p)).collect();
        let mut rng = Rng::for_parts(3, &[]);
        let hits: Vec<Vec<String>> = regexes.iter().map(|r| r.samples(&[], &mut rng).hits).collect();
        let sampled: Vec<Sampled> = regexes
            .iter()
            .zip(&hits)
            .zip(patterns)
            .map(|((regex, hits), (_, weak))| Sampled { regex, strips: &[], hits, weak: *weak })
            .collect();
        let out = mixed(&sampled);
        (regexes, out)
    }

    #[test]
    fn strings_matching_two_patterns_tell_case_branch_order_apart() {
        let (regexes, out) = mixed_of(&[("tablet|ipad", false), ("mobile|phone|android", false)]);
        let both = |s: &String| regexes.iter().all(|r| r.is_match(s) == Some(true));
        let pairs: Vec<&String> = out.hits.iter().filter(|s| both(s)).collect();
        assert_eq!(pairs.len(), 2, "both orders: {out:?}");
        assert_ne!(pairs[0].split(' ').next(), pairs[1].split(' ').next(), "{out:?}");
        assert!(out.hits.len() + out.misses.len() <= MAX_MIXED);
    }

    #[test]
    fn an_embedded_match_tells_anchored_from_unanchored() {
        let (_, out) = mixed_of(&[(r"^OC-[0-9]+$", false)]);
        let unanchored = re("OC-[0-9]+");
        let anchored = re(r"^OC-[0-9]+$");
        // Strings only the unanchored pattern matches, with text before, after, or both.
        let apart: Vec<&String> = out
            .misses
            .iter()
            .filter(|s| unanchored.is_match(s) == Some(true) && anchored.is_match(s) == Some(false))
            .collect();
        assert!(apart.iter().any(|s| !s.starts_with("OC") && !s.ends_with(|c: char| c.is_ascii_digit())), "{out:?}");
        assert!(apart.iter().any(|s| s.starts_with("OC")), "{out:?}");
        assert!(apart.iter().any(|s| !s.starts_with("OC") && s.ends_with(|c: char| c.is_ascii_digit())), "{out:?}");
    }

    #[test]
    fn repeated_matches_tell_first_only_from_global_replacement() {
        let (_, out) = mixed_of(&[(r"\s+", true)]);
        // Weak (replaced only): nothing is a hit.
        assert!(out.hits.is_empty(), "{out:?}");
        let runs = |s: &str| s.split(|c: char| !c.is_whitespace()).filter(|r| !r.is_empty()).count();
        let longest_run = |s: &str| s.split(|c: char| !c.is_whitespace()).map(str::len).max().unwrap_or(0);
        assert!(
            out.misses.iter().any(|s| runs(s) >= 2 && longest_run(s) >= 2 && !s.starts_with(char::is_whitespace)),
            "two separate runs inside text, one of them not a single space: {out:?}"
        );
    }

    #[test]
    fn mixed_strings_are_few_and_skip_patterns_without_fillers() {
        let (_, out) = mixed_of(&[("a", false), ("b", false), ("c", false), ("d", false)]);
        assert_eq!(out.hits.len() + out.misses.len(), MAX_MIXED, "{out:?}");
        assert!(out.hits.contains(&"a b".to_string()) && out.hits.contains(&"b a".to_string()), "{out:?}");
        // `.*` matches every filler: nothing to embed or repeat its matches in.
        let (_, any) = mixed_of(&[(".*", false)]);
        assert_eq!(any, Samples::default());
    }

    #[test]
    fn the_budget_stops_runaway_patterns() {
        let text = "a".repeat(40) + "b";
        assert_eq!(re("^(a|a)*c$").is_match(&text), None);
    }
}
