//! Surveys (问卷) and their answers, defined once: what a question needs to be asked, which
//! answers a question takes, what a finished return visit must hold, which answer is the
//! ticket's satisfaction, and a survey's results (counts, averages, distributions). The server
//! checks with it, the screens and `crm surveys results` count with it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// The lowest and highest point of a scale question.
pub const SCALE: (i64, i64) = (1, 5);

/// A question as the rules need it, read from a `survey_questions` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub position: i64,
    pub kind: Kind,
    pub text_en: String,
    pub text_zh: String,
    pub choices: Vec<String>,
    pub required: bool,
    pub satisfaction: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Single,
    Multiple,
    Scale,
    Text,
}

impl Kind {
    pub fn parse(word: &str) -> Option<Kind> {
        match word {
            "single" => Some(Kind::Single),
            "multiple" => Some(Kind::Multiple),
            "scale" => Some(Kind::Scale),
            "text" => Some(Kind::Text),
            _ => None,
        }
    }
}

/// A question's choices: one a line, trimmed, blank lines left out.
pub fn choices(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

impl Question {
    /// Reads a stored question; None when it is not one (no id or an unknown kind).
    pub fn from_record(r: &Map<String, Value>) -> Option<Question> {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
        Some(Question {
            id: r.get("id")?.as_str()?.to_string(),
            position: r.get("position").and_then(Value::as_i64).unwrap_or(0),
            kind: Kind::parse(s("kind"))?,
            text_en: s("text_en").to_string(),
            text_zh: s("text_zh").to_string(),
            choices: choices(s("choices")),
            required: r.get("required") == Some(&Value::Bool(true)),
            satisfaction: r.get("satisfaction") == Some(&Value::Bool(true)),
        })
    }

    /// How a message names the question: its place and its English text.
    pub fn label(&self) -> String {
        format!("question {} ({})", self.position, self.text_en)
    }
}

/// Questions in their order (position, then id for ties).
pub fn ordered(mut questions: Vec<Question>) -> Vec<Question> {
    questions.sort_by(|a, b| a.position.cmp(&b.position).then(a.id.cmp(&b.id)));
    questions
}

/// What a question's own fields must hold: choices for a choice question (two at least, none
/// twice), none for the others; only a scale may be the satisfaction. (field, message) when not.
pub fn question_problem(
    kind: Kind,
    choices_text: &str,
    satisfaction: bool,
) -> Option<(&'static str, String)> {
    let list = choices(choices_text);
    match kind {
        Kind::Single | Kind::Multiple => {
            if list.len() < 2 {
                return Some((
                    "choices",
                    "a choice question needs two choices or more, one a line".into(),
                ));
            }
            let mut seen = std::collections::BTreeSet::new();
            if let Some(twice) = list.iter().find(|c| !seen.insert(c.as_str())) {
                return Some(("choices", format!("«{twice}» is listed twice")));
            }
        }
        Kind::Scale | Kind::Text => {
            if !list.is_empty() {
                return Some((
                    "choices",
                    "only single and multiple choice questions have choices".into(),
                ));
            }
        }
    }
    if satisfaction && kind != Kind::Scale {
        return Some((
            "satisfaction",
            "only a 1-5 scale question can be the satisfaction".into(),
        ));
    }
    None
}

/// The key a problem with a question's answer is reported under: `answers.<question id>`.
pub fn answer_key(question: &Question) -> String {
    format!("answers.{}", question.id)
}

/// Checks a visit's answers against its survey's questions: each key a question of the survey,
/// each value of its question's kind (a scale's whole number 1–5, a single choice one of the
/// choices, a multiple choice one or more of them one a line, text). `complete`: the visit is
/// being finished, so every required question must be answered. Problems by `answer_key`, each
/// message naming the question.
pub fn check_answers(
    questions: &[Question],
    answers: &Map<String, Value>,
    complete: bool,
) -> Result<(), BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    for (key, value) in answers {
        let Some(q) = questions.iter().find(|q| &q.id == key) else {
            problems.insert(
                format!("answers.{key}"),
                "is not a question of this survey".into(),
            );
            continue;
        };
        if value.is_null() {
            continue;
        }
        if let Err(message) = check_one(q, value) {
            problems.insert(answer_key(q), format!("{}: {message}", q.label()));
        }
    }
    if complete {
        for q in questions.iter().filter(|q| q.required) {
            if answers.get(&q.id).is_none_or(is_blank) {
                problems.insert(
                    answer_key(q),
                    format!("{}: must be answered to finish the visit", q.label()),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn check_one(q: &Question, value: &Value) -> Result<(), String> {
    match q.kind {
        Kind::Scale => match scale_value(value) {
            Some(n) if (SCALE.0..=SCALE.1).contains(&n) => Ok(()),
            _ => Err(format!(
                "must be a whole number from {} to {}",
                SCALE.0, SCALE.1
            )),
        },
        Kind::Single => {
            let text = value.as_str().ok_or("must be one of the choices")?;
            if text.trim().is_empty() || q.choices.iter().any(|c| c == text.trim()) {
                Ok(())
            } else {
                Err(format!("«{text}» is not one of the choices"))
            }
        }
        Kind::Multiple => {
            let text = value.as_str().ok_or("must be choices, one a line")?;
            match choices(text).into_iter().find(|c| !q.choices.contains(c)) {
                Some(other) => Err(format!("«{other}» is not one of the choices")),
                None => Ok(()),
            }
        }
        Kind::Text => {
            if value.is_string() {
                Ok(())
            } else {
                Err("must be text".into())
            }
        }
    }
}

/// A scale answer as a number: a whole JSON number or the same written as text ("4").
pub fn scale_value(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The satisfaction a finished visit gives its ticket: the answer to the survey's
/// satisfaction question, when it has one and it was answered.
pub fn satisfaction(questions: &[Question], answers: &Map<String, Value>) -> Option<i64> {
    let q = questions.iter().find(|q| q.satisfaction)?;
    scale_value(answers.get(&q.id)?).filter(|n| (SCALE.0..=SCALE.1).contains(n))
}

/// One question's results over the finished visits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionResult {
    pub position: i64,
    pub kind: Kind,
    pub text_en: String,
    pub text_zh: String,
    /// Visits that answered it.
    pub answered: u64,
    /// A scale's mean, to two places.
    pub average: Option<f64>,
    /// How often each scale point or choice was given, in order (scale 1..5, choices as listed).
    pub counts: Vec<(String, u64)>,
    /// Free-text answers, in the visits' order.
    pub texts: Vec<String>,
}

/// A survey's results: how many visits were finished and each question's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    pub visits: u64,
    pub questions: Vec<QuestionResult>,
}

/// Counts the answers of the finished visits (`status` done) to a survey's questions.
pub fn results<'a>(
    questions: &[Question],
    visits: impl IntoIterator<Item = &'a Map<String, Value>>,
) -> Results {
    let questions = ordered(questions.to_vec());
    let mut out: Vec<QuestionResult> = questions
        .iter()
        .map(|q| QuestionResult {
            position: q.position,
            kind: q.kind,
            text_en: q.text_en.clone(),
            text_zh: q.text_zh.clone(),
            answered: 0,
            average: None,
            counts: match q.kind {
                Kind::Scale => (SCALE.0..=SCALE.1).map(|n| (n.to_string(), 0)).collect(),
                Kind::Single | Kind::Multiple => q.choices.iter().map(|c| (c.clone(), 0)).collect(),
                Kind::Text => Vec::new(),
            },
            texts: Vec::new(),
        })
        .collect();
    let mut sums = vec![0i64; questions.len()];
    let mut finished = 0u64;
    for visit in visits {
        if visit.get("status").and_then(Value::as_str) != Some("done") {
            continue;
        }
        finished += 1;
        let Some(answers) = visit.get("answers").and_then(Value::as_object) else {
            continue;
        };
        for (i, q) in questions.iter().enumerate() {
            let Some(value) = answers.get(&q.id).filter(|v| !is_blank(v)) else {
                continue;
            };
            let r = &mut out[i];
            let given: Vec<String> = match q.kind {
                Kind::Scale => match scale_value(value) {
                    Some(n) if (SCALE.0..=SCALE.1).contains(&n) => {
                        sums[i] += n;
                        vec![n.to_string()]
                    }
                    _ => continue,
                },
                Kind::Single => vec![value.as_str().unwrap_or_default().trim().to_string()],
                Kind::Multiple => choices(value.as_str().unwrap_or_default()),
                Kind::Text => {
                    r.texts.push(value.as_str().unwrap_or_default().to_string());
                    r.answered += 1;
                    continue;
                }
            };
            r.answered += 1;
            for g in given {
                if let Some(slot) = r.counts.iter_mut().find(|(c, _)| *c == g) {
                    slot.1 += 1;
                }
            }
        }
    }
    for (i, r) in out.iter_mut().enumerate() {
        if r.kind == Kind::Scale && r.answered > 0 {
            let mean = sums[i] as f64 / r.answered as f64;
            r.average = Some((mean * 100.0).round() / 100.0);
        }
    }
    Results {
        visits: finished,
        questions: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(id: &str, position: i64, kind: Kind, choices: &[&str], required: bool) -> Question {
        Question {
            id: id.into(),
            position,
            kind,
            text_en: format!("Q{position}"),
            text_zh: format!("问{position}"),
            choices: choices.iter().map(|c| c.to_string()).collect(),
            required,
            satisfaction: kind == Kind::Scale,
        }
    }

    fn survey() -> Vec<Question> {
        vec![
            q("s", 1, Kind::Scale, &[], true),
            q("c", 2, Kind::Single, &["快", "慢"], false),
            q("m", 3, Kind::Multiple, &["价格", "服务", "质量"], false),
            q("t", 4, Kind::Text, &[], false),
        ]
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_scale_answer_outside_one_to_five_names_its_question() {
        for bad in [json!(0), json!(6), json!(2.5), json!("x")] {
            let err = check_answers(&survey(), &obj(json!({ "s": bad })), false).unwrap_err();
            assert!(err["answers.s"].contains("question 1 (Q1)"), "{err:?}");
        }
        assert!(check_answers(&survey(), &obj(json!({"s": 5})), false).is_ok());
        assert!(check_answers(&survey(), &obj(json!({"s": "1"})), false).is_ok());
    }

    #[test]
    fn a_required_answer_is_needed_only_to_finish() {
        let none = obj(json!({"c": "快"}));
        assert!(check_answers(&survey(), &none, false).is_ok());
        let err = check_answers(&survey(), &none, true).unwrap_err();
        assert_eq!(err.keys().collect::<Vec<_>>(), ["answers.s"]);
        let blank = obj(json!({"s": " "}));
        assert!(check_answers(&survey(), &blank, true).is_err());
    }

    #[test]
    fn choices_must_be_the_questions_and_keys_its_survey_questions() {
        let err = check_answers(&survey(), &obj(json!({"c": "中"})), false).unwrap_err();
        assert!(err["answers.c"].contains("中"));
        let err = check_answers(&survey(), &obj(json!({"m": "价格\n外观"})), false).unwrap_err();
        assert!(err["answers.m"].contains("外观"));
        assert!(check_answers(&survey(), &obj(json!({"m": "价格\n服务"})), false).is_ok());
        let err = check_answers(&survey(), &obj(json!({"zz": "x"})), false).unwrap_err();
        assert!(err.contains_key("answers.zz"));
    }

    #[test]
    fn question_fields_agree_with_the_kind() {
        assert!(question_problem(Kind::Single, "一", false).is_some());
        assert!(question_problem(Kind::Single, "一\n一", false).is_some());
        assert!(question_problem(Kind::Multiple, "一\n二\n", false).is_none());
        assert!(question_problem(Kind::Scale, "一\n二", false).is_some());
        assert!(question_problem(Kind::Text, "", true).is_some());
        assert!(question_problem(Kind::Scale, "", true).is_none());
    }

    #[test]
    fn results_count_finished_visits_only() {
        let visits = [
            obj(
                json!({"status": "done", "answers": {"s": 5, "c": "快", "m": "价格\n服务", "t": "好"}}),
            ),
            obj(json!({"status": "done", "answers": {"s": 2, "m": "服务"}})),
            obj(json!({"status": "open", "answers": {"s": 1}})),
        ];
        let r = results(&survey(), visits.iter());
        assert_eq!(r.visits, 2);
        let scale = &r.questions[0];
        assert_eq!(scale.answered, 2);
        assert_eq!(scale.average, Some(3.5));
        assert_eq!(scale.counts[1], ("2".into(), 1));
        assert_eq!(scale.counts[4], ("5".into(), 1));
        assert_eq!(
            r.questions[1].counts,
            vec![("快".into(), 1), ("慢".into(), 0)]
        );
        assert_eq!(
            r.questions[2].counts,
            vec![("价格".into(), 1), ("服务".into(), 2), ("质量".into(), 0)]
        );
        assert_eq!(r.questions[3].texts, vec!["好".to_string()]);
        assert_eq!(
            satisfaction(&survey(), visits[0]["answers"].as_object().unwrap()),
            Some(5)
        );
    }
}

/// The period a schedule (`survey_schedules.period`: month, quarter, year) is in on `day`: its
/// key as a return visit stores it (`2026-12`, `2026-Q4`, `2026`), its first and last day.
pub fn period_of(
    period: &str,
    day: chrono::NaiveDate,
) -> (String, chrono::NaiveDate, chrono::NaiveDate) {
    use chrono::{Datelike, NaiveDate};
    let year = day.year();
    let (key, first_month, months) = match period {
        "month" => (format!("{year}-{:02}", day.month()), day.month(), 1),
        "year" => (format!("{year}"), 1, 12),
        _ => {
            let q = (day.month() - 1) / 3;
            (format!("{year}-Q{}", q + 1), q * 3 + 1, 3)
        }
    };
    let first = NaiveDate::from_ymd_opt(year, first_month, 1).unwrap_or(day);
    let next = first_month + months;
    let after = if next > 12 {
        NaiveDate::from_ymd_opt(year + 1, next - 12, 1)
    } else {
        NaiveDate::from_ymd_opt(year, next, 1)
    };
    let last = after.and_then(|a| a.pred_opt()).unwrap_or(day);
    (key, first, last)
}

#[cfg(test)]
mod period_tests {
    use chrono::NaiveDate;

    use super::period_of;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_have_their_keys_and_bounds() {
        assert_eq!(
            period_of("quarter", d(2026, 12, 4)),
            ("2026-Q4".into(), d(2026, 10, 1), d(2026, 12, 31))
        );
        assert_eq!(
            period_of("quarter", d(2026, 4, 1)),
            ("2026-Q2".into(), d(2026, 4, 1), d(2026, 6, 30))
        );
        assert_eq!(
            period_of("month", d(2028, 2, 10)),
            ("2028-02".into(), d(2028, 2, 1), d(2028, 2, 29))
        );
        assert_eq!(
            period_of("year", d(2026, 7, 9)),
            ("2026".into(), d(2026, 1, 1), d(2026, 12, 31))
        );
    }
}
