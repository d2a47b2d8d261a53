//! The management cockpit's figures (issue 12): `period` says which days, `figures` computes
//! every panel's numbers in SQL over the local replica, `report` lays them out as tables
//! (`crm report`). The TUI's dashboard screen and
//! `crm report` show them; neither computes a figure of its own.

pub mod attainment;
pub mod figures;
pub mod period;
pub mod report;
pub mod value;
