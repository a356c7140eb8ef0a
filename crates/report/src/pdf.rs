//! PDF output: a small writer of our own (objects, cross-reference table, one embedded font)
//! and a simple block layout on A4 pages.
//!
//! Text is set in IPAexGothic, subset to the glyphs used and embedded as a CID-keyed
//! TrueType font with a ToUnicode map, so that Japanese renders identically in every reader
//! and can be searched and copied.

use crate::chart::{Anchor, Canvas, Rgb, GREY, INK, RULE, WIDTH};
use crate::doc::{Block, Doc};
use crate::ReportError;
use std::collections::BTreeMap;
use std::fmt::Write;

const FONT: &[u8] = include_bytes!("../fonts/ipaexg.ttf");
const PAGE_W: f64 = 595.28;
const PAGE_H: f64 = 841.89;
const MARGIN: f64 = 48.0;

/// Glyph lookup and widths, and the glyphs used so far (old glyph id → new CID).
struct Font<'a> {
    face: ttf_parser::Face<'a>,
    upem: f64,
    remap: subsetter::GlyphRemapper,
    /// CID → (advance in 1/1000 em, the text it stands for).
    used: BTreeMap<u16, (f64, char)>,
}

impl<'a> Font<'a> {
    fn new() -> Result<Font<'a>, ReportError> {
        let face =
            ttf_parser::Face::parse(FONT, 0).map_err(|e| ReportError::Font(e.to_string()))?;
        Ok(Font {
            upem: face.units_per_em() as f64,
            face,
            remap: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        })
    }

    fn advance(&self, c: char) -> f64 {
        let gid = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        self.face.glyph_hor_advance(gid).unwrap_or(0) as f64 / self.upem
    }

    fn width(&self, s: &str, size: f64) -> f64 {
        s.chars().map(|c| self.advance(c)).sum::<f64>() * size
    }

    /// The hex string of CIDs for `s`, recording the glyphs it uses.
    fn encode(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len() * 4);
        for c in s.chars() {
            let gid = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
            let cid = self.remap.remap(gid.0);
            let adv = self.face.glyph_hor_advance(gid).unwrap_or(0) as f64 * 1000.0 / self.upem;
            self.used.entry(cid).or_insert((adv, c));
            let _ = write!(out, "{cid:04X}");
        }
        out
    }
}

/// Wraps text to `width`: at spaces where the text has them, anywhere in Japanese.
fn wrap(font: &Font, s: &str, size: f64, width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut w = 0.0;
        let mut last_space: Option<usize> = None;
        for c in para.chars() {
            let cw = font.advance(c) * size;
            if w + cw > width && !line.is_empty() {
                // Break at the last space only when it is near the end of the line: Japanese
                // breaks anywhere, and a space early in a Japanese line ("金融ISAC に") would
                // leave most of the line empty.
                let tail = last_space.map(|at| font.width(&line[at..], size));
                match last_space {
                    Some(at) if at > 0 && tail.is_some_and(|t| t < width * 0.3) => {
                        let rest = line[at + 1..].to_string();
                        line.truncate(at);
                        lines.push(std::mem::take(&mut line));
                        line = rest;
                    }
                    _ => lines.push(std::mem::take(&mut line)),
                }
                w = font.width(&line, size);
                last_space = None;
            }
            if c == ' ' {
                last_space = Some(line.len());
            }
            line.push(c);
            w += cw;
        }
        lines.push(line);
    }
    lines
}

struct Page {
    ops: String,
}

struct Writer<'a> {
    font: Font<'a>,
    pages: Vec<Page>,
    y: f64,
}

fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Writer<'_> {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.new_page();
        }
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }

    fn new_page(&mut self) {
        self.pages.push(Page { ops: String::new() });
        self.y = MARGIN;
    }

    fn ensure(&mut self, h: f64) {
        if self.pages.is_empty() || self.y + h > PAGE_H - MARGIN {
            self.new_page();
        }
    }

    fn show(&mut self, x: f64, y: f64, size: f64, s: &str, fill: Rgb) {
        let hex = self.font.encode(s);
        let ops = format!(
            "BT {} rg /F1 {} Tf {} {} Td <{hex}> Tj ET\n",
            rgb(fill),
            num(size),
            num(x),
            num(PAGE_H - y)
        );
        self.page().ops.push_str(&ops);
    }

    fn lines(&mut self, s: &str, size: f64, fill: Rgb, gap_after: f64) {
        let width = PAGE_W - 2.0 * MARGIN;
        for l in wrap(&self.font, s, size, width) {
            self.ensure(size * 1.5);
            self.y += size * 1.25;
            self.show(MARGIN, self.y, size, &l, fill);
            self.y += size * 0.25;
        }
        self.y += gap_after;
    }

    fn table(&mut self, head: &[String], rows: &[Vec<String>]) {
        let cols = head.len().max(1);
        let width = PAGE_W - 2.0 * MARGIN;
        // The first column holds names; the others hold figures.
        let first = if cols > 1 { width * 0.34 } else { width };
        let other = if cols > 1 {
            (width - first) / (cols - 1) as f64
        } else {
            0.0
        };
        let size = if cols > 6 { 7.0 } else { 8.0 };
        let col_x = |j: usize| {
            MARGIN
                + if j == 0 {
                    0.0
                } else {
                    first + other * (j - 1) as f64
                }
        };
        let col_w = |j: usize| if j == 0 { first } else { other };
        let draw_row = |w: &mut Self, cells: &[String]| {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .enumerate()
                .map(|(j, c)| wrap(&w.font, c, size, col_w(j) - 4.0))
                .collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f64;
            let h = lines * size * 1.3 + 4.0;
            w.ensure(h);
            let top = w.y;
            for (j, cell) in wrapped.iter().enumerate() {
                for (k, l) in cell.iter().enumerate() {
                    let y = top + size * 1.1 + k as f64 * size * 1.3 + 1.0;
                    w.show(col_x(j) + 2.0, y, size, l, INK);
                }
            }
            w.y += h;
            let y = PAGE_H - w.y;
            let rule = format!(
                "{} RG 0.5 w {} {} m {} {} l S\n",
                rgb(RULE),
                num(MARGIN),
                num(y),
                num(MARGIN + width),
                num(y)
            );
            w.page().ops.push_str(&rule);
        };
        draw_row(self, head);
        for r in rows {
            draw_row(self, r);
        }
        self.y += 8.0;
    }
}

/// Chart drawing on the current page, offset to (x0, y0).
struct PageCanvas<'w, 'a> {
    w: &'w mut Writer<'a>,
    x0: f64,
    y0: f64,
}

fn rgb(c: Rgb) -> String {
    format!(
        "{} {} {}",
        num(c.0 as f64 / 255.0),
        num(c.1 as f64 / 255.0),
        num(c.2 as f64 / 255.0)
    )
}

impl Canvas for PageCanvas<'_, '_> {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb) {
        let (x, y) = (self.x0 + x, self.y0 + y);
        let op = format!(
            "{} rg {} {} {} {} re f\n",
            rgb(fill),
            num(x),
            num(PAGE_H - y - h),
            num(w),
            num(h)
        );
        self.w.page().ops.push_str(&op);
    }
    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: Rgb, width: f64) {
        let op = format!(
            "{} RG {} w {} {} m {} {} l S\n",
            rgb(stroke),
            num(width),
            num(self.x0 + x1),
            num(PAGE_H - self.y0 - y1),
            num(self.x0 + x2),
            num(PAGE_H - self.y0 - y2)
        );
        self.w.page().ops.push_str(&op);
    }
    fn text(&mut self, x: f64, y: f64, size: f64, s: &str, anchor: Anchor, fill: Rgb) {
        let w = self.w.font.width(s, size);
        let x = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - w / 2.0,
            Anchor::End => x - w,
        };
        let (x0, y0) = (self.x0, self.y0);
        self.w.show(x0 + x, y0 + y, size, s, fill);
    }
}

/// Lays out and writes a document.
pub fn render(doc: &Doc) -> Result<Vec<u8>, ReportError> {
    let mut w = Writer {
        font: Font::new()?,
        pages: Vec::new(),
        y: MARGIN,
    };
    w.lines(&doc.title, 18.0, INK, 4.0);
    w.lines(&doc.subtitle, 10.0, GREY, 12.0);
    for b in &doc.blocks {
        match b {
            Block::Heading(s) => {
                w.ensure(60.0);
                w.y += 6.0;
                w.lines(s, 14.0, INK, 4.0);
            }
            Block::Subheading(s) => {
                w.ensure(40.0);
                w.lines(s, 11.5, INK, 2.0);
            }
            Block::Para(s) => w.lines(s, 9.5, INK, 5.0),
            Block::Note(s) => w.lines(s, 7.5, GREY, 5.0),
            Block::Chart(c) => {
                let h = c.height();
                w.ensure(h + 8.0);
                let (x0, y0) = (MARGIN + (PAGE_W - 2.0 * MARGIN - WIDTH).max(0.0) / 2.0, w.y);
                c.draw(&mut PageCanvas { w: &mut w, x0, y0 }, 0.0, 0.0);
                w.y = y0 + h + 8.0;
            }
            Block::Table { head, rows } => w.table(head, rows),
            Block::PageBreak => w.new_page(),
        }
    }
    // Page numbers.
    let total = w.pages.len();
    for i in 0..total {
        let label = format!("{} / {}", i + 1, total);
        let hex = w.font.encode(&label);
        let x = PAGE_W / 2.0 - w.font.width(&label, 8.0) / 2.0;
        let _ = writeln!(
            w.pages[i].ops,
            "BT {} rg /F1 8 Tf {} {} Td <{hex}> Tj ET",
            rgb(GREY),
            num(x),
            num(MARGIN / 2.0)
        );
    }
    write_file(&doc.title, w)
}

fn write_file(title: &str, w: Writer) -> Result<Vec<u8>, ReportError> {
    let Writer { font, pages, .. } = w;
    let subset =
        subsetter::subset(FONT, 0, &font.remap).map_err(|e| ReportError::Font(format!("{e:?}")))?;
    let mut out: Vec<u8> = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets: Vec<usize> = Vec::new();
    // Object numbers: 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor, 6 font file,
    // 7 ToUnicode, 8 info, then a page and its content for each page.
    let n_fixed = 8;
    let obj = |out: &mut Vec<u8>, offsets: &mut Vec<usize>, body: &[u8]| {
        offsets.push(out.len());
        let n = offsets.len();
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", n_fixed + 1 + 2 * i))
        .collect();
    obj(&mut out, &mut offsets, b"<< /Type /Catalog /Pages 2 0 R >>");
    obj(
        &mut out,
        &mut offsets,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .as_bytes(),
    );
    let name = "MAMORI+IPAexGothic";
    obj(
        &mut out,
        &mut offsets,
        format!("<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 7 0 R >>").as_bytes(),
    );
    let mut widths = String::new();
    for (cid, (adv, _)) in &font.used {
        let _ = write!(widths, "{cid} [{}] ", num(*adv));
    }
    obj(
        &mut out,
        &mut offsets,
        format!("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 1000 /W [{widths}] /CIDToGIDMap /Identity >>").as_bytes(),
    );
    let f = &font.face;
    let scale = |v: i16| num(v as f64 * 1000.0 / font.upem);
    let bb = f.global_bounding_box();
    obj(
        &mut out,
        &mut offsets,
        format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 6 0 R >>",
            scale(bb.x_min), scale(bb.y_min), scale(bb.x_max), scale(bb.y_max),
            scale(f.ascender()), scale(f.descender()), scale(f.capital_height().unwrap_or(f.ascender()))
        )
        .as_bytes(),
    );
    let mut file = format!(
        "<< /Length {} /Length1 {} >>\nstream\n",
        subset.len(),
        subset.len()
    )
    .into_bytes();
    file.extend_from_slice(&subset);
    file.extend_from_slice(b"\nendstream");
    obj(&mut out, &mut offsets, &file);
    let mut cmap = String::from("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n");
    let entries: Vec<(&u16, &(f64, char))> = font.used.iter().collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for (cid, (_, c)) in chunk {
            let mut utf16 = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut utf16)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(cmap, "<{cid:04X}> <{hex}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end");
    obj(
        &mut out,
        &mut offsets,
        format!("<< /Length {} >>\nstream\n{cmap}\nendstream", cmap.len()).as_bytes(),
    );
    let utf16_title: String = "\u{feff}"
        .encode_utf16()
        .chain(title.encode_utf16())
        .map(|u| format!("{u:04X}"))
        .collect();
    obj(
        &mut out,
        &mut offsets,
        format!("<< /Title <{utf16_title}> /Producer (mamori) >>").as_bytes(),
    );
    for (i, p) in pages.iter().enumerate() {
        let content = n_fixed + 2 + 2 * i;
        obj(
            &mut out,
            &mut offsets,
            format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>", num(PAGE_W), num(PAGE_H)).as_bytes(),
        );
        obj(
            &mut out,
            &mut offsets,
            format!(
                "<< /Length {} >>\nstream\n{}\nendstream",
                p.ops.len(),
                p.ops
            )
            .as_bytes(),
        );
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for o in &offsets {
        let _ = writeln!(table, "{o:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info 8 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        offsets.len() + 1
    );
    out.extend_from_slice(table.as_bytes());
    Ok(out)
}

/// Characters of `s` the embedded font has no glyph for (what would print as boxes).
pub fn missing_glyphs(s: &str) -> Vec<char> {
    let Ok(face) = ttf_parser::Face::parse(FONT, 0) else {
        return s.chars().collect();
    };
    s.chars()
        .filter(|c| !c.is_control() && face.glyph_index(*c).is_none())
        .collect()
}
