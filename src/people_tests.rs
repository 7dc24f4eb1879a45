//! Unit tests of the people census: counting rules, names, sorting,
//! filters, correspondents and merge suggestions.

use super::*;
use crate::model::Address;

fn a(name: Option<&str>, addr: &str) -> Address {
    Address {
        name: name.map(str::to_string),
        addr: addr.to_string(),
    }
}

fn msg(
    date: i64,
    from: Address,
    to: Vec<Address>,
    cc: Vec<Address>,
    bcc: Vec<Address>,
) -> Addressing {
    Addressing {
        rowid: 0,
        date: Some(date),
        from: vec![from],
        to,
        cc,
        bcc,
    }
}

fn sample() -> Census {
    let mut c = Census::default();
    let john = a(Some("John Podesta"), "JPodesta@Example.org");
    let john2 = a(Some("Podesta, John"), "john.podesta@campaign.example");
    let ann = a(Some("Ann Lee"), "ann@example.org");
    let bob = a(None, "bob@example.org");
    c.add(&msg(
        100,
        john.clone(),
        vec![ann.clone()],
        vec![bob.clone()],
        vec![],
    ));
    c.add(&msg(
        200,
        ann.clone(),
        vec![john.clone(), ann.clone()],
        vec![john.clone()],
        vec![],
    ));
    c.add(&msg(
        50,
        john2,
        vec![ann.clone()],
        vec![],
        vec![bob.clone()],
    ));
    c.add(&msg(
        300,
        a(Some("Johnny"), "jpodesta@example.org"),
        vec![a(Some("undisclosed"), "undisclosed-recipients:;")],
        vec![],
        vec![],
    ));
    c
}

fn find<'a>(people: &'a [Person], addr: &str) -> &'a Person {
    people.iter().find(|p| p.address == addr).unwrap()
}

#[test]
fn counts_per_role_once_per_message() {
    let c = sample();
    assert_eq!(c.messages(), 4);
    let people = c.people(&PeopleOptions::default());
    assert_eq!(people.len(), 4, "{people:#?}");
    let john = find(&people, "jpodesta@example.org");
    assert_eq!(
        (john.sent, john.received, john.copied, john.messages),
        (2, 1, 0, 3)
    );
    assert_eq!((john.first, john.last), (Some(100), Some(300)));
    let ann = find(&people, "ann@example.org");
    // sent one message to herself too: received once, sent once
    assert_eq!(
        (ann.sent, ann.received, ann.copied, ann.messages),
        (1, 3, 0, 3)
    );
    let bob = find(&people, "bob@example.org");
    assert_eq!(
        (bob.sent, bob.received, bob.copied, bob.messages),
        (0, 0, 2, 2)
    );
    assert!(bob.names.is_empty());
    // every message's sender counted once
    assert_eq!(people.iter().map(|p| p.sent).sum::<u64>(), 4);
}

#[test]
fn names_merged_per_address_most_used_first() {
    let people = sample().people(&PeopleOptions::default());
    let john = find(&people, "jpodesta@example.org");
    assert_eq!(
        john.names,
        vec![("John Podesta".to_string(), 2), ("Johnny".to_string(), 1)]
    );
    assert_eq!(john.label(), "John Podesta <jpodesta@example.org>");
}

#[test]
fn correspondents_either_way() {
    let people = sample().people(&PeopleOptions::default());
    let ann = find(&people, "ann@example.org");
    assert_eq!(
        ann.correspondents,
        vec![
            ("jpodesta@example.org".to_string(), 2),
            ("john.podesta@campaign.example".to_string(), 1)
        ]
    );
    let bob = find(&people, "bob@example.org");
    assert_eq!(bob.correspondents.len(), 2);
}

#[test]
fn sorting_filtering_limit() {
    let c = sample();
    let order = |sort| -> Vec<String> {
        c.people(&PeopleOptions {
            sort,
            ..PeopleOptions::default()
        })
        .into_iter()
        .map(|p| p.address)
        .collect()
    };
    assert_eq!(
        order(PeopleSort::Messages)[..2],
        ["ann@example.org", "jpodesta@example.org"]
    );
    assert_eq!(order(PeopleSort::Sent)[0], "jpodesta@example.org");
    assert_eq!(order(PeopleSort::Received)[0], "ann@example.org");
    assert_eq!(
        order(PeopleSort::Name),
        [
            "ann@example.org",
            "bob@example.org",
            "jpodesta@example.org",
            "john.podesta@campaign.example"
        ]
    );
    let filtered = c.people(&PeopleOptions {
        filter: Some("PÓDESTA".into()),
        limit: Some(1),
        ..PeopleOptions::default()
    });
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].address, "jpodesta@example.org");
    assert!("bogus".parse::<PeopleSort>().is_err());
}

#[test]
fn name_keys() {
    assert_eq!(name_key("John Podesta").as_deref(), Some("john podesta"));
    assert_eq!(name_key("Podesta, John").as_deref(), Some("john podesta"));
    assert_eq!(
        name_key("\"JOHN  PODESTA\"").as_deref(),
        Some("john podesta")
    );
    assert_eq!(name_key("José Núñez").as_deref(), Some("jose nunez"));
    assert_eq!(name_key("John D. Podesta").as_deref(), Some("john podesta"));
    assert_eq!(name_key("John"), None);
    assert_eq!(name_key("john@example.org"), None);
    assert_ne!(name_key("John Podesta"), name_key("John Smith"));
}

#[test]
fn merge_suggested_with_evidence() {
    let s = sample().suggestions();
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(
        s[0].addresses,
        ["jpodesta@example.org", "john.podesta@campaign.example"]
    );
    assert_eq!(
        s[0].evidence,
        "same name: 'John Podesta' on jpodesta@example.org and 'Podesta, John' on john.podesta@campaign.example"
    );
}

#[test]
fn csv_cells_are_defused() {
    let mut c = Census::default();
    c.add(&msg(
        0,
        a(Some("=HYPERLINK(\"x\")"), "evil@example.org"),
        vec![a(Some("@SUM(1)"), "x@example.org")],
        vec![],
        vec![],
    ));
    let people = c.people(&PeopleOptions::default());
    let line = find(&people, "evil@example.org").csv_line();
    assert!(line.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{line}");
    assert!(line.ends_with("\r\n"));
    let line = find(&people, "x@example.org").csv_line();
    assert!(line.contains(",'@SUM(1),"), "{line}");
}

#[test]
fn names_that_are_the_address_are_dropped() {
    let mut c = Census::default();
    c.add(&msg(
        0,
        a(Some("'a@example.org'"), "a@example.org"),
        vec![a(Some("  "), "b@example.org")],
        vec![],
        vec![],
    ));
    let people = c.people(&PeopleOptions::default());
    assert!(people.iter().all(|p| p.names.is_empty()), "{people:#?}");
}

/// The reply rule: two replies leaving X out for Y make a suggestion; a
/// reply-all, a reply to two people, one reply alone, or X and Y writing
/// to each other make none; a dismissed set is
/// hidden until a new address joins it.
#[test]
fn merge_suggested_from_replies() {
    let x = a(Some("Gra"), "g@home.example");
    let y = a(None, "gpell@work.example");
    let (ann, bob, cy) = (
        a(None, "ann@x.example"),
        a(None, "bob@x.example"),
        a(None, "cy@x.example"),
    );
    // (rowid, from, to, cc); replies below as (reply, original)
    let base: Vec<(u64, Address, Vec<Address>, Vec<Address>)> = vec![
        (1, x.clone(), vec![ann.clone()], vec![]),
        (2, ann.clone(), vec![y.clone()], vec![]),
        (3, x.clone(), vec![bob.clone()], vec![]),
        (4, bob.clone(), vec![y.clone()], vec![]),
        // not evidence: a reply-all naming X, a reply to two people
        (5, x.clone(), vec![cy.clone()], vec![]),
        (6, cy.clone(), vec![y.clone()], vec![x.clone()]),
        (7, cy.clone(), vec![y.clone(), ann.clone()], vec![]),
    ];
    let census = |msgs: &[(u64, Address, Vec<Address>, Vec<Address>)],
                  replies: &[(u64, u64)],
                  dismissed: Vec<Vec<String>>| {
        let mut c = Census::default();
        for (id, from, to, cc) in msgs {
            let mut m = msg(*id as i64, from.clone(), to.clone(), cc.clone(), vec![]);
            m.rowid = *id;
            c.add(&m);
        }
        c.replies = replies.to_vec();
        c.dismissed = dismissed;
        c.from_replies = c
            .find_reply_suggestions(&mut |r| Ok(Some(format!("Re: m{r}"))))
            .unwrap();
        c
    };
    let replies = [(2, 1), (4, 3), (6, 5), (7, 5)];
    let c = census(&base, &replies, vec![]);
    let s = c.suggestions();
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0].addresses, ["g@home.example", "gpell@work.example"]);
    assert_eq!(
        s[0].evidence,
        "replies to mail from g@home.example went to gpell@work.example alone (2 replies, e.g. 'Re: m2'): one person writing from one address and answered at the other"
    );
    // one reply is not enough
    assert!(
        census(&base, &replies[1..], vec![])
            .suggestions()
            .is_empty()
    );
    // people who write to each other are two people
    let mut talk = base.clone();
    talk.push((10, y.clone(), vec![x.clone()], vec![]));
    assert!(census(&talk, &replies, vec![]).suggestions().is_empty());
    // dismissed: listed apart; a set that grows is suggested again
    let pair = vec![
        "g@home.example".to_string(),
        "gpell@work.example".to_string(),
    ];
    let c = census(&base, &replies, vec![pair.clone()]);
    assert!(c.suggestions().is_empty());
    assert_eq!(c.dismissed_suggestions().len(), 1);
    assert!(c.dismissed_suggestions()[0].dismissed);
    assert!(!crate::annotate::identity::is_dismissed(
        &[pair],
        &["a@x.org".into(), "g@home.example".into()]
    ));
}
