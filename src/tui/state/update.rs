//! What each action does, by context.

use crate::domain::cost;
use strum::VariantArray;

use crate::domain::model::{
    Model, PRESET_NAME_MAX, PresetConfig, StyleReference, TrackField, validate_preset_name,
};
use crate::generate::{GenerationSettings, Job, Mode};
use crate::tui::action::Action;

/// The one location Lyria 3 is served at.
const GLOBAL_LOCATION: &str = "global";
use crate::tui::keymap::Context;
use crate::tui::state::form::Activated;
use crate::tui::state::input::LineInput;
use crate::tui::state::log::{About, Target};
use crate::tui::state::popup::{Confirm, Discard, InputBox, InputPurpose, Popup, Setting};
use crate::tui::state::{AppState, Focus, Outbox, Pending, PresetSave, SetupCheck, ViewLimits};
use crate::worker::Request;

impl AppState {
    /// Applies one user action; returns whether the screen needs a redraw.
    pub fn apply(&mut self, action: Action, out: &mut dyn Outbox) -> bool {
        self.notice = None;
        match action {
            Action::ForceQuit => {
                self.quit = true;
                return true;
            }
            Action::Suspend => {
                self.suspend = true;
                return true;
            }
            _ => {}
        }
        let ctx = self.context();
        if action == Action::Help {
            self.toggle_help(ctx);
            return true;
        }
        let handled = match ctx {
            Context::Presets => self.on_presets(action, out),
            Context::Filter => self.on_filter(action),
            Context::Form => self.on_form(action),
            Context::FieldEdit => self.on_field_edit(action),
            Context::Lyrics => self.on_lyrics(action),
            Context::LyricsEdit => self.on_lyrics_edit(action),
            Context::Prompt => self.on_prompt(action),
            Context::Log => self.on_log(action, out),
            Context::LogFilter => self.on_log_filter(action, out),
            Context::Details => self.on_details(action),
            Context::Help | Context::HelpSearch => self.on_help(action),
            Context::Confirm => self.on_confirm(action, out),
            Context::Input => self.on_input(action, out),
            Context::Settings => self.on_settings(action, out),
            Context::Variations => self.on_variations(action, out),
        };
        let redraw =
            handled.unwrap_or_else(|action| ctx.has_globals() && self.on_global(action, out));
        self.note_draft();
        self.note_settings(out);
        redraw
    }

    /// Actions every pane shares.
    fn on_global(&mut self, action: Action, out: &mut dyn Outbox) -> bool {
        match action {
            Action::FocusNext => self.focus = self.focus.step(1),
            Action::FocusPrev => self.focus = self.focus.step(-1),
            Action::FocusPane(n) => match Focus::ORDER.get(usize::from(n).wrapping_sub(1)) {
                Some(f) => self.focus = *f,
                None => return false,
            },
            Action::Zoom => self.zoom = !self.zoom,
            Action::Generate => self.generate(out),
            Action::Variations => self.open_variations(),
            Action::Save => {
                let name = self.suggest_preset_name();
                self.popups
                    .push(Popup::Input(InputBox::new(InputPurpose::SavePreset, name)));
            }
            Action::NewTrack if self.form.has_work() => self
                .popups
                .push(Popup::Confirm(Confirm::Discard(Discard::NewTrack))),
            Action::NewTrack => self.new_track(),
            Action::Settings => self.popups.push(Popup::Settings { row: 0 }),
            Action::Quit => match self.log.active_count() {
                0 => self.quit = true,
                running => self.popups.push(Popup::Confirm(Confirm::Quit { running })),
            },
            _ => return false,
        }
        true
    }

    /// Opens the help over whatever is shown (a text field keeps what was
    /// typed), or closes it.
    fn toggle_help(&mut self, ctx: Context) {
        if matches!(ctx, Context::Help | Context::HelpSearch) {
            self.popups.pop();
        } else {
            self.popups.push(Popup::Help {
                scroll: 0,
                search: LineInput::default(),
                typing: false,
            });
        }
    }

    fn new_track(&mut self) {
        self.form.clear();
        self.focus = Focus::Form;
        self.info("New empty track; fill in the genre");
    }

    fn on_presets(&mut self, action: Action, out: &mut dyn Outbox) -> Result<bool, Action> {
        if let Some(delta) = self.step(&action) {
            self.move_preset(delta, out);
            return Ok(true);
        }
        match action {
            Action::Activate => self.load_selected(out),
            Action::Filter => self.presets.filtering = true,
            Action::Sort => self.presets.cycle_sort(),
            Action::Back if !self.presets.filter().text().is_empty() => self.presets.clear_filter(),
            Action::Delete => match self.presets.selected() {
                Some(p) => {
                    let name = p.name.clone();
                    self.popups.push(Popup::Confirm(Confirm::Delete(name)));
                }
                None => return Ok(false),
            },
            _ => return Err(action),
        }
        Ok(true)
    }

    /// Rows in a page of the list or log last drawn.
    pub(super) fn page(&self) -> isize {
        self.view.list_page.max(1) as isize
    }

    /// How far a movement key moves the selection of a list: a row, a
    /// page, or to either end.
    fn step(&self, action: &Action) -> Option<isize> {
        Some(match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -self.page(),
            Action::PageDown => self.page(),
            Action::First => isize::MIN / 2,
            Action::Last => isize::MAX / 2,
            _ => return None,
        })
    }

    fn move_preset(&mut self, delta: isize, out: &mut dyn Outbox) {
        self.presets.move_by(delta);
        self.peek_selected(out);
    }

    /// Reads the selected preset for its details (tips, warnings) unless it
    /// was read already.
    pub(super) fn peek_selected(&mut self, out: &mut dyn Outbox) {
        let Some(p) = self.presets.selected() else {
            return;
        };
        if p.is_broken() || self.presets.details(&p.name).is_some() {
            return;
        }
        let name = p.name.clone();
        let already = self
            .pending
            .values()
            .any(|w| matches!(w, Pending::Load { name: n, .. } if *n == name));
        if !already {
            let request = Request::LoadPreset { name: name.clone() };
            self.request(out, request, Pending::Load { name, apply: false });
        }
    }

    /// Loads the selected preset, asking first when it would replace edits.
    fn load_selected(&mut self, out: &mut dyn Outbox) {
        let Some(p) = self.presets.selected() else {
            return;
        };
        if let Some(error) = &p.error {
            let text = format!("{} cannot be loaded: {error}", p.name);
            self.error(text);
            return;
        }
        let name = p.name.clone();
        if self.form.is_modified() {
            let load = Discard::Load(name);
            self.popups.push(Popup::Confirm(Confirm::Discard(load)));
            return;
        }
        self.load_preset(name, out);
    }

    fn load_preset(&mut self, name: String, out: &mut dyn Outbox) {
        if let Some(loaded) = self.presets.details(&name) {
            let preset = loaded.preset.clone();
            self.apply_preset(&preset, true);
            return;
        }
        let request = Request::LoadPreset { name: name.clone() };
        let id = self.request(out, request, Pending::Load { name, apply: true });
        self.latest_apply = Some(id);
    }

    /// Puts a preset in the form; `announce` says so in the footer (the
    /// start's automatic load does not, so the first screen shows keys).
    pub(super) fn apply_preset(&mut self, preset: &PresetConfig, announce: bool) {
        self.form.load_preset(preset);
        self.presets.used(&preset.name);
        self.latest_apply = None;
        if announce {
            self.info(format!("Loaded preset {}", preset.name));
        }
    }

    fn on_filter(&mut self, action: Action) -> Result<bool, Action> {
        match action {
            Action::Edit(key) => return Ok(self.presets.filter_mut().handle(key)),
            Action::Paste(text) => self.presets.filter_mut().insert_str(&text),
            Action::Up => self.presets.move_by(-1),
            Action::Down => self.presets.move_by(1),
            Action::Activate => self.presets.filtering = false,
            Action::Back => self.presets.clear_filter(),
            other => return Err(other),
        }
        Ok(true)
    }

    fn on_form(&mut self, action: Action) -> Result<bool, Action> {
        if let Some(delta) = self.step(&action) {
            self.form.move_by(delta);
            return Ok(true);
        }
        match action {
            Action::Less => self.form.adjust(-1),
            Action::More => self.form.adjust(1),
            Action::Activate => match self.form.activate() {
                Activated::Done => {}
                Activated::AddStyle => self.open_style(None),
                Activated::EditStyle(i) => self.open_style(Some(i)),
            },
            Action::AddStyle => self.open_style(None),
            Action::RemoveStyle => return Ok(self.form.remove_current_style()),
            _ => return Err(action),
        }
        Ok(true)
    }

    fn open_style(&mut self, index: Option<usize>) {
        let (purpose, text) = match index {
            Some(i) => (InputPurpose::EditStyle(i), self.form.style_text(i)),
            None => (InputPurpose::AddStyle, "style: ".to_string()),
        };
        self.popups.push(Popup::Input(InputBox::new(purpose, text)));
    }

    fn on_field_edit(&mut self, action: Action) -> Result<bool, Action> {
        match action {
            Action::Edit(key) => self.form.edit_key(key),
            Action::Paste(text) => self.form.edit_paste(&text),
            Action::Activate => self.form.commit_edit(),
            Action::Back => self.form.cancel_edit(),
            other => return Err(other),
        }
        Ok(true)
    }

    fn on_lyrics(&mut self, action: Action) -> Result<bool, Action> {
        match action {
            Action::Activate => self.form.set_lyrics_editing(true),
            // Pasting lyrics is the common way in: start the editor for it.
            Action::Paste(text) => {
                self.form.set_lyrics_editing(true);
                self.form.lyrics_paste(&text);
            }
            _ => return Err(action),
        }
        Ok(true)
    }

    fn on_lyrics_edit(&mut self, action: Action) -> Result<bool, Action> {
        match action {
            Action::Edit(key) => self.form.lyrics_key(key),
            Action::Undo => return Ok(self.form.lyrics_undo()),
            Action::Redo => return Ok(self.form.lyrics_redo()),
            Action::Paste(text) => self.form.lyrics_paste(&text),
            Action::Back => self.form.set_lyrics_editing(false),
            other => return Err(other),
        }
        Ok(true)
    }

    fn on_prompt(&mut self, action: Action) -> Result<bool, Action> {
        match action {
            Action::Up => self.scroll_prompt(-1),
            Action::Down => self.scroll_prompt(1),
            Action::PageUp => self.scroll_prompt(-i32::from(self.view.prompt_page)),
            Action::PageDown => self.scroll_prompt(i32::from(self.view.prompt_page)),
            Action::First => self.prompt_scroll = 0,
            Action::Last => self.prompt_scroll = self.view.prompt_max,
            _ => return Err(action),
        }
        Ok(true)
    }

    /// Scrolls by wrapped rows, stopping where the last row is at the
    /// bottom of the pane as last drawn.
    fn scroll_prompt(&mut self, delta: i32) {
        let to = (i32::from(self.prompt_scroll) + delta).clamp(0, i32::from(self.view.prompt_max));
        self.prompt_scroll = to as u16;
    }

    fn on_details(&mut self, action: Action) -> Result<bool, Action> {
        let view = self.view;
        let Some(
            Popup::Details { scroll, .. }
            | Popup::Take { scroll, .. }
            | Popup::Compare { scroll, .. },
        ) = self.popups.last_mut()
        else {
            return Err(action);
        };
        if scroll_popup(scroll, &action, view) {
            return Ok(true);
        }
        match action {
            Action::Back => {
                self.popups.pop();
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn on_help(&mut self, action: Action) -> Result<bool, Action> {
        let view = self.view;
        let Some(Popup::Help {
            scroll,
            search,
            typing,
        }) = self.popups.last_mut()
        else {
            return Err(action);
        };
        if *typing {
            match action {
                Action::Edit(key) => {
                    *scroll = 0;
                    return Ok(search.handle(key));
                }
                Action::Paste(text) => search.insert_str(&text),
                Action::Activate => *typing = false,
                Action::Back => {
                    *search = LineInput::default();
                    *typing = false;
                }
                Action::Up | Action::Down => {
                    scroll_popup(scroll, &action, view);
                }
                other => return Err(other),
            }
            *scroll = (*scroll).min(view.popup_max.unwrap_or(u16::MAX));
            return Ok(true);
        }
        if scroll_popup(scroll, &action, view) {
            return Ok(true);
        }
        match action {
            Action::Filter => *typing = true,
            Action::Back | Action::Quit => {
                self.popups.pop();
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn on_confirm(&mut self, action: Action, out: &mut dyn Outbox) -> Result<bool, Action> {
        let yes = match action {
            Action::Yes => true,
            Action::No | Action::Back => false,
            _ => return Ok(false),
        };
        let Some(Popup::Confirm(question)) = self.popups.pop() else {
            return Ok(false);
        };
        if let Confirm::Replace(name) = &question
            && !yes
        {
            // Back to the name, to choose another.
            self.popups.push(Popup::Input(InputBox::new(
                InputPurpose::SavePreset,
                name.clone(),
            )));
            return Ok(true);
        }
        if !yes {
            return Ok(true);
        }
        match question {
            Confirm::Replace(name) => self.save_details(name, true),
            Confirm::Overwrite(preset) => {
                let request = Request::SavePreset {
                    preset: (*preset).clone(),
                    overwrite: true,
                };
                self.request(out, request, Pending::Save(preset));
            }
            Confirm::Delete(name) => {
                self.request(out, Request::DeletePreset { name }, Pending::Delete);
            }
            Confirm::Quit { .. } => self.quit = true,
            Confirm::Discard(Discard::NewTrack) => self.new_track(),
            Confirm::UseGlobal(model) => {
                self.settings.key.location = GLOBAL_LOCATION.to_string();
                self.info(format!("Location global: {model} runs there"));
            }
            Confirm::Discard(Discard::Load(name)) => self.load_preset(name, out),
            Confirm::Discard(Discard::Take(id)) => {
                self.load_then(&id, crate::tui::state::takes::AfterLoad::Edit, out)
            }
            Confirm::DeleteTake(id) => self.delete_take(id, out),
            Confirm::Spend { job, .. } => self.send_generate(*job, out),
            Confirm::SpendMany { jobs, .. } => {
                let n = jobs.len();
                for job in jobs {
                    self.send_generate(job, out);
                }
                self.info(format!(
                    "{n} variations sent, {} at a time",
                    crate::tui::state::variations::IN_FLIGHT
                ));
            }
        }
        Ok(true)
    }

    fn on_input(&mut self, action: Action, out: &mut dyn Outbox) -> Result<bool, Action> {
        let Some(Popup::Input(input)) = self.popups.last_mut() else {
            return Err(action);
        };
        match action {
            Action::Edit(key) => {
                if input.input.handle(key) {
                    input.error = None;
                }
            }
            Action::Paste(text) => input.input.insert_str(&text),
            Action::Back => {
                self.popups.pop();
            }
            Action::Activate => {
                let purpose = input.purpose;
                let text = input.input.text().trim().to_string();
                // The box is closed where it is: a submit may open the next.
                let at = self.popups.len() - 1;
                match self.submit(purpose, text, out) {
                    Ok(()) => {
                        self.popups.remove(at);
                    }
                    Err(e) => {
                        if let Some(Popup::Input(input)) = self.popups.get_mut(at) {
                            input.error = Some(e);
                        }
                    }
                }
            }
            other => return Err(other),
        }
        Ok(true)
    }

    /// Acts on a text box's value, or says why it cannot.
    fn submit(
        &mut self,
        purpose: InputPurpose,
        text: String,
        out: &mut dyn Outbox,
    ) -> Result<(), String> {
        match purpose {
            InputPurpose::SavePreset => self.save_name(text),
            InputPurpose::PresetDescription => self.save_description(text, out),
            InputPurpose::PresetTips => {
                self.save_preset((!text.is_empty()).then_some(text), out);
                Ok(())
            }
            InputPurpose::AddStyle | InputPurpose::EditStyle(_) => {
                let style = StyleReference::parse_flag(&text).map_err(|e| e.message)?;
                let index = match purpose {
                    InputPurpose::EditStyle(i) => Some(i),
                    _ => None,
                };
                self.form.set_style(index, style);
                Ok(())
            }
            InputPurpose::Project => {
                self.settings.key.project = (!text.is_empty()).then_some(text);
                self.setup_check = SetupCheck::NotRun;
                Ok(())
            }
            InputPurpose::Location if text.is_empty() => Err("a location is required".to_string()),
            InputPurpose::Location => {
                self.settings.key.location = text;
                self.setup_check = SetupCheck::NotRun;
                Ok(())
            }
        }
    }

    /// A name for "save as" that replaces nothing: the loaded preset's
    /// name with the next free `_2`, `_3`, ….
    fn suggest_preset_name(&self) -> String {
        let Some(source) = self.form.source() else {
            return String::new();
        };
        let base = match source.name.rsplit_once('_') {
            Some((base, n)) if !base.is_empty() && n.parse::<u32>().is_ok() => base,
            _ => source.name.as_str(),
        };
        (2u32..)
            .map(|n| {
                let suffix = format!("_{n}");
                let keep = PRESET_NAME_MAX.saturating_sub(suffix.len());
                let base: String = base.chars().take(keep).collect();
                format!("{base}{suffix}")
            })
            .find(|name| !self.presets.contains(name))
            .unwrap_or_default()
    }

    /// Save, step 1: the name, checked at once against the presets listed
    /// (a name in use asks whether to replace it before the other steps);
    /// then the description and tips, pre-filled from the loaded preset.
    fn save_name(&mut self, name: String) -> Result<(), String> {
        validate_preset_name(&name).map_err(|e| e.message)?;
        let check = PresetConfig::from_track(name.clone(), None, None, self.form.track());
        if let Err(errors) = check.validate() {
            return Err(format!("fix the form first: {errors}"));
        }
        if self.presets.contains(&name) {
            self.popups.push(Popup::Confirm(Confirm::Replace(name)));
        } else {
            self.save_details(name, false);
        }
        Ok(())
    }

    /// Save, step 2 opens: the description box for `name`.
    fn save_details(&mut self, name: String, replace: bool) {
        let description = self
            .form
            .source()
            .and_then(|p| p.description.clone())
            .unwrap_or_default();
        self.preset_save = Some(PresetSave {
            name,
            description: None,
            replace,
        });
        self.popups.push(Popup::Input(InputBox::new(
            InputPurpose::PresetDescription,
            description,
        )));
    }

    /// Save, step 2. Tips written over several lines (in the file) are kept
    /// as they are: a one-line box would join them.
    fn save_description(&mut self, text: String, out: &mut dyn Outbox) -> Result<(), String> {
        if let Some(save) = &mut self.preset_save {
            save.description = (!text.is_empty()).then_some(text);
        }
        let tips = self.form.source().and_then(|p| p.tips.clone());
        match tips {
            Some(tips) if tips.contains('\n') => self.save_preset(Some(tips), out),
            tips => self.popups.push(Popup::Input(InputBox::new(
                InputPurpose::PresetTips,
                tips.unwrap_or_default(),
            ))),
        }
        Ok(())
    }

    /// Sends the save; an existing preset comes back as `Exists`, and the
    /// answer to "overwrite?" sends it again.
    fn save_preset(&mut self, tips: Option<String>, out: &mut dyn Outbox) {
        let Some(PresetSave {
            name,
            description,
            replace,
        }) = self.preset_save.take()
        else {
            return;
        };
        let preset = PresetConfig::from_track(name, description, tips, self.form.track());
        let request = Request::SavePreset {
            preset: preset.clone(),
            overwrite: replace,
        };
        self.request(out, request, Pending::Save(Box::new(preset)));
    }

    fn on_settings(&mut self, action: Action, out: &mut dyn Outbox) -> Result<bool, Action> {
        let Some(Popup::Settings { row }) = self.popups.last_mut() else {
            return Err(action);
        };
        let setting = Setting::VARIANTS[*row];
        match action {
            Action::Up => *row = row.saturating_sub(1),
            Action::Down => *row = (*row + 1).min(Setting::VARIANTS.len() - 1),
            Action::Back => {
                self.popups.pop();
            }
            Action::CheckSetup => {
                let subject = crate::doctor::Subject {
                    project: self.settings.key.project.clone(),
                    location: self.settings.key.location.clone(),
                    model: self.settings.model,
                    credentials: self.settings.key.credentials.clone(),
                    quota_project: self.settings.key.quota_project.clone(),
                    output_dir: self.paths.output_dir.clone(),
                    presets_dir: self.paths.presets_dir.clone(),
                    log_file: self.paths.log_path.clone(),
                };
                let request = Request::CheckSetup(Box::new(subject));
                let id = self.request(out, request, Pending::CheckSetup);
                self.setup_check = SetupCheck::Running(id);
            }
            Action::Less => {
                change_setting(&mut self.settings, setting, -1);
                self.setup_check = SetupCheck::NotRun;
                self.guide_setting(setting);
            }
            Action::More => {
                change_setting(&mut self.settings, setting, 1);
                self.setup_check = SetupCheck::NotRun;
                self.guide_setting(setting);
            }
            Action::Activate if setting == Setting::RestoreBuiltins => {
                self.request(out, Request::RestoreBuiltins, Pending::RestoreBuiltins);
            }
            Action::Activate => {
                let text = match setting {
                    Setting::Project => {
                        let project = self.settings.key.project.clone().unwrap_or_default();
                        Some((InputPurpose::Project, project))
                    }
                    Setting::Location => {
                        Some((InputPurpose::Location, self.settings.key.location.clone()))
                    }
                    Setting::Mode | Setting::Model | Setting::RestoreBuiltins => None,
                };
                match text {
                    Some((purpose, text)) => {
                        self.popups.push(Popup::Input(InputBox::new(purpose, text)))
                    }
                    None => {
                        change_setting(&mut self.settings, setting, 1);
                        self.guide_setting(setting);
                    }
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// After a change in the settings view, what gcp mode needs next: a
    /// project (the field opens), and for Lyria 3 the global location
    /// (offered).
    fn guide_setting(&mut self, setting: Setting) {
        let key = &self.settings.key;
        match setting {
            Setting::Mode if key.mode == Mode::Gcp && key.project.is_none() => {
                let mut input = InputBox::new(InputPurpose::Project, "");
                input.error = Some("gcp mode needs a project to run and bill requests".into());
                self.popups.push(Popup::Input(input));
            }
            Setting::Model
                if self.settings.model.requires_global() && key.location != GLOBAL_LOCATION =>
            {
                let model = self.settings.model;
                self.popups.push(Popup::Confirm(Confirm::UseGlobal(model)));
            }
            _ => {}
        }
    }

    fn generate(&mut self, out: &mut dyn Outbox) {
        if !self.ready_to_send() {
            return;
        }
        let job = Job {
            track: self.form.track().clone(),
            settings: GenerationSettings {
                output: self.output(),
                ..self.settings.clone()
            },
            preset: self.form.source().map(|p| p.name.clone()),
        };
        self.dispatch(job, out);
    }

    /// Whether the form's track can be sent as it is; if not, says why in
    /// the footer and moves to the first field to fix.
    pub(super) fn ready_to_send(&mut self) -> bool {
        if self.settings.key.mode == Mode::Gcp && self.settings.key.project.is_none() {
            self.error(
                "Not sent: gcp mode needs a Google Cloud project. Set a project: o → Project",
            );
            return false;
        }
        let problems = self.form.problems(&self.settings);
        if let Some(first) = problems.first() {
            let text = format!(
                "Not sent: {} field(s) to fix ({}: {})",
                problems.len(),
                first.field,
                first.message
            );
            let field = first.field.clone();
            let lyrics = first.is(TrackField::TextInput);
            self.error(text);
            if self.form.focus_error(&field) {
                self.focus = Focus::Form;
            } else if lyrics {
                self.focus = Focus::Lyrics;
            }
            return false;
        }
        true
    }

    /// Sends a job at once in simulate mode; in gcp mode asks first, with
    /// the cost.
    pub(super) fn dispatch(&mut self, job: Job, out: &mut dyn Outbox) {
        match self.settings.key.mode {
            Mode::Simulate => self.send_generate(job, out),
            Mode::Gcp => {
                let samples = job.track.sample_count.unwrap_or(1);
                let cost = cost::vertex(job.model(), samples);
                let job = Box::new(job);
                self.popups
                    .push(Popup::Confirm(Confirm::Spend { job, cost }));
            }
        }
    }

    pub(super) fn send_generate(&mut self, job: Job, out: &mut dyn Outbox) {
        let queued = queued_text(&job);
        let about = About::of(&job);
        let target = Target::of(&job);
        let id = self.request(out, Request::Generate(Box::new(job)), Pending::Generate);
        let name = about.name().to_string();
        let number = self.log.push(id, about, target, self.clock);
        // The worker's lines name the request; this one ties it to the
        // number the user sees.
        tracing::info!(request = id, "generation #{number} queued: {name:?}");
        self.info(format!("#{number} {queued}"));
        // The new generation is the first row; follow it.
        self.history_selected = 0;
    }
}

/// What the footer says of a job just queued (after its `#N`): what, how
/// and for how much. `queued: rock_anthem · simulate · lyria-002 · no
/// charge (gcp ~$0.0600)`.
fn queued_text(job: &Job) -> String {
    let model = job.model();
    let estimate = cost::vertex(model, job.track.sample_count.unwrap_or(1));
    let cost = match job.settings.key.mode {
        Mode::Simulate => format!("no charge (gcp ~{})", estimate.total_display()),
        Mode::Gcp => format!("~{}", estimate.total_display()),
    };
    let name = job.preset.as_deref().unwrap_or(&job.track.genre);
    let mode = job.settings.key.mode;
    format!("queued: {name} · {mode} · {model} · {cost}")
}

/// Scrolls a popup for a movement key; false for any other action.
fn scroll_popup(scroll: &mut u16, action: &Action, view: ViewLimits) -> bool {
    let max = view.popup_max.unwrap_or(u16::MAX);
    *scroll = match action {
        Action::Up => scroll.saturating_sub(1),
        Action::Down => scroll.saturating_add(1),
        Action::PageUp => scroll.saturating_sub(view.popup_page),
        Action::PageDown => scroll.saturating_add(view.popup_page),
        Action::First => 0,
        Action::Last => max,
        _ => return false,
    }
    .min(max);
    true
}

fn change_setting(settings: &mut GenerationSettings, setting: Setting, step: i64) {
    let cycle = |len: usize, at: usize| (at as i64 + step).rem_euclid(len as i64) as usize;
    match setting {
        Setting::Mode => {
            settings.key.mode = match settings.key.mode {
                Mode::Simulate => Mode::Gcp,
                Mode::Gcp => Mode::Simulate,
            }
        }
        Setting::Model => {
            let at = Model::VARIANTS
                .iter()
                .position(|m| *m == settings.model)
                .unwrap_or(0);
            settings.model = Model::VARIANTS[cycle(Model::VARIANTS.len(), at)];
        }
        Setting::Project | Setting::Location | Setting::RestoreBuiltins => {}
    }
}
