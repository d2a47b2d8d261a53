//! Writing tables out of the CRM for other programs: the spreadsheet writer (`xlsx`) that
//! `crm export` and the reports share.

pub mod xlsx;
