//! No network: mail whose HTML points at a server (`<img src>`, stylesheets,
//! frames, meta refresh, CSS `url()`, scripts, video posters, `srcset`,
//! `message/external-body`, …) is imported, shown (text and JSON), searched
//! with snippets, exported in every format, its attachments listed and
//! saved, and read in the window's reading pane (and its source window),
//! one of them DKIM-signed and verified at import and again after `keys
//! add` (keys come from the case, never DNS: `tests/dkim.rs` checks that
//! no resolver is linked), while a local HTTP port counts connections:
//! none may arrive.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::util::*;

/// A TCP port on 127.0.0.1 that counts the connections it accepts.
struct Canary {
    port: u16,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Canary {
    fn start() -> Canary {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        h.fetch_add(1, Ordering::SeqCst);
                        use std::io::Write;
                        let _ = conn.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Canary {
            port,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, what: &str) -> String {
        format!("http://127.0.0.1:{}/{what}", self.port)
    }

    /// Connections so far (after letting pending ones be accepted).
    fn hits(&self) -> usize {
        std::thread::sleep(Duration::from_millis(50));
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Canary {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// HTML referring to the canary in every way a mail client could load it.
fn hostile_html(c: &Canary, marker: &str) -> String {
    let u = |w: &str| c.url(w);
    format!(
        r#"<!DOCTYPE html><html><head>
<base href="{base}">
<meta http-equiv="refresh" content="0; url={refresh}">
<link rel="stylesheet" href="{css}">
<link rel="prefetch" href="{prefetch}"><link rel="dns-prefetch" href="{dns}"><link rel="preconnect" href="{preconnect}">
<link rel="icon" href="{icon}">
<style>@import url("{import}"); body {{ background: url({bg}); }} @font-face {{ src: url('{font}'); }}</style>
<script src="{script}"></script>
<script>fetch("{fetch}"); new Image().src = "{jsimg}";</script>
</head><body background="{bodybg}">
<p>{marker} Quarterly numbers attached, budget review.</p>
<img src="{img}" alt="tracking pixel" width="1" height="1">
<img srcset="{srcset1} 1x, {srcset2} 2x" src="{img2}">
<picture><source srcset="{source}"><img src="{picimg}"></picture>
<iframe src="{iframe}"></iframe>
<frameset><frame src="{frame}"></frameset>
<object data="{object}"></object><embed src="{embed}">
<video poster="{poster}" src="{video}"><track src="{track}"></video>
<audio src="{audio}"></audio>
<div style="background-image: url('{inline}')">styled</div>
<table background="{tablebg}"><tr><td background="{tdbg}">cell</td></tr></table>
<input type="image" src="{input}">
<svg><image href="{svg}"/><use xlink:href="{svguse}"/></svg>
<form action="{form}"><button formaction="{formaction}">go</button></form>
<a href="{link}">a link</a> <a ping="{ping}" href="mailto:x@example.org">ping</a>
</body></html>"#,
        base = u("base/"),
        refresh = u("refresh"),
        css = u("style.css"),
        prefetch = u("prefetch"),
        dns = u("dns"),
        preconnect = u("preconnect"),
        icon = u("favicon.ico"),
        import = u("import.css"),
        bg = u("bg.png"),
        font = u("font.woff"),
        script = u("script.js"),
        fetch = u("fetch"),
        jsimg = u("jsimg.png"),
        bodybg = u("bodybg.png"),
        img = u("pixel.gif"),
        srcset1 = u("1x.png"),
        srcset2 = u("2x.png"),
        img2 = u("img2.png"),
        source = u("source.webp"),
        picimg = u("picture.png"),
        iframe = u("frame.html"),
        frame = u("frame2.html"),
        object = u("object.swf"),
        embed = u("embed.swf"),
        poster = u("poster.jpg"),
        video = u("video.mp4"),
        track = u("track.vtt"),
        audio = u("audio.mp3"),
        inline = u("inline.png"),
        tablebg = u("table.png"),
        tdbg = u("td.png"),
        input = u("input.png"),
        svg = u("svg.png"),
        svguse = u("use.svg"),
        form = u("form"),
        formaction = u("formaction"),
        link = u("link"),
        ping = u("ping"),
    )
}

/// Four messages: HTML only; alternative + HTML attachment + external body
/// + forwarded HTML; remote references in headers; related with cid images.
fn hostile_mbox(c: &Canary) -> String {
    let html = hostile_html(c, "CANARYONE");
    let one = format!(
        "From: Ann <ann@example.org>\nTo: desk@example.org\nSubject: HTML only\nDate: Mon, 12 Oct 2015 14:02:11 -0400\nMessage-ID: <net1@example.org>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n{html}\n"
    );
    let inner = format!(
        "From: Bob <bob@example.org>\nSubject: inner\nContent-Type: text/html\n\n{}\n",
        hostile_html(c, "CANARYINNER")
    );
    let two = format!(
        "From: Ann <ann@example.org>\nTo: desk@example.org\nSubject: Alternative and attachments\nDate: Tue, 13 Oct 2015 09:00:00 -0400\nMessage-ID: <net2@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n\
--outer\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n\
--alt\nContent-Type: text/plain\n\nCANARYTWO plain budget text, see {plain}\n\
--alt\nContent-Type: text/html\n\n{html2}\n--alt--\n\
--outer\nContent-Type: text/html; name=\"page.html\"\nContent-Disposition: attachment; filename=\"page.html\"\n\n{html3}\n\
--outer\nContent-Type: message/external-body; access-type=URL; URL=\"{external}\"\n\nContent-Type: application/pdf\n\n\
--outer\nContent-Type: message/rfc822\n\n{inner}\
--outer--\n",
        plain = c.url("plain"),
        html2 = hostile_html(c, "CANARYTWO"),
        html3 = hostile_html(c, "CANARYATTACHED"),
        external = c.url("external-body.pdf"),
    );
    let three = format!(
        "From: Ann <ann@example.org>\nTo: desk@example.org\nSubject: Headers with URLs\nDate: Wed, 14 Oct 2015 10:00:00 -0400\nMessage-ID: <net3@example.org>\nList-Unsubscribe: <{unsub}>\nX-Face-URL: {face}\nX-Image-URL: {ximg}\nContent-Base: {cbase}\nContent-Location: {cloc}\n\nCANARYTHREE budget {body}\n",
        unsub = c.url("unsubscribe"),
        face = c.url("face.png"),
        ximg = c.url("x-image.png"),
        cbase = c.url("content-base/"),
        cloc = c.url("content-location"),
        body = c.url("body-url"),
    );
    let four = format!(
        "From: Ann <ann@example.org>\nTo: desk@example.org\nSubject: Related images\nDate: Thu, 15 Oct 2015 11:00:00 -0400\nMessage-ID: <net4@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"rel\"\n\n\
--rel\nContent-Type: text/html\n\n<p>CANARYFOUR budget</p><img src=\"cid:logo@x\"><img src=\"{remote}\">\n\
--rel\nContent-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--rel--\n",
        remote = c.url("related-remote.png"),
    );
    // Signed (DKIM, a key the case does not have yet): verifying it, at
    // import and after `keys add`, must ask nobody for the key.
    let three = String::from_utf8(mailsift::dkim::testsign::sign(
        three.as_bytes(),
        &mailsift::dkim::testsign::Spec::new("example.org", "net"),
        &net_key(),
    ))
    .unwrap()
    .replace("\r\n", "\n");
    mbox(&[one, two, three, four])
}

fn net_key() -> mailsift::dkim::testsign::TestKey {
    mailsift::dkim::testsign::TestKey::ed25519(42)
}

#[test]
fn nothing_is_fetched_when_importing_reading_searching_or_exporting() {
    let canary = Canary::start();
    // The canary counts: one connection of our own.
    drop(std::net::TcpStream::connect(("127.0.0.1", canary.port)).unwrap());
    assert_eq!(canary.hits(), 1, "the canary port counts connections");

    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("hostile.mbox");
    std::fs::write(&src, hostile_mbox(&canary)).unwrap();
    let case = t.path().join("case");
    let (code, r, err) = import_json(&case, &[&src]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(num(&r, "new"), 4, "{r:#}");
    assert_eq!(num(&r, "dkim.verdicts.nokey"), 1, "{r:#}");
    let zone = t.path().join("net.zone");
    std::fs::write(
        &zone,
        format!(
            "net._domainkey.example.org IN TXT \"{}\"\n",
            net_key().record()
        ),
    )
    .unwrap();
    let o = run(&[&"keys", &"add", &case, &zone]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("nokey -> pass (example.org)"), "{out}");

    let out = run(&[&"search", &case, &"*", &"--format", &"json"]);
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 4);

    let mut shown = String::new();
    for id in &ids {
        for args in [&[][..], &["--json"][..], &["--raw"][..]] {
            let mut c = mailsift();
            c.arg("show").arg(&case).arg(id).args(args);
            let o = c.output().unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            shown.push_str(&String::from_utf8_lossy(&o.stdout));
        }
        let o = run(&[&"attachments", &case, id]);
        assert!(o.status.code() == Some(0) || o.status.code() == Some(1));
        let save = t.path().join(format!("att-{}", &id[..8]));
        std::fs::create_dir(&save).unwrap();
        let o = run(&[&"attachments", &case, id, &"--save", &save]);
        assert!(o.status.code() == Some(0) || o.status.code() == Some(1));
        let o = run(&[&"thread", &case, id]);
        assert_eq!(o.status.code(), Some(0));
    }
    // The bodies were rendered (the test would be empty otherwise).
    for marker in ["CANARYONE", "CANARYTWO", "CANARYTHREE", "CANARYFOUR"] {
        assert!(shown.contains(marker), "{marker} shown");
    }

    for q in ["budget", "canaryattached", "*", "pixel"] {
        let o = run(&[&"search", &case, &q, &"--snippets"]);
        assert_eq!(o.status.code(), Some(0), "{q}");
    }
    let o = run(&[&"threads", &case]);
    assert_eq!(o.status.code(), Some(0));
    for (format, name) in [
        ("csv", "x.csv"),
        ("json", "x.json"),
        ("mbox", "x.mbox"),
        ("eml", "emls"),
        ("text", "x.txt"),
    ] {
        let dest = t.path().join(name);
        let o = run(&[
            &"search",
            &case,
            &"budget",
            &"--format",
            &format,
            &"--output",
            &dest,
            &"--snippets",
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(dest.exists());
    }

    #[cfg(feature = "gui")]
    read_in_the_window(&case, &ids);

    assert_eq!(
        canary.hits(),
        1,
        "a connection reached the canary port: something was fetched"
    );
}

/// Opens the case in the window and shows every message in the reading
/// pane (with a search, so hits are highlighted) and in the source window.
#[cfg(feature = "gui")]
fn read_in_the_window(case: &std::path::Path, ids: &[String]) {
    use crate::gui::{LONG, harness, step_until};
    use egui_kittest::kittest::Queryable;
    use mailsift::app::Command;

    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(&tmp.path().join("data"), Vec::new(), false);
    h.step();
    h.state_mut().apply(Command::OpenPath(case.to_path_buf()));
    step_until(&mut h, "the case to open", LONG, |a| {
        !a.busy() && a.hit_count() == Some(ids.len())
    });
    let b = mailsift::browse::Browser::open(case).unwrap();
    let mut html_seen = 0;
    for id in ids {
        let (rowid, _) = b.resolve(id).unwrap();
        h.state_mut().apply(Command::ShowMessage(rowid));
        step_until(&mut h, "the message to show", LONG, |a| {
            a.reading.as_ref().is_some_and(|r| r.rowid == rowid)
        });
        let body = h
            .state()
            .reading
            .as_ref()
            .unwrap()
            .message
            .body_text
            .clone();
        let marker = ["CANARYONE", "CANARYTWO", "CANARYTHREE", "CANARYFOUR"]
            .into_iter()
            .find(|m| body.contains(m))
            .expect("a marker in the body");
        // The pane drew the body.
        h.get_by_label_contains(marker);
        if h.state().reading.as_ref().unwrap().message.body_from_html {
            h.get_by_label_contains("nothing was loaded");
            html_seen += 1;
        }
        h.state_mut().apply(Command::ViewSource);
        step_until(&mut h, "the source", LONG, |a| {
            a.reading.as_ref().is_some_and(|r| r.source.is_some())
        });
        h.get_by_label_contains("Message source");
        h.state_mut().apply(Command::CloseSource);
        h.step();
    }
    assert!(html_seen >= 2, "HTML bodies were rendered in the pane");
}
