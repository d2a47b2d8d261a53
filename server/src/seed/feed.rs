//! The writer's side of the bulk seed: customers and their children arriving from the
//! generator thread, written a batch per transaction, each customer given its code.

use std::sync::mpsc::Receiver;

use super::generator::set;
use crate::error::ApiError;
use crate::rules::numbers;
use crate::schema::Entity;
use crate::store::{self, Database, NewRecord, StorageError, Tx};

/// Writes the customers (with their contacts and opportunities) arriving from the generator, a
/// batch per transaction, giving each customer the next code as `service::create` would.
pub(super) fn write_customers(
    db: &dyn Database,
    receive: &Receiver<Vec<NewRecord>>,
    total: usize,
    batch: usize,
    chunk: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<(), ApiError> {
    let mut done = 0;
    while done < total {
        let chunks = (total - done).min(batch.max(chunk)).div_ceil(chunk);
        let made = store::write(db, |tx| {
            let mut feed = Feed {
                tx,
                receive,
                chunk: Vec::new().into_iter(),
                chunks,
                customers: 0,
                done,
                progress: &mut *progress,
            };
            tx.insert_new(&mut feed)?;
            Ok::<_, ApiError>(feed.customers)
        })?;
        if made == 0 {
            return Err(ApiError::Internal(
                "the demo data generator stopped early".into(),
            ));
        }
        done += made;
    }
    Ok(())
}

/// The records of a number of chunks from the generator, customers given their codes.
pub(super) struct Feed<'a> {
    pub(super) tx: &'a dyn Tx,
    pub(super) receive: &'a Receiver<Vec<NewRecord>>,
    pub(super) chunk: std::vec::IntoIter<NewRecord>,
    /// Chunks still to take.
    pub(super) chunks: usize,
    pub(super) customers: usize,
    /// Customers written by earlier transactions.
    pub(super) done: usize,
    /// Told the customers made so far (this transaction's count from its start), a chunk at a
    /// time.
    pub(super) progress: &'a mut dyn FnMut(usize),
}

impl Feed<'_> {
    pub(super) fn code(&self) -> Result<String, StorageError> {
        loop {
            let code = numbers::customer_code(self.tx.next_counter(numbers::CUSTOMER_COUNTER)?);
            if !self.tx.code_taken(&code, None)? {
                return Ok(code);
            }
        }
    }
}

impl Iterator for Feed<'_> {
    type Item = Result<NewRecord, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(mut r) = self.chunk.next() {
                if r.entity == Entity::Orders {
                    match self.tx.next_counter(numbers::ORDER_COUNTER) {
                        Ok(n) => set(&mut r.record, "number", numbers::order_number(n)),
                        Err(e) => return Some(Err(e)),
                    }
                }
                if r.entity == Entity::Customers {
                    self.customers += 1;
                    match self.code() {
                        Ok(code) => set(&mut r.record, "code", code),
                        Err(e) => return Some(Err(e)),
                    }
                }
                return Some(Ok(r));
            }
            (self.progress)(self.done + self.customers);
            if self.chunks == 0 {
                return None;
            }
            self.chunks -= 1;
            self.chunk = self.receive.recv().ok()?.into_iter();
        }
    }
}
