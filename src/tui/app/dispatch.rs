//! Where messages and actions go: the screens' messages processed, and an action handled by
//! the app or handed to the screen in view.

use super::*;

impl App {
    /// Acts on what screens asked for, then brings the screen in view up to date.
    pub(super) fn process(&mut self, mut msgs: Vec<Msg>) {
        loop {
            let mut changed = false;
            for msg in std::mem::take(&mut msgs) {
                match msg {
                    Msg::Flash(s) => self.set_flash(s, false),
                    Msg::Error(s) => self.set_flash(s, true),
                    // A file's bytes go straight to the server: offline, say so now.
                    Msg::Effect(crate::tui::action::Effect::AttachFile { name, .. })
                        if self.online == Some(false) =>
                    {
                        self.set_flash(
                            format!(
                                "Not attached {}: offline. A file's bytes go straight to the server; attach it again when connected",
                                crate::text::sanitize(&name)
                            ),
                            true,
                        );
                    }
                    Msg::Effect(e) => self.effects.push(e),
                    Msg::Changed => changed = true,
                    Msg::Go(Place::Pane(p)) => self.pane = p,
                    Msg::Go(place) => self.history.open(self.pane, place),
                    Msg::Back => {
                        self.history.back(self.pane);
                    }
                    Msg::Await { request, after } => {
                        self.awaiting.insert(request, after);
                    }
                    Msg::CallEnded => self.call = None,
                    Msg::CallStarted => {
                        self.call = Some(crate::tui::call::CallTimer::start(self.now));
                    }
                }
            }
            if changed {
                self.data_changed();
            }
            // The screen in view catches up with the data.
            if self.history.catch_up(self.pane, self.generation) {
                msgs = self.on_screen_raw(|s, ctx| s.reload(ctx));
                self.history.drop_gone(self.pane);
                continue;
            }
            if msgs.is_empty() {
                break;
            }
        }
    }

    pub(super) fn global_or_screen(&mut self, action: Action) {
        match action {
            Action::Pane(p) => self.show(p),
            Action::NextPane => self.show(Pane::ALL[(self.pane.index() + 1) % 4]),
            Action::PrevPane => self.show(Pane::ALL[(self.pane.index() + 3) % 4]),
            Action::Leave => {
                if self.history.back(self.pane) {
                    self.process(Vec::new());
                } else {
                    self.effects.push(Effect::Quit);
                }
            }
            Action::Help => {
                // Every screen's bindings, the one in view first.
                let first = [self.pane_mode(), Mode::Global];
                let modes: Vec<Mode> = first
                    .into_iter()
                    .chain(Mode::ALL.into_iter().filter(|m| !first.contains(m)))
                    .collect();
                self.dialogs
                    .push(Dialog::Help(Help::new(&self.keymap, &modes)));
            }
            Action::CommandLine => {
                self.command = Some(CommandLine::new(Theme::names(self.theme_dir.as_deref())))
            }
            Action::Sync => {
                self.effects.push(Effect::SyncNow);
                self.set_flash("Sync requested", false);
            }
            Action::Conflicts => self.open_conflicts(),
            Action::Undo => self.undo(),
            Action::Reminders => self.open_reminders(),
            Action::Sales => self.open_sales(Place::Sales(self.me.role)),
            Action::Approvals => self.open_sales(Place::Approvals),
            Action::Callbacks => self.open_callbacks(),
            Action::Duplicates => self.open_duplicates(Entity::Customers),
            Action::Dashboard => self.open_dashboard(None),
            Action::Knowledge => self.open_knowledge(),
            Action::CallStart => match self.call {
                Some(c) => {
                    self.set_flash(format!("A call is running: {}", c.status(self.now)), false)
                }
                None => {
                    self.call = Some(crate::tui::call::CallTimer::start(self.now));
                    self.set_flash("Call timer started; Ctrl-E hangs up", false);
                }
            },
            Action::HangUp => match self.call.as_mut() {
                Some(c) => {
                    c.hang_up(self.now);
                    self.set_flash(
                        "Hung up: after-call work runs until the call is logged (c)",
                        false,
                    );
                }
                None => self.set_flash("No call is running (Ctrl-T starts the timer)", false),
            },
            Action::Outbox => self.process(vec![Msg::Go(Place::Outbox)]),
            other => {
                if let Some((capability, entity)) = self.needs(&other)
                    && self.source.may(capability, entity) == Some(false)
                {
                    return self.set_flash(denied(capability, entity), true);
                }
                self.on_screen(|s, ctx| s.handle(other, ctx))
            }
        }
    }
}
