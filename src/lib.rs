//! The crm terminal client as a library: the local replica the screens read from, and the sync
//! engine that keeps it in step with the server.

pub mod cli;
pub mod config;
pub mod credentials;
pub mod dashboard;
pub mod documents;
pub mod export;
pub mod pop;
pub mod private;
pub mod replica;
pub mod sync;
pub mod text;
pub mod tui;
pub mod zone;
