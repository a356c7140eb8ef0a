//! A report as a list of blocks. The sector report and the institution feedback build a
//! [`Doc`]; `html` and `pdf` lay the same blocks out, so both formats say the same thing.

use crate::chart::Chart;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    Subheading(String),
    Para(String),
    /// Small print: sources, anonymity notes.
    Note(String),
    Chart(Chart),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    PageBreak,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    pub subtitle: String,
    pub lang: mamori_i18n::Lang,
    pub blocks: Vec<Block>,
}

impl Doc {
    /// Every text of the document in order (headings, paragraphs, table cells, chart
    /// labels): what snapshot tests and search compare.
    pub fn texts(&self) -> Vec<String> {
        let mut out = vec![self.title.clone(), self.subtitle.clone()];
        for b in &self.blocks {
            match b {
                Block::Heading(s) | Block::Subheading(s) | Block::Para(s) | Block::Note(s) => {
                    out.push(s.clone())
                }
                Block::Chart(c) => out.extend(c.labels()),
                Block::Table { head, rows } => {
                    out.extend(head.iter().cloned());
                    out.extend(rows.iter().flatten().cloned());
                }
                Block::PageBreak => {}
            }
        }
        out
    }
}
