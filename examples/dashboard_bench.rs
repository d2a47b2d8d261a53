//! Times the dashboard's figures over a replica file, as the screen's loading thread computes
//! them: `cargo run --release --example dashboard_bench -- REPLICA [RUNS]`. The scope is the
//! replica's signed-in user (a salesperson's own, a manager's team, an admin's everyone); the
//! period this month in UTC. Prints each run's time and the median, and the figures' headline.

use std::time::Instant;

use chrono::Utc;
use crm::dashboard::figures::{self, Limits, Scope};
use crm::dashboard::period::{Period, Span};
use crm::replica::Replica;
use crm::zone::Zone;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: dashboard_bench REPLICA [RUNS]")?;
    let runs: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let opened = Instant::now();
    let replica = Replica::open_reader(std::path::Path::new(&path))?;
    println!("open {:.1} ms", opened.elapsed().as_secs_f64() * 1e3);
    let scope = Scope {
        me: replica
            .user_id()?
            .ok_or("the replica has no signed-in user")?,
        role: replica.role()?,
        team: None,
    };
    let now = Utc::now();
    let period = Period::holding(Span::Month, now.date_naive());
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(figures::compute(
            &replica,
            &scope,
            period,
            &Zone::UTC,
            now,
            Limits::default(),
        )?);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let shown: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
    times.sort_by(f64::total_cmp);
    println!(
        "role {:?}: runs {} ms; median {:.1} ms",
        scope.role,
        shown.join(" "),
        times[times.len() / 2]
    );
    if let Some(f) = last {
        let t = f.sales_total();
        let customers: i64 = f.customers.iter().map(|c| c.total).sum();
        println!(
            "rows {} · won {} of {} · customers {customers} · revenue {} · open tickets {}",
            f.sales.len(),
            t.won,
            t.target,
            f.revenue(),
            f.service.open.iter().flatten().sum::<i64>()
        );
    }
    Ok(())
}
