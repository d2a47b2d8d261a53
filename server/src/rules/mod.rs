//! The domain rules, each defined once and called by the server's service, the demo seeder and
//! the client (which checks what it can before a write reaches the server). Pure: no storage,
//! no clock of their own; the caller passes the records and `now`.
//!
//! - [`business_time`]: opening hours, holidays and working weekends in a zone; service levels
//!   counted in open minutes (due times, time left), and the public-holiday file.
//! - [`call_outcomes`]: call outcomes (wrap-up codes), their labels and dialog digits.
//! - [`numbers`]: human record numbers (`C000123`, `T-000123`), made and read back.
//! - [`sla`]: a ticket's due times from its priority's service level.
//! - [`reasons`]: the fields a state needs (a won or lost deal its reason, a resolved ticket its
//!   resolution) and the ones it forbids.
//! - [`reminders`]: birthdays, overdue follow-ups and customers not contacted for too long.
//! - [`scripts`]: call scripts' steps and branches, canned replies' placeholders.
//! - [`money`]: the one rounding rule of quote and opportunity lines, and their totals.
//! - [`pricing`]: which price-list entry (customer, level, list price) applies on a date.
//! - [`quotes`]: a quote's status moves, when it may be edited or revised, discount limits.
//! - [`orders`]: an order's status moves, its deliveries, what its stock may do.
//! - [`payments`]: an instalment's status, when it is overdue, the aging buckets.
//! - [`knowledge`]: links to articles in replies, which edit keeps a version, suggestion words.
//! - [`surveys`]: questions, answers checked, the satisfaction answer, a survey's results.
//! - [`marketing`]: a lead's status moves, campaign responses, a campaign's cost per lead and ROI.
//! - [`care`]: when a care occasion falls (春节, 中秋 from a table), care task and message ids.
//! - [`template`]: the placeholder language of document and letter templates.
//! - [`approvals`]: the approval state machine, who an approval goes to and who may decide it.
//! - [`relations`]: contact relations' "reports to" kept free of circles; the decision map's tree.
//! - [`territories`]: which territory (owner, team) a new customer falls in.
//! - [`dealers`]: what makes a customer a dealer, its assessment's total and grade, its sales.
//! - The customer duplicate comparison is [`crate::dedupe`] (`dedupe::same_customer`).

pub mod analysis;
pub mod approvals;
pub mod business_time;
pub mod call_outcomes;
pub mod care;
pub mod dealers;
pub mod file_types;
pub mod knowledge;
pub mod marketing;
pub mod money;
pub mod numbers;
pub mod orders;
pub mod payments;
pub mod pricing;
pub mod quotes;
pub mod reasons;
pub mod relations;
pub mod reminders;
pub mod scripts;
pub mod sla;
pub mod surveys;
pub mod template;
pub mod territories;

pub use reasons::Problem;
