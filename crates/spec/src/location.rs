//! Turning byte offsets into `file:line:column` errors.

use std::ops::Range;
use std::path::Path;

use crate::SpecError;

/// A source file being validated; builds errors that point into it.
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    /// An error at the start of `span` (1-based line and column).
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> SpecError {
        let (line, column) = line_column(self.text, span.start);
        SpecError::Invalid { path: self.path.to_path_buf(), line, column, message: message.into() }
    }

    /// Converts a TOML parse/deserialise error into a located error.
    pub fn toml_error(&self, err: toml::de::Error) -> SpecError {
        let span = err.span().unwrap_or(0..0);
        self.error(span, err.message().trim().to_string())
    }

    /// Parses and deserialises the whole file.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, SpecError> {
        toml::from_str(self.text).map_err(|e| self.toml_error(e))
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn offsets_map_to_one_based_line_and_column() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 11), (2, 6));
    }
}
