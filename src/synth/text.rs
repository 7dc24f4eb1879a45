//! Word lists and template filling for message text: subjects, paragraphs in
//! English and the cast's other languages (Spanish, German, Danish, French,
//! Russian, Japanese, Greek), signatures, the occasional line starting with
//! "From " (which mbox writers must escape), donor lists for spreadsheets.
//! All names and organisations are fictional.

use super::cast::{Lang, PEOPLE, Person};
use super::rng::Rng;

pub const STATES: &[&str] = &[
    "Ohio",
    "Pennsylvania",
    "Florida",
    "Nevada",
    "Iowa",
    "New Hampshire",
    "Wisconsin",
    "Michigan",
    "North Carolina",
    "Colorado",
    "Virginia",
    "Arizona",
];
pub const CITIES: &[&str] = &[
    "Columbus",
    "Philadelphia",
    "Tampa",
    "Reno",
    "Des Moines",
    "Manchester",
    "Milwaukee",
    "Detroit",
    "Charlotte",
    "Denver",
    "Richmond",
    "Phoenix",
    "Scranton",
    "Orlando",
];
const ISSUES: &[&str] = &[
    "trade",
    "infrastructure",
    "the pipeline vote",
    "the court vacancy",
    "student debt",
    "health care costs",
    "campaign finance reform",
    "the jobs report",
    "veterans' care",
    "the minimum wage",
    "broadband access",
    "the farm bill",
    "voting rights",
];
const TOPICS: &[&str] = &[
    "the debate prep schedule",
    "the finance council call",
    "tomorrow's clips",
    "the convention credential list",
    "the polling memo",
    "the rapid response plan",
    "the donor retreat agenda",
    "the quarterly FEC filing",
    "the digital ad buy",
    "the surrogate schedule",
    "the voter file refresh",
    "the op-ed draft",
    "the union endorsement",
    "the state party transfer",
    "the research book",
    "the press advance for {C}",
    "the town hall in {C}",
    "the {S} field plan",
    "the call sheet for Thursday",
    "the seating chart",
    "the talking points on {I}",
    "the budget reforecast",
    "the volunteer training",
    "the media advisory",
];
const OUTLETS: &[&str] = &[
    "the Capitol Ledger",
    "the Evening Dispatch",
    "Channel 9",
    "the Morning Wire",
    "Public Radio East",
    "the Lakeshore Times",
];
const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const HOURS: &[&str] = &[
    "8:30", "9", "10", "11:15", "noon", "1:30", "2", "3", "4:45", "6", "7:30",
];

const EN_SENTENCES: &[&str] = &[
    "Can we get {T} finalized before {D}?",
    "{P} is pulling together {T} and will circulate it tonight.",
    "I talked to {P} this morning and we are in good shape on {T}.",
    "We still need a decision on {T}; the vendor wants an answer by {H}.",
    "The numbers in {S} moved about {N} points since the last wave.",
    "Please loop in {P} on anything related to {I}.",
    "The event in {C} raised ${A}, a little short of the goal.",
    "Attached is the latest version with {P}'s edits.",
    "{O} is asking for a comment on {I} by {H} today.",
    "I would hold off on responding until counsel has looked at it.",
    "Let's keep this off the main list for now.",
    "We have {N} RSVPs so far for the reception in {C}.",
    "Flagging that the {S} team is short-staffed this week.",
    "Thanks for turning this around so quickly.",
    "I'm not sure the message on {I} is landing with undecided voters.",
    "{P} wants to add a stop in {C} on {D}.",
    "The draft looks good to me, two small edits below.",
    "Can someone confirm the call-in number for {D} at {H}?",
    "We should be careful about how this reads if it leaks.",
    "Finance says we are at ${A} for the month, ahead of last cycle.",
    "Please treat the attached as confidential.",
    "I'll be on the road most of {D}, best to reach me by cell.",
    "The research team found {N} more quotes on {I} from the primary.",
    "Let me know if you need anything else from our side.",
    "We need a surrogate for the {C} rally, ideally someone from {S}.",
    "Digital wants to move ${A} from search to video.",
    "Good catch. Fixing now.",
    "Who owns the follow-up with {O}?",
    "I think we should push {T} to next week.",
    "This is the version that went to the chairman.",
];

const FROM_LINES: &[&str] = &[
    "From here on we talk by phone.",
    "From what I hear, the donors in {C} are getting nervous.",
    "From the desk of the finance director: please submit receipts by {D}.",
    "From now on all press calls go through {P}.",
    "From {S}: turnout targets are attached.",
];

const ES: &[&str] = &[
    "Hola {P}, te mando el comunicado en español para la radio de mañana.",
    "La reunión con los líderes comunitarios de {C} salió muy bien.",
    "¿Podemos añadir una entrevista con Radio Amistad el {D}?",
    "Necesitamos la traducción del discurso sobre educación antes del jueves.",
    "Gracias por todo, nos vemos en la sesión de campaña.",
];
const DE: &[&str] = &[
    "Viele Grüße aus Berlin, die Auswertung der Umfrage ist fast fertig.",
    "Die Zahlen für {S} sehen besser aus als erwartet.",
    "Könnten wir die Besprechung auf {D} verschieben? Ich bin bis Mittwoch unterwegs.",
    "Anbei die überarbeitete Übersicht der Spenderliste.",
];
const DA: &[&str] = &[
    "Hej, jeg sender de nye tal fra vælgerfilen i morgen tidlig.",
    "Modellen for {S} er opdateret, og vi har rettet fejlen i sammenlægningen.",
    "Mvh. fra analyseholdet på fjerde sal.",
];
const FR: &[&str] = &[
    "Bonjour {P}, voici le programme révisé pour la tournée à {C}.",
    "Je serai à l'hôtel à partir de vingt heures, appelez-moi après le dîner.",
    "Merci pour votre générosité lors de la réception de printemps.",
    "Pouvez-vous confirmer les détails du déjeuner de vendredi ?",
];
const RU: &[&str] = &[
    "Добрый день! Мы готовим материал о предвыборной кампании и хотели бы получить комментарий.",
    "Не могли бы вы подтвердить дату и место встречи с избирателями в штате {S}?",
    "Наш корреспондент будет в {C} в среду, просим аккредитацию на мероприятие.",
    "Заранее благодарю за ответ. Срок сдачи материала - пятница.",
    "Спасибо, всё получили — материал выйдет в субботнем номере.",
    "Редакция интересуется позицией комитета по вопросу о финансировании кампаний.",
];
const JA: &[&str] = &[
    "お世話になっております。東京新報ワシントン支局の田中です。",
    "来週の討論会について、取材のお願いがございます。",
    "候補者の経済政策について、短いコメントをいただけないでしょうか。",
    "締め切りは金曜日の午後です。ご検討のほど、よろしくお願いいたします。",
    "資料を拝見しました。ありがとうございます。",
];
const EL: &[&str] = &[
    "Καλησπέρα σας, ετοιμάζουμε ένα άρθρο για τις εκλογές στις Ηνωμένες Πολιτείες.",
    "Θα μπορούσατε να μου στείλετε το πρόγραμμα της περιοδείας;",
    "Ευχαριστώ πολύ για τη βοήθεια και την άμεση απάντηση.",
    "Η προθεσμία μας είναι την Πέμπτη το μεσημέρι.",
];

const EN_SUBJECTS: &[&str] = &[
    "Debate prep notes",
    "Clips {MD}",
    "Polling memo - {S}",
    "Call time tomorrow",
    "Donor dinner seating chart",
    "Convention credentials",
    "RSVP: Finance council call",
    "Press inquiry from {O}",
    "{S} field update",
    "Draft statement on {I}",
    "Travel: {C} {D}",
    "Budget v{N}",
    "Weekly research book",
    "Surrogate requests for {D}",
    "Talking points: {I}",
    "Quick question",
    "Media advisory - {C} town hall",
    "Updated call sheet",
    "Oppo hit on {I}",
    "Volunteer numbers {S}",
    "Ad buy flight dates",
    "Statement - final",
    "Confidential: finance report",
    "Schedule for {D}",
    "Thank you!",
    "Heads up",
    "Op-ed draft on {I}",
    "Rapid response: {I}",
    "Credential list for {C}",
    "Conference call {D} {H}",
    "Weekend coverage",
    "Union meeting in {C}",
];
const RU_SUBJECTS: &[&str] = &[
    "Запрос комментария",
    "Аккредитация на мероприятие в {C}",
    "Вопрос о финансировании кампании",
    "Интервью с председателем",
];
const JA_SUBJECTS: &[&str] = &["取材のお願い", "討論会についてのご質問", "資料送付のお礼"];
const EL_SUBJECTS: &[&str] = &["Αίτημα για σχόλιο", "Πρόγραμμα περιοδείας", "Συνέντευξη"];
const ES_SUBJECTS: &[&str] = &[
    "Comunicado en español",
    "Entrevista del {D}",
    "Traducción del discurso",
];
const DE_SUBJECTS: &[&str] = &["Auswertung Umfrage {S}", "Spenderliste – Übersicht"];
const FR_SUBJECTS: &[&str] = &[
    "Programme révisé",
    "Déjeuner de vendredi",
    "Réception de printemps",
];

/// Fictional donors for spreadsheets and CSV attachments.
pub const DONORS: &[&str] = &[
    "Eleanor Whitcombe",
    "Arturo Benítez",
    "Margaret Ashdown",
    "Yusuf Demir",
    "Catherine Pruitt",
    "Hiroshi Nakamura",
    "Bernadette O'Shea",
    "Lars Øverby",
    "Francesca Moretti",
    "Desmond Achterberg",
    "Penelope Quist",
    "Raymond Tolliver",
    "Ingeborg Haas",
    "Gabriel Nuñez",
    "Winifred Castellane",
    "Theodore Blakemore",
    "Loretta Vance",
    "Émile Gauthier",
    "Rosalind Pike",
    "Augustus Fenwick",
];

/// Fill `{P}` (a first name), `{S}`, `{C}`, `{I}`, `{T}`, `{O}`, `{D}`,
/// `{H}`, `{N}`, `{A}` (an amount), `{MD}` (month/day) in a template.
pub fn fill(rng: &mut Rng, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = &after[..close];
        match key {
            "P" => {
                // Colleagues mentioned in passing: Latin-script names only.
                let mut p = &PEOPLE[rng.below(PEOPLE.len())];
                while matches!(p.lang, Lang::Ru | Lang::Ja | Lang::El) {
                    p = &PEOPLE[rng.below(PEOPLE.len())];
                }
                out.push_str(p.first);
            }
            "S" => out.push_str(rng.pick::<&str>(STATES)),
            "C" => out.push_str(rng.pick::<&str>(CITIES)),
            "I" => out.push_str(rng.pick::<&str>(ISSUES)),
            "T" => {
                let t = rng.pick(TOPICS);
                let filled = fill(rng, t);
                out.push_str(&filled);
            }
            "O" => out.push_str(rng.pick::<&str>(OUTLETS)),
            "D" => out.push_str(rng.pick::<&str>(DAYS)),
            "H" => out.push_str(rng.pick::<&str>(HOURS)),
            "N" => out.push_str(&rng.range(2, 48).to_string()),
            "A" => out.push_str(&amount(rng)),
            "MD" => out.push_str(&format!("{}/{}", rng.range(1, 12), rng.range(1, 28))),
            _ => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A dollar amount such as `2,700` or `1,250,000`.
pub fn amount(rng: &mut Rng) -> String {
    let v: u64 = match rng.below(4) {
        0 => [250, 500, 1000, 2700, 5400, 10000, 33400][rng.below(7)],
        1 => rng.range(1, 99) as u64 * 1000,
        2 => rng.range(100, 950) as u64 * 1000,
        _ => rng.range(1, 9) as u64 * 250_000,
    };
    group_thousands(v)
}

pub fn group_thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn lang_pool(lang: Lang) -> Option<&'static [&'static str]> {
    match lang {
        Lang::En => None,
        Lang::Es => Some(ES),
        Lang::De => Some(DE),
        Lang::Da => Some(DA),
        Lang::Fr => Some(FR),
        Lang::Ru => Some(RU),
        Lang::Ja => Some(JA),
        Lang::El => Some(EL),
    }
}

/// A subject line in `lang`.
pub fn subject(rng: &mut Rng, lang: Lang) -> String {
    let pool: &[&str] = match lang {
        Lang::Ru => RU_SUBJECTS,
        Lang::Ja => JA_SUBJECTS,
        Lang::El => EL_SUBJECTS,
        Lang::Es if rng.chance(0.5) => ES_SUBJECTS,
        Lang::De if rng.chance(0.5) => DE_SUBJECTS,
        Lang::Fr if rng.chance(0.5) => FR_SUBJECTS,
        _ => EN_SUBJECTS,
    };
    let t = rng.pick(pool);
    fill(rng, t)
}

/// One paragraph (no trailing newline), wrapped at about 72 columns when
/// `wrap` is set. English with the occasional sentence in the writer's own
/// language; Russian, Japanese and Greek writers write in their language.
/// `from_line` makes the paragraph start with a line beginning "From ".
pub fn paragraph(
    rng: &mut Rng,
    lang: Lang,
    sentences: usize,
    wrap: bool,
    from_line: bool,
) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(sentences + 1);
    if from_line {
        let t = rng.pick(FROM_LINES);
        parts.push(fill(rng, t));
    }
    let own = lang_pool(lang);
    let native_only = matches!(lang, Lang::Ru | Lang::Ja | Lang::El);
    for _ in 0..sentences.max(1) {
        let t = match own {
            Some(pool) if native_only || rng.chance(0.35) => rng.pick(pool),
            _ => rng.pick(EN_SENTENCES),
        };
        parts.push(fill(rng, t));
    }
    let sep = if lang == Lang::Ja { "" } else { " " };
    let text = parts.join(sep);
    if wrap && lang != Lang::Ja {
        wrap_text(&text, 72)
    } else {
        text
    }
}

/// Greedy word wrap.
pub fn wrap_text(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut col = 0;
    for word in text.split(' ') {
        let w = word.chars().count();
        if col > 0 && col + 1 + w > width {
            out.push('\n');
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += w;
    }
    out
}

/// A greeting line for `to`.
pub fn greeting(rng: &mut Rng, lang: Lang, to: &Person) -> String {
    match lang {
        Lang::Ru => format!("{}, добрый день!", to.first),
        Lang::Ja => format!("{}様", to.name.rsplit(' ').next().unwrap_or(to.name)),
        Lang::El => "Αγαπητέ/ή,".to_string(),
        Lang::Es => format!("Hola {}:", to.first),
        Lang::Fr => format!("Bonjour {},", to.first),
        Lang::De => format!("Hallo {},", to.first),
        _ => match rng.below(4) {
            0 => format!("{},", to.first),
            1 => format!("Hi {},", to.first),
            2 => "All,".to_string(),
            _ => format!("Thanks {} -", to.first),
        },
    }
}

/// A signature block (without the `-- ` separator).
pub fn signature(rng: &mut Rng, p: &Person) -> String {
    let org = p.org();
    let mut s = String::new();
    s.push_str(p.name);
    s.push('\n');
    if !p.title.is_empty() {
        s.push_str(p.title);
        s.push('\n');
        s.push_str(org.name);
        s.push('\n');
        if !org.address.is_empty() && rng.chance(0.6) {
            s.push_str(org.address);
            s.push('\n');
        }
        s.push_str(&format!("o: 202-555-{:04}", rng.range(100, 9999)));
        s.push('\n');
        if rng.chance(0.5) {
            s.push_str(&format!("m: 202-555-{:04}", rng.range(100, 9999)));
            s.push('\n');
        }
    }
    if rng.chance(0.15) {
        s.push_str("\nSent from my iPhone\n");
    }
    s
}

/// Rows of (donor, city, state, amount in dollars, date m/d/yyyy).
pub fn donor_rows(
    rng: &mut Rng,
    n: usize,
    year: i64,
) -> Vec<(String, String, String, u64, String)> {
    (0..n)
        .map(|_| {
            let donor = rng.pick(DONORS).to_string();
            let city = rng.pick(CITIES).to_string();
            let state = rng.pick(STATES).to_string();
            let amt = [250u64, 500, 1000, 2700, 5400, 10_000, 33_400][rng.below(7)];
            let date = format!("{}/{}/{}", rng.range(1, 12), rng.range(1, 28), year);
            (donor, city, state, amt, date)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_and_wrap() {
        let mut r = Rng::new(1);
        for _ in 0..200 {
            let s = fill(&mut r, "{P} {S} {C} {I} {T} {O} {D} {H} {N} {A} {MD}");
            assert!(!s.contains('{'), "{s}");
        }
        let p = paragraph(&mut r, Lang::En, 6, true, true);
        assert!(p.starts_with("From "));
        for line in p.lines() {
            assert!(line.chars().count() <= 90, "{line}");
        }
        assert_eq!(group_thousands(1_250_000), "1,250,000");
        assert_eq!(group_thousands(250), "250");
    }
}
