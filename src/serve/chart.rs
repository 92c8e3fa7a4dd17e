//! Charts as SVG text, drawn on the server: a price map (scatter on log axes)
//! and a price history (steps over time). A small writer rather than a
//! plotting crate: two chart shapes, classes instead of colours (the style
//! sheet colours them, in light and dark schemes alike), a link and a tooltip
//! per point, and nothing to load in the browser. Coordinates are `f64` for
//! drawing only; the amounts shown in tooltips and axes are the exact ones.

use std::fmt::Write;

/// The drawing area inside the SVG, in its own units.
const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 52.0;

/// One value axis.
pub struct Axis {
    pub label: String,
    pub min: f64,
    pub max: f64,
    pub log: bool,
}

impl Axis {
    /// An axis spanning `values`, with some room: by powers of ten when `log`.
    pub fn fit(label: &str, values: impl Iterator<Item = f64>, log: bool) -> Axis {
        let (mut min, mut max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if !min.is_finite() {
            (min, max) = (if log { 0.1 } else { 0.0 }, 1.0);
        }
        if log {
            min = 10f64.powf(min.log10().floor());
            max = 10f64.powf(max.log10().ceil());
            if min == max {
                max *= 10.0;
            }
        } else {
            min = min.min(0.0);
            if max <= min {
                max = min + 1.0;
            }
            let step = nice_step((max - min) / 5.0);
            min = (min / step).floor() * step;
            max = (max / step).ceil() * step;
        }
        Axis { label: label.to_owned(), min, max, log }
    }

    /// Where `v` falls, from 0 (min) to 1 (max).
    fn at(&self, v: f64) -> f64 {
        if self.log {
            (v.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
        } else {
            (v - self.min) / (self.max - self.min)
        }
    }

    /// The values to mark, with their text.
    fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            let (lo, hi) = (self.min.log10().round() as i32, self.max.log10().round() as i32);
            (lo..=hi).map(|e| (10f64.powi(e), number(10f64.powi(e)))).collect()
        } else {
            let step = nice_step((self.max - self.min) / 5.0);
            let n = ((self.max - self.min) / step).round() as i32;
            (0..=n).map(|i| self.min + step * f64::from(i)).map(|v| (v, number(v))).collect()
        }
    }
}

/// 1, 2 or 5 times a power of ten, at least `rough`.
fn nice_step(rough: f64) -> f64 {
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|&s| s >= rough * 0.999).unwrap_or(10.0 * power)
}

/// A tick's text: short, without float noise.
fn number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let text = if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{:.1$}", v, (1 - v.abs().log10().floor() as i32).max(0) as usize)
    };
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

/// One dot of a scatter: where it is, its class (for its colour), its link and tooltip.
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub class: String,
    pub href: String,
    pub title: String,
}

/// A scatter plot of `dots`, each a link.
pub fn scatter(title: &str, dots: &[Dot], x: &Axis, y: &Axis) -> String {
    let mut svg = frame(title, x, y);
    let mut taken: std::collections::HashMap<(i64, i64), u32> = std::collections::HashMap::new();
    for d in dots {
        let (cx, cy) = place(x, y, d.x, d.y);
        // Dots at the same place are set around it, so that none hides another.
        let n = taken.entry(((cx * 2.0) as i64, (cy * 2.0) as i64)).or_default();
        let (cx, cy) = spread(cx, cy, *n);
        *n += 1;
        let _ = write!(
            svg,
            r#"<a href="{}"><circle class="dot {}" cx="{cx:.1}" cy="{cy:.1}" r="5"><title>{}</title></circle></a>"#,
            attr(&d.href),
            attr(&d.class),
            text(&d.title)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The `n`th dot at one place: the first there, the next ones on rings around it.
fn spread(cx: f64, cy: f64, n: u32) -> (f64, f64) {
    if n == 0 {
        return (cx, cy);
    }
    let ring = f64::from((n - 1) / 6 + 1);
    let angle = f64::from(n) * std::f64::consts::TAU / 6.0 + ring * 0.5;
    (cx + 7.0 * ring * angle.cos(), cy + 7.0 * ring * angle.sin())
}

/// One line of a history chart: its class, and its values over time
/// (seconds since the epoch), each with a tooltip.
pub struct Series {
    pub class: String,
    pub points: Vec<(f64, f64, String)>,
}

/// Step lines over time: each value holds until the next; a point marks each change.
pub fn steps(title: &str, series: &[Series], time: (f64, f64), y: &Axis) -> String {
    let x = Axis { label: "time (UTC)".into(), min: time.0, max: time.1.max(time.0 + 1.0), log: false };
    let mut svg = frame_with(title, &x, y, time_ticks(&x));
    for s in series {
        let mut points: Vec<&(f64, f64, String)> = s.points.iter().collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut path = String::new();
        for (i, (t, v, _)) in points.iter().enumerate() {
            let (px, py) = place(&x, y, *t, *v);
            if i > 0 {
                let _ = write!(path, " H{px:.1} V{py:.1}");
            } else {
                let _ = write!(path, "M{px:.1} {py:.1}");
            }
        }
        if let Some((_, v, _)) = points.last() {
            let (px, py) = place(&x, y, x.max, *v);
            let _ = write!(path, " H{px:.1} V{py:.1}");
        }
        let _ = write!(svg, r#"<path class="line {}" d="{path}"/>"#, attr(&s.class));
        for (t, v, tip) in points {
            let (px, py) = place(&x, y, *t, *v);
            let _ = write!(
                svg,
                r#"<circle class="point {}" data-series="{}" cx="{px:.1}" cy="{py:.1}" r="5"><title>{}</title></circle>"#,
                attr(&s.class),
                attr(&s.class),
                text(tip)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Dates as ticks, at most six, each day once.
fn time_ticks(x: &Axis) -> Vec<(f64, String)> {
    let mut ticks: Vec<(f64, String)> = Vec::new();
    for i in 0..=5 {
        let t = x.min + (x.max - x.min) * f64::from(i) / 5.0;
        let day =
            jiff::Timestamp::from_second(t as i64).map(|ts| ts.strftime("%Y-%m-%d").to_string()).unwrap_or_default();
        if ticks.last().is_none_or(|(_, last)| *last != day) {
            ticks.push((t, day));
        }
    }
    ticks
}

fn place(x: &Axis, y: &Axis, vx: f64, vy: f64) -> (f64, f64) {
    let px = LEFT + x.at(vx).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT);
    let py = HEIGHT - BOTTOM - y.at(vy).clamp(0.0, 1.0) * (HEIGHT - TOP - BOTTOM);
    (px, py)
}

fn frame(title: &str, x: &Axis, y: &Axis) -> String {
    frame_with(title, x, y, x.ticks())
}

/// The SVG's opening, axes, grid and labels.
fn frame_with(title: &str, x: &Axis, y: &Axis, x_ticks: Vec<(f64, String)>) -> String {
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        attr(title),
        text(title)
    );
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP);
    for (v, label) in y.ticks() {
        let (_, py) = place(x, y, x.min, v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{x0}" y1="{py:.1}" x2="{x1}" y2="{py:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            x0 - 6.0,
            py + 4.0,
            text(&label)
        );
    }
    for (v, label) in x_ticks {
        let (px, _) = place(x, y, v, y.min);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{px:.1}" y1="{y0}" x2="{px:.1}" y2="{y1}"/><text class="tick" x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            y0 + 18.0,
            text(&label)
        );
    }
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/><line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/><text class="label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text class="label" transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        (x0 + x1) / 2.0,
        HEIGHT - 8.0,
        text(&x.label),
        (y0 + y1) / 2.0,
        text(&y.label)
    );
    svg
}

/// Text for an element's content.
fn text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Text for an attribute's value (always written in double quotes).
fn attr(s: &str) -> String {
    text(s).replace('"', "&quot;")
}

/// An exact amount as a point on a chart (a chart needs no more digits than a float holds).
pub fn as_f64(m: crate::money::Money) -> f64 {
    m.to_string().parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_span_whole_powers_of_ten() {
        let a = Axis::fit("x", [0.03, 2.5, 60.0].into_iter(), true);
        assert_eq!((a.min, a.max), (0.01, 100.0));
        assert_eq!(a.ticks().len(), 5);
        assert_eq!(a.ticks()[0].1, "0.01");
        assert!((a.at(1.0) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn text_from_the_catalog_cannot_break_out() {
        let dot = Dot {
            x: 1.0,
            y: 1.0,
            class: "p0".into(),
            href: "/models/x\"><script>".into(),
            title: "</title><script>alert(1)</script>".into(),
        };
        let svg = scatter(
            "<b>",
            &[dot],
            &Axis::fit("in", [1.0].into_iter(), true),
            &Axis::fit("out", [1.0].into_iter(), true),
        );
        assert!(!svg.contains("<script>") && !svg.contains("<b>"), "{svg}");
    }

    #[test]
    fn one_point_per_change() {
        let s = Series { class: "input".into(), points: vec![(0.0, 1.0, "a".into()), (10.0, 2.0, "b".into())] };
        let svg = steps("t", &[s], (0.0, 20.0), &Axis::fit("$", [1.0, 2.0].into_iter(), false));
        assert_eq!(svg.matches("<circle class=\"point input\"").count(), 2);
    }
}
