//! The brief's one chart: the price history of the models whose price moved most, drawn with
//! `plotters` into a PNG that mail clients show inline (by Content-ID) and browsers show as an
//! image. One panel per listing, one panel per row, each on its own scale from zero, so a
//! $0.05 model and a $15 one are both readable; input and output prices as step lines, since a
//! price holds until the next pull that changed it; the date axis is labelled at the pulls
//! themselves.
//!
//! Drawn for a phone: the image is shown about 340 px wide on a 390 px screen (a little over
//! half its drawn width), so every label is drawn at 19 px or more to read at 11 px there. A
//! dark variant ([`Theme::Dark`]) is for pages that can offer one (`prefers-color-scheme`).
//!
//! The font (DejaVu Sans) is compiled in, so the chart looks the same on every machine.

use modelbrief_differ::{PriceHistory, PricePoint};
use plotters::prelude::*;
use plotters::style::FontStyle;
use rust_decimal::prelude::ToPrimitive;
use std::sync::OnceLock;

/// The Content-ID the brief's HTML refers to (`cid:…`) and the mail's inline part carries.
pub const CHART_CID: &str = "price-history@modelbrief";
/// The file name the web archive and `brief --out` use for the chart.
pub const CHART_FILE: &str = "price-history.png";

/// The file name of the dark variant on the web.
pub const CHART_DARK_FILE: &str = "price-history-dark.png";

pub const WIDTH: u32 = 600;
const PANEL_HEIGHT: u32 = 230;
const HEADER_HEIGHT: u32 = 76;
/// Type sizes in pixels of the drawn image (shown at ~0.57× on a phone).
const TITLE_PX: u32 = 24;
const CAPTION_PX: u32 = 22;
const LABEL_PX: u32 = 19;
/// Pull dates closer than this on the axis are not all labelled (they would overlap).
const MIN_TICK_GAP_PX: i32 = 74;

/// The chart's colours: light for mail (it carries its own background), dark for pages that
/// offer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

struct Palette {
    background: RGBColor,
    ink: RGBColor,
    grid: RGBColor,
    output: RGBColor,
    input: RGBColor,
}

const LIGHT: Palette = Palette {
    background: WHITE,
    ink: RGBColor(0x22, 0x22, 0x22),
    grid: RGBColor(0xe4, 0xe4, 0xe4),
    output: RGBColor(0x1f, 0x4e, 0x9c),
    input: RGBColor(0xd9, 0x6c, 0x00),
};

const DARK: Palette = Palette {
    background: RGBColor(0x1c, 0x1c, 0x1e),
    ink: RGBColor(0xe8, 0xe8, 0xe8),
    grid: RGBColor(0x3a, 0x3a, 0x3c),
    output: RGBColor(0x7a, 0xb0, 0xff),
    input: RGBColor(0xff, 0xa9, 0x4d),
};

impl Theme {
    fn palette(self) -> &'static Palette {
        match self {
            Theme::Light => &LIGHT,
            Theme::Dark => &DARK,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the chart font could not be loaded")]
    Font,
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("encoding the chart as PNG failed")]
    Encode(#[from] png::EncodingError),
}

/// A drawn chart.
#[derive(Debug, Clone)]
pub struct Chart {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn register_fonts() -> Result<(), ChartError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_ok()
            && plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold())
                .is_ok()
    });
    ok.then_some(()).ok_or(ChartError::Font)
}

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn f(d: Option<rust_decimal::Decimal>) -> Option<f64> {
    d.and_then(|d| d.to_f64())
}

fn secs(p: &PricePoint) -> f64 {
    p.at.datetime().timestamp() as f64
}

/// Step-line segments of one price series: a price holds until the next point; a point
/// without a price (the listing was absent) breaks the line.
fn steps(
    points: &[PricePoint],
    price: impl Fn(&PricePoint) -> Option<f64>,
) -> Vec<Vec<(f64, f64)>> {
    let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for w in points.windows(2) {
        match price(&w[0]) {
            Some(v) => {
                if current.is_empty() {
                    current.push((secs(&w[0]), v));
                }
                current.push((secs(&w[1]), v));
                if let Some(next) = price(&w[1]) {
                    current.push((secs(&w[1]), next));
                }
            }
            None => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

/// `$1.5`, `$0.25`, `$0.045`: enough decimals for the axis's range.
fn axis_money(v: f64, max: f64) -> String {
    let decimals = if max >= 10.0 {
        0
    } else if max >= 1.0 {
        1
    } else if max >= 0.1 {
        2
    } else {
        3
    };
    format!("${v:.decimals$}")
}

fn day(t: f64) -> String {
    chrono::DateTime::from_timestamp(t as i64, 0)
        .map(|d| d.format("%b %-d").to_string())
        .unwrap_or_default()
}

/// The panels: the listings worth one (two points at least), the grid's columns and rows, and
/// the image's size in pixels. `None` when there is nothing to draw.
struct Layout<'a> {
    drawable: Vec<&'a PriceHistory>,
    cols: usize,
    rows: usize,
    width: u32,
    height: u32,
}

fn layout(history: &[PriceHistory]) -> Option<Layout<'_>> {
    let drawable: Vec<&PriceHistory> = history.iter().filter(|h| h.points.len() >= 2).collect();
    if drawable.is_empty() {
        return None;
    }
    let cols = 1;
    let rows = drawable.len();
    Some(Layout {
        drawable,
        cols,
        rows,
        width: WIDTH,
        height: HEADER_HEIGHT + rows as u32 * PANEL_HEIGHT,
    })
}

/// The chart's size in pixels without drawing it (`None` when there is nothing to draw), for a
/// page that links the image instead of carrying it.
pub fn size(history: &[PriceHistory]) -> Option<(u32, u32)> {
    layout(history).map(|l| (l.width, l.height))
}

/// Draws the chart in the light theme (for mail); `None` when there is nothing to draw.
pub fn price_history_png(history: &[PriceHistory]) -> Result<Option<Chart>, ChartError> {
    price_history_png_themed(history, Theme::Light)
}

/// Draws the chart in `theme`; `None` when there is nothing to draw.
pub fn price_history_png_themed(
    history: &[PriceHistory],
    theme: Theme,
) -> Result<Option<Chart>, ChartError> {
    let Some(Layout {
        drawable,
        cols,
        rows,
        width,
        height,
    }) = layout(history)
    else {
        return Ok(None);
    };
    let pal = theme.palette();
    register_fonts()?;
    let mut buf = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        root.fill(&pal.background).map_err(draw_err)?;
        let (header, body) = root.split_vertically(HEADER_HEIGHT);
        let title = ("sans-serif", TITLE_PX, FontStyle::Bold)
            .into_font()
            .color(&pal.ink);
        let (first, last) = drawable
            .iter()
            .flat_map(|h| [secs(&h.points[0]), secs(&h.points[h.points.len() - 1])])
            .fold((f64::MAX, f64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
        header
            .draw_text(
                &format!("Price per 1M tokens, {} to {}", day(first), day(last)),
                &title,
                (12, 8),
            )
            .map_err(draw_err)?;
        let legend = ("sans-serif", LABEL_PX).into_font().color(&pal.ink);
        for (x, color, label) in [(12, pal.output, "output"), (130, pal.input, "input")] {
            header
                .draw(&Rectangle::new([(x, 51), (x + 26, 55)], color.filled()))
                .map_err(draw_err)?;
            header
                .draw_text(label, &legend, (x + 32, 42))
                .map_err(draw_err)?;
        }
        let panels = body.split_evenly((rows, cols));
        for (panel, h) in panels.iter().zip(&drawable) {
            let x0 = secs(&h.points[0]);
            let x1 = secs(h.points.last().expect("two points")).max(x0 + 1.0);
            let max = h
                .points
                .iter()
                .flat_map(|p| [f(p.input_per_mtok), f(p.output_per_mtok)])
                .flatten()
                .fold(0.0f64, f64::max);
            let ymax = if max > 0.0 { max * 1.2 } else { 1.0 };
            let caption = ("sans-serif", CAPTION_PX, FontStyle::Bold)
                .into_font()
                .color(&pal.ink);
            let pad = (x1 - x0) * 0.04;
            let mut chart = ChartBuilder::on(panel)
                .caption(&h.name, caption)
                .margin(10)
                .margin_right(24)
                .x_label_area_size(30)
                .y_label_area_size(72)
                // A little room either side, so the end markers are not cut in half.
                .build_cartesian_2d(x0 - pad..x1 + pad, 0.0..ymax)
                .map_err(draw_err)?;
            let y_label = |v: &f64| axis_money(*v, ymax);
            let label_style = ("sans-serif", LABEL_PX).into_font().color(&pal.ink);
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(pal.background)
                .bold_line_style(pal.grid)
                .axis_style(pal.grid)
                // The date axis is labelled at the pulls below, not at even intervals.
                .x_labels(0)
                .y_labels(4)
                .y_label_formatter(&y_label)
                .label_style(label_style.clone())
                .draw()
                .map_err(draw_err)?;
            // Ticks at the pull dates, skipping any that would overlap the last one drawn
            // (the last pull is always labelled).
            let mut ticks: Vec<(f64, i32)> = h
                .points
                .iter()
                .map(|p| (secs(p), chart.backend_coord(&(secs(p), 0.0)).0))
                .collect();
            ticks.dedup_by(|a, b| day(a.0) == day(b.0));
            let mut shown: Vec<(f64, i32)> = Vec::new();
            for (i, t) in ticks.iter().enumerate() {
                let last = i + 1 == ticks.len();
                if let Some(prev) = shown.last()
                    && t.1 - prev.1 < MIN_TICK_GAP_PX
                {
                    if !last {
                        continue;
                    }
                    shown.pop();
                }
                shown.push(*t);
            }
            let axis_y = chart.backend_coord(&(x0, 0.0)).1;
            let centred = label_style.pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            ));
            for (t, x) in &shown {
                root.draw(&PathElement::new(
                    vec![(*x, axis_y), (*x, axis_y + 5)],
                    pal.grid.stroke_width(2),
                ))
                .map_err(draw_err)?;
                root.draw_text(&day(*t), &centred, (*x, axis_y + 7))
                    .map_err(draw_err)?;
            }
            for (color, price) in [
                (
                    pal.input,
                    (|p: &PricePoint| f(p.input_per_mtok)) as fn(&PricePoint) -> _,
                ),
                (pal.output, |p: &PricePoint| f(p.output_per_mtok)),
            ] {
                for segment in steps(&h.points, price) {
                    chart
                        .draw_series(LineSeries::new(segment, color.stroke_width(3)))
                        .map_err(draw_err)?;
                }
                chart
                    .draw_series(
                        h.points
                            .iter()
                            .filter_map(|p| Some((secs(p), price(p)?)))
                            .map(|xy| Circle::new(xy, 5, color.filled())),
                    )
                    .map_err(draw_err)?;
            }
        }
        root.present().map_err(draw_err)?;
    }
    Ok(Some(Chart {
        png: encode(&buf, width, height)?,
        width,
        height,
    }))
}

/// PNG-encodes an RGB buffer: as an indexed image when it has at most 256 colours (a chart of a
/// few inks and their anti-aliased edges usually does), which is lossless and about half the
/// bytes of RGB; every recipient's copy of the brief carries it.
fn encode(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut palette: Vec<[u8; 3]> = Vec::new();
    let mut index: std::collections::HashMap<[u8; 3], u8> = std::collections::HashMap::new();
    let mut indexed = Vec::with_capacity(rgb.len() / 3);
    // Most pixels repeat their left neighbour (fills, backgrounds): only a new colour is hashed.
    let mut last: Option<([u8; 3], u8)> = None;
    for px in rgb.chunks_exact(3) {
        let px = [px[0], px[1], px[2]];
        if let Some((colour, i)) = last
            && colour == px
        {
            indexed.push(i);
            continue;
        }
        let i = match index.get(&px) {
            Some(i) => *i,
            None if palette.len() < 256 => {
                let i = palette.len() as u8;
                palette.push(px);
                index.insert(px, i);
                i
            }
            None => break,
        };
        last = Some((px, i));
        indexed.push(i);
    }
    let fits = indexed.len() * 3 == rgb.len();
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, width, height);
        encoder.set_depth(png::BitDepth::Eight);
        // Measured on a six-panel brief chart (600×1456, 367 colours, so RGB): deflate level
        // 1 without filtering takes 5 ms for 74 KB, the library's default 18 ms for 63 KB.
        // Unfiltered rows suit a chart's flat fills and exact palette better than the filters
        // meant for photographs (they only add bytes here).
        encoder.set_deflate_compression(png::DeflateCompression::Level(1));
        encoder.set_filter(png::Filter::NoFilter);
        if fits {
            encoder.set_color(png::ColorType::Indexed);
            encoder.set_palette(palette.concat());
        } else {
            encoder.set_color(png::ColorType::Rgb);
        }
        let mut writer = encoder.write_header()?;
        writer.write_image_data(if fits { &indexed } else { rgb })?;
    }
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelbrief_domain::Timestamp;
    use rust_decimal::Decimal;

    fn point(day: u32, input: Option<i64>, output: Option<i64>) -> PricePoint {
        PricePoint {
            at: Timestamp::parse(&format!("2026-07-{day:02}T06:00:00Z")).unwrap(),
            input_per_mtok: input.map(|v| Decimal::new(v, 2)),
            output_per_mtok: output.map(|v| Decimal::new(v, 2)),
        }
    }

    fn history(name: &str, points: Vec<PricePoint>) -> PriceHistory {
        PriceHistory {
            model: name.into(),
            name: name.into(),
            source: "openrouter".into(),
            listing: format!("x/{name}"),
            points,
        }
    }

    fn decode(png_bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    fn has_colour(pixels: &[u8], c: RGBColor) -> bool {
        pixels.chunks_exact(3).any(|p| p == [c.0, c.1, c.2])
    }

    #[test]
    fn nothing_to_draw_gives_no_chart() {
        assert!(price_history_png(&[]).unwrap().is_none());
        let one_point = history("a", vec![point(1, Some(10), Some(40))]);
        assert!(price_history_png(&[one_point]).unwrap().is_none());
    }

    #[test]
    fn the_chart_is_a_png_with_one_panel_per_row_and_both_price_lines_in_either_theme() {
        let h = vec![
            history(
                "Cut to free",
                vec![
                    point(1, Some(10), Some(40)),
                    point(6, Some(0), Some(0)),
                    point(13, Some(0), Some(0)),
                ],
            ),
            history(
                "Pricier",
                vec![point(1, Some(10), Some(10)), point(13, Some(15), Some(150))],
            ),
            history(
                "Gap",
                vec![
                    point(1, Some(10), Some(40)),
                    point(6, None, None),
                    point(9, Some(12), Some(40)),
                    point(13, Some(12), Some(40)),
                ],
            ),
        ];
        let chart = price_history_png(&h).unwrap().unwrap();
        assert_eq!(&chart.png[..8], b"\x89PNG\r\n\x1a\n");
        let (info, pixels) = decode(&chart.png);
        assert_eq!(
            (info.width, info.height),
            (WIDTH, HEADER_HEIGHT + 3 * PANEL_HEIGHT),
            "three listings, three rows: a phone shows each at full width"
        );
        assert_eq!((chart.width, chart.height), (info.width, info.height));
        assert_eq!(
            size(&h),
            Some((info.width, info.height)),
            "known without drawing"
        );
        assert!(
            has_colour(&pixels, LIGHT.output),
            "the output price line is drawn"
        );
        assert!(
            has_colour(&pixels, LIGHT.input),
            "the input price line is drawn"
        );
        assert!(!has_colour(&pixels, DARK.background));
        let dark = price_history_png_themed(&h, Theme::Dark).unwrap().unwrap();
        let (dinfo, dpixels) = decode(&dark.png);
        assert_eq!((dinfo.width, dinfo.height), (info.width, info.height));
        assert_eq!(
            &dpixels[..3],
            &[DARK.background.0, DARK.background.1, DARK.background.2]
        );
        assert!(has_colour(&dpixels, DARK.output) && has_colour(&dpixels, DARK.input));
        assert!(
            !has_colour(&dpixels, LIGHT.background),
            "no white left in the dark chart"
        );
        assert_eq!(chart.png[25], 3, "IHDR colour type 3: indexed");
        assert_eq!(
            info.color_type,
            png::ColorType::Rgb,
            "expanded from the palette"
        );
        assert!(chart.png.len() < 45_000, "{} bytes", chart.png.len());
    }

    #[test]
    fn an_image_of_more_than_256_colours_is_kept_as_rgb_and_nothing_is_lost() {
        let rgb: Vec<u8> = (0..300u32)
            .flat_map(|i| [(i % 256) as u8, (i / 256) as u8, 7])
            .collect();
        let png_bytes = encode(&rgb, 300, 1).unwrap();
        let (info, pixels) = decode(&png_bytes);
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(pixels, rgb);
        let few: Vec<u8> = (0..300u32).flat_map(|i| [(i % 3) as u8, 0, 9]).collect();
        let (info, pixels) = decode(&encode(&few, 300, 1).unwrap());
        assert_eq!((info.color_type, pixels), (png::ColorType::Rgb, few));
    }

    #[test]
    fn a_missing_price_breaks_the_line_instead_of_inventing_one() {
        let points = vec![
            point(1, Some(10), None),
            point(6, None, None),
            point(9, Some(12), None),
            point(13, Some(12), None),
        ];
        let segments = steps(&points, |p| f(p.input_per_mtok));
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].len(), 2, "day 1 to day 6 at the old price");
        assert!(segments[1].iter().all(|(_, v)| *v == 0.12));
        assert!(steps(&points, |p| f(p.output_per_mtok)).is_empty());
    }
}
