//! HTML escaping, exactly as Django's `django.utils.html.escape`.
//!
//! Everything the report takes from outside (the message, the error, the request,
//! settings, record attributes, frame names and paths) goes through [`escape`]
//! before it reaches the HTML part, so no input can open a tag or an attribute.

/// Appends `s` with `&`, `<`, `>`, `"` and `'` escaped as Django escapes them
/// (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#x27;`).
///
/// ```
/// let mut out = String::new();
/// logtree_django::escape_html("<a href='x'>&\"</a>", &mut out);
/// assert_eq!(out, "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;&lt;/a&gt;");
/// ```
pub fn escape_html(s: &str, out: &mut String) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// [`escape_html`] into a new string.
pub(crate) fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_html(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_django() {
        // django.utils.html.escape("<script>alert('x&y')</script>\"")
        assert_eq!(
            escaped("<script>alert('x&y')</script>\""),
            "&lt;script&gt;alert(&#x27;x&amp;y&#x27;)&lt;/script&gt;&quot;"
        );
        assert_eq!(escaped("plain é"), "plain é");
        assert_eq!(escaped(""), "");
    }
}
