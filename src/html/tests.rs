//! Renderer tests through the public API: blocks, lists, tables, links,
//! images, skipped elements, whitespace, the output cap, deep nesting,
//! linear time on pathological input, and property tests.

use super::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

fn t(html: &str) -> String {
    html_to_text(html)
}

/// Generous bound: quadratic behaviour on megabytes would take hours.
const SLOW: Duration = Duration::from_secs(30);

#[test]
fn paragraphs_and_headings() {
    assert_eq!(t("<p>One</p><p>Two</p>"), "One\n\nTwo");
    assert_eq!(t("<h1>Title</h1>Body text"), "Title\n\nBody text");
    assert_eq!(t("<div>a</div><div>b</div>"), "a\nb");
    assert_eq!(t("<P>x</P>\n\n<p>\n</p><p>y</p>"), "x\n\ny");
}

#[test]
fn br_and_hr() {
    assert_eq!(t("a<br>b<BR/>c<br />d"), "a\nb\nc\nd");
    assert_eq!(t("a<br><br><br><br><br>b"), "a\n\nb");
    assert_eq!(t("a<hr>b"), "a\n---\nb");
    assert_eq!(t("<br><br>a<br><br>"), "a");
}

#[test]
fn unordered_list() {
    assert_eq!(t("<ul><li>a</li><li>b</li></ul>after"), "• a\n• b\nafter");
}

#[test]
fn ordered_list_counts_and_start() {
    assert_eq!(t("<ol><li>a<li>b<li>c</ol>"), "1. a\n2. b\n3. c");
    assert_eq!(t("<ol start=\"7\"><li>a<li>b</ol>"), "7. a\n8. b");
}

#[test]
fn nested_lists_indent() {
    let html = "<ul><li>a<ul><li>b<ol><li>c</li></ol></li></ul></li><li>d</li></ul>";
    assert_eq!(t(html), "• a\n  • b\n    1. c\n• d");
}

#[test]
fn list_indent_is_capped() {
    let html = format!("{}<li>x", "<ul>".repeat(50));
    let out = t(&html);
    assert_eq!(out, format!("{}• x", "  ".repeat(MAX_LIST_INDENT - 1)));
}

#[test]
fn table_cells_and_rows() {
    let html = "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td> d </td></tr></table>z";
    assert_eq!(t(html), "a | b\nc | d\nz");
}

#[test]
fn table_empty_cells_add_no_separator() {
    assert_eq!(
        t("<table><tr><td></td><td>x</td><td> </td><td>y</td></tr></table>"),
        "x | y"
    );
}

#[test]
fn link_http_kept() {
    assert_eq!(
        t("See <a href=\"https://example.com/x?a=1&amp;b=2\">the site</a>."),
        "See the site <https://example.com/x?a=1&b=2>."
    );
}

#[test]
fn link_same_as_text_not_repeated() {
    assert_eq!(
        t("<a href='https://example.com/'>https://example.com</a>"),
        "https://example.com"
    );
    assert_eq!(
        t("<a href=mailto:bob@example.org>bob@example.org</a>"),
        "bob@example.org"
    );
    assert_eq!(
        t("<a href=mailto:bob@example.org>Bob</a>"),
        "Bob <mailto:bob@example.org>"
    );
}

#[test]
fn link_unsafe_schemes_dropped() {
    assert_eq!(t("<a href=\"javascript:alert(1)\">click</a>"), "click");
    assert_eq!(t("<a href=\" JaVaScRiPt:x\">click</a>"), "click");
    assert_eq!(
        t("<a href=\"data:text/html,hi\">d</a> <a href=cid:x>c</a>"),
        "d c"
    );
    assert_eq!(t("<a href=\"/relative\">r</a>"), "r");
}

#[test]
fn link_url_whitespace_cleaned() {
    assert_eq!(
        t("<a href=\" http://a.b/c\nd \">x</a>"),
        "x <http://a.b/cd>"
    );
}

#[test]
fn images() {
    assert_eq!(
        t("<img src=\"x.png\" alt=\"Logo &amp; co\">"),
        "[image: Logo & co]"
    );
    assert_eq!(t("a<img src=\"x.png\">b"), "a [image] b");
    let data = t("<img src=\"data:image/png;base64,AAAA\" alt=\"\">");
    assert_eq!(data, "[image]");
    assert!(!data.contains("data:"));
    assert_eq!(
        t("<a href=\"http://x.org\"><img alt=logo></a>"),
        "[image: logo] <http://x.org>"
    );
}

#[test]
fn script_style_head_skipped() {
    let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
                <body><script>var a = '<p>no</p>';</script><p>yes</p></body></html>";
    assert_eq!(t(html), "yes");
    assert_eq!(t("a<SCRIPT type=x>alert(1)</ScRiPt >b"), "ab");
    assert_eq!(t("a<style>x</style\n>b"), "ab");
    assert_eq!(t("a<script>never closed <p>hidden"), "a");
    assert_eq!(t("a<script>x</scripty>still script</script>b"), "ab");
}

#[test]
fn unclosed_head_ends_at_body() {
    assert_eq!(t("<head><meta charset=utf-8><body>visible"), "visible");
    assert_eq!(
        t("<HEAD><title>x</title><BODY class=a>shown</BODY>"),
        "shown"
    );
}

#[test]
fn other_skipped_elements() {
    assert_eq!(t("a<noscript>n</noscript><iframe src=x>i</iframe>b"), "ab");
    assert_eq!(t("a<svg><text>s</text></svg>b<svg/>c"), "abc");
    assert_eq!(t("a<template><p>t</p></template>b"), "ab");
}

#[test]
fn select_options_skipped() {
    assert_eq!(
        t("Pick <select><option>One<option>Two</select> now"),
        "Pick now"
    );
}

#[test]
fn ignored_head_like_tags() {
    let html = "<meta http-equiv=\"refresh\" content=\"0;url=http://evil\">\
                <link rel=stylesheet href=http://x><base href=http://y>\
                <p style=\"display:none\" onclick=\"x()\">text</p>";
    assert_eq!(t(html), "text");
}

#[test]
fn comments_doctype_cdata_pi() {
    assert_eq!(
        t("<!DOCTYPE html><?xml version=\"1.0\"?>a<!-- c -->b"),
        "ab"
    );
    assert_eq!(t("a<!--[if mso]><p>x</p><![endif]-->b"), "ab");
    assert_eq!(t("a<!---->b<!-->c"), "abc");
    assert_eq!(t("a<!-- never closed <p>hidden</p>"), "a");
    assert_eq!(t("a<![CDATA[<b>&amp;</b>]]>c"), "a<b>&amp;</b>c");
}

#[test]
fn lone_lt_is_text() {
    assert_eq!(t("1 < 2 and 3<4 <"), "1 < 2 and 3<4 <");
    assert_eq!(t("a <= b"), "a <= b");
}

#[test]
fn unterminated_tag_dropped() {
    assert_eq!(t("text<a href=\"x"), "text");
    assert_eq!(t("text<p"), "text");
}

#[test]
fn attribute_quotes_may_hold_gt() {
    assert_eq!(t("<img alt=\"a>b\" title='x>y'>z"), "[image: a>b] z");
}

#[test]
fn entities_in_text_and_nbsp_as_space() {
    assert_eq!(
        t("caf&eacute;&nbsp;&nbsp;&nbsp;bar &lt;p&gt;"),
        "café bar <p>"
    );
    assert_eq!(t("<pre>a&nbsp;&nbsp;b</pre>"), "a  b");
}

#[test]
fn zero_width_chars_kept() {
    assert_eq!(t("a\u{200B}b&zwnj;c"), "a\u{200B}b\u{200C}c");
}

#[test]
fn blockquote_prefixed() {
    let html = "On Monday Bob wrote:<blockquote>Hello<br>there<p>para</p></blockquote>Reply";
    assert_eq!(
        t(html),
        "On Monday Bob wrote:\n> Hello\n> there\n>\n> para\n\nReply"
    );
}

#[test]
fn blockquote_nested() {
    let html = "<blockquote>outer<blockquote>inner</blockquote>back</blockquote>";
    assert_eq!(t(html), "> outer\n> > inner\n> back");
}

#[test]
fn pre_preserves_whitespace() {
    let html = "<p>x</p><pre>\n  fn main() {\n\tlet a  =  1;   \n\n\n  }\n</pre>y";
    assert_eq!(t(html), "x\n\n  fn main() {\n\tlet a  =  1;\n\n\n  }\ny");
    assert_eq!(t("<textarea>\n a  <b>b</b></textarea>"), " a  <b>b</b>");
}

#[test]
fn whitespace_collapses() {
    assert_eq!(t("  a \n\t b   <span> c </span>d\r\n"), "a b c d");
    assert_eq!(t("a<b>b</b><i>c</i>"), "abc");
    assert_eq!(t("\n\n<div>\n\n</div>\n"), "");
}

#[test]
fn no_more_than_one_blank_line() {
    let out = t("<p>a</p><p></p><p></p><div><p><br></p></div><h2>b</h2>");
    assert_eq!(out, "a\n\nb");
}

#[test]
fn output_cap_on_char_boundary() {
    // "é" is two bytes: a 5-byte cap must cut before the third one.
    let out = html_to_text_limited("ééééé", 5);
    assert_eq!(out, "éé");
    assert_eq!(html_to_text_limited("<p>€€</p>", 4), "€");
    assert_eq!(html_to_text_limited("abc", 0), "");
    assert_eq!(html_to_text_limited("abc", 3), "abc");
}

#[test]
fn default_cap_applies() {
    let big = "x ".repeat(3 * 1024 * 1024);
    let out = html_to_text(&big);
    assert!(out.len() <= DEFAULT_MAX_OUTPUT);
    assert!(out.len() > DEFAULT_MAX_OUTPUT - 4);
}

#[test]
fn deep_div_nesting() {
    let n = 100_000;
    let html = format!("{}deep{}", "<div>".repeat(n), "</div>".repeat(n));
    let start = Instant::now();
    assert_eq!(t(&html), "deep");
    assert!(start.elapsed() < SLOW);
}

#[test]
fn deep_blockquote_nesting() {
    let n = 100_000;
    let html = format!(
        "{}deep{}after",
        "<blockquote>".repeat(n),
        "</blockquote>".repeat(n)
    );
    let start = Instant::now();
    let out = t(&html);
    assert!(start.elapsed() < SLOW);
    assert_eq!(out, format!("{}deep\nafter", "> ".repeat(MAX_QUOTE_PREFIX)));
}

#[test]
fn deep_list_nesting() {
    let n = 100_000;
    let html = format!("{}x{}y", "<ol><li>".repeat(n), "</li></ol>".repeat(n));
    let start = Instant::now();
    let out = t(&html);
    assert!(start.elapsed() < SLOW);
    assert!(
        out.ends_with("x\ny"),
        "{:?}",
        &out[out.len().saturating_sub(40)..]
    );
}

#[test]
fn linear_time_on_pathological_input() {
    let five_mb = 5 * 1024 * 1024;
    for (unit, expect_text) in [
        ("<", true),
        ("<a", false),
        ("<a href=\"", false),
        ("&#", true),
        ("<!--", false),
        ("<script>", false),
        ("</", false),
        ("<td>x", true),
        ("<ol><li>", false),
        ("<a href=http://x>", true),
        ("<head><body>", false),
    ] {
        let html = unit.repeat(five_mb / unit.len());
        let start = Instant::now();
        let out = html_to_text(&html);
        assert!(
            start.elapsed() < SLOW,
            "{unit:?} took {:?}",
            start.elapsed()
        );
        assert!(out.len() <= DEFAULT_MAX_OUTPUT);
        assert_eq!(!out.is_empty(), expect_text, "{unit:?}");
    }
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "<",
            "</",
            "<!--",
            "-->",
            "&#",
            "&",
            "&#x",
            ";",
            "script",
            "style",
            "head",
            "body",
            ">",
            "\"",
            "'",
            "=",
            " ",
            "\n",
            "\t",
            "/",
            "<!",
            "<?",
            "]]>",
            "<![CDATA[",
            "a",
            "p",
            "li",
            "ol",
            "ul",
            "pre",
            "td",
            "tr",
            "blockquote",
            "br",
            "img",
            "alt",
            "href",
            "http://",
            "mailto:",
            "amp",
            "nbsp",
            "é",
            "€",
            "😀",
            "\u{200B}",
            "9",
            "x",
            "FFFF",
            "select",
            "svg",
            "textarea",
        ])
        .prop_map(str::to_string),
        ".{0,8}",
    ]
}

proptest! {
    #[test]
    fn never_panics_and_respects_cap(
        parts in prop::collection::vec(fragment(), 0..80),
        cap in 0usize..300,
    ) {
        let html = parts.concat();
        let out = html_to_text_limited(&html, cap);
        prop_assert!(out.len() <= cap);
        let full = html_to_text(&html);
        prop_assert!(full.len() <= DEFAULT_MAX_OUTPUT);
        prop_assert!(!full.ends_with(char::is_whitespace));
        prop_assert!(!full.starts_with('\n'));
        prop_assert!(!full.contains("\n\n\n") || html.contains("pre") || html.contains("textarea"));
        let _ = decode_entities(&html);
    }

    #[test]
    fn arbitrary_strings(html in ".*", cap in 0usize..64) {
        let out = html_to_text_limited(&html, cap);
        prop_assert!(out.len() <= cap);
        let _ = html_to_text(&html);
        let _ = decode_entities(&html);
    }
}
