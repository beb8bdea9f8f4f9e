//! A tiny HTML builder whose only way to emit dynamic text is escaped: markup itself can only be
//! `&'static str` (literals in this crate), and text and attribute values always pass through
//! [`escape`]. Nothing here may grow a "raw string" method taking a non-static `&str`.

use std::fmt::Write;

/// Escape for both text and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Default)]
pub struct Markup(String);

impl Markup {
    pub fn new() -> Markup {
        Markup::default()
    }

    /// Literal markup (static only, so no request or database value can get here unescaped).
    pub fn raw(&mut self, s: &'static str) -> &mut Markup {
        self.0.push_str(s);
        self
    }

    /// Text content, escaped.
    pub fn text(&mut self, s: &str) -> &mut Markup {
        self.0.push_str(&escape(s));
        self
    }

    /// `<tag a="v" …>` with every value escaped.
    pub fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Markup {
        self.0.push('<');
        self.0.push_str(tag);
        for (name, value) in attrs {
            let _ = write!(self.0, " {name}=\"{}\"", escape(value));
        }
        self.0.push('>');
        self
    }

    pub fn close(&mut self, tag: &'static str) -> &mut Markup {
        let _ = write!(self.0, "</{tag}>");
        self
    }

    /// `<tag attrs>text</tag>`.
    pub fn elem(
        &mut self,
        tag: &'static str,
        attrs: &[(&'static str, &str)],
        text: &str,
    ) -> &mut Markup {
        self.open(tag, attrs).text(text).close(tag)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut m = Markup::new();
        m.elem(
            "td",
            &[("data-to", "\"><script>alert(1)</script>")],
            "<b>&'x'</b>",
        );
        assert_eq!(
            m.into_string(),
            "<td data-to=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;b&gt;&amp;&#39;x&#39;&lt;/b&gt;</td>"
        );
    }
}
