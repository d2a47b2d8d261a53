//! Times the dashboard's figures over a replica file, as the screen's loading thread computes
//! them: `cargo run --release --example dashboard_bench -- REPLICA [RUNS] [--as USERNAME]`.
//! The scope is the replica's signed-in user (a salesperson's own, a manager's team, an admin's
//! everyone), or with `--as` the user named, posed over the same file: an admin's replica holds
//! every record, and a salesperson's or manager's figures read only their own people's rows
//! (the scope's `people`), so this runs the statements their own replica would. The period is
//! this month in UTC. Prints each run's time, the median, the median of each figure's
//! statements, and the figures' headline.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::Utc;
use crm::dashboard::figures::{self, Limits, Scope};
use crm::dashboard::period::{Period, Span};
use crm::replica::Replica;
use crm::zone::Zone;
use crm_server::access::Role;

/// CPU time this thread has run, in ms (`/proc/thread-self/schedstat`: nanoseconds on the
/// CPU first). On a loaded host the wall time is mostly waiting for a core; this is not.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e6)
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let pose = match args.iter().position(|a| a == "--as") {
        Some(i) => {
            let name = args.get(i + 1).cloned().ok_or("--as takes a username")?;
            args.drain(i..i + 2);
            Some(name)
        }
        None => None,
    };
    let mut args = args.into_iter();
    let path = args
        .next()
        .ok_or("usage: dashboard_bench REPLICA [RUNS] [--as USERNAME]")?;
    let runs: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let opened = Instant::now();
    let replica = Replica::open_reader(std::path::Path::new(&path))?;
    println!("open {:.1} ms", opened.elapsed().as_secs_f64() * 1e3);
    let scope = match pose {
        None => Scope {
            me: replica
                .user_id()?
                .ok_or("the replica has no signed-in user")?,
            role: replica.role()?,
            team: None,
        },
        Some(name) => {
            let users = replica.list(
                crm_server::schema::Entity::Users,
                &crm::replica::LocalQuery {
                    limit: 10_000,
                    ..crm::replica::LocalQuery::default()
                },
            )?;
            let user = users
                .iter()
                .find(|u| u.text("username") == Some(name.as_str()))
                .ok_or_else(|| format!("no user {name} in this replica"))?;
            let (id, role) = (
                user.id.clone(),
                user.text("role").unwrap_or_default().to_string(),
            );
            let role = Role::parse(&role).ok_or_else(|| format!("{name}'s role {role}?"))?;
            Scope {
                me: id,
                role,
                team: None,
            }
        }
    };
    let now = Utc::now();
    let period = Period::holding(Span::Month, now.date_naive());
    let mut times = Vec::new();
    let mut cpu_times = Vec::new();
    // Per figure: wall ms, CPU ms (the CPU since the previous figure ended).
    let mut each: BTreeMap<&'static str, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let cpu = cpu_ms();
        let mut cpu_mark = cpu;
        last = Some(figures::compute_timed(
            &replica,
            &scope,
            period,
            &Zone::UTC,
            now,
            Limits::default(),
            &mut |name, took| {
                let now_cpu = cpu_ms();
                let e = each.entry(name).or_default();
                e.0.push(took.as_secs_f64() * 1e3);
                e.1.push(now_cpu - cpu_mark);
                cpu_mark = now_cpu;
            },
        )?);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        cpu_times.push(cpu_ms() - cpu);
    }
    let shown: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
    let shown_cpu: Vec<String> = cpu_times.iter().map(|t| format!("{t:.1}")).collect();
    println!(
        "role {:?}: runs {} ms wall (median {:.1}); CPU {} ms (median {:.1})",
        scope.role,
        shown.join(" "),
        median(times),
        shown_cpu.join(" "),
        median(cpu_times)
    );
    let figures: Vec<String> = each
        .into_iter()
        .map(|(name, (wall, cpu))| format!("{name} {:.1}/{:.1}", median(wall), median(cpu)))
        .collect();
    println!("median ms per figure (wall/CPU): {}", figures.join(" · "));
    if let Some(f) = last {
        let t = f.sales_total();
        let customers: i64 = f.customers.iter().map(|c| c.total).sum();
        let levels: Vec<String> = f
            .value_levels
            .iter()
            .map(|l| {
                format!(
                    "{} {} ({}–{})",
                    l.level, l.customers, l.min_score, l.max_score
                )
            })
            .collect();
        println!(
            "rows {} · won {} of {} · customers {customers} · revenue {} · open tickets {}",
            f.sales.len(),
            t.won,
            t.target,
            f.revenue(),
            f.service.open.iter().flatten().sum::<i64>()
        );
        println!(
            "levels {} · warnings {:?} · no business {} · not contacted {}",
            levels.join(", "),
            f.warnings,
            f.customers.iter().map(|c| c.no_business).sum::<i64>(),
            f.customers.iter().map(|c| c.not_contacted).sum::<i64>()
        );
    }
    Ok(())
}
