//! The `patterns` fuzz body: the recognisers of `crate::patterns` on any
//! text.

use crate::patterns::{self, Context, Kind, Mention};

/// Runs [`patterns::find`] on the bytes as text (lossy UTF-8) and as the
/// body and an attachment text of a message ([`patterns::of_message`]).
/// Invariants: every span is inside the text, on character boundaries,
/// in order and not overlapping another value's (a URL and its domain
/// share theirs); every phone number, IBAN and amount reads back as
/// itself through `mentions:`'s normalisation; a message gives at most
/// [`patterns::MAX_VALUES`] distinct values, sorted.
pub fn patterns(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let found = patterns::find(&text, &Context::default());
    let mut last_end = 0;
    let mut last_span = 0..0;
    for f in &found {
        let s = &f.span;
        assert!(s.start < s.end && s.end <= text.len(), "span {s:?}");
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        assert!(
            s.start >= last_end || *s == last_span,
            "overlapping spans: {last_span:?} {s:?}"
        );
        last_end = s.end;
        last_span = s.clone();
        let m = &f.mention;
        assert!(!m.value.is_empty());
        if matches!(m.kind, Kind::Phone | Kind::Iban | Kind::Money) {
            assert!(
                patterns::query_values(&m.value).contains(m),
                "{m:?} does not read back"
            );
        }
        assert_eq!(Mention::from_term(&m.term()).as_ref(), Some(m));
    }
    let mut msg = crate::model::Message::empty(crate::model::Sha256::of(data), 1);
    msg.body_text = text.to_string();
    let all = patterns::of_message(&msg);
    assert!(all.len() <= patterns::MAX_VALUES);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
}
