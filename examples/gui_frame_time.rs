//! Measures the window's frame time while scrolling the message list of a
//! case, headless (no display): the real `MailsiftApp` is drawn into an
//! `egui::Context` and PageDown is pressed every frame.
//!
//! Usage: `cargo run --release --example gui_frame_time -- CASE_DIR [FRAMES]`
//! (make a big case with `gen_corpus` + `mailsift import`).

#![allow(clippy::unwrap_used)] // tests and tools: a failed unwrap is a failed run

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mailsift::app::{AppConfig, Command, MailsiftApp, ScriptedDialogs};

fn frame(ctx: &egui::Context, app: &mut MailsiftApp, events: Vec<egui::Event>) -> Duration {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1400.0, 900.0),
        )),
        events,
        ..Default::default()
    };
    let start = Instant::now();
    let mut output = ctx.run_ui(input, |ui| {
        app.step_logic(ui.ctx());
        app.draw(ui);
    });
    // Tessellate as a renderer would (the GPU upload is not measured).
    let _meshes = ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
    output.textures_delta.clear();
    start.elapsed()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(case) = args.first().map(PathBuf::from) else {
        eprintln!("usage: gui_frame_time CASE_DIR [FRAMES]");
        return ExitCode::from(2);
    };
    let frames: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let ctx = egui::Context::default();
    let tmp = std::env::temp_dir().join("mailsift-frame-time");
    let mut app = MailsiftApp::with_context(
        ctx.clone(),
        AppConfig {
            data_dir: tmp,
            sample: None,
        },
        Box::new(ScriptedDialogs::default()),
    );
    app.apply(Command::OpenPath(case));
    let start = Instant::now();
    while app.hit_count().is_none() || app.busy() {
        frame(&ctx, &mut app, Vec::new());
        if start.elapsed() > Duration::from_secs(120) {
            eprintln!("no search result after 120 s: {:?}", app.status);
            return ExitCode::from(2);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let hits = app.hit_count().unwrap_or(0);
    println!(
        "{hits} messages listed (first search: {:?})",
        start.elapsed()
    );
    for _ in 0..5 {
        frame(&ctx, &mut app, Vec::new());
    }
    let key = |key| egui::Event::Key {
        key,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    };
    let mut times = Vec::with_capacity(frames);
    for i in 0..frames {
        let k = if i == frames / 2 {
            egui::Key::End
        } else {
            egui::Key::PageDown
        };
        let t = frame(&ctx, &mut app, vec![key(k)]);
        if t > Duration::from_millis(100) {
            println!("slow frame {i} ({k:?}): {:.0} ms", t.as_secs_f64() * 1e3);
        }
        times.push(t);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = times.iter().sum::<Duration>() / frames.max(1) as u32;
    println!(
        "{frames} frames scrolling (PageDown, one End): mean {:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms(mean),
        ms(times[frames / 2]),
        ms(times[frames * 95 / 100]),
        ms(times[frames - 1])
    );
    // Memory of the whole process (case open, results, caches, fonts).
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .map(|l| l[name.len()..].trim().to_string())
                .unwrap_or_default()
        };
        println!(
            "memory after scrolling: RSS {}, peak {}",
            field("VmRSS:"),
            field("VmHWM:")
        );
    }
    ExitCode::SUCCESS
}
