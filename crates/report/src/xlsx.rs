//! The report's annex as a workbook: one sheet per table, numbers as numbers.

use crate::ReportError;
use mamori_analytics::benchmark::GroupFigure;
use mamori_analytics::report::{GroupSection, SectorReport};
use mamori_i18n::{t, Lang};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

fn e(err: rust_xlsxwriter::XlsxError) -> ReportError {
    ReportError::Xlsx(err.to_string())
}

fn header(ws: &mut Worksheet, cols: &[String]) -> Result<(), ReportError> {
    let bold = Format::new().set_bold();
    for (j, c) in cols.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, c, &bold)
            .map_err(e)?;
    }
    ws.set_freeze_panes(1, 1).map_err(e)?;
    Ok(())
}

fn opt(ws: &mut Worksheet, r: u32, c: u16, v: Option<f64>) -> Result<(), ReportError> {
    if let Some(v) = v {
        ws.write_number(r, c, (v * 10.0).round() / 10.0)
            .map_err(e)?;
    }
    Ok(())
}

fn shares(
    ws: &mut Worksheet,
    lang: Lang,
    sections: &[GroupSection],
    label: &dyn Fn(&str) -> String,
) -> Result<(), ReportError> {
    let mut cols = vec![t(lang, "report.col.group").to_string(), "n".into()];
    if let Some(s) = sections.first() {
        cols.extend(s.indicators.iter().map(|f| {
            format!(
                "{} ({})",
                t(lang, &format!("indicator.{}.short", f.indicator)),
                f.item
            )
        }));
    }
    header(ws, &cols)?;
    for (i, s) in sections.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, label(&s.group)).map_err(e)?;
        ws.write_number(r, 1, s.n as f64).map_err(e)?;
        for (j, f) in s.indicators.iter().enumerate() {
            opt(ws, r, j as u16 + 2, f.share)?;
        }
    }
    Ok(())
}

fn distributions(
    ws: &mut Worksheet,
    lang: Lang,
    figs: &[GroupFigure],
    label: &dyn Fn(&str) -> String,
) -> Result<(), ReportError> {
    let cols: Vec<String> = [
        t(lang, "report.col.group"),
        "n",
        "min",
        "q1",
        "median",
        "q3",
        "max",
        "mean",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header(ws, &cols)?;
    for (i, g) in figs.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, label(&g.key)).map_err(e)?;
        ws.write_number(r, 1, g.n as f64).map_err(e)?;
        if let Some(d) = g.distribution {
            for (j, v) in [d.min, d.q1, d.median, d.q3, d.max, d.mean]
                .iter()
                .enumerate()
            {
                opt(ws, r, j as u16 + 2, Some(*v))?;
            }
        }
    }
    Ok(())
}

pub fn render(r: &SectorReport, lang: Lang) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let group = |g: &str| t(lang, &format!("group.{g}")).to_string();
    let sector = |g: &str| t(lang, &format!("sector.{g}")).to_string();
    let bureau = |g: &str| t(lang, &format!("bureau.{g}")).to_string();
    {
        let ws = wb.add_worksheet().set_name("groups").map_err(e)?;
        let mut cols = vec![
            t(lang, "report.col.group").to_string(),
            "n".into(),
            "q1".into(),
            "median".into(),
            "q3".into(),
        ];
        cols.extend(r.domains.iter().cloned());
        header(ws, &cols)?;
        for (i, s) in r.sections.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, group(&s.group)).map_err(e)?;
            ws.write_number(row, 1, s.n as f64).map_err(e)?;
            opt(ws, row, 2, s.overall.map(|d| d.q1))?;
            opt(ws, row, 3, s.overall.map(|d| d.median))?;
            opt(ws, row, 4, s.overall.map(|d| d.q3))?;
            for (j, m) in s.domain_medians.iter().enumerate() {
                opt(ws, row, j as u16 + 5, *m)?;
            }
        }
    }
    shares(
        wb.add_worksheet()
            .set_name("indicators_by_group")
            .map_err(e)?,
        lang,
        &r.sections,
        &group,
    )?;
    shares(
        wb.add_worksheet()
            .set_name("indicators_by_sector")
            .map_err(e)?,
        lang,
        &r.indicators_by_sector,
        &sector,
    )?;
    distributions(
        wb.add_worksheet().set_name("sectors").map_err(e)?,
        lang,
        &r.by_sector,
        &sector,
    )?;
    distributions(
        wb.add_worksheet().set_name("bureaus").map_err(e)?,
        lang,
        &r.by_bureau,
        &bureau,
    )?;
    wb.save_to_buffer().map_err(e)
}
