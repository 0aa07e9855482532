//! A fast reader for the JSON headers clients actually send.
//!
//! Nearly every header is a flat object of numbers and plain strings with a
//! small `extFields` object, such as
//! `{"code":105,"extFields":{"topic":"T"},"flag":0,"language":"JAVA",...}`.
//! This reader handles exactly that shape in one pass without the generic
//! machinery of serde. Anything else (escapes in strings, nested values,
//! floats, duplicate keys, malformed JSON) makes it give up, and the caller
//! falls back to the complete serde reader, which decides. So the two never
//! disagree on a header this one accepts.

use crate::protocol::command::{ExtFields, LanguageCode, RemotingCommand};

/// Reads a header of the common shape, or `None` to let serde decide.
pub(super) fn decode(header: &[u8]) -> Option<RemotingCommand> {
    let mut reader = Reader {
        bytes: header,
        at: 0,
    };
    let mut command = RemotingCommand::default();
    let mut seen = 0u8;
    reader.skip_ws();
    reader.expect(b'{')?;
    reader.skip_ws();
    if !reader.eat(b'}') {
        loop {
            reader.skip_ws();
            let key = reader.plain_string()?;
            reader.skip_ws();
            reader.expect(b':')?;
            reader.skip_ws();
            let bit = match key {
                b"code" => 1,
                b"language" => 2,
                b"version" => 4,
                b"opaque" => 8,
                b"flag" => 16,
                b"remark" => 32,
                b"extFields" => 64,
                _ => 0,
            };
            if bit != 0 {
                // serde refuses duplicate fields; let it.
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
            }
            match key {
                b"code" => command.code = reader.lenient_i32()?,
                b"version" => command.version = reader.lenient_i32()?,
                b"opaque" => command.opaque = reader.lenient_i32()?,
                b"flag" => command.flag = reader.lenient_i32()?,
                b"language" => command.language = reader.language()?,
                b"remark" => command.remark = reader.scalar()?,
                b"extFields" => command.ext_fields = reader.ext_fields()?,
                _ => reader.skip_scalar()?,
            }
            reader.skip_ws();
            match reader.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
    }
    reader.skip_ws();
    (reader.at == header.len()).then_some(command)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn skip_ws(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn next(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let found = self.bytes[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    /// A string without escapes or control characters, as raw bytes.
    fn plain_string(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return Some(&self.bytes[start..self.at - 1]),
                b'\\' => return None,
                byte if byte < 0x20 => return None,
                _ => {}
            }
        }
    }

    fn text(&mut self) -> Option<String> {
        let raw = self.plain_string()?;
        std::str::from_utf8(raw).ok().map(str::to_owned)
    }

    /// An integer as Java's `toString()` would write it, or `None` for
    /// anything else (a float, a malformed number).
    fn integer(&mut self) -> Option<i64> {
        let start = self.at;
        self.eat(b'-');
        let digits = self.at;
        while matches!(self.bytes.get(self.at), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        if self.at == digits {
            return None;
        }
        // JSON has no leading zeros; floats and exponents go to serde.
        let leading_zero = self.bytes[digits] == b'0' && self.at - digits > 1;
        if leading_zero || matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        std::str::from_utf8(&self.bytes[start..self.at])
            .ok()?
            .parse()
            .ok()
    }

    /// A scalar as the string extFields would hold: strings as they are,
    /// numbers and booleans as text, `null` as absent.
    fn scalar(&mut self) -> Option<Option<String>> {
        match *self.bytes.get(self.at)? {
            b'"' => self.text().map(Some),
            b'-' | b'0'..=b'9' => self.integer().map(|n| Some(n.to_string())),
            b't' if self.literal(b"true") => Some(Some("true".to_owned())),
            b'f' if self.literal(b"false") => Some(Some("false".to_owned())),
            b'n' if self.literal(b"null") => Some(None),
            _ => None,
        }
    }

    /// Skips a scalar without keeping it.
    fn skip_scalar(&mut self) -> Option<()> {
        match *self.bytes.get(self.at)? {
            b'"' => self.plain_string().map(drop),
            b'-' | b'0'..=b'9' => self.integer().map(drop),
            b't' if self.literal(b"true") => Some(()),
            b'f' if self.literal(b"false") => Some(()),
            b'n' if self.literal(b"null") => Some(()),
            _ => None,
        }
    }

    /// A number, a string holding one, or `null` (0), as the lenient serde
    /// reader takes them; without allocating.
    fn lenient_i32(&mut self) -> Option<i32> {
        match *self.bytes.get(self.at)? {
            b'-' | b'0'..=b'9' => self.integer().and_then(|n| i32::try_from(n).ok()),
            b'"' => std::str::from_utf8(self.plain_string()?).ok()?.parse().ok(),
            b'n' if self.literal(b"null") => Some(0),
            // Booleans and the rest: serde says what is wrong.
            _ => None,
        }
    }

    fn language(&mut self) -> Option<LanguageCode> {
        match *self.bytes.get(self.at)? {
            b'-' | b'0'..=b'9' => u8::try_from(self.integer()?)
                .ok()
                .map(LanguageCode::from_code),
            b'"' => {
                let name = std::str::from_utf8(self.plain_string()?).ok()?;
                Some(match name.parse::<u8>() {
                    Ok(code) => LanguageCode::from_code(code),
                    Err(_) => LanguageCode::from_name(name),
                })
            }
            b'n' if self.literal(b"null") => Some(LanguageCode::default()),
            _ => None,
        }
    }

    fn ext_fields(&mut self) -> Option<ExtFields> {
        let mut ext = ExtFields::new();
        if self.literal(b"null") {
            return Some(ext);
        }
        self.expect(b'{')?;
        self.skip_ws();
        if self.eat(b'}') {
            return Some(ext);
        }
        loop {
            self.skip_ws();
            let key = self.text()?;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            let value = self.scalar()?;
            // A key given twice: serde keeps the last, and so would this,
            // but leave the rare case to the one reader.
            if ext.contains_key(&key) {
                return None;
            }
            if let Some(value) = value {
                ext.insert(key, value);
            }
            self.skip_ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(ext),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_headers() {
        let command = decode(
            br#"{"code":105,"extFields":{"topic":"T","d":4,"k":false,"n":null},"flag":0,"language":"JAVA","opaque":-7,"serializeTypeCurrentRPC":"JSON","version":409}"#,
        )
        .unwrap();
        assert_eq!(command.code, 105);
        assert_eq!(command.opaque, -7);
        assert_eq!(command.version, 409);
        assert_eq!(command.ext("topic"), Some("T"));
        assert_eq!(command.ext("d"), Some("4"));
        assert_eq!(command.ext("k"), Some("false"));
        assert_eq!(command.ext("n"), None);
        let spaced = decode(br#" { "code" : "105" , "language" : 9 , "remark" : null } "#).unwrap();
        assert_eq!(
            (spaced.code, spaced.language, spaced.remark),
            (105, LanguageCode::Go, None)
        );
        assert_eq!(decode(b"{}").unwrap(), RemotingCommand::default());
    }

    #[test]
    fn gives_up_on_anything_unusual() {
        for header in [
            &br#"{"remark":"a\"b"}"#[..],
            br#"{"extFields":{"nested":{"a":1}}}"#,
            br#"{"code":1.5}"#,
            br#"{"code":1e3}"#,
            br#"{"code":01}"#,
            br#"{"code":1,"code":2}"#,
            br#"{"extFields":{"a":"1","a":"2"}}"#,
            br#"{"code":1,}"#,
            br#"{"code":1} x"#,
            br#"{"code":[1]}"#,
            br#"[1]"#,
            br#"{"code":"#,
            b"{\"remark\":\"\x01\"}",
            b"{\"remark\":\"\xff\"}",
            br#"{"code":99999999999}"#,
            br#"{"code":-}"#,
            br#"{"code":-"#,
        ] {
            assert_eq!(decode(header), None, "{}", String::from_utf8_lossy(header));
        }
    }
}

#[cfg(test)]
mod agreement {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whenever the fast reader accepts a header, serde reads the same.
        #[test]
        fn the_fast_reader_agrees_with_serde(header in "[{}\\[\\]\":, a-zA-Z0-9.\\-]{0,80}") {
            if let Some(fast) = decode(header.as_bytes()) {
                let slow = super::super::json::decode_serde(header.as_bytes()).expect("serde accepts what the fast reader accepts");
                prop_assert_eq!(fast, slow);
            }
        }

        #[test]
        fn real_shapes_agree(code in any::<i32>(), opaque in any::<i32>(), topic in "[a-zA-Z0-9_%|-]{1,20}", number in any::<i64>(), flag in any::<bool>()) {
            let header = format!(
                r#"{{"code":{code},"extFields":{{"topic":"{topic}","n":{number},"b":{flag}}},"flag":0,"language":"CPP","opaque":{opaque},"remark":"","version":63}}"#
            );
            let fast = decode(header.as_bytes()).expect("the usual shape");
            prop_assert_eq!(fast, super::super::json::decode_serde(header.as_bytes()).unwrap());
        }
    }
}
