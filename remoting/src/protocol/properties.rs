//! Java `.properties` text: configuration files and the config request bodies.
//!
//! Parsing follows `java.util.Properties.load`: `#` and `!` comments, `=`, `:`
//! or whitespace between key and value, backslash line continuations, and the
//! escapes `\t \n \r \f \uXXXX`. Writing produces plain `key=value` lines
//! with only the escapes needed to read them back.

/// Parses properties text into key-value pairs in file order.
///
/// A key given twice appears twice; callers that build a map keep the last,
/// as Java does.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, PropertiesError> {
    let mut pairs = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_start_matches([' ', '\t', '\u{c}']);
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        let mut logical = String::from(trimmed);
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start_matches([' ', '\t', '\u{c}'])),
                None => break,
            }
        }
        pairs.push(split_pair(&logical).map_err(|reason| PropertiesError {
            line: number + 1,
            reason,
        })?);
    }
    Ok(pairs)
}

/// A line of properties text that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct PropertiesError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Whether a line ends with an odd number of backslashes.
fn ends_with_continuation(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn split_pair(line: &str) -> Result<(String, String), &'static str> {
    let mut key_end = line.len();
    let mut escaped = false;
    for (at, ch) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if matches!(ch, '=' | ':' | ' ' | '\t' | '\u{c}') {
            key_end = at;
            break;
        }
    }
    let key = unescape(&line[..key_end])?;
    let mut rest = line[key_end..].trim_start_matches([' ', '\t', '\u{c}']);
    if let Some(after) = rest.strip_prefix(['=', ':']) {
        rest = after.trim_start_matches([' ', '\t', '\u{c}']);
    }
    Ok((key, unescape(rest)?))
}

fn unescape(text: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16).map_err(|_| "malformed \\uXXXX escape")?;
                out.push(char::from_u32(code).ok_or("malformed \\uXXXX escape")?);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

/// Writes pairs as `key=value` lines.
pub fn format<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        escape_into(&mut out, key, true);
        out.push('=');
        escape_into(&mut out, value, false);
        out.push('\n');
    }
    out
}

fn escape_into(out: &mut String, text: &str, is_key: bool) {
    for (at, ch) in text.char_indices() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' if is_key => {
                out.push('\\');
                out.push(ch);
            }
            ' ' if is_key || at == 0 => out.push_str("\\ "),
            '#' | '!' if at == 0 => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap()
    }

    #[test]
    fn reads_the_usual_forms() {
        let text = "# comment\n! also\nbrokerClusterName = DefaultCluster\nbrokerName:broker-a\n\
                    brokerId 0\n  namesrvAddr=127.0.0.1:9876;127.0.0.1:9877\nempty=\n";
        assert_eq!(
            pairs(text),
            [
                ("brokerClusterName", "DefaultCluster"),
                ("brokerName", "broker-a"),
                ("brokerId", "0"),
                ("namesrvAddr", "127.0.0.1:9876;127.0.0.1:9877"),
                ("empty", ""),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn reads_continuations_and_escapes() {
        assert_eq!(
            pairs("a=one \\\n    two\nb\\=c=\\u0041\\tz\\\\\n"),
            [
                ("a".into(), "one two".into()),
                ("b=c".into(), "A\tz\\".into())
            ]
        );
    }

    #[test]
    fn a_bad_unicode_escape_names_its_line() {
        let err = parse("ok=1\nbad=\\u12x4\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn format_reads_back() {
        let original = [
            ("key with space", " leading"),
            ("a=b", "x:y#z"),
            ("#k", "line\nbreak"),
        ];
        let text = format(original);
        let back = pairs(&text);
        let expected: Vec<(String, String)> = original
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(back, expected);
    }
}
