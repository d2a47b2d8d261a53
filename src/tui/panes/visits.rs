//! A return visit (回访) while calling, and a survey's results.
//!
//! The visit shows the customer, the contact's number and the survey's questions in both
//! languages with the answers given; Enter answers the chosen one (a scale or a choice from a
//! list, several choices by their numbers, text typed), each answer written at once; `x` finishes
//! the visit. What an answer must be is `rules::surveys`, checked here first and by the server
//! (a refusal names the question). A finished visit of a closed ticket gives the ticket its
//! satisfaction on the server.
//!
//! The results read the survey's visits from the replica and count them with
//! `rules::surveys::results`: per question how many answered, a scale's average, and each
//! point's or choice's count as a bar.

use crm_server::rules::surveys::{self, Kind, Question, SCALE};
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::{Map, Value, json};

use crate::tui::action::Action;
use crate::tui::data::{DataError, DataSource, Record, RecordQuery, text};
use crate::tui::dialogs::{Choice, Dialog, Picker, Prompt, Purpose};
use crate::tui::draw;
use crate::tui::keymap::Mode;
use crate::tui::screen::{Answer, Ctx, Screen, obj};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{After, Write};

/// The most visits a survey's results read.
const RESULTS_READ: usize = 100_000;

/// The most return visits of one customer read for its satisfaction.
const CUSTOMER_VISITS: usize = 200;

/// A customer's satisfaction from its finished return visits: the average of their
/// satisfaction answers (`rules::surveys::satisfaction`) and how many gave one; None when none.
pub fn customer_satisfaction(
    source: &dyn DataSource,
    customer: &str,
) -> Result<Option<(f64, usize)>, DataError> {
    let query = RecordQuery {
        filters: vec![
            ("customer_id".into(), json!(customer)),
            ("status".into(), json!("done")),
        ],
        ..RecordQuery::default()
    };
    let visits = source.records(Entity::ReturnVisits, &query, 0, CUSTOMER_VISITS)?;
    let mut by_survey: std::collections::HashMap<String, Vec<Question>> = Default::default();
    let mut scores = Vec::new();
    for v in &visits {
        let survey = text(v, "survey_id").to_string();
        if !by_survey.contains_key(&survey) {
            let questions = read_questions(source, &survey)?;
            by_survey.insert(survey.clone(), questions);
        }
        let answers = v.get("answers").and_then(Value::as_object);
        if let Some(score) = answers.and_then(|a| surveys::satisfaction(&by_survey[&survey], a)) {
            scores.push(score);
        }
    }
    Ok((!scores.is_empty()).then(|| {
        let sum: i64 = scores.iter().sum();
        (sum as f64 / scores.len() as f64, scores.len())
    }))
}

/// A survey's questions from the replica, in order.
fn read_questions(source: &dyn DataSource, survey: &str) -> Result<Vec<Question>, DataError> {
    let query = RecordQuery {
        filters: vec![("survey_id".into(), json!(survey))],
        sort: Some("position".into()),
        ..RecordQuery::default()
    };
    let records = source.records(Entity::SurveyQuestions, &query, 0, 200)?;
    Ok(surveys::ordered(
        records.iter().filter_map(Question::from_record).collect(),
    ))
}

/// The questions, a failed read reported on the status bar.
fn questions_of(survey: &str, ctx: &mut Ctx) -> Vec<Question> {
    let read = read_questions(&*ctx.source, survey);
    ctx.ok(read)
}

#[derive(Debug, Clone, PartialEq)]
pub struct VisitView {
    pub id: String,
    pub visit: Record,
    pub questions: Vec<Question>,
    pub survey_title: String,
    pub customer: String,
    /// The contact's name and number, for the call.
    pub contact: String,
    pub chosen: usize,
    pub gone: bool,
}

impl VisitView {
    pub fn new(id: &str) -> VisitView {
        VisitView {
            id: id.to_string(),
            visit: Record::new(),
            questions: Vec::new(),
            survey_title: String::new(),
            customer: String::new(),
            contact: String::new(),
            chosen: 0,
            gone: false,
        }
    }

    /// The answers held, as the record has them.
    pub fn answers(&self) -> Map<String, Value> {
        self.visit
            .get("answers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// An answer as shown: a scale's stars, several choices joined.
    fn shown(q: &Question, value: Option<&Value>) -> String {
        match value {
            None | Some(Value::Null) => "—".into(),
            Some(v) if q.kind == Kind::Scale => match surveys::scale_value(v) {
                Some(n) => format!("{n} {}", "★".repeat(n.clamp(0, 5) as usize)),
                None => v.to_string(),
            },
            Some(Value::String(s)) => surveys::choices(s).join(" · "),
            Some(v) => v.to_string(),
        }
    }

    /// Writes the answers (and the status, when finishing) off the UI thread.
    fn write(&mut self, answers: Map<String, Value>, finish: bool, ctx: &mut Ctx) {
        let mut patch = json!({ "answers": answers });
        if finish {
            patch["status"] = json!("done");
        }
        self.visit.insert("answers".into(), Value::Object(answers));
        ctx.write_then(
            Write::Update {
                entity: Entity::ReturnVisits,
                id: self.id.clone(),
                patch: obj(patch),
            },
            After::Say {
                done: if finish {
                    "Return visit finished".into()
                } else {
                    "Answer saved".into()
                },
                refused: "not saved: ".into(),
            },
        );
    }

    fn ask(&self, ctx: &mut Ctx) {
        let Some(q) = self.questions.get(self.chosen) else {
            return;
        };
        let purpose = Purpose::VisitAnswer {
            visit: self.id.clone(),
            question: q.id.clone(),
        };
        let title = format!("{}. {}", q.position, q.text_zh);
        match q.kind {
            Kind::Scale => {
                let choices = (SCALE.0..=SCALE.1)
                    .rev()
                    .map(|n| {
                        Choice::new(
                            n.to_string(),
                            format!("{n} {}", "★".repeat(n as usize)),
                            q.text_en.clone(),
                        )
                    })
                    .collect();
                ctx.open(Dialog::Picker(Picker::new(title, purpose, choices)));
            }
            Kind::Single => {
                let choices = q.choices.iter().map(|c| Choice::new(c, c, "")).collect();
                ctx.open(Dialog::Picker(Picker::new(title, purpose, choices)));
            }
            Kind::Multiple => {
                let listed: Vec<String> = q
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{} {c}", i + 1))
                    .collect();
                let p = Prompt::new(title, "The numbers of the choices, e.g. 1 3", purpose)
                    .hint(listed.join(" · "));
                ctx.open(Dialog::Prompt(p));
            }
            Kind::Text => {
                let now = self
                    .answers()
                    .get(&q.id)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let p = Prompt::new(title, q.text_en.clone(), purpose).value(&now);
                ctx.open(Dialog::Prompt(p));
            }
        }
    }
}

/// Several choices typed by their numbers ("1 3", "1,3"): their texts one a line, or why not.
pub fn picked_choices(q: &Question, typed: &str) -> Result<String, String> {
    let mut out: Vec<&str> = Vec::new();
    for word in typed.split(|c: char| c.is_whitespace() || c == ',' || c == '，') {
        if word.is_empty() {
            continue;
        }
        let n: usize = word
            .parse()
            .map_err(|_| format!("«{word}» is not a choice's number"))?;
        let choice = q
            .choices
            .get(n.wrapping_sub(1))
            .ok_or_else(|| format!("there is no choice {n}"))?;
        if !out.contains(&choice.as_str()) {
            out.push(choice);
        }
    }
    Ok(out.join("\n"))
}

impl Screen for VisitView {
    fn reload(&mut self, ctx: &mut Ctx) {
        let Some(visit) = ctx.ok(ctx.source.get(Entity::ReturnVisits, &self.id)) else {
            self.gone = true;
            ctx.error("That return visit is no longer here");
            return;
        };
        let survey = text(&visit, "survey_id").to_string();
        self.questions = questions_of(&survey, ctx);
        self.survey_title = ctx.label_of(Entity::Surveys, &survey);
        self.customer = ctx.label_of(Entity::Customers, text(&visit, "customer_id"));
        self.contact = match crate::tui::data::opt_text(&visit, "contact_id") {
            Some(c) => match ctx.ok(ctx.source.get(Entity::Contacts, c)) {
                Some(k) => {
                    let phone = [text(&k, "mobile"), text(&k, "phone")]
                        .into_iter()
                        .find(|p| !p.is_empty())
                        .unwrap_or_default()
                        .to_string();
                    format!("{} {phone}", text(&k, "name"))
                }
                None => String::new(),
            },
            None => String::new(),
        };
        self.visit = visit;
        self.chosen = self.chosen.min(self.questions.len().saturating_sub(1));
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        match action {
            Action::Back => ctx.back(),
            Action::Down => {
                self.chosen = (self.chosen + 1).min(self.questions.len().saturating_sub(1));
            }
            Action::Up => self.chosen = self.chosen.saturating_sub(1),
            Action::Open => self.ask(ctx),
            Action::FinishVisit => {
                let answers = self.answers();
                if let Err(problems) = surveys::check_answers(&self.questions, &answers, true) {
                    let first = problems.into_values().next().unwrap_or_default();
                    return ctx.error(first);
                }
                self.write(answers, true, ctx);
            }
            Action::Edit => {
                let form = ctx.form(
                    "Edit return visit",
                    Entity::ReturnVisits,
                    Purpose::Edit(Entity::ReturnVisits, self.id.clone()),
                    Some(&self.visit),
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        let Purpose::VisitAnswer { question, .. } = &purpose else {
            return crate::tui::flows::answer(purpose, answer, ctx);
        };
        let Some(q) = self.questions.iter().find(|q| &q.id == question).cloned() else {
            return;
        };
        let value = match (q.kind, answer) {
            (Kind::Scale, Answer::Picked(c)) => json!(c.value.parse::<i64>().unwrap_or(0)),
            (_, Answer::Picked(c)) => json!(c.value),
            (Kind::Multiple, Answer::Text(typed)) => match picked_choices(&q, &typed) {
                Ok(v) => json!(v),
                Err(why) => return ctx.refuse(why),
            },
            (_, Answer::Text(typed)) => json!(typed),
            _ => return,
        };
        let mut answers = self.answers();
        answers.insert(q.id.clone(), value);
        if let Err(problems) = surveys::check_answers(&self.questions, &answers, false) {
            return ctx.refuse(problems.into_values().next().unwrap_or_default());
        }
        if matches!(q.kind, Kind::Multiple | Kind::Text) {
            ctx.close();
        }
        self.write(answers, false, ctx);
        self.chosen = (self.chosen + 1).min(self.questions.len().saturating_sub(1));
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let width = area.width.saturating_sub(2);
        let v = &self.visit;
        let head = format!("{}  {}", self.survey_title, text(v, "subject"));
        draw::put(
            buf,
            area.x + 1,
            area.y,
            width,
            &head,
            theme.style(Role::Title),
        );
        let mut facts = vec![self.customer.clone()];
        if !self.contact.is_empty() {
            facts.push(format!("☎ {}", self.contact));
        }
        if let Some(due) = crate::tui::data::opt_text(v, "due_on") {
            facts.push(format!("due {due}"));
        }
        facts.push(text(v, "status").to_string());
        draw::put(
            buf,
            area.x + 1,
            area.y + 1,
            width,
            &facts.join(" · "),
            theme.style(Role::Muted),
        );
        let body = Rect::new(
            area.x,
            area.y + 2,
            area.width,
            area.height.saturating_sub(2),
        );
        let inner = draw::panel(buf, body, "", theme, true);
        let answers = self.answers();
        let mut lines: Vec<(String, Role, bool)> = Vec::new();
        let mut chosen_line = 0;
        for (i, q) in self.questions.iter().enumerate() {
            let chosen = i == self.chosen;
            if chosen {
                chosen_line = lines.len();
            }
            let mark = if q.required { " *" } else { "" };
            lines.push((
                format!("{}. {}{mark}", q.position, q.text_zh),
                Role::Header,
                chosen,
            ));
            lines.push((format!("   {}", q.text_en), Role::Muted, chosen));
            let answered = answers.get(&q.id);
            lines.push((
                format!("   → {}", VisitView::shown(q, answered)),
                if answered.is_some() {
                    Role::Ok
                } else {
                    Role::Muted
                },
                chosen,
            ));
        }
        let height = usize::from(inner.height);
        let scroll = (chosen_line + 3).saturating_sub(height);
        for (row, (line, role, chosen)) in lines.iter().skip(scroll).take(height).enumerate() {
            let style = super::cell_style(theme, *role, *chosen);
            draw::put(
                buf,
                inner.x + 1,
                inner.y + row as u16,
                inner.width.saturating_sub(1),
                line,
                style,
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::Visit
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::ReturnVisits)
    }

    fn crumb(&self) -> String {
        "Return visit".into()
    }

    fn gone(&self) -> bool {
        self.gone
    }
}

/// A survey's results, counted from the replica's visits.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyView {
    pub id: String,
    pub title: String,
    pub results: Option<surveys::Results>,
    pub scroll: usize,
    pub gone: bool,
}

impl SurveyView {
    pub fn new(id: &str) -> SurveyView {
        SurveyView {
            id: id.to_string(),
            title: String::new(),
            results: None,
            scroll: 0,
            gone: false,
        }
    }

    /// The results as lines of text: each question, its figures, a bar per point or choice.
    pub fn lines(results: &surveys::Results, width: usize) -> Vec<(String, Role)> {
        let mut out = vec![(format!("{} visits finished", results.visits), Role::Accent)];
        for q in &results.questions {
            out.push((String::new(), Role::Text));
            out.push((
                format!("{}. {} / {}", q.position, q.text_zh, q.text_en),
                Role::Header,
            ));
            let mut figures = format!("   {} answered", q.answered);
            if let Some(avg) = q.average {
                figures.push_str(&format!(" · average {avg:.2}"));
            }
            out.push((figures, Role::Muted));
            let label_width = q
                .counts
                .iter()
                .map(|(l, _)| crate::text::width(l))
                .max()
                .unwrap_or(0)
                .min(24);
            let most = q.counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
            let room = width.saturating_sub(label_width + 12).max(5) as u64;
            for (label, n) in &q.counts {
                let bar = "█".repeat((n * room / most) as usize);
                let pad = label_width.saturating_sub(crate::text::width(label));
                out.push((
                    format!("   {label}{} {bar} {n}", " ".repeat(pad)),
                    Role::Text,
                ));
            }
            for t in q.texts.iter().rev().take(5) {
                out.push((format!("   “{t}”"), Role::Text));
            }
        }
        out
    }
}

impl Screen for SurveyView {
    fn reload(&mut self, ctx: &mut Ctx) {
        let Some(survey) = ctx.ok(ctx.source.get(Entity::Surveys, &self.id)) else {
            self.gone = true;
            ctx.error("That survey is no longer here");
            return;
        };
        self.title = format!(
            "{} / {}",
            text(&survey, "title_zh"),
            text(&survey, "title_en")
        );
        let questions = questions_of(&self.id, ctx);
        let query = RecordQuery {
            filters: vec![
                ("survey_id".into(), json!(self.id)),
                ("status".into(), json!("done")),
            ],
            ..RecordQuery::default()
        };
        let visits = ctx.ok(ctx
            .source
            .records(Entity::ReturnVisits, &query, 0, RESULTS_READ));
        self.results = Some(surveys::results(&questions, visits.iter()));
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        let half = usize::from(ctx.area.height / 2);
        match action {
            Action::Back => ctx.back(),
            Action::Down => self.scroll += 1,
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::HalfDown => self.scroll += half,
            Action::HalfUp => self.scroll = self.scroll.saturating_sub(half),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = usize::MAX / 2,
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        crate::tui::flows::answer(purpose, answer, ctx);
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        draw::put(
            buf,
            area.x + 1,
            area.y,
            area.width.saturating_sub(2),
            &self.title,
            theme.style(Role::Title),
        );
        let body = Rect::new(
            area.x,
            area.y + 1,
            area.width,
            area.height.saturating_sub(1),
        );
        let inner = draw::panel(buf, body, "", theme, true);
        let Some(results) = &self.results else {
            return;
        };
        let lines = SurveyView::lines(results, usize::from(inner.width));
        let height = usize::from(inner.height);
        let scroll = self.scroll.min(lines.len().saturating_sub(height));
        for (row, (line, role)) in lines.iter().skip(scroll).take(height).enumerate() {
            draw::put(
                buf,
                inner.x + 1,
                inner.y + row as u16,
                inner.width.saturating_sub(1),
                line,
                theme.style(*role),
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::Article
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::Surveys)
    }

    fn crumb(&self) -> String {
        "Survey results".into()
    }

    fn gone(&self) -> bool {
        self.gone
    }
}
