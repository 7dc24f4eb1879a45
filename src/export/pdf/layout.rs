//! Setting text on A4 pages: paragraphs wrapped at word boundaries (or
//! anywhere in a word longer than a line, and between CJK characters),
//! labelled fields with a hanging indent, rules, page breaks, and a footer
//! with page numbers; then the page content streams and the PDF objects.
//!
//! Measuring uses the same advance widths the PDF's `/W` arrays declare,
//! so what is measured is what a reader draws.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::fonts::{Fonts, Glyph, Style};
use crate::error::Result;

/// A4 in points.
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 50.0;
const MARGIN_TOP: f32 = 56.0;
const MARGIN_BOTTOM: f32 = 60.0;
/// Baseline of the footer.
const FOOTER_Y: f32 = 32.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.32;

/// One run of glyphs in one font at one place.
struct Run {
    x: f32,
    y: f32,
    size: f32,
    font: usize,
    cids: Vec<u16>,
}

/// What is drawn on a page.
#[derive(Default)]
struct Page {
    runs: Vec<Run>,
    /// Horizontal rules: (y, grey level).
    rules: Vec<(f32, f32)>,
}

/// Where a line may break at a glyph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Brk {
    /// Not here.
    No,
    /// After this space (which is then not drawn).
    Space,
    /// Before this character (CJK text has no spaces).
    Before,
}

/// A glyph and whether a line may break at it.
type Shaped = (Glyph, Brk);

/// A document being set.
pub struct Doc {
    fonts: Fonts,
    pages: Vec<Page>,
    /// The baseline of the next line, from the page's bottom.
    y: f32,
    /// Document title (PDF metadata).
    title: String,
}

/// Width available for text.
pub const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

impl Doc {
    /// An empty document of one page.
    pub fn new(title: &str) -> Result<Doc> {
        Ok(Doc {
            fonts: Fonts::new()?,
            pages: vec![Page::default()],
            y: PAGE_H - MARGIN_TOP,
            title: title.to_owned(),
        })
    }

    /// Starts a new page if less than `height` points are left on this one.
    pub fn keep(&mut self, height: f32) {
        if self.y - height < MARGIN_BOTTOM {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = PAGE_H - MARGIN_TOP;
    }

    /// Vertical space.
    pub fn space(&mut self, pts: f32) {
        self.y -= pts;
        if self.y < MARGIN_BOTTOM {
            self.new_page();
        }
    }

    /// A thin horizontal rule across the text width.
    pub fn rule(&mut self, grey: f32) {
        self.keep(8.0);
        let y = self.y + 4.0;
        if let Some(p) = self.pages.last_mut() {
            p.rules.push((y, grey));
        }
        self.y -= 6.0;
    }

    /// `text` set in `style` at `size`, wrapped to the text width from `x`
    /// (relative to the left margin); each `\n` starts a new line.
    pub fn paragraph(&mut self, text: &str, style: Style, size: f32, x: f32) {
        for line in text.split('\n') {
            let glyphs = self.shape(line, style);
            self.set_wrapped(&glyphs, size, x, TEXT_W - x);
        }
    }

    /// A field: `label` in bold, then `value` wrapped with a hanging indent
    /// at `indent` points (the label's width if it is wider).
    pub fn field(&mut self, label: &str, value: &str, size: f32, indent: f32) {
        let label_glyphs = self.shape(label, Style::Bold);
        let label_w = width(&label_glyphs, size) + size * 0.6;
        let at = indent.max(label_w);
        let mut first = true;
        for line in value.split('\n') {
            let glyphs = self.shape(line, Style::Regular);
            if first {
                self.keep(size * LEADING);
                let y = self.y;
                self.place(&label_glyphs, size, 0.0, y);
                first = false;
            }
            self.set_wrapped(&glyphs, size, at, TEXT_W - at);
        }
    }

    /// The glyphs of `line` (tabs expanded: to the next multiple of eight
    /// columns in monospace, four spaces otherwise).
    fn shape(&mut self, line: &str, style: Style) -> Vec<Shaped> {
        let mut out = Vec::with_capacity(line.len());
        let mut col = 0usize;
        let mut buf = Vec::new();
        for c in line.chars() {
            if c == '\t' {
                let n = if style == Style::Mono { 8 - col % 8 } else { 4 };
                for _ in 0..n {
                    buf.clear();
                    self.fonts.glyphs(' ', style, &mut buf);
                    out.extend(buf.iter().map(|&g| (g, Brk::Space)));
                }
                col += n;
                continue;
            }
            buf.clear();
            self.fonts.glyphs(c, style, &mut buf);
            let brk = if c.is_whitespace() {
                Brk::Space
            } else if is_cjk(c) {
                Brk::Before
            } else {
                Brk::No
            };
            out.extend(buf.iter().map(|&g| (g, brk)));
            col += 1;
        }
        out
    }

    /// Sets `glyphs` on as many lines as needed, from `x`, `max_w` wide.
    fn set_wrapped(&mut self, glyphs: &[Shaped], size: f32, x: f32, max_w: f32) {
        let lh = size * LEADING;
        if glyphs.is_empty() {
            self.keep(lh);
            self.y -= lh;
            return;
        }
        let mut start = 0;
        while start < glyphs.len() {
            let end = break_at(&glyphs[start..], size, max_w) + start;
            let mut line_end = end;
            // Spaces at the end of a wrapped line are not drawn.
            while line_end > start + 1 && end < glyphs.len() && glyphs[line_end - 1].1 == Brk::Space
            {
                line_end -= 1;
            }
            let line: Vec<Glyph> = glyphs[start..line_end].iter().map(|g| g.0).collect();
            self.keep(lh);
            let y = self.y;
            self.place_glyphs(&line, size, x, y);
            self.y -= lh;
            start = end;
            // A wrapped line does not start with the space it broke at.
            while start + 1 < glyphs.len() && glyphs[start].1 == Brk::Space {
                start += 1;
            }
        }
    }

    fn place(&mut self, glyphs: &[Shaped], size: f32, x: f32, y: f32) {
        let line: Vec<Glyph> = glyphs.iter().map(|g| g.0).collect();
        self.place_glyphs(&line, size, x, y);
    }

    /// Puts one line's glyphs at (`x`, `y`), one run per font change.
    fn place_glyphs(&mut self, line: &[Glyph], size: f32, x: f32, y: f32) {
        let Some(page) = self.pages.last_mut() else {
            return;
        };
        let mut pen = MARGIN_X + x;
        let mut i = 0;
        while i < line.len() {
            let font = line[i].font;
            let run_x = pen;
            let mut cids = Vec::new();
            while i < line.len() && line[i].font == font {
                cids.push(line[i].cid);
                pen += line[i].advance * size / 1000.0;
                i += 1;
            }
            page.runs.push(Run {
                x: run_x,
                y,
                size,
                font,
                cids,
            });
        }
    }

    /// The finished PDF, with `footer` and "page N of M" at the foot of
    /// every page.
    pub fn finish(mut self, footer: &str) -> Result<Vec<u8>> {
        let total = self.pages.len();
        let footer_size = 7.5;
        for n in 0..total {
            let text = format!("{footer} · page {} of {total}", n + 1);
            let glyphs = self.shape(&text, Style::Regular);
            let line: Vec<Glyph> = glyphs.iter().map(|g| g.0).collect();
            // Footers are placed on their own page, not the last one.
            let mut pen = MARGIN_X;
            let mut i = 0;
            while i < line.len() {
                let font = line[i].font;
                let run_x = pen;
                let mut cids = Vec::new();
                while i < line.len() && line[i].font == font {
                    cids.push(line[i].cid);
                    pen += line[i].advance * footer_size / 1000.0;
                    i += 1;
                }
                self.pages[n].runs.push(Run {
                    x: run_x,
                    y: FOOTER_Y,
                    size: footer_size,
                    font,
                    cids,
                });
            }
            self.pages[n].rules.push((FOOTER_Y + 10.0, 0.7));
        }
        self.write()
    }

    fn write(self) -> Result<Vec<u8>> {
        let mut next_id = 1;
        let mut alloc = || {
            let r = Ref::new(next_id);
            next_id += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let info = alloc();
        let used = self.fonts.used();
        let font_refs: Vec<(usize, Ref)> = used.iter().map(|&i| (i, alloc())).collect();
        let page_refs: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_refs.iter().map(|p| p.0))
            .count(i32::try_from(page_refs.len()).unwrap_or(i32::MAX));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr(concat!("mailsift ", env!("CARGO_PKG_VERSION"))));

        for (page, &(page_ref, content_ref)) in self.pages.iter().zip(&page_refs) {
            let mut p = pdf.page(page_ref);
            p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .parent(tree)
                .contents(content_ref);
            let mut res = p.resources();
            let mut fonts = res.fonts();
            for &(i, r) in &font_refs {
                fonts.pair(Name(Fonts::resource_name(i).as_bytes()), r);
            }
            fonts.finish();
            res.finish();
            p.finish();
            let stream = super::deflate(&content(page));
            pdf.stream(content_ref, &stream).filter(Filter::FlateDecode);
        }
        for &(i, r) in &font_refs {
            self.fonts.write(&mut pdf, i, r, &mut alloc)?;
        }
        Ok(pdf.finish())
    }
}

/// The content stream of one page.
fn content(page: &Page) -> Vec<u8> {
    let mut c = Content::new();
    for &(y, grey) in &page.rules {
        c.set_stroke_gray(grey);
        c.set_line_width(0.5);
        c.move_to(MARGIN_X, y);
        c.line_to(PAGE_W - MARGIN_X, y);
        c.stroke();
    }
    c.set_fill_gray(0.0);
    for run in &page.runs {
        let bytes: Vec<u8> = run.cids.iter().flat_map(|c| c.to_be_bytes()).collect();
        c.begin_text();
        c.set_font(Name(Fonts::resource_name(run.font).as_bytes()), run.size);
        c.next_line(run.x, run.y);
        c.show(Str(&bytes));
        c.end_text();
    }
    c.finish().into_vec()
}

/// Width of `glyphs` at `size`.
fn width(glyphs: &[Shaped], size: f32) -> f32 {
    glyphs.iter().map(|g| g.0.advance).sum::<f32>() * size / 1000.0
}

/// How many of `glyphs` fit on a line `max_w` wide: up to the last break
/// opportunity that fits, or as many glyphs as fit when there is none
/// (at least one, so that every line makes progress).
fn break_at(glyphs: &[Shaped], size: f32, max_w: f32) -> usize {
    let mut w = 0.0;
    let mut last_break = None;
    for (i, (g, brk)) in glyphs.iter().enumerate() {
        if *brk == Brk::Before {
            last_break = Some(i);
        }
        w += g.advance * size / 1000.0;
        if w > max_w && *brk != Brk::Space {
            return match last_break {
                Some(b) if b > 0 => b,
                _ => i.max(1),
            };
        }
        if *brk == Brk::Space {
            last_break = Some(i + 1);
        }
    }
    glyphs.len()
}

/// Characters between which a line may break without a space.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}
