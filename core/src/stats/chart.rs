//! The funnel as a picture: for each week of sign-up, one bar per stage, drawn in memory by
//! `plotters` with the contract's embedded font (no system font is needed) and encoded as PNG.
//! Sized for a phone held upright or sideways: large type, six strong colours, a legend.

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Beta, Stage};

/// Pixels: wide enough for eight weeks of six bars, small enough to send as a photo.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 800;

/// One colour per stage, in [`Stage::ALL`]'s order: from the widest (grey) to the goal (green).
pub const COLOURS: [(u8, u8, u8); 6] =
    [(120, 120, 130), (66, 133, 244), (0, 172, 193), (251, 188, 5), (234, 67, 53), (52, 168, 83)];

/// The words the picture shows, in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub title: String,
    /// One per stage, in [`Stage::ALL`]'s order.
    pub stages: [String; 6],
    /// One per week of `Beta::weeks`, e.g. "W49" or "S49".
    pub weeks: Vec<String>,
}

/// Why no picture could be drawn (the figures are still sent as text).
#[derive(Debug, thiserror::Error)]
#[error("drawing the statistics chart: {0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

const FONT: &str = "sans-serif";

/// Registers the embedded font with plotters, once per process.
fn fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, crate::contract::REGULAR_TTF)
            .and_then(|()| register_font(FONT, FontStyle::Bold, crate::contract::BOLD_TTF))
            .is_ok()
    });
    if *ok { Ok(()) } else { Err(ChartError("the embedded font cannot be read".into())) }
}

/// The funnel of `beta` by week, as a PNG image of [`WIDTH`] × [`HEIGHT`].
pub fn funnel_png(beta: &Beta, labels: &Labels) -> Result<Vec<u8>, ChartError> {
    fonts()?;
    let mut pixels = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    draw(beta, labels, &mut pixels)?;
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&pixels).map_err(err)?;
        writer.finish().map_err(err)?;
    }
    Ok(png_bytes)
}

fn draw(beta: &Beta, labels: &Labels, pixels: &mut [u8]) -> Result<(), ChartError> {
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let weeks = beta.weeks.len().max(1);
    let highest = beta.weeks.iter().flat_map(|w| w.funnel).max().unwrap_or(0).max(1);
    // Room above the tallest bar for its figure and for the legend (six lines, about a third of
    // the plot's height).
    let top = f64::from(highest) * 1.6 + 0.5;
    #[allow(clippy::cast_precision_loss)] // a handful of weeks
    let span = weeks as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(&labels.title, (FONT, 40).into_font().style(FontStyle::Bold))
        .margin(24)
        .x_label_area_size(56)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..span, 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(usize::try_from(highest).unwrap_or(6).clamp(1, 6) + 1)
        .y_label_style((FONT, 24))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    // Six bars per week in the middle 84 % of the week's width.
    let bar = 0.84 / 6.0;
    for (s, _) in Stage::ALL.iter().enumerate() {
        let (r, g, b) = COLOURS[s];
        let colour = RGBColor(r, g, b);
        let bars = beta.weeks.iter().enumerate().map(move |(i, w)| {
            #[allow(clippy::cast_precision_loss)]
            let left = i as f64 + 0.08 + bar * s as f64;
            Rectangle::new(
                [(left, 0.0), (left + bar * 0.9, f64::from(w.funnel[s]))],
                colour.filled(),
            )
        });
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(labels.stages[s].clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 9), (x + 18, y + 9)], colour.filled()));
        // The figure above each bar that is not empty.
        let figures =
            beta.weeks.iter().enumerate().filter(|(_, w)| w.funnel[s] > 0).map(move |(i, w)| {
                #[allow(clippy::cast_precision_loss)]
                let centre = i as f64 + 0.08 + bar * (s as f64 + 0.45);
                Text::new(
                    w.funnel[s].to_string(),
                    (centre, f64::from(w.funnel[s]) + top * 0.01),
                    TextStyle::from((FONT, 18).into_font())
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                )
            });
        chart.draw_series(figures).map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 24))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(err)?;
    // The weeks' names under their bars, drawn on the whole picture (outside the plot's clip).
    let style = (FONT, 26).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
    for (i, name) in labels.weeks.iter().enumerate().take(weeks) {
        #[allow(clippy::cast_precision_loss)]
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&Text::new(name.clone(), (x, y + 12), style.clone())).map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

    use super::*;
    use crate::stats::Week;
    use chrono::NaiveDate;

    fn beta() -> Beta {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let weeks = (0..5)
            .map(|i| Week {
                monday: monday + chrono::Duration::weeks(i),
                funnel: [40, 30, 25, 20, 8, u32::try_from(i).unwrap()],
                active_people: 12,
                active_days: 30,
            })
            .collect();
        Beta { weeks, answered: 9, unanswered: 3 }
    }

    fn labels() -> Labels {
        Labels {
            title: "Entonnoir de la bêta, par semaine d'inscription".into(),
            stages: ["inscrits", "profil", "validé", "recherche", "proposé", "réservé"]
                .map(str::to_owned),
            weeks: (45..50).map(|w| format!("S{w}")).collect(),
        }
    }

    /// The picture is a PNG of the announced size, each stage's bars appear in their colour,
    /// and text is drawn (dark pixels under the plot, where the weeks' names are).
    #[test]
    fn the_funnel_is_a_png_with_every_stage_and_the_weeks_named() {
        let bytes = funnel_png(&beta(), &labels()).unwrap();
        if let Some(path) = std::env::var_os("FLOWSTAGE_CHART_OUT") {
            std::fs::write(path, &bytes).unwrap();
        }
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let pixels: Vec<(u8, u8, u8)> =
            buf[..info.buffer_size()].chunks(3).map(|p| (p[0], p[1], p[2])).collect();
        for (s, colour) in COLOURS.iter().enumerate() {
            let n = pixels.iter().filter(|p| *p == colour).count();
            assert!(n > 200, "stage {s}: {n} pixels of its colour");
        }
        let bottom = &pixels[(HEIGHT as usize - 60) * WIDTH as usize..];
        let dark = bottom.iter().filter(|(r, g, b)| *r < 90 && *g < 90 && *b < 90).count();
        assert!(dark > 100, "the weeks' names are drawn: {dark} dark pixels");
    }

    #[test]
    fn an_empty_beta_still_draws() {
        let empty = Beta { weeks: vec![Week::default()], ..Beta::default() };
        let labels = Labels { weeks: vec!["W1".into()], ..labels() };
        assert!(funnel_png(&empty, &labels).unwrap().starts_with(b"\x89PNG"));
    }
}
