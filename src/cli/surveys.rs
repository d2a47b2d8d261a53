//! `crm surveys results KEY --format table|json|csv`: a survey's results from the replica — per
//! question how many of the finished return visits answered it, a scale's average, and how
//! often each point or choice was given (`rules::surveys::results`, the screens' count too).

use crm_server::rules::surveys::{self, Question, Results};
use crm_server::schema::Entity;
use serde_json::{Map, Value, json};

use super::CliError;
use super::output::{self, Format};
use crate::replica::{LocalQuery, Replica};

/// The most return visits read for one survey's results.
const VISITS_READ: usize = 1_000_000;

/// The survey named by `key` (its id or English title) counted.
pub fn results(replica: &Replica, key: &str) -> Result<Results, CliError> {
    let key = key.trim();
    let by = |field: &str, value: &str| -> Result<Option<crate::replica::Record>, CliError> {
        let query = LocalQuery {
            filters: vec![(field.into(), json!(value))],
            limit: 1,
            ..LocalQuery::default()
        };
        Ok(replica.list(Entity::Surveys, &query)?.into_iter().next())
    };
    let survey = match replica.get(Entity::Surveys, key)? {
        Some(s) => s,
        None => by("title_en", key)?
            .ok_or_else(|| CliError::NotFound(format!("no survey {key}; crm surveys list")))?,
    };
    let questions = LocalQuery {
        filters: vec![("survey_id".into(), json!(survey.id))],
        limit: 200,
        ..LocalQuery::default()
    };
    let questions: Vec<Question> = replica
        .list(Entity::SurveyQuestions, &questions)?
        .iter()
        .filter_map(|r| Question::from_record(&r.fields))
        .collect();
    let visits = LocalQuery {
        filters: vec![
            ("survey_id".into(), json!(survey.id)),
            ("status".into(), json!("done")),
        ],
        limit: VISITS_READ,
        ..LocalQuery::default()
    };
    let visits = replica.list(Entity::ReturnVisits, &visits)?;
    Ok(surveys::results(
        &questions,
        visits.iter().map(|v| &v.fields),
    ))
}

/// The results as rows: one per question and answer (a point, a choice, a text), with the
/// question's figures on each.
pub fn rows(results: &Results) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for q in &results.questions {
        let base = |answer: &str, count: Value| {
            let mut row = Map::new();
            row.insert("position".into(), json!(q.position));
            row.insert("question_zh".into(), json!(q.text_zh));
            row.insert("question_en".into(), json!(q.text_en));
            row.insert("kind".into(), json!(q.kind));
            row.insert("answered".into(), json!(q.answered));
            row.insert("average".into(), json!(q.average));
            row.insert("answer".into(), json!(answer));
            row.insert("count".into(), count);
            row
        };
        for (answer, n) in &q.counts {
            out.push(base(answer, json!(n)));
        }
        for t in &q.texts {
            out.push(base(t, Value::Null));
        }
        if q.counts.is_empty() && q.texts.is_empty() {
            out.push(base("", Value::Null));
        }
    }
    out
}

/// The columns of `rows`.
pub const COLUMNS: [&str; 8] = [
    "position",
    "question_zh",
    "question_en",
    "kind",
    "answered",
    "average",
    "answer",
    "count",
];

/// The results in a format.
pub fn render(results: &Results, format: Format) -> Result<String, CliError> {
    Ok(match format {
        Format::Json => {
            let mut text = output::json(results, true)
                .map_err(|e| CliError::Other(format!("cannot write JSON: {e}")))?;
            text.push('\n');
            text
        }
        Format::Csv => output::csv(&COLUMNS, &rows(results)),
        Format::Table => {
            let mut text = format!("{} visits finished\n", results.visits);
            text.push_str(&output::table(&COLUMNS, &rows(results), 40));
            text
        }
    })
}
