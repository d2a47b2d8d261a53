//! Re-exported: the placeholder language is the server crate's (`crm_server::rules::template`),
//! so a letter the server mails and a document printed offline fill placeholders alike.

pub use crm_server::rules::template::*;
