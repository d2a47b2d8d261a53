//! Group commit: the API's writes queue for one writer thread, which runs all that are waiting in
//! one transaction, each in its own savepoint, and answers them once that transaction commits.
//! A commit writes every page it touched to the WAL; writes that share pages (the tail of the
//! table, its ids, the change feed and the audit log) then pay for them once per batch instead
//! of once each. Under light load a batch is one write and nothing waits for company.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::error::ApiError;
use crate::store::{Database, StorageError, Tx};

/// Most writes in one transaction: bounds how long the first of a batch waits for the rest.
const MAX_BATCH: usize = 64;

type Output = Result<Box<dyn Any + Send>, ApiError>;
type Work = Box<dyn FnOnce(&dyn Tx) -> Output + Send>;

struct Job {
    work: Work,
    answer: oneshot::Sender<Output>,
}

/// The sending side of the queue; dropping it ends the thread once the queue is done.
pub struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub fn start(db: Arc<dyn Database>) -> Result<Writer, ApiError> {
        let (send, receive) = mpsc::channel();
        let deliver = deliverer();
        let thread = std::thread::Builder::new()
            .name("crm-writer".into())
            .spawn(move || run(db.as_ref(), &receive, &deliver))
            .map_err(|e| ApiError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer {
            jobs: Some(send),
            thread: Some(thread),
        })
    }

    /// Runs `f` in a write transaction and returns its value once that has committed.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (answer, answered) = oneshot::channel();
        let work: Work = Box::new(move |tx| f(tx).map(|v| Box::new(v) as Box<dyn Any + Send>));
        self.jobs
            .as_ref()
            .ok_or_else(|| ApiError::Internal("the writer is closed".into()))?
            .send(Job { work, answer })
            .map_err(|_| ApiError::Internal("the writer thread has stopped".into()))?;
        let out = answered
            .await
            .map_err(|_| ApiError::Internal("the writer thread dropped a write".into()))??;
        out.downcast::<T>()
            .map(|v| *v)
            .map_err(|_| ApiError::Internal("a write answered with the wrong type".into()))
    }
}

impl Drop for Writer {
    /// Waits for the writes already queued and for the thread to let go of the database, so a
    /// server that stops leaves no thread behind still holding it.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

/// A committed batch's answers.
type Answers = Vec<(oneshot::Sender<Output>, Output)>;

fn answer_all(answers: Answers) {
    for (answer, output) in answers {
        let _ = answer.send(output);
    }
}

/// How the writer thread hands a batch's answers back. Answered from this thread one by one,
/// each answer woke the async thread, which on a busy core preempted the writer at once: two
/// context switches per write. Handed to a task on the runtime instead, a batch costs one
/// wake-up, and the task answers the rest without leaving the async thread.
fn deliverer() -> Box<dyn Fn(Answers) + Send> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Box::new(answer_all);
    };
    let (hand, mut handed) = tokio::sync::mpsc::unbounded_channel::<Answers>();
    runtime.spawn(async move {
        while let Some(answers) = handed.recv().await {
            answer_all(answers);
        }
    });
    // The runtime is gone (the task with it): answer from here.
    Box::new(move |answers| {
        if let Err(unsent) = hand.send(answers) {
            answer_all(unsent.0);
        }
    })
}

fn run(db: &dyn Database, jobs: &mpsc::Receiver<Job>, deliver: &dyn Fn(Answers)) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (works, answers): (Vec<Work>, Vec<_>) =
            batch.into_iter().map(|j| (j.work, j.answer)).unzip();
        let mut works: Vec<Option<Work>> = works.into_iter().map(Some).collect();
        let mut outputs: Vec<Output> = Vec::with_capacity(works.len());
        let committed = db.write_tx(&mut |tx| {
            for work in &mut works {
                let Some(work) = work.take() else {
                    return Err(StorageError::Other("a write ran twice".into()));
                };
                outputs.push(run_one(tx, work)?);
            }
            Ok(())
        });
        // Nothing is answered before the commit: an acknowledged write is a durable one.
        match committed {
            Ok(()) => deliver(answers.into_iter().zip(outputs).collect()),
            Err(e) => deliver(
                answers
                    .into_iter()
                    .map(|answer| (answer, Err(ApiError::from(e.clone()))))
                    .collect(),
            ),
        }
    }
}

/// Runs one write in its own savepoint. Its own failure (or panic) is its answer and undoes only
/// its writes; Err is returned only when the savepoint itself fails, which fails the batch.
fn run_one(tx: &dyn Tx, work: Work) -> Result<Output, StorageError> {
    let mut work = Some(work);
    let mut output = None;
    let nested = tx.nested(&mut |tx| {
        let work = work
            .take()
            .ok_or_else(|| StorageError::Other("a write ran twice".into()))?;
        let out = catch_unwind(AssertUnwindSafe(|| work(tx)))
            .unwrap_or_else(|_| Err(ApiError::Internal("a write panicked".into())));
        let failed = out.is_err();
        output = Some(out);
        // Its own error is its answer; the savepoint only needs to know to undo it.
        if failed {
            Err(StorageError::RolledBack)
        } else {
            Ok(())
        }
    })?;
    Ok(match (output, nested) {
        (Some(out), _) => out,
        (None, Err(e)) => Err(e.into()),
        (None, Ok(())) => Err(ApiError::Internal("a write produced nothing".into())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Entity;
    use crate::store::ListQuery;
    use crate::{service, system_actor};
    use serde_json::json;

    fn new_team(tx: &dyn Tx, name: &str) -> Result<(), ApiError> {
        let body = json!({ "name": name });
        let body = body.as_object().cloned().unwrap_or_default();
        service::create(tx, &system_actor(), Entity::Teams, &body, false).map(|_| ())
    }

    fn job(
        f: impl FnOnce(&dyn Tx) -> Result<(), ApiError> + Send + 'static,
    ) -> (Job, oneshot::Receiver<Output>) {
        let (answer, answered) = oneshot::channel();
        let work: Work = Box::new(move |tx| f(tx).map(|v| Box::new(v) as Box<dyn Any + Send>));
        (Job { work, answer }, answered)
    }

    #[test]
    fn a_failed_write_in_a_batch_undoes_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::open_sqlite(&dir.path().join("t.db")).unwrap();
        let (send, receive) = mpsc::channel();
        let (first, first_answer) = job(|tx| new_team(tx, "north"));
        let (failing, failing_answer) = job(|tx| {
            new_team(tx, "south")?;
            Err(ApiError::BadRequest("changed my mind".into()))
        });
        let (panicking, panicking_answer) = job(|tx| {
            new_team(tx, "west")?;
            panic!("a bug in a handler")
        });
        let (last, last_answer) = job(|tx| new_team(tx, "east"));
        for j in [first, failing, panicking, last] {
            send.send(j).unwrap();
        }
        drop(send);
        // All four are queued, so they run as one batch; `run` returns once the queue closes.
        run(db.as_ref(), &receive, &answer_all);

        assert!(first_answer.blocking_recv().unwrap().is_ok());
        assert!(matches!(
            failing_answer.blocking_recv().unwrap(),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            panicking_answer.blocking_recv().unwrap(),
            Err(ApiError::Internal(_))
        ));
        assert!(last_answer.blocking_recv().unwrap().is_ok());
        let query = ListQuery {
            sort: "name",
            limit: 10,
            ..ListQuery::default()
        };
        let names: Vec<String> =
            crate::store::read(db.as_ref(), |tx| tx.list(Entity::Teams, &query, None))
                .unwrap()
                .iter()
                .filter_map(|t| t["name"].as_str().map(String::from))
                .collect();
        assert_eq!(names, ["east", "north"]);
    }
}
