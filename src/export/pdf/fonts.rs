//! The bundled fonts (`assets/fonts/`, see its README for sources and
//! licences), the choice of a font for each character, and writing the
//! used glyphs into the PDF as subset CID fonts.
//!
//! Every font is written as a Type 0 font with Identity-H encoding over a
//! CIDFontType2 subset (`subsetter` renumbers the glyphs it keeps; the new
//! glyph ids are the CIDs), with a `/W` width array and a `/ToUnicode` map,
//! so that a PDF reader's copy/paste and text extraction give back the
//! characters. No shaping: one character, one glyph, left to right.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

use crate::error::{Error, Result};

/// The typefaces a run of text is set in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
    /// DejaVu Sans Mono.
    Mono,
}

/// One bundled font file.
struct FontFile {
    name: &'static str,
    data: &'static [u8],
}

const FILES: [FontFile; 4] = [
    FontFile {
        name: "DejaVuSans",
        data: include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
    },
    FontFile {
        name: "DejaVuSans-Bold",
        data: include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf"),
    },
    FontFile {
        name: "DejaVuSansMono",
        data: include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf"),
    },
    FontFile {
        name: "DroidSansFallbackFull",
        data: include_bytes!("../../../assets/fonts/DroidSansFallbackFull.ttf"),
    },
];

/// Index of the CJK fallback in [`FILES`].
const FALLBACK: usize = 3;

/// A font in use: its parsed face and the glyphs used so far.
struct Used {
    face: Face<'static>,
    remap: GlyphRemapper,
    /// Unicode text for each new glyph id (for `/ToUnicode`).
    chars: Vec<(u16, char)>,
    /// Whether any glyph of it has been used.
    used: bool,
}

/// A glyph placed in the text: which font, its new (subset) id, its advance.
#[derive(Clone, Copy, Debug)]
pub struct Glyph {
    /// Index of the font.
    pub font: usize,
    /// The glyph's id in the subset (= its CID).
    pub cid: u16,
    /// Advance width in thousandths of the font size.
    pub advance: f32,
}

/// The fonts of one document: glyph lookup with fallback, widths, and the
/// glyphs used (written at the end).
pub struct Fonts {
    fonts: Vec<Used>,
}

impl Fonts {
    /// Parses the bundled fonts.
    pub fn new() -> Result<Fonts> {
        let mut fonts = Vec::with_capacity(FILES.len());
        for f in &FILES {
            let face = Face::parse(f.data, 0)
                .map_err(|e| Error::Pdf(format!("bundled font {} unreadable: {e}", f.name)))?;
            let mut remap = GlyphRemapper::new();
            remap.remap(0);
            fonts.push(Used {
                face,
                remap,
                chars: Vec::new(),
                used: false,
            });
        }
        Ok(Fonts { fonts })
    }

    /// The fonts tried, in order, for a character in `style`.
    fn order(style: Style) -> [usize; 3] {
        match style {
            Style::Regular => [0, FALLBACK, 0],
            Style::Bold => [1, FALLBACK, 0],
            Style::Mono => [2, 0, FALLBACK],
        }
    }

    /// The glyphs for `c` in `style`: the first font that has it; a
    /// character none has becomes `<U+XXXX>` in the style's first font.
    pub fn glyphs(&mut self, c: char, style: Style, out: &mut Vec<Glyph>) {
        for font in Fonts::order(style) {
            if let Some(g) = self.glyph(font, c) {
                out.push(g);
                return;
            }
        }
        let first = Fonts::order(style)[0];
        for m in format!("<U+{:04X}>", c as u32).chars() {
            if let Some(g) = self.glyph(first, m) {
                out.push(g);
            }
        }
    }

    /// `c` in `font`, if the font has a glyph for it.
    fn glyph(&mut self, font: usize, c: char) -> Option<Glyph> {
        let f = self.fonts.get_mut(font)?;
        let gid = f.face.glyph_index(c)?;
        if gid.0 == 0 {
            return None;
        }
        let known = f.remap.get(gid.0);
        let cid = f.remap.remap(gid.0);
        if known.is_none() {
            f.chars.push((cid, c));
        }
        f.used = true;
        let upem = f32::from(f.face.units_per_em().max(1));
        let adv = f32::from(f.face.glyph_hor_advance(gid).unwrap_or(0));
        Some(Glyph {
            font,
            cid,
            advance: adv * 1000.0 / upem,
        })
    }

    /// The PDF resource name of font `i`.
    pub fn resource_name(i: usize) -> String {
        format!("F{i}")
    }

    /// Indices of the fonts used.
    pub fn used(&self) -> Vec<usize> {
        (0..self.fonts.len())
            .filter(|&i| self.fonts[i].used)
            .collect()
    }

    /// Writes font `i` (a Type 0 font over a subset CIDFontType2) as the
    /// object `type0`, taking further ids from `next`.
    pub fn write(
        &self,
        pdf: &mut Pdf,
        i: usize,
        type0: Ref,
        next: &mut impl FnMut() -> Ref,
    ) -> Result<()> {
        let (Some(used), Some(file)) = (self.fonts.get(i), FILES.get(i)) else {
            return Err(Error::Pdf(format!("no font {i}")));
        };
        let cid_ref = next();
        let descriptor = next();
        let cmap_ref = next();
        let data_ref = next();
        // A six-letter subset tag made from the glyphs used (PDF 9.6.4).
        let tag = subset_tag(&used.chars);
        let base = format!("{tag}+{}", file.name);
        let face = &used.face;
        let upem = f32::from(face.units_per_em().max(1));
        let scale = |v: i16| f32::from(v) * 1000.0 / upem;

        pdf.type0_font(type0)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);

        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let widths: Vec<f32> = used
            .remap
            .remapped_gids()
            .map(|old| f32::from(face.glyph_hor_advance(GlyphId(old)).unwrap_or(0)) * 1000.0 / upem)
            .collect();
        let mut cid = pdf.cid_font(cid_ref);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base.as_bytes()))
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths);
        cid.finish();

        let bbox = face.global_bounding_box();
        let mut flags = FontFlags::NON_SYMBOLIC;
        if i == 2 {
            flags |= FontFlags::FIXED_PITCH;
        }
        pdf.font_descriptor(descriptor)
            .name(Name(base.as_bytes()))
            .flags(flags)
            .bbox(Rect::new(
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(scale(face.ascender()))
            .descent(scale(face.descender()))
            .cap_height(scale(face.capital_height().unwrap_or(face.ascender())))
            .stem_v(if i == 1 { 120.0 } else { 80.0 })
            .font_file2(data_ref);

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), info);
        for &(cid, c) in &used.chars {
            cmap.pair(cid, c);
        }
        let cmap = cmap.finish();
        pdf.cmap(cmap_ref, cmap.as_slice());

        let subset = subsetter::subset(file.data, 0, &used.remap)
            .map_err(|e| Error::Pdf(format!("subsetting {}: {e}", file.name)))?;
        let packed = super::deflate(&subset);
        pdf.stream(data_ref, &packed)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(subset.len()).unwrap_or(i32::MAX),
            );
        Ok(())
    }
}

/// Six capital letters derived from the glyph set, as PDF asks of subsets.
fn subset_tag(chars: &[(u16, char)]) -> String {
    let mut h: u32 = 2_166_136_261;
    for &(cid, c) in chars {
        for b in u32::from(cid)
            .to_le_bytes()
            .into_iter()
            .chain((c as u32).to_le_bytes())
        {
            h = (h ^ u32::from(b)).wrapping_mul(16_777_619);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_script_finds_a_font_and_unknown_characters_become_code_points() {
        let mut f = Fonts::new().expect("fonts");
        let mut out = Vec::new();
        f.glyphs('Ж', Style::Regular, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].font, 0);
        out.clear();
        f.glyphs('中', Style::Regular, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].font, FALLBACK);
        out.clear();
        f.glyphs('m', Style::Mono, &mut out);
        assert_eq!(out[0].font, 2);
        out.clear();
        // A private-use character no bundled font has.
        f.glyphs('\u{E000}', Style::Regular, &mut out);
        assert_eq!(out.len(), "<U+E000>".len());
        assert_eq!(f.used(), vec![0, 2, FALLBACK]);
    }

    #[test]
    fn a_glyph_used_twice_keeps_its_id() {
        let mut f = Fonts::new().expect("fonts");
        let mut out = Vec::new();
        f.glyphs('a', Style::Regular, &mut out);
        f.glyphs('b', Style::Regular, &mut out);
        f.glyphs('a', Style::Regular, &mut out);
        assert_eq!(out[0].cid, out[2].cid);
        assert_ne!(out[0].cid, out[1].cid);
        assert!(out[0].advance > 300.0 && out[0].advance < 800.0);
    }
}
