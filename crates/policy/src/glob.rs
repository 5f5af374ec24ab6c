//! `*` and `?` wildcard patterns, as used by Action, Resource, `StringLike` and `ArnLike`.

/// One element of a wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any run of characters, including none.
    AnyString,
}

/// A pattern matched against a whole string; characters that came from policy variables or
/// from the `${*}`, `${?}` escapes are literal even when they are `*` or `?`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// A pattern in which `*` and `?` are wildcards.
    pub(crate) fn new(pattern: &str) -> Self {
        let mut glob = Self::default();
        glob.push_pattern(pattern);
        glob
    }

    /// Appends policy text: `*` and `?` are wildcards.
    pub(crate) fn push_pattern(&mut self, text: &str) {
        self.tokens.extend(text.chars().map(|c| match c {
            '*' => Token::AnyString,
            '?' => Token::AnyChar,
            c => Token::Char(c),
        }));
    }

    /// Appends text whose every character is literal.
    pub(crate) fn push_literal(&mut self, text: &str) {
        self.tokens.extend(text.chars().map(Token::Char));
    }

    /// The pattern as plain text, wildcards read back as `*` and `?` (for the `*Equals` operators,
    /// which have no wildcards).
    pub(crate) fn as_text(&self) -> String {
        self.tokens
            .iter()
            .map(|t| match t {
                Token::Char(c) => *c,
                Token::AnyChar => '?',
                Token::AnyString => '*',
            })
            .collect()
    }

    /// Splits at literal `separator`s into at most `max` parts (the last keeps any further ones).
    pub(crate) fn splitn(&self, separator: char, max: usize) -> Vec<Glob> {
        let mut parts = vec![Glob::default()];
        for token in &self.tokens {
            if *token == Token::Char(separator) && parts.len() < max {
                parts.push(Glob::default());
            } else if let Some(last) = parts.last_mut() {
                last.tokens.push(*token);
            }
        }
        parts
    }

    /// Whether the whole of `text` matches.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let pattern = &self.tokens;
        let (mut p, mut t) = (0, 0);
        // Where to resume after the most recent `*`: (pattern index after it, text index it has reached).
        let mut resume: Option<(usize, usize)> = None;
        while t < text.len() {
            match pattern.get(p) {
                Some(Token::Char(c)) if *c == text[t] => (p, t) = (p + 1, t + 1),
                Some(Token::AnyChar) => (p, t) = (p + 1, t + 1),
                Some(Token::AnyString) => {
                    resume = Some((p + 1, t));
                    p += 1;
                }
                _ => match resume {
                    Some((after_star, reached)) => {
                        resume = Some((after_star, reached + 1));
                        (p, t) = (after_star, reached + 1);
                    }
                    None => return false,
                },
            }
        }
        pattern[p..].iter().all(|t| *t == Token::AnyString)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_any_run_and_question_mark_one_character() {
        let glob = Glob::new("s3:Get*");
        assert!(glob.matches("s3:GetObject"));
        assert!(glob.matches("s3:Get"));
        assert!(!glob.matches("s3:PutObject"));
        assert!(Glob::new("a?c").matches("abc"));
        assert!(!Glob::new("a?c").matches("ac"));
        assert!(Glob::new("*log*").matches("bucket-logs/x"));
        assert!(Glob::new("a*b*c").matches("aXXbYYbc"));
        assert!(!Glob::new("a*b*c").matches("aXXbYYb"));
        assert!(Glob::new("*").matches(""));
    }

    #[test]
    fn literal_characters_are_not_wildcards() {
        let mut glob = Glob::new("file");
        glob.push_literal("*");
        assert!(glob.matches("file*"));
        assert!(!glob.matches("file1"));
        assert_eq!(glob.as_text(), "file*");
    }

    #[test]
    fn splitting_keeps_the_rest_in_the_last_part() {
        let parts = Glob::new("arn:aws:logs:*:1:log-group:x:*").splitn(':', 6);
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[5].as_text(), "log-group:x:*");
    }
}
