//! The demo's users and teams.

use crate::access::Role;

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo-password";

/// A user the demo data is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// The team's name; None for the admin, who belongs to no team.
    pub team: Option<&'static str>,
}

pub(super) const fn user(
    username: &'static str,
    display_name: &'static str,
    role: Role,
    team: Option<&'static str>,
) -> DemoUser {
    DemoUser {
        username,
        display_name,
        role,
        team,
    }
}

/// The demo users, all with [`DEMO_PASSWORD`]. `crm demo` signs in as the first, `demo`.
pub const DEMO_USERS: &[DemoUser] = &[
    user("demo", "Demo Admin", Role::Admin, None),
    user("wang", "王经理", Role::Manager, Some(EAST)),
    user("li", "李娜", Role::Sales, Some(EAST)),
    user("zhang", "张伟", Role::Sales, Some(NORTH)),
    user("emma", "Emma Clark", Role::Sales, Some(INTERNATIONAL)),
    user("chen", "陈静", Role::Agent, Some(CALL_CENTRE)),
    user("liu", "刘洋", Role::Agent, Some(CALL_CENTRE)),
];

pub(super) const EAST: &str = "华东销售部";
pub(super) const NORTH: &str = "华北销售部";
pub(super) const INTERNATIONAL: &str = "International";
pub(super) const CALL_CENTRE: &str = "呼叫中心";

// Positions in DEMO_USERS, so the generator can name people without looking them up.
pub(super) const DEMO: usize = 0;
pub(super) const WANG: usize = 1;
pub(super) const LI: usize = 2;
pub(super) const ZHANG: usize = 3;
pub(super) const EMMA: usize = 4;
pub(super) const CHEN: usize = 5;
pub(super) const LIU: usize = 6;
pub(super) const SALES: [usize; 3] = [LI, ZHANG, EMMA];
pub(super) const AGENTS: [usize; 2] = [CHEN, LIU];
