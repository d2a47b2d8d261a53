//! Demo data (being written).
use crate::error::ApiError;
use crate::store::Database;

pub fn demo(_db: &dyn Database, _customers: usize) -> Result<String, ApiError> {
    Err(ApiError::Internal("seeding is being written".into()))
}
