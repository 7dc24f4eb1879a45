//! The fictional cast: organisations on reserved domains (`*.example`,
//! `example.org/com/net`) and about forty people with titles, time zones,
//! languages and mail habits. Any resemblance to real people is accidental.

use super::date::Zone;

/// A fictional organisation.
#[derive(Clone, Copy, Debug)]
pub struct Org {
    pub name: &'static str,
    pub domain: &'static str,
    /// Host that appears in Message-IDs and Received lines.
    pub mail_host: &'static str,
    /// Documentation-range address (RFC 5737) of its outbound server.
    pub ip: &'static str,
    /// Postal line for signatures.
    pub address: &'static str,
}

pub const NCPC: usize = 0;
pub const HARTWELL: usize = 1;
pub const BRIGHTLINE: usize = 2;
pub const MERIDIAN: usize = 3;
pub const LEDGER: usize = 4;
pub const DISPATCH: usize = 5;
pub const LAKESHORE: usize = 6;
pub const WEBMAIL: usize = 7;
pub const POSTBOX: usize = 8;
pub const VESTNIK: usize = 9;
pub const SHINPO: usize = 10;
pub const OBSERVER: usize = 11;

pub const ORGS: &[Org] = &[
    Org {
        name: "National Civic Party Committee",
        domain: "ncpc.example.org",
        mail_host: "mail.ncpc.example.org",
        ip: "192.0.2.25",
        address: "430 Capitol Row SE, Washington, DC 20003",
    },
    Org {
        name: "Hartwell for America",
        domain: "hartwell2016.example.com",
        mail_host: "mx1.hartwell2016.example.com",
        ip: "198.51.100.40",
        address: "PO Box 5016, Brooklyn, NY 11201",
    },
    Org {
        name: "Brightline Strategies",
        domain: "brightline.example.net",
        mail_host: "smtp.brightline.example.net",
        ip: "203.0.113.17",
        address: "1100 K Street NW, Suite 800, Washington, DC 20005",
    },
    Org {
        name: "Meridian Polling Group",
        domain: "meridianpolls.example",
        mail_host: "mail.meridianpolls.example",
        ip: "203.0.113.88",
        address: "77 Lake Avenue, Chicago, IL 60601",
    },
    Org {
        name: "The Capitol Ledger",
        domain: "capitolledger.example.com",
        mail_host: "mail.capitolledger.example.com",
        ip: "198.51.100.131",
        address: "",
    },
    Org {
        name: "Evening Dispatch",
        domain: "dispatch.example",
        mail_host: "out.dispatch.example",
        ip: "198.51.100.77",
        address: "",
    },
    Org {
        name: "Lakeshore Labor Alliance",
        domain: "lakeshore-labor.example.org",
        mail_host: "mail.lakeshore-labor.example.org",
        ip: "192.0.2.140",
        address: "2300 Shore Drive, Cleveland, OH 44114",
    },
    Org {
        name: "Webmail",
        domain: "webmail.example.net",
        mail_host: "mail-sor-f41.webmail.example.net",
        ip: "198.51.100.209",
        address: "",
    },
    Org {
        name: "Postbox",
        domain: "post.example",
        mail_host: "smtp.post.example",
        ip: "203.0.113.200",
        address: "",
    },
    Org {
        name: "Московский вестник",
        domain: "vestnik.example",
        mail_host: "mx.vestnik.example",
        ip: "203.0.113.51",
        address: "",
    },
    Org {
        name: "東京新報",
        domain: "shinpo.example",
        mail_host: "mail.shinpo.example",
        ip: "192.0.2.201",
        address: "",
    },
    Org {
        name: "Athens Observer",
        domain: "athensobserver.example",
        mail_host: "mail.athensobserver.example",
        ip: "192.0.2.99",
        address: "",
    },
];

/// The language a person mostly writes in (drives the charsets used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
    De,
    Da,
    Fr,
    Ru,
    Ja,
    El,
}

/// The mail program a person uses (drives headers and quoting style).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mua {
    Outlook,
    Gmail,
    AppleMail,
    Iphone,
    Thunderbird,
}

/// A fictional person.
#[derive(Clone, Copy, Debug)]
pub struct Person {
    /// Name as written in the From header (may be non-ASCII).
    pub name: &'static str,
    pub first: &'static str,
    /// ASCII local part of the address.
    pub local: &'static str,
    pub org: usize,
    pub title: &'static str,
    pub zone: Zone,
    pub lang: Lang,
    pub mua: Mua,
    pub group: Group,
}

/// Which part of the story a person belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Committee,
    Campaign,
    Consultant,
    Donor,
    Press,
    Labor,
}

#[allow(clippy::too_many_arguments)]
const fn p(
    name: &'static str,
    first: &'static str,
    local: &'static str,
    org: usize,
    title: &'static str,
    zone: Zone,
    lang: Lang,
    mua: Mua,
    group: Group,
) -> Person {
    Person {
        name,
        first,
        local,
        org,
        title,
        zone,
        lang,
        mua,
        group,
    }
}

use Group::*;
use Lang::*;
use Mua::*;
use Zone::*;

/// Index of Graham Pell's personal webmail identity (the gzip'd mbox owner).
pub const PELL_WEBMAIL: usize = 1;
/// Index of Beth Kowalczyk (the maildir owner).
pub const KOWALCZYK: usize = 7;

pub const PEOPLE: &[Person] = &[
    p(
        "Graham Pell",
        "Graham",
        "gpell",
        HARTWELL,
        "Campaign Chairman",
        UsEastern,
        En,
        Outlook,
        Campaign,
    ),
    p(
        "Graham Pell",
        "Graham",
        "graham.pell",
        WEBMAIL,
        "",
        UsEastern,
        En,
        Iphone,
        Campaign,
    ),
    p(
        "Dana Whitaker",
        "Dana",
        "dwhitaker",
        NCPC,
        "Chief Executive Officer",
        UsEastern,
        En,
        Outlook,
        Committee,
    ),
    p(
        "Marcus Ellery",
        "Marcus",
        "ellerym",
        NCPC,
        "Communications Director",
        UsEastern,
        En,
        Outlook,
        Committee,
    ),
    p(
        "Priya Raman",
        "Priya",
        "ramanp",
        NCPC,
        "Research Director",
        UsEastern,
        En,
        Outlook,
        Committee,
    ),
    p(
        "Luis García",
        "Luis",
        "garcial",
        NCPC,
        "Director of Hispanic Media",
        UsEastern,
        Es,
        Outlook,
        Committee,
    ),
    p(
        "Tom Halvorsen",
        "Tom",
        "halvorsent",
        NCPC,
        "Finance Director",
        UsEastern,
        En,
        Outlook,
        Committee,
    ),
    p(
        "Beth Kowalczyk",
        "Beth",
        "kowalczykb",
        NCPC,
        "Deputy Communications Director",
        UsEastern,
        En,
        Outlook,
        Committee,
    ),
    p(
        "Jerome Baptiste",
        "Jerome",
        "baptistej",
        NCPC,
        "Digital Director",
        UsEastern,
        En,
        AppleMail,
        Committee,
    ),
    p(
        "Søren Lindqvist",
        "Søren",
        "lindqvists",
        NCPC,
        "Senior Data Analyst",
        UsEastern,
        Da,
        Thunderbird,
        Committee,
    ),
    p(
        "Helen Okafor",
        "Helen",
        "okaforh",
        NCPC,
        "General Counsel",
        UsEastern,
        En,
        Outlook,
        Committee,
    ),
    p(
        "Zoë Castellanos",
        "Zoë",
        "castellanosz",
        NCPC,
        "Press Secretary",
        UsEastern,
        En,
        Iphone,
        Committee,
    ),
    p(
        "Kevin Marsh",
        "Kevin",
        "marshk",
        NCPC,
        "IT Manager",
        UsEastern,
        En,
        Thunderbird,
        Committee,
    ),
    p(
        "Angela Petrakis",
        "Angela",
        "petrakisa",
        NCPC,
        "Events Director",
        UsEastern,
        En,
        Outlook,
        Committee,
    ),
    p(
        "Ramón Ortega",
        "Ramón",
        "ortegar",
        NCPC,
        "National Field Director",
        UsCentral,
        Es,
        Outlook,
        Committee,
    ),
    p(
        "Nadia Brennan",
        "Nadia",
        "nbrennan",
        HARTWELL,
        "Campaign Manager",
        UsEastern,
        En,
        Gmail,
        Campaign,
    ),
    p(
        "Owen Fairbanks",
        "Owen",
        "ofairbanks",
        HARTWELL,
        "Policy Director",
        UsEastern,
        En,
        Gmail,
        Campaign,
    ),
    p(
        "Claire Dubois",
        "Claire",
        "cdubois",
        HARTWELL,
        "Director of Scheduling",
        UsEastern,
        Fr,
        Gmail,
        Campaign,
    ),
    p(
        "Jennifer Müller",
        "Jennifer",
        "jmueller",
        HARTWELL,
        "Deputy Finance Director",
        UsEastern,
        De,
        Gmail,
        Campaign,
    ),
    p(
        "Sam Whitlock",
        "Sam",
        "swhitlock",
        HARTWELL,
        "Senior Speechwriter",
        UsEastern,
        En,
        AppleMail,
        Campaign,
    ),
    p(
        "Rebecca Stone",
        "Rebecca",
        "rstone",
        HARTWELL,
        "Traveling Press Secretary",
        UsEastern,
        En,
        Iphone,
        Campaign,
    ),
    p(
        "Tyler Brooks",
        "Tyler",
        "tbrooks",
        HARTWELL,
        "Volunteer Coordinator",
        UsCentral,
        En,
        Gmail,
        Campaign,
    ),
    p(
        "Aisha Karimi",
        "Aisha",
        "akarimi",
        HARTWELL,
        "Digital Organizing Director",
        UsPacific,
        En,
        Gmail,
        Campaign,
    ),
    p(
        "Grace Holloway",
        "Grace",
        "gholloway",
        HARTWELL,
        "Executive Assistant to the Chairman",
        UsEastern,
        En,
        Outlook,
        Campaign,
    ),
    p(
        "Victor Ambrose",
        "Victor",
        "vambrose",
        BRIGHTLINE,
        "Managing Partner",
        UsEastern,
        En,
        Outlook,
        Consultant,
    ),
    p(
        "Ingrid Solberg",
        "Ingrid",
        "isolberg",
        BRIGHTLINE,
        "Senior Vice President",
        UsEastern,
        En,
        Outlook,
        Consultant,
    ),
    p(
        "Nils Bergström",
        "Nils",
        "nbergstrom",
        BRIGHTLINE,
        "Data Consultant",
        Berlin,
        De,
        Thunderbird,
        Consultant,
    ),
    p(
        "Patrick O'Donnell",
        "Patrick",
        "podonnell",
        MERIDIAN,
        "Principal",
        UsCentral,
        En,
        Outlook,
        Consultant,
    ),
    p(
        "Miriam Feld",
        "Miriam",
        "mfeld",
        MERIDIAN,
        "Senior Analyst",
        UsCentral,
        En,
        AppleMail,
        Consultant,
    ),
    p(
        "Harold Lindgren",
        "Harold",
        "hlindgren",
        POSTBOX,
        "",
        UsPacific,
        En,
        AppleMail,
        Donor,
    ),
    p(
        "Cynthia Vaughn-Ashby",
        "Cynthia",
        "cvaughnashby",
        WEBMAIL,
        "",
        UsEastern,
        En,
        Iphone,
        Donor,
    ),
    p(
        "Robert Kessler",
        "Bob",
        "bob.kessler",
        POSTBOX,
        "",
        UsCentral,
        En,
        Gmail,
        Donor,
    ),
    p(
        "María José Fernández",
        "María José",
        "mjfernandez",
        WEBMAIL,
        "",
        UsPacific,
        Es,
        Gmail,
        Donor,
    ),
    p(
        "Camille Laurent",
        "Camille",
        "claurent",
        POSTBOX,
        "",
        Berlin,
        Fr,
        Thunderbird,
        Donor,
    ),
    p(
        "Alan Pryce",
        "Alan",
        "apryce",
        LEDGER,
        "Senior Political Correspondent",
        UsEastern,
        En,
        Outlook,
        Press,
    ),
    p(
        "Sofia Reyes",
        "Sofia",
        "sreyes",
        DISPATCH,
        "National Reporter",
        UsEastern,
        En,
        Gmail,
        Press,
    ),
    p(
        "Дмитрий Ильюшин",
        "Дмитрий",
        "ilyushin",
        VESTNIK,
        "Корреспондент в Вашингтоне",
        UsEastern,
        Ru,
        Thunderbird,
        Press,
    ),
    p(
        "Анна Ковалёва",
        "Анна",
        "kovaleva",
        VESTNIK,
        "Редактор отдела",
        Moscow,
        Ru,
        Outlook,
        Press,
    ),
    p(
        "田中 美咲",
        "美咲",
        "m.tanaka",
        SHINPO,
        "ワシントン支局",
        Tokyo,
        Ja,
        Thunderbird,
        Press,
    ),
    p(
        "Γιώργος Παπαδόπουλος",
        "Γιώργος",
        "gpapadopoulos",
        OBSERVER,
        "Ανταποκριτής",
        Athens,
        El,
        Gmail,
        Press,
    ),
    p(
        "Frank DeLuca",
        "Frank",
        "fdeluca",
        LAKESHORE,
        "Political Director",
        UsEastern,
        En,
        Outlook,
        Labor,
    ),
    p(
        "Deborah Chen",
        "Deborah",
        "dchen",
        LAKESHORE,
        "Communications Manager",
        UsCentral,
        En,
        Gmail,
        Labor,
    ),
];

impl Person {
    pub fn org(&self) -> &'static Org {
        &ORGS[self.org]
    }

    /// The e-mail address.
    pub fn addr(&self) -> String {
        format!("{}@{}", self.local, self.org().domain)
    }
}

/// Indices of people in `group`.
pub fn members(group: Group) -> Vec<usize> {
    PEOPLE
        .iter()
        .enumerate()
        .filter(|(_, p)| p.group == group)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_is_fictional_and_reserved() {
        assert!(PEOPLE.len() >= 40);
        for p in PEOPLE {
            let d = p.org().domain;
            assert!(
                d.ends_with(".example")
                    || d.ends_with(".example.org")
                    || d.ends_with(".example.com")
                    || d.ends_with(".example.net")
                    || d.ends_with(".test"),
                "{d}"
            );
            assert!(p.local.is_ascii());
        }
        let mut addrs: Vec<String> = PEOPLE.iter().map(|p| p.addr()).collect();
        addrs.sort();
        addrs.dedup();
        assert_eq!(addrs.len(), PEOPLE.len());
    }
}
