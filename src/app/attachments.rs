//! Windows about one attachment of the message being read: its extracted
//! text with the search hits highlighted, an image preview (decoded here,
//! in-process, with size limits; nothing is handed to another program), and
//! the other messages that carry the same content.

use egui::RichText;

use super::Command;
use super::list::RowSummary;
use crate::index::snippet::Highlighter;
use crate::query::{Field, Query};

/// Largest image side decoded for a preview.
const MAX_SIDE: u32 = 8192;
/// Memory a preview decoder may use.
const MAX_DECODE_BYTES: u64 = 256 << 20;
/// Text shown at most in the text window.
const TEXT_MAX: usize = 512 * 1024;

/// What an attachment window shows.
pub enum AttachmentView {
    /// Extracted text (`name`, text, status line).
    Text {
        /// The attachment's file name, made safe to show.
        name: String,
        /// The extracted text, or "(no text)"; only the first 512 Ki characters are shown.
        text: String,
        /// The detected kind and what became of the text (e.g. "pdf · text truncated"); may be
        /// empty.
        status: String,
    },
    /// A decoded image.
    Image {
        /// The attachment's file name, made safe to show.
        name: String,
        /// The decoded image, uploaded to the GPU.
        texture: egui::TextureHandle,
        /// Width and height in pixels.
        size: [usize; 2],
    },
    /// Messages that carry the same content.
    AlsoIn {
        /// The attachment's file name, made safe to show.
        name: String,
        /// The other messages with the same content: (row id, summary), in row order.
        rows: Vec<(u64, RowSummary)>,
    },
}

/// Decodes an image for a preview; errors are for the status line.
pub fn decode_image(bytes: &[u8]) -> Result<egui::ColorImage, String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let img = crate::contain::contain(|| reader.decode())
        .map_err(|p| format!("the image decoder failed: {p}"))?
        .map_err(|e| e.to_string())?;
    let rgba = img.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(egui::ColorImage::from_rgba_unmultiplied(
        size,
        rgba.as_raw(),
    ))
}

/// The attachment window; returns what was clicked (and whether it closed).
pub fn attachment_view_ui(
    ctx: &egui::Context,
    view: &AttachmentView,
    query: Option<&Query>,
) -> Vec<Command> {
    let mut out = Vec::new();
    let mut open = true;
    let title = match view {
        AttachmentView::Text { name, .. } => format!("Text of {name}"),
        AttachmentView::Image { name, .. } => format!("Preview of {name}"),
        AttachmentView::AlsoIn { name, .. } => format!("Messages with {name}"),
    };
    egui::Window::new(title)
        .id(egui::Id::unique("attachment-view"))
        .open(&mut open)
        .default_size([640.0, 520.0])
        .show(ctx, |ui| match view {
            AttachmentView::Text { text, status, .. } => {
                ui.weak(status);
                ui.separator();
                egui::ScrollArea::vertical()
                    .auto_shrink(false)
                    .show(ui, |ui| {
                        let shown = match text.char_indices().nth(TEXT_MAX) {
                            Some((i, _)) => &text[..i],
                            None => text.as_str(),
                        };
                        let job = highlighted(ui, shown, query);
                        ui.add(egui::Label::new(job).wrap().selectable(true));
                        if shown.len() < text.len() {
                            ui.weak("… the text goes on (only the first part is shown).");
                        }
                    });
            }
            AttachmentView::Image { texture, size, .. } => {
                // Fitted to the window (never enlarged) until the reader
                // zooms; the zoom is kept per image while it is shown.
                let id = ui.scope_id().with(("preview-zoom", texture.id()));
                let mut zoom: Option<f32> = ui.data(|d| d.get_temp(id)).flatten();
                let (w, h) = (size[0].max(1) as f32, size[1].max(1) as f32);
                let fit = ((ui.available_width().max(64.0) / w)
                    .min((ui.available_height() - 40.0).max(64.0) / h))
                .min(1.0);
                let scale = zoom.unwrap_or(fit);
                ui.horizontal(|ui| {
                    ui.weak(format!(
                        "{} × {} pixels · {:.0} %",
                        size[0],
                        size[1],
                        scale * 100.0
                    ));
                    if ui.button("Fit").clicked() {
                        zoom = None;
                    }
                    if ui.button("100 %").clicked() {
                        zoom = Some(1.0);
                    }
                    if ui.button("−").on_hover_text("Zoom out").clicked() {
                        zoom = Some((scale / 1.25).max(0.05));
                    }
                    if ui.button("+").on_hover_text("Zoom in").clicked() {
                        zoom = Some((scale * 1.25).min(8.0));
                    }
                });
                ui.data_mut(|d| d.insert_temp(id, zoom));
                egui::ScrollArea::both().auto_shrink(false).show(ui, |ui| {
                    let s = egui::vec2(w * scale, h * scale);
                    ui.add(egui::Image::new(texture).fit_to_exact_size(s));
                });
            }
            AttachmentView::AlsoIn { rows, .. } => {
                ui.label(format!(
                    "The same content (same SHA-256) is attached to {} messages:",
                    rows.len()
                ));
                egui::ScrollArea::vertical().show(ui, |ui| {
                    for (rowid, s) in rows {
                        let text = format!("{}  {}  {}", s.date, s.from, s.subject);
                        if ui.link(RichText::new(text)).clicked() {
                            out.push(Command::ShowMessage(*rowid));
                        }
                    }
                });
            }
        });
    if !open {
        out.push(Command::CloseAttachmentView);
    }
    out
}

fn highlighted(ui: &egui::Ui, text: &str, query: Option<&Query>) -> egui::text::LayoutJob {
    use egui::text::{LayoutJob, TextFormat};
    let ranges = query
        .map(|q| Highlighter::new(q, Field::Attachment).ranges(text))
        .unwrap_or_default();
    let normal = TextFormat {
        font_id: egui::FontId::proportional(14.0),
        color: ui.visuals().text_color(),
        ..Default::default()
    };
    let mut job = LayoutJob::default();
    let mut pos = 0;
    for r in ranges {
        if r.start < pos || r.end > text.len() {
            continue;
        }
        job.append(
            &crate::display::visible_text(&text[pos..r.start]),
            0.0,
            normal.clone(),
        );
        job.append(
            &crate::display::visible_text(&text[r.start..r.end]),
            0.0,
            TextFormat {
                background: super::reading::HIT_BG,
                color: egui::Color32::BLACK,
                ..normal.clone()
            },
        );
        pos = r.end;
    }
    job.append(&crate::display::visible_text(&text[pos..]), 0.0, normal);
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_decode_real_images_and_refuse_junk() {
        let mut rng = crate::synth::rng::Rng::new(7);
        let png = crate::synth::attach::png(&mut rng, 40, 30, false);
        let img = decode_image(&png).unwrap();
        assert_eq!(img.size, [40, 30]);
        assert!(decode_image(b"not an image at all").is_err());
        // Cut short: an error, not a panic.
        assert!(decode_image(&png[..png.len() / 2]).is_err());
    }
}
