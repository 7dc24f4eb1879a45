//! The timeline over the results: bars per month, week or day (chosen to
//! give a readable number of bars for the span of the results, or by the
//! reader), a click on a bar or a drag across bars narrowing the query to
//! that period (`date:…`), and a tooltip that egui keeps inside the window.
//!
//! Narrowing is the zoom: once the results span a few months the bars
//! become weeks, then days. The bars are made in `logic` when results
//! arrive or the unit changes ([`TimelineState::rebuild`]), from the hits'
//! days counted by the search job, never while drawing.

use std::collections::BTreeMap;

use egui::Color32;
use egui_plot::{Bar, BarChart, Plot};

use super::Command;
use crate::time::{civil_from_days, days_from_civil, days_in_month};

/// Most bars drawn; a finer unit that would need more falls back to a
/// coarser one (and says so).
pub const MAX_BARS: usize = 1_500;
/// "Automatic" picks the finest unit with at most this many bars.
const AUTO_BARS: i64 = 62;

/// The unit of the bars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeUnit {
    /// Chosen from the span of the results.
    #[default]
    Auto,
    /// Calendar months.
    Months,
    /// Weeks from Monday (ISO).
    Weeks,
    /// Days (UTC).
    Days,
}

impl TimeUnit {
    /// The unit's name on the button.
    pub fn label(self) -> &'static str {
        match self {
            TimeUnit::Auto => "Auto",
            TimeUnit::Months => "Months",
            TimeUnit::Weeks => "Weeks",
            TimeUnit::Days => "Days",
        }
    }
}

/// One bar: a period (first and last day, days since 1970-01-01, UTC)
/// and how many results fall in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bin {
    /// First day of the period.
    pub first: i64,
    /// Last day of the period (inclusive).
    pub last: i64,
    /// Results dated in it.
    pub count: u64,
}

/// The timeline's bars and the unit asked for.
#[derive(Clone, Debug, Default)]
pub struct TimelineState {
    /// The unit the reader chose (Auto by default).
    pub unit: TimeUnit,
    /// The unit the bars are in (never Auto).
    pub shown: TimeUnit,
    /// The bars, oldest first, with empty periods between results kept.
    pub bins: Vec<Bin>,
    /// The chosen unit would have needed more than [`MAX_BARS`] bars.
    pub coarsened: bool,
}

impl TimelineState {
    /// Makes the bars for `days` (results per day) in the chosen unit.
    pub fn rebuild(&mut self, days: &BTreeMap<i64, u64>) {
        let (Some(&first), Some(&last)) = (days.keys().next(), days.keys().next_back()) else {
            self.bins.clear();
            self.shown = TimeUnit::Months;
            self.coarsened = false;
            return;
        };
        let span = last - first + 1;
        let want = match self.unit {
            TimeUnit::Auto if span <= AUTO_BARS => TimeUnit::Days,
            TimeUnit::Auto if span <= AUTO_BARS * 7 => TimeUnit::Weeks,
            TimeUnit::Auto => TimeUnit::Months,
            u => u,
        };
        let mut shown = want;
        let mut bins = bins_in(days, shown);
        while bins.len() > MAX_BARS && shown != TimeUnit::Months {
            shown = if shown == TimeUnit::Days {
                TimeUnit::Weeks
            } else {
                TimeUnit::Months
            };
            bins = bins_in(days, shown);
        }
        self.coarsened = shown != want;
        self.shown = shown;
        self.bins = bins;
    }
}

/// The period holding `day` in `unit`: (first day, last day).
fn period(day: i64, unit: TimeUnit) -> (i64, i64) {
    match unit {
        TimeUnit::Days => (day, day),
        TimeUnit::Weeks => {
            // 1970-01-01 was a Thursday: Monday is 3 days before it.
            let monday = day - (day + 3).rem_euclid(7);
            (monday, monday + 6)
        }
        TimeUnit::Auto | TimeUnit::Months => {
            let (y, m, _) = civil_from_days(day);
            let first = days_from_civil(y, m, 1);
            (first, first + i64::from(days_in_month(y, m)) - 1)
        }
    }
}

/// Bars from the first to the last dated result, empty ones included.
fn bins_in(days: &BTreeMap<i64, u64>, unit: TimeUnit) -> Vec<Bin> {
    let mut bins: Vec<Bin> = Vec::new();
    let Some((&first, _)) = days.iter().next() else {
        return bins;
    };
    let mut cur = period(first, unit);
    bins.push(Bin {
        first: cur.0,
        last: cur.1,
        count: 0,
    });
    for (&day, &n) in days {
        while day > cur.1 {
            cur = period(cur.1 + 1, unit);
            bins.push(Bin {
                first: cur.0,
                last: cur.1,
                count: 0,
            });
            if unit != TimeUnit::Months && bins.len() > MAX_BARS * 40 {
                // A span far beyond any unit's limit: the caller coarsens.
                return bins;
            }
        }
        if let Some(b) = bins.last_mut() {
            b.count += n;
        }
    }
    bins
}

/// `YYYY-MM-DD` of a day.
fn day_text(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM` of a day.
fn month_text(day: i64) -> String {
    let (y, m, _) = civil_from_days(day);
    format!("{y:04}-{m:02}")
}

/// A bar's name in the tooltip.
pub fn bin_label(b: &Bin, unit: TimeUnit) -> String {
    match unit {
        TimeUnit::Days => day_text(b.first),
        TimeUnit::Weeks => format!("week of {}", day_text(b.first)),
        TimeUnit::Auto | TimeUnit::Months => month_text(b.first),
    }
}

/// The query term for the bars `a..=b` (indices into `bins`).
pub fn range_term(bins: &[Bin], unit: TimeUnit, a: usize, b: usize) -> Option<String> {
    let (a, b) = (a.min(b), a.max(b));
    let (first, last) = (bins.get(a)?.first, bins.get(b)?.last);
    Some(match unit {
        TimeUnit::Auto | TimeUnit::Months if a == b => format!("date:{}", month_text(first)),
        TimeUnit::Auto | TimeUnit::Months => {
            format!("date:{}..{}", month_text(first), month_text(last))
        }
        _ if first == last => format!("date:{}", day_text(first)),
        _ => format!("date:{}..{}", day_text(first), day_text(last)),
    })
}

/// The timeline: unit buttons, the bars, click or drag to narrow.
pub fn timeline_ui(ui: &mut egui::Ui, t: &TimelineState) -> Vec<Command> {
    let mut out = Vec::new();
    ui.horizontal_wrapped(|ui| {
        ui.strong("Timeline");
        ui.weak("bars:");
        for u in [
            TimeUnit::Auto,
            TimeUnit::Months,
            TimeUnit::Weeks,
            TimeUnit::Days,
        ] {
            let shown = if u == TimeUnit::Auto && t.unit == TimeUnit::Auto {
                format!("Auto ({})", t.shown.label().to_lowercase())
            } else {
                u.label().to_owned()
            };
            if ui.selectable_label(t.unit == u, shown).clicked() && t.unit != u {
                out.push(Command::TimelineUnit(u));
            }
        }
    });
    if t.bins.is_empty() {
        ui.weak("No dated messages.");
        return out;
    }
    let n = t.bins.len();
    let drag_id = ui.scope_id().with("timeline-drag");
    let drag_from: Option<usize> = ui.data(|d| d.get_temp::<usize>(drag_id));
    let drag_to: Option<usize> = ui.data(|d| d.get_temp::<usize>(drag_id.with("to")));
    let (lo, hi) = match (drag_from, drag_to) {
        (Some(a), Some(b)) => (a.min(b), a.max(b)),
        _ => (usize::MAX, 0),
    };
    let accent = ui.visuals().selection.bg_fill;
    let normal = Color32::from_rgb(90, 140, 200);
    let bars: Vec<Bar> = t
        .bins
        .iter()
        .enumerate()
        .map(|(i, b)| {
            Bar::new(i as f64, b.count as f64)
                .width(0.9)
                .fill(if i >= lo && i <= hi { accent } else { normal })
        })
        .collect();
    // egui_plot's own hover label is drawn inside the plot and gets cut at
    // its edges; the tooltip below is placed by egui inside the window.
    let chart = BarChart::new("messages", bars).allow_hover(false);
    let unit = t.shown;
    let bins = &t.bins;
    let resp = Plot::new("timeline")
        .height(110.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .show_y(false)
        .include_x(-0.5)
        .include_x(n as f64 - 0.5)
        .include_y(0.0)
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < bins.len() {
                bin_label(&bins[i as usize], unit).replace("week of ", "")
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(chart);
            plot.pointer_coordinate()
        });
    let at = resp
        .inner
        .map(|p| p.x.round().clamp(0.0, (n - 1) as f64) as usize);
    let r = &resp.response;
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Figure, true, "Timeline chart"));
    if r.drag_started()
        && let Some(a) = at
    {
        ui.data_mut(|d| {
            d.insert_temp(drag_id, a);
            d.insert_temp(drag_id.with("to"), a);
        });
    } else if r.dragged()
        && let Some(a) = at
    {
        ui.data_mut(|d| d.insert_temp(drag_id.with("to"), a));
    }
    if r.drag_stopped() {
        if let Some(a) = drag_from
            && let Some(term) = range_term(&t.bins, unit, a, at.or(drag_to).unwrap_or(a))
        {
            out.push(Command::Refine(term));
        }
        ui.data_mut(|d| {
            d.remove::<usize>(drag_id);
            d.remove::<usize>(drag_id.with("to"));
        });
    } else if r.clicked()
        && let Some(term) = at.and_then(|a| range_term(&t.bins, unit, a, a))
    {
        out.push(Command::Refine(term));
    }
    if let Some(i) = at
        && let Some(b) = t.bins.get(i)
    {
        let text = match (drag_from, drag_to) {
            (Some(a), Some(z)) if a != z => {
                let (a, z) = (a.min(z), a.max(z));
                let total: u64 = t.bins[a..=z].iter().map(|b| b.count).sum();
                format!(
                    "{} to {}: {total} messages",
                    bin_label(&t.bins[a], unit),
                    bin_label(&t.bins[z], unit)
                )
            }
            _ => format!("{}: {} messages", bin_label(b, unit), b.count),
        };
        r.clone().on_hover_text_at_pointer(text);
    }
    if t.coarsened {
        ui.weak(format!(
            "Too many {} for one chart: shown in {}.",
            t.unit.label().to_lowercase(),
            t.shown.label().to_lowercase()
        ));
    }
    ui.weak("Click a bar for its period, drag across bars for a range.");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i64, m: u32, d: u32) -> i64 {
        days_from_civil(y, m, d)
    }

    #[test]
    fn automatic_bars_get_finer_as_the_span_narrows() {
        let mut t = TimelineState::default();
        let wide: BTreeMap<i64, u64> = [(day(2015, 1, 10), 3), (day(2016, 9, 2), 5)].into();
        t.rebuild(&wide);
        assert_eq!(t.shown, TimeUnit::Months);
        assert_eq!(t.bins.len(), 21, "Jan 2015 to Sep 2016, empty months kept");
        assert_eq!(t.bins[0].count, 3);
        assert_eq!(t.bins[20].count, 5);
        let months: BTreeMap<i64, u64> = [(day(2016, 7, 1), 1), (day(2016, 9, 30), 1)].into();
        t.rebuild(&months);
        assert_eq!(t.shown, TimeUnit::Weeks);
        let days: BTreeMap<i64, u64> = [(day(2016, 9, 1), 2), (day(2016, 9, 3), 4)].into();
        t.rebuild(&days);
        assert_eq!(t.shown, TimeUnit::Days);
        assert_eq!(
            t.bins.iter().map(|b| b.count).collect::<Vec<_>>(),
            vec![2, 0, 4]
        );
    }

    #[test]
    fn weeks_start_on_monday_and_ranges_become_date_terms() {
        // 2016-09-07 was a Wednesday.
        let (a, b) = period(day(2016, 9, 7), TimeUnit::Weeks);
        assert_eq!(
            (day_text(a), day_text(b)),
            ("2016-09-05".into(), "2016-09-11".into())
        );
        let mut t = TimelineState {
            unit: TimeUnit::Weeks,
            ..TimelineState::default()
        };
        let days: BTreeMap<i64, u64> = [(day(2016, 9, 7), 1), (day(2016, 9, 20), 1)].into();
        t.rebuild(&days);
        assert_eq!(t.bins.len(), 3);
        assert_eq!(
            range_term(&t.bins, t.shown, 0, 1).as_deref(),
            Some("date:2016-09-05..2016-09-18")
        );
        let months = bins_in(&days, TimeUnit::Months);
        assert_eq!(
            range_term(&months, TimeUnit::Months, 0, 0).as_deref(),
            Some("date:2016-09")
        );
        let span = bins_in(
            &[(day(2016, 1, 3), 1), (day(2016, 3, 3), 1)].into(),
            TimeUnit::Months,
        );
        assert_eq!(
            range_term(&span, TimeUnit::Months, 2, 0).as_deref(),
            Some("date:2016-01..2016-03")
        );
        let single = bins_in(&days, TimeUnit::Days);
        assert_eq!(
            range_term(&single, TimeUnit::Days, 0, 0).as_deref(),
            Some("date:2016-09-07")
        );
        // Every term parses.
        for term in [
            "date:2016-09-05..2016-09-18",
            "date:2016-09-07",
            "date:2016-01..2016-03",
        ] {
            crate::query::parse(term).expect(term);
        }
    }

    #[test]
    fn a_unit_too_fine_for_the_span_falls_back_and_says_so() {
        let mut t = TimelineState {
            unit: TimeUnit::Days,
            ..TimelineState::default()
        };
        let days: BTreeMap<i64, u64> = [(day(1950, 1, 1), 1), (day(2016, 1, 1), 1)].into();
        t.rebuild(&days);
        assert!(t.coarsened);
        assert_eq!(t.shown, TimeUnit::Months);
        assert!(t.bins.len() <= MAX_BARS);
        assert_eq!(t.bins.iter().map(|b| b.count).sum::<u64>(), 2);
    }
}
