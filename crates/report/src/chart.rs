//! Charts, drawn once onto a [`Canvas`] that is either SVG (HTML reports, web pages) or a
//! PDF page. Coordinates are points, origin top left, y downwards.

use mamori_analytics::Distribution;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub const INK: Rgb = Rgb(33, 37, 41);
pub const GREY: Rgb = Rgb(108, 117, 125);
pub const RULE: Rgb = Rgb(206, 212, 218);
pub const ACCENT: Rgb = Rgb(13, 71, 161);
/// Yes, partial, no, other: from strong to absent.
pub const SERIES: [Rgb; 4] = [
    Rgb(13, 71, 161),
    Rgb(100, 149, 237),
    Rgb(230, 126, 34),
    Rgb(206, 212, 218),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

pub trait Canvas {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb);
    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: Rgb, width: f64);
    /// `y` is the text's baseline.
    fn text(&mut self, x: f64, y: f64, size: f64, s: &str, anchor: Anchor, fill: Rgb);
}

#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Horizontal bars on a 0–100 scale; `None` is a withheld group.
    Bars {
        title: String,
        rows: Vec<(String, Option<f64>)>,
        withheld: String,
    },
    /// Horizontal stacked bars of four shares (percent) per row.
    Stacked {
        title: String,
        legend: [String; 4],
        rows: Vec<(String, Option<[f64; 4]>)>,
        withheld: String,
    },
    /// Rows × columns of medians, 0–100.
    Heatmap {
        title: String,
        columns: Vec<String>,
        rows: Vec<(String, Vec<Option<f64>>)>,
    },
    /// Box plots on a 0–100 scale with an optional marker (the reader's own value).
    Boxes {
        title: String,
        rows: Vec<(String, Option<Distribution>)>,
        marker: Option<(String, f64)>,
        withheld: String,
    },
}

pub const WIDTH: f64 = 500.0;
const LABEL: f64 = 170.0;
const ROW: f64 = 16.0;
const TOP: f64 = 22.0;
const AXIS: f64 = 18.0;

fn pct(v: f64) -> String {
    format!("{v:.0}")
}

/// Blue scale for heatmap cells: light at 0, dark at 100.
fn heat(v: f64) -> Rgb {
    let t = (v / 100.0).clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    Rgb(mix(232.0, 13.0), mix(240.0, 71.0), mix(254.0, 161.0))
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Chart::Bars { title, .. }
            | Chart::Stacked { title, .. }
            | Chart::Heatmap { title, .. }
            | Chart::Boxes { title, .. } => title,
        }
    }

    pub fn labels(&self) -> Vec<String> {
        let mut out = vec![self.title().to_string()];
        match self {
            Chart::Bars { rows, .. } => out.extend(rows.iter().map(|r| r.0.clone())),
            Chart::Stacked { rows, legend, .. } => {
                out.extend(legend.iter().cloned());
                out.extend(rows.iter().map(|r| r.0.clone()));
            }
            Chart::Heatmap { rows, columns, .. } => {
                out.extend(columns.iter().cloned());
                out.extend(rows.iter().map(|r| r.0.clone()));
            }
            Chart::Boxes { rows, .. } => out.extend(rows.iter().map(|r| r.0.clone())),
        }
        out
    }

    pub fn height(&self) -> f64 {
        let rows = match self {
            Chart::Bars { rows, .. } => rows.len(),
            Chart::Stacked { rows, .. } => rows.len() + 1,
            Chart::Heatmap { rows, .. } => rows.len() + 1,
            Chart::Boxes { rows, .. } => rows.len(),
        };
        TOP + rows as f64 * ROW + AXIS
    }

    /// Draws the chart with its top-left corner at (x, y).
    pub fn draw(&self, c: &mut dyn Canvas, x: f64, y: f64) {
        c.text(x, y + 12.0, 10.0, self.title(), Anchor::Start, INK);
        let top = y + TOP;
        let plot_x = x + LABEL;
        let plot_w = WIDTH - LABEL - 30.0;
        let scale = |v: f64| plot_x + plot_w * v.clamp(0.0, 100.0) / 100.0;
        let axis = |c: &mut dyn Canvas, bottom: f64| {
            for t in [0.0, 25.0, 50.0, 75.0, 100.0] {
                c.line(scale(t), top, scale(t), bottom, RULE, 0.5);
                c.text(scale(t), bottom + 11.0, 7.5, &pct(t), Anchor::Middle, GREY);
            }
        };
        match self {
            Chart::Bars { rows, withheld, .. } => {
                let bottom = top + rows.len() as f64 * ROW;
                axis(c, bottom);
                for (i, (label, v)) in rows.iter().enumerate() {
                    let ry = top + i as f64 * ROW;
                    c.text(plot_x - 6.0, ry + 11.5, 8.5, label, Anchor::End, INK);
                    match v {
                        Some(v) => {
                            c.rect(plot_x, ry + 3.0, scale(*v) - plot_x, ROW - 6.0, ACCENT);
                            c.text(
                                scale(*v) + 3.0,
                                ry + 11.5,
                                8.0,
                                &pct(*v),
                                Anchor::Start,
                                INK,
                            );
                        }
                        None => c.text(plot_x + 3.0, ry + 11.5, 8.0, withheld, Anchor::Start, GREY),
                    }
                }
            }
            Chart::Stacked {
                legend,
                rows,
                withheld,
                ..
            } => {
                let mut lx = plot_x;
                for (i, l) in legend.iter().enumerate() {
                    c.rect(lx, top + 4.0, 8.0, 8.0, SERIES[i]);
                    c.text(lx + 11.0, top + 11.5, 8.0, l, Anchor::Start, INK);
                    lx += 75.0;
                }
                let top = top + ROW;
                let bottom = top + rows.len() as f64 * ROW;
                for t in [0.0, 50.0, 100.0] {
                    c.text(scale(t), bottom + 11.0, 7.5, &pct(t), Anchor::Middle, GREY);
                }
                for (i, (label, shares)) in rows.iter().enumerate() {
                    let ry = top + i as f64 * ROW;
                    c.text(plot_x - 6.0, ry + 11.5, 8.5, label, Anchor::End, INK);
                    match shares {
                        Some(s) => {
                            let mut at = 0.0;
                            for (k, v) in s.iter().enumerate() {
                                if *v > 0.0 {
                                    c.rect(
                                        scale(at),
                                        ry + 3.0,
                                        scale(at + v) - scale(at),
                                        ROW - 6.0,
                                        SERIES[k],
                                    );
                                }
                                at += v;
                            }
                        }
                        None => c.text(plot_x + 3.0, ry + 11.5, 8.0, withheld, Anchor::Start, GREY),
                    }
                }
            }
            Chart::Heatmap { columns, rows, .. } => {
                let cw = plot_w / columns.len().max(1) as f64;
                for (j, col) in columns.iter().enumerate() {
                    c.text(
                        plot_x + cw * (j as f64 + 0.5),
                        top + 11.0,
                        8.0,
                        col,
                        Anchor::Middle,
                        INK,
                    );
                }
                for (i, (label, cells)) in rows.iter().enumerate() {
                    let ry = top + (i + 1) as f64 * ROW;
                    c.text(plot_x - 6.0, ry + 11.5, 8.5, label, Anchor::End, INK);
                    for (j, v) in cells.iter().enumerate() {
                        let cx = plot_x + cw * j as f64;
                        match v {
                            Some(v) => {
                                c.rect(cx + 1.0, ry + 1.0, cw - 2.0, ROW - 2.0, heat(*v));
                                let ink = if *v > 55.0 { Rgb(255, 255, 255) } else { INK };
                                c.text(
                                    cx + cw / 2.0,
                                    ry + 11.5,
                                    8.0,
                                    &pct(*v),
                                    Anchor::Middle,
                                    ink,
                                );
                            }
                            None => {
                                c.text(cx + cw / 2.0, ry + 11.5, 8.0, "–", Anchor::Middle, GREY)
                            }
                        }
                    }
                }
            }
            Chart::Boxes {
                rows,
                marker,
                withheld,
                ..
            } => {
                let bottom = top + rows.len() as f64 * ROW;
                axis(c, bottom);
                for (i, (label, d)) in rows.iter().enumerate() {
                    let ry = top + i as f64 * ROW;
                    let mid = ry + ROW / 2.0;
                    c.text(plot_x - 6.0, ry + 11.5, 8.5, label, Anchor::End, INK);
                    match d {
                        Some(d) => {
                            c.line(scale(d.min), mid, scale(d.max), mid, GREY, 0.8);
                            c.rect(
                                scale(d.q1),
                                ry + 3.0,
                                (scale(d.q3) - scale(d.q1)).max(1.0),
                                ROW - 6.0,
                                SERIES[1],
                            );
                            c.line(
                                scale(d.median),
                                ry + 2.0,
                                scale(d.median),
                                ry + ROW - 2.0,
                                INK,
                                1.5,
                            );
                            c.text(
                                scale(d.max) + 3.0,
                                ry + 11.5,
                                7.5,
                                &format!("n={}", d.n),
                                Anchor::Start,
                                GREY,
                            );
                        }
                        None => c.text(plot_x + 3.0, ry + 11.5, 8.0, withheld, Anchor::Start, GREY),
                    }
                }
                if let Some((label, v)) = marker {
                    c.line(scale(*v), top - 2.0, scale(*v), bottom, SERIES[2], 1.5);
                    c.text(scale(*v), top - 4.0, 7.5, label, Anchor::Middle, SERIES[2]);
                }
            }
        }
    }
}

/// An SVG canvas: what the HTML report and the web pages embed.
pub struct Svg {
    body: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn color(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

impl Canvas for Svg {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb) {
        self.body.push_str(&format!(
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{}"/>"#,
            color(fill)
        ));
    }
    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: Rgb, width: f64) {
        self.body.push_str(&format!(
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{}" stroke-width="{width}"/>"#,
            color(stroke)
        ));
    }
    fn text(&mut self, x: f64, y: f64, size: f64, s: &str, anchor: Anchor, fill: Rgb) {
        let a = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        self.body.push_str(&format!(
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{a}" fill="{}">{}</text>"#,
            color(fill),
            esc(s)
        ));
    }
}

impl Chart {
    /// The chart as a standalone `<svg>` element, with its title as the accessible name.
    pub fn svg(&self) -> String {
        let mut s = Svg {
            body: String::new(),
        };
        self.draw(&mut s, 0.0, 0.0);
        let h = self.height();
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{}" viewBox="0 0 {WIDTH} {h:.0}" width="100%" style="max-width:{WIDTH}pt;font-family:sans-serif">{}</svg>"#,
            esc(self.title()),
            s.body
        )
    }
}
