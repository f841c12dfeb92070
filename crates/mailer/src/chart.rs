//! The brief's one chart: the price history of the models whose price moved most, drawn with
//! `plotters` into a PNG that mail clients show inline (by Content-ID) and browsers show as an
//! image. One small panel per listing, each on its own scale from zero, so a $0.05 model and
//! a $15 one are both readable; input and output prices as step lines, since a price holds
//! until the next pull that changed it.
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

pub const WIDTH: u32 = 640;
const PANEL_HEIGHT: u32 = 180;
const HEADER_HEIGHT: u32 = 34;

const OUTPUT: RGBColor = RGBColor(0x1f, 0x4e, 0x9c);
const INPUT: RGBColor = RGBColor(0xd9, 0x6c, 0x00);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);

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
    let cols = if drawable.len() == 1 { 1 } else { 2 };
    let rows = drawable.len().div_ceil(cols);
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

/// Draws the chart; `None` when there is nothing to draw.
pub fn price_history_png(history: &[PriceHistory]) -> Result<Option<Chart>, ChartError> {
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
    register_fonts()?;
    let mut buf = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (header, body) = root.split_vertically(HEADER_HEIGHT);
        let title = ("sans-serif", 15, FontStyle::Bold).into_font().color(&INK);
        let (first, last) = drawable
            .iter()
            .flat_map(|h| [secs(&h.points[0]), secs(&h.points[h.points.len() - 1])])
            .fold((f64::MAX, f64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
        header
            .draw_text(
                &format!("Price per 1M tokens, {} to {}", day(first), day(last)),
                &title,
                (12, 10),
            )
            .map_err(draw_err)?;
        let legend = ("sans-serif", 13).into_font().color(&INK);
        for (x, color, label) in [(400, OUTPUT, "output"), (500, INPUT, "input")] {
            header
                .draw(&Rectangle::new([(x, 16), (x + 22, 19)], color.filled()))
                .map_err(draw_err)?;
            header
                .draw_text(label, &legend, (x + 28, 10))
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
            let caption = ("sans-serif", 13, FontStyle::Bold).into_font().color(&INK);
            let mut chart = ChartBuilder::on(panel)
                .caption(&h.name, caption)
                .margin(8)
                .x_label_area_size(18)
                .y_label_area_size(48)
                // A little room either side, so the end markers are not cut in half.
                .build_cartesian_2d(x0 - (x1 - x0) * 0.03..x1 + (x1 - x0) * 0.03, 0.0..ymax)
                .map_err(draw_err)?;
            let x_label = |v: &f64| day(*v);
            let y_label = |v: &f64| axis_money(*v, ymax);
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .axis_style(GRID)
                .x_labels(3)
                .y_labels(4)
                .x_label_formatter(&x_label)
                .y_label_formatter(&y_label)
                .label_style(("sans-serif", 11).into_font().color(&INK))
                .draw()
                .map_err(draw_err)?;
            for (color, price) in [
                (
                    INPUT,
                    (|p: &PricePoint| f(p.input_per_mtok)) as fn(&PricePoint) -> _,
                ),
                (OUTPUT, |p: &PricePoint| f(p.output_per_mtok)),
            ] {
                for segment in steps(&h.points, price) {
                    chart
                        .draw_series(LineSeries::new(segment, color.stroke_width(2)))
                        .map_err(draw_err)?;
                }
                chart
                    .draw_series(
                        h.points
                            .iter()
                            .filter_map(|p| Some((secs(p), price(p)?)))
                            .map(|xy| Circle::new(xy, 3, color.filled())),
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
    for px in rgb.chunks_exact(3) {
        let px = [px[0], px[1], px[2]];
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
        indexed.push(i);
    }
    let fits = indexed.len() * 3 == rgb.len();
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, width, height);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Best);
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
        let mut buf = vec![0; reader.output_buffer_size()];
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
    fn the_chart_is_a_png_with_one_panel_row_per_two_models_and_both_price_lines() {
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
            (WIDTH, HEADER_HEIGHT + 2 * PANEL_HEIGHT)
        );
        assert_eq!((chart.width, chart.height), (info.width, info.height));
        assert_eq!(
            size(&h),
            Some((info.width, info.height)),
            "known without drawing"
        );
        assert!(
            has_colour(&pixels, OUTPUT),
            "the output price line is drawn"
        );
        assert!(has_colour(&pixels, INPUT), "the input price line is drawn");
        assert_eq!(chart.png[25], 3, "IHDR colour type 3: indexed");
        assert_eq!(
            info.color_type,
            png::ColorType::Rgb,
            "expanded from the palette"
        );
        assert!(chart.png.len() < 30_000, "{} bytes", chart.png.len());
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
