//! eframe's `ui()`: draws the panels and windows from the window's state
//! and collects the [`Command`]s they return; `logic` applies them before
//! the next frame. Nothing here reads the case or changes the state beyond
//! what egui edits in place (the query text, the export format).

use super::desk::Pane;
use super::{
    Command, MailsiftApp, attachments, batch, desk_ui, graph_ui, list, panels, people_ui, reading,
    report, sidebar,
};

impl MailsiftApp {
    /// Draws the window; what the panels asked for is kept for `logic`.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut cmds = Vec::new();
        egui::Panel::top("menu").show(ui, |ui| {
            cmds.extend(panels::menu_ui(
                ui,
                &self.settings,
                self.case_path.as_deref().map(|path| panels::OpenCase {
                    path,
                    name: self.cases.name.as_deref(),
                    reading: self.reading.is_some(),
                }),
                &self.import,
                &self.search,
                &self.list,
            ));
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            cmds.extend(panels::progress_ui(
                ui,
                &self.import,
                &self.export,
                self.status.as_ref(),
            ));
        });
        if self.case_path.is_none() {
            egui::CentralPanel::default().show(ui, |ui| {
                cmds.extend(panels::empty_state_ui(
                    ui,
                    &self.cases.recent,
                    self.settings.config.sample.as_deref(),
                    &self.settings.config.data_dir,
                ));
            });
        } else {
            cmds.extend(self.case_panels(ui));
        }
        cmds.extend(self.windows(&ctx));
        for cmd in cmds {
            match cmd {
                // Where the list is: its rows are fetched before the next
                // frame (drawn as placeholders until then).
                Command::RowsShown(r) => {
                    if self.list.lacks_summaries(r.clone()) {
                        ctx.request_repaint();
                    }
                    self.list.shown = r;
                }
                other => self.commands.push(other),
            }
        }
        if !self.commands.is_empty() {
            ctx.request_repaint();
        }
    }

    /// The panels of an open case: search bar, facets, reading pane, list.
    fn case_panels(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut cmds = Vec::new();
        egui::Panel::top("search").show(ui, |ui| {
            cmds.extend(panels::search_bar_ui(
                ui,
                &mut self.search,
                &self.list,
                &self.import,
                (&self.settings.persisted.history, self.desk.history),
            ));
        });
        // Side panels take at most a share of the window, so that the
        // list keeps room however narrow the window gets.
        let w = ui.available_width();
        let facets_max = (w * 0.22).max(140.0);
        let reading_max = (w * 0.42).max(260.0);
        egui::Panel::left("facets")
            .resizable(true)
            .default_size(220.0_f32.min(facets_max))
            .size_range(120.0..=facets_max)
            .show(ui, |ui| {
                // The facet names are cut to the panel's width, so they do
                // not size it: the panel keeps its own (default or dragged).
                ui.set_min_width(ui.available_width());
                cmds.extend(sidebar::saved_searches_ui(ui, &self.desk.saved));
                if let Some(res) = &self.search.results {
                    cmds.extend(panels::facets_ui(ui, res, &self.search.timeline));
                }
            });
        egui::Panel::right("reading")
            .resizable(true)
            .default_size((w * 0.36).clamp(340.0, 760.0).min(reading_max))
            .size_range(240.0..=reading_max)
            .show(ui, |ui| {
                let q = self.search.results.as_ref().map(|r| &r.query);
                cmds.extend(reading::reading_pane_ui(
                    ui,
                    self.reading.as_ref(),
                    q,
                    &self.desk,
                ));
                cmds.extend(desk_ui::pane_frame(ui, Pane::Reading, self.desk.active));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            let scroll = std::mem::take(&mut self.list.scroll_to_selected);
            // After a query that does not parse, the last results stay,
            // greyed and labelled as such.
            if self.search.error.is_some()
                && let Some(res) = &self.search.results
            {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "Still showing the results of the last query that worked: {}",
                        if res.query_text.trim().is_empty() {
                            "(everything)"
                        } else {
                            res.query_text.trim()
                        }
                    ),
                );
                ui.multiply_opacity(0.45);
            }
            let hits = self.search.results.as_ref().map_or(0, |r| r.hits.len());
            cmds.extend(desk_ui::list_bar_ui(ui, hits, self.list.marked.len()));
            if let Some(working) = self.search.working {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.weak(working);
                });
            }
            let importing = self
                .import
                .running
                .as_ref()
                .map(|i| i.progress.as_ref().map_or(0, |p| p.messages));
            cmds.extend(list::message_list_ui(
                ui,
                &self.list,
                self.search.sort,
                scroll,
                importing,
            ));
            cmds.extend(desk_ui::pane_frame(ui, Pane::List, self.desk.active));
        });
        cmds
    }

    /// The windows over the panels: report, export, help, source, attachment.
    fn windows(&mut self, ctx: &egui::Context) -> Vec<Command> {
        let mut cmds = Vec::new();
        if self.import.show_report {
            cmds.extend(report::import_report_ui(ctx, &self.import));
        }
        if self.export.show {
            let hits = self.search.results.as_ref().map_or(0, |r| r.hits.len());
            cmds.extend(panels::export_ui(
                ctx,
                &mut self.export,
                hits,
                self.list.marked.len(),
            ));
        }
        if let Some(text) = &mut self.cases.rename {
            cmds.extend(panels::rename_ui(ctx, text));
        }
        if let Some(w) = &mut self.desk.tag_window {
            cmds.extend(desk_ui::tag_window_ui(ctx, w, &self.desk.tags));
        }
        let author = self.author();
        if let Some(n) = &mut self.desk.note {
            cmds.extend(desk_ui::note_window_ui(ctx, n, &author));
        }
        cmds.extend(sidebar::saved_windows_ui(
            ctx,
            &mut self.desk.saved,
            &self.search.query,
        ));
        if let Some(b) = &mut self.desk.batch {
            cmds.extend(batch::batch_ui(ctx, b));
        }
        if self.case_path.is_some() {
            if self.people.show_people {
                cmds.extend(people_ui::people_window_ui(ctx, &mut self.people));
            }
            if self.people.show_graph {
                cmds.extend(graph_ui::graph_window_ui(ctx, &self.people));
            }
        }
        if self.search.show_help {
            cmds.extend(super::help::help_ui(ctx, &self.settings.cases_dir()));
        }
        if let Some(r) = &self.reading {
            if let Some(text) = &r.source {
                cmds.extend(reading::source_ui(ctx, text));
            }
            if let Some(view) = &r.attachment_view {
                let q = self.search.results.as_ref().map(|r| &r.query);
                cmds.extend(attachments::attachment_view_ui(ctx, view, q));
            }
        }
        cmds
    }
}
