//! Reports as documents. `sector` (the annual report) and `feedback` (one institution after
//! a campaign) build a [`doc::Doc`] from figures that `mamori-analytics` computed; `html`,
//! `pdf` and `xlsx` write it. Charts are drawn once ([`chart::Chart::draw`]) onto SVG or a PDF
//! page.
//!
//! No database and no HTTP: callers pass the figures in.

pub mod chart;
pub mod doc;
pub mod feedback;
pub mod html;
pub mod pdf;
pub mod sector;
pub mod xlsx;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("font: {0}")]
    Font(String),
    #[error("workbook: {0}")]
    Xlsx(String),
}

/// Output formats of the sector report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Xlsx,
}

impl Format {
    pub fn from_code(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
        }
    }
}

/// The sector report in one format.
pub fn sector_report(
    r: &mamori_analytics::report::SectorReport,
    ctx: &sector::SectorContext,
    lang: mamori_i18n::Lang,
    format: Format,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Html => Ok(html::render(&sector::document(r, ctx, lang)).into_bytes()),
        Format::Pdf => pdf::render(&sector::document(r, ctx, lang)),
        Format::Xlsx => xlsx::render(r, lang),
    }
}
