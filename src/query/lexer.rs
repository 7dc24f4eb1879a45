//! The lexer: words, quoted phrases (with `\"` inside), parentheses and a
//! leading `-`, each with its byte span. Whitespace separates tokens; an
//! unclosed quote is the only lexing error.

use std::ops::Range;

use super::{QueryError, Result};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    Word(String),
    Phrase(String),
    LParen,
    RParen,
    /// A `-` at the start of a word: negates what follows without a space.
    Minus,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) span: Range<usize>,
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || c == '"' || c == '(' || c == ')'
}

pub(super) fn lex(input: &str) -> Result<Vec<Token>> {
    let mut toks = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let (kind, end) = match c {
            c if c.is_whitespace() => continue,
            '(' => (Kind::LParen, i + 1),
            ')' => (Kind::RParen, i + 1),
            '-' => (Kind::Minus, i + 1),
            '"' => {
                let mut text = String::new();
                let mut closed = None;
                while let Some((j, c)) = chars.next() {
                    match c {
                        '\\' if matches!(chars.peek(), Some(&(_, '"'))) => {
                            chars.next();
                            text.push('"');
                        }
                        '"' => {
                            closed = Some(j + 1);
                            break;
                        }
                        c => text.push(c),
                    }
                }
                let Some(end) = closed else {
                    return Err(QueryError::new(
                        "unclosed quote: add a closing \"",
                        i..input.len(),
                    ));
                };
                (Kind::Phrase(text), end)
            }
            _ => {
                let mut end = input.len();
                while let Some(&(j, c)) = chars.peek() {
                    if ends_word(c) {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                (Kind::Word(input[i..end].to_string()), end)
            }
        };
        toks.push(Token { kind, span: i..end });
    }
    Ok(toks)
}
