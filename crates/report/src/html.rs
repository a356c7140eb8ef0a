//! A document as one self-contained HTML file: inline style, inline SVG charts, no scripts,
//! no outside resources; print-ready on A4.

use crate::doc::{Block, Doc};
use maud::{html, Markup, PreEscaped, DOCTYPE};

const STYLE: &str = "
body{font-family:'IPAexGothic','Hiragino Sans','Noto Sans JP',sans-serif;color:#212529;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.6}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:1px solid #ced4da;margin-top:2rem}h3{font-size:1.05rem}
.subtitle,.note{color:#6c757d}.note{font-size:.8rem}
table{border-collapse:collapse;width:100%;font-size:.8rem;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #ced4da;padding:.2rem .4rem;text-align:right}th:first-child,td:first-child{text-align:left}
figure{margin:.5rem 0 1rem}svg.chart text{font-family:inherit}
@page{size:A4;margin:18mm}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}figure,table{break-inside:avoid}.pagebreak{break-after:page}}
";

/// The body of a document (for embedding in a page of the web UI).
pub fn body(doc: &Doc) -> Markup {
    html! {
        @for b in &doc.blocks {
            @match b {
                Block::Heading(s) => h2 { (s) },
                Block::Subheading(s) => h3 { (s) },
                Block::Para(s) => p { (s) },
                Block::Note(s) => p.note { (s) },
                Block::Chart(c) => figure { (PreEscaped(c.svg())) },
                Block::Table { head, rows } => table {
                    thead { tr { @for h in head { th scope="col" { (h) } } } }
                    tbody { @for r in rows { tr { @for (j, c) in r.iter().enumerate() {
                        @if j == 0 { th scope="row" { (c) } } @else { td { (c) } }
                    } } } }
                },
                Block::PageBreak => div.pagebreak {},
            }
        }
    }
}

/// A complete HTML file.
pub fn render(doc: &Doc) -> String {
    html! {
        (DOCTYPE)
        html lang=(doc.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (doc.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    h1 { (doc.title) }
                    p.subtitle { (doc.subtitle) }
                    (body(doc))
                }
            }
        }
    }
    .into_string()
}
