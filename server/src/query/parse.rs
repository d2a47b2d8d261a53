//! Pure: the text of a query into terms, each with the position of its words, so an error can
//! point at the word that is wrong. Knows nothing of entities: `resolve` checks the words
//! against a descriptor.

use super::QueryError;

/// How a field term compares its field with its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `field:value` or `field:a,b`: equal to any of the values (a date: on that day; a
    /// relative date: within that time).
    Is,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Is => ":",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A word of the query and where it starts (1-based, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub at: usize,
    /// Written in quotes: taken as it is (`"none"` is the word, not an empty field).
    pub quoted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    /// `field:value,value` or `field>value`.
    Field {
        field: Word,
        op: Op,
        values: Vec<Word>,
    },
    /// A bare word or a quoted phrase: the list's search.
    Text(Word),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Written with a leading `-`: records that do not match.
    pub negated: bool,
    pub kind: TermKind,
}

/// Reads the query into terms. Whitespace (also the ideographic space) separates terms;
/// `，` and `：` count as `,` and `:` so a Chinese keyboard needs no switching.
pub fn parse(text: &str) -> Result<Vec<Term>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut lexer = Lexer { chars, i: 0 };
    let mut terms = Vec::new();
    loop {
        lexer.skip_space();
        if lexer.done() {
            return Ok(terms);
        }
        terms.push(lexer.term()?);
    }
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}

/// How a term names a custom field: `custom.<key>`.
pub const CUSTOM_PREFIX: &str = "custom.";

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

impl Lexer {
    fn done(&self) -> bool {
        self.i >= self.chars.len()
    }
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.i + n).copied()
    }
    /// 1-based position of the character at `i`.
    fn pos(&self, i: usize) -> usize {
        i + 1
    }
    fn skip_space(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.i += 1;
        }
    }

    fn term(&mut self) -> Result<Term, QueryError> {
        let start = self.i;
        let negated = self.peek() == Some('-');
        if negated {
            self.i += 1;
            if self.done() || self.peek().is_some_and(is_space) {
                return Err(QueryError::new(
                    self.pos(start),
                    "a - must be followed by what to leave out, like -lifecycle:lost",
                ));
            }
        }
        if self.peek() == Some('"') {
            let word = self.quoted()?;
            self.end_of_term()?;
            return Ok(Term {
                negated,
                kind: TermKind::Text(word),
            });
        }
        // A field name, if an operator follows it.
        let name_start = self.i;
        let mut j = self.i;
        while self.chars.get(j).copied().is_some_and(is_name_char) {
            j += 1;
        }
        // A custom field's key may be Chinese (`custom.注册资金>100万`): after `custom.` any
        // letter or digit belongs to the name. Elsewhere a Chinese word stays a search word.
        let so_far: String = self.chars[name_start..j].iter().collect();
        if so_far.to_ascii_lowercase().starts_with(CUSTOM_PREFIX) {
            while self
                .chars
                .get(j)
                .copied()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                j += 1;
            }
        }
        if j > name_start
            && let Some(op_len_op) = self.op_at(j)
        {
            let field = Word {
                text: self.chars[name_start..j].iter().collect(),
                at: self.pos(name_start),
                quoted: false,
            };
            let (len, op) = op_len_op;
            self.i = j + len;
            let values = self.values(&field, op)?;
            return Ok(Term {
                negated,
                kind: TermKind::Field { field, op, values },
            });
        }
        // A bare word, up to the next space.
        let word_start = self.i;
        while self.peek().is_some_and(|c| !is_space(c)) {
            if self.peek() == Some('"') {
                return Err(QueryError::new(
                    self.pos(self.i),
                    "a quote must start a word; write \"…\" around the whole phrase",
                ));
            }
            self.i += 1;
        }
        Ok(Term {
            negated,
            kind: TermKind::Text(Word {
                text: self.chars[word_start..self.i].iter().collect(),
                at: self.pos(word_start),
                quoted: false,
            }),
        })
    }

    /// The operator starting at `j`, and its length.
    fn op_at(&self, j: usize) -> Option<(usize, Op)> {
        let c = self.chars.get(j).copied()?;
        let next = self.chars.get(j + 1).copied();
        match (c, next) {
            (':' | '：', _) => Some((1, Op::Is)),
            ('>', Some('=')) => Some((2, Op::Ge)),
            ('<', Some('=')) => Some((2, Op::Le)),
            ('>', _) => Some((1, Op::Gt)),
            ('<', _) => Some((1, Op::Lt)),
            ('=', _) => Some((1, Op::Is)),
            _ => None,
        }
    }

    /// The values after an operator: one, or (after `:`) several separated by commas.
    fn values(&mut self, field: &Word, op: Op) -> Result<Vec<Word>, QueryError> {
        let mut values = Vec::new();
        loop {
            let at = self.i;
            let word = if self.peek() == Some('"') {
                self.quoted()?
            } else {
                while self
                    .peek()
                    .is_some_and(|c| !is_space(c) && c != ',' && c != '，' && c != '"')
                {
                    self.i += 1;
                }
                Word {
                    text: self.chars[at..self.i].iter().collect(),
                    at: self.pos(at),
                    quoted: false,
                }
            };
            if word.text.trim().is_empty() {
                return Err(QueryError::new(
                    self.pos(at),
                    format!(
                        "{}{} needs a value, like {}",
                        field.text,
                        op.symbol(),
                        example(op)
                    ),
                ));
            }
            values.push(word);
            match self.peek() {
                Some(',' | '，') => {
                    if op != Op::Is {
                        return Err(QueryError::new(
                            self.pos(self.i),
                            format!(
                                "a list of values goes with \":\" only ({}:a,b); {} compares with one",
                                field.text,
                                op.symbol()
                            ),
                        ));
                    }
                    self.i += 1;
                }
                Some('"') => {
                    return Err(QueryError::new(
                        self.pos(self.i),
                        "a quote must start a value; write \"…\" around the whole value",
                    ));
                }
                _ => return Ok(values),
            }
        }
    }

    /// A quoted phrase starting at the quote; `\"` and `\\` inside it.
    fn quoted(&mut self) -> Result<Word, QueryError> {
        let open = self.i;
        self.i += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(QueryError::new(
                        self.pos(open),
                        "this quote is never closed; end the phrase with \"",
                    ));
                }
                Some('"') => {
                    self.i += 1;
                    return Ok(Word {
                        text,
                        at: self.pos(open),
                        quoted: true,
                    });
                }
                Some('\\') if matches!(self.peek_at(1), Some('"' | '\\')) => {
                    text.push(self.peek_at(1).unwrap_or('\\'));
                    self.i += 2;
                }
                Some(c) => {
                    text.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// After a quoted phrase: a space or the end.
    fn end_of_term(&self) -> Result<(), QueryError> {
        match self.peek() {
            None => Ok(()),
            Some(c) if is_space(c) => Ok(()),
            Some(_) => Err(QueryError::new(
                self.pos(self.i),
                "put a space after the closing quote",
            )),
        }
    }
}

fn example(op: Op) -> &'static str {
    match op {
        Op::Is => "level:A",
        _ => "amount>100000 or updated<30d",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(t: &Term) -> (&str, Op, Vec<&str>) {
        match &t.kind {
            TermKind::Field { field, op, values } => (
                field.text.as_str(),
                *op,
                values.iter().map(|v| v.text.as_str()).collect(),
            ),
            other => panic!("not a field term: {other:?}"),
        }
    }

    #[test]
    fn every_operator() {
        let terms = parse("a:1 b>2 c>=3 d<4 e<=5 f=6").unwrap();
        let ops: Vec<Op> = terms.iter().map(|t| field(t).1).collect();
        assert_eq!(ops, [Op::Is, Op::Gt, Op::Ge, Op::Lt, Op::Le, Op::Is]);
        assert_eq!(field(&terms[2]).2, ["3"]);
        assert_eq!(field(&terms[4]).2, ["5"]);
    }

    #[test]
    fn the_issue_example() {
        let q = r#"level:A region:华东 owner:li amount>100000 updated<30d stage:proposal,negotiation -lifecycle:lost "上海" tag:vip"#;
        let terms = parse(q).unwrap();
        assert_eq!(terms.len(), 9);
        assert_eq!(field(&terms[1]), ("region", Op::Is, vec!["华东"]));
        assert_eq!(
            field(&terms[5]),
            ("stage", Op::Is, vec!["proposal", "negotiation"])
        );
        assert!(terms[6].negated);
        assert_eq!(field(&terms[6]), ("lifecycle", Op::Is, vec!["lost"]));
        assert_eq!(
            terms[7].kind,
            TermKind::Text(Word {
                text: "上海".into(),
                at: 97,
                quoted: true,
            })
        );
        // Positions count characters, not bytes: 华东 is two.
        match &terms[2].kind {
            TermKind::Field { field, .. } => assert_eq!(field.at, 19),
            _ => unreachable!(),
        }
    }

    #[test]
    fn bare_words_quotes_and_negation() {
        let terms = parse(r#"深圳 -"有限 公司" -foo "say \"hi\"""#).unwrap();
        let texts: Vec<(bool, String)> = terms
            .iter()
            .map(|t| match &t.kind {
                TermKind::Text(w) => (t.negated, w.text.clone()),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            texts,
            [
                (false, "深圳".to_string()),
                (true, "有限 公司".to_string()),
                (true, "foo".to_string()),
                (false, "say \"hi\"".to_string())
            ]
        );
    }

    #[test]
    fn chinese_punctuation_counts_as_ascii() {
        let terms = parse("region：华东，华南\u{3000}level:A").unwrap();
        assert_eq!(field(&terms[0]), ("region", Op::Is, vec!["华东", "华南"]));
        assert_eq!(field(&terms[1]), ("level", Op::Is, vec!["A"]));
    }

    #[test]
    fn custom_keys_may_be_chinese() {
        let terms = parse("custom.注册资金>100万 -custom.budget_2:5 上海:x").unwrap();
        assert_eq!(field(&terms[0]), ("custom.注册资金", Op::Gt, vec!["100万"]));
        assert!(terms[1].negated);
        assert_eq!(field(&terms[1]), ("custom.budget_2", Op::Is, vec!["5"]));
        // Outside custom. a Chinese word stays a search word.
        assert!(matches!(&terms[2].kind, TermKind::Text(w) if w.text == "上海:x"));
    }

    #[test]
    fn quoted_values() {
        let terms = parse(r#"region:"华 东",north"#).unwrap();
        assert_eq!(field(&terms[0]), ("region", Op::Is, vec!["华 东", "north"]));
    }

    #[test]
    fn errors_point_at_the_word() {
        let e = parse("level:A  region:").unwrap_err();
        assert_eq!(e.at, 17);
        assert!(e.message.contains("region: needs a value"), "{e}");
        let e = parse("a:1 \"open").unwrap_err();
        assert_eq!((e.at, e.message.contains("never closed")), (5, true));
        let e = parse("amount>1,2").unwrap_err();
        assert_eq!(e.at, 9);
        let e = parse("x - y").unwrap_err();
        assert_eq!(e.at, 3);
        let e = parse("stage:a,,b").unwrap_err();
        assert_eq!(e.at, 9);
        let e = parse("\"a\"b").unwrap_err();
        assert_eq!(e.at, 4);
        assert_eq!(e.to_string(), "put a space after the closing quote at 4");
    }

    #[test]
    fn empty_is_nothing() {
        assert!(parse("  \u{3000} ").unwrap().is_empty());
    }
}
