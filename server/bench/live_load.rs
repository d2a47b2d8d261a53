//! A thousand agents live: N clients long-polling the change feed and M idle keep-alive
//! connections against one or more crm servers on loopback, then writes, each timed from its
//! request to its arrival at every long-poll (fan-out latency), and the servers' memory per
//! connected client. Loopback only; connections bounded in count (the arguments) and time
//! (every wait has a deadline).
//!
//! cargo run --release -p crm-server --example live_load -- \
//!   --base http://127.0.0.1:7878[,http://127.0.0.1:7879] --token TOKEN \
//!   --polls 1000 --idle 5000 --writes 20 --pids PID[,PID]
//!
//! Clients are spread over the addresses in turn; writes go to the first. Prints one line of
//! results; exits non-zero when a long-poll never saw a write.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

/// How long a write may take to reach every long-poll before it counts as missed.
const FAN_OUT_DEADLINE: Duration = Duration::from_secs(10);

struct Args {
    bases: Vec<SocketAddr>,
    token: String,
    polls: usize,
    idle: usize,
    writes: usize,
    pids: Vec<u32>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        bases: Vec::new(),
        token: String::new(),
        polls: 1000,
        idle: 5000,
        writes: 20,
        pids: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: a number"))
        };
        match flag.as_str() {
            "--base" => {
                for base in value.split(',') {
                    let host = base.trim().trim_start_matches("http://");
                    let addr: SocketAddr = host
                        .trim_end_matches('/')
                        .parse()
                        .map_err(|_| format!("{base}: give http://127.0.0.1:PORT"))?;
                    if !addr.ip().is_loopback() {
                        return Err(format!("{base}: loopback only"));
                    }
                    a.bases.push(addr);
                }
            }
            "--token" => a.token = value,
            "--polls" => a.polls = number()?,
            "--idle" => a.idle = number()?,
            "--writes" => a.writes = number()?,
            "--pids" => {
                a.pids = value
                    .split(',')
                    .map(|p| p.trim().parse().map_err(|_| "--pids: numbers".to_string()))
                    .collect::<Result<_, _>>()?;
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.bases.is_empty() || a.token.is_empty() {
        return Err("--base and --token are required".into());
    }
    Ok(a)
}

/// Resident memory of the processes, in KiB (Linux).
fn rss_kib(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .sum()
}

/// One request on a kept-alive connection; the answer's status and body.
async fn exchange(
    stream: &mut TcpStream,
    request: &str,
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, Vec<u8>)> {
    stream.write_all(request.as_bytes()).await?;
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok((status, buf[head_end..head_end + length].to_vec()))
}

fn get(addr: SocketAddr, path: &str, token: &str) -> String {
    format!("GET /api/v1{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n")
}

/// The feed's head, to start every long-poll from.
async fn head(addr: SocketAddr, token: &str) -> Result<i64, String> {
    let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (status, body) = exchange(
        &mut s,
        &get(addr, "/sync?since=0&limit=1", token),
        &mut Vec::new(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let page: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("GET /sync: {status} {page}"));
    }
    Ok(page["latest"].as_i64().unwrap_or(0))
}

/// A long-polling client: asks for changes after its cursor, waits, reports each change's
/// arrival time, asks again. Ends when `stop` turns true.
async fn poller(
    addr: SocketAddr,
    token: Arc<str>,
    mut since: i64,
    arrived: mpsc::UnboundedSender<(i64, Instant)>,
    ready: mpsc::UnboundedSender<()>,
    mut stop: watch::Receiver<bool>,
) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return;
    };
    let mut buf = Vec::with_capacity(4096);
    let mut first = true;
    loop {
        let request = get(
            addr,
            &format!("/sync?since={since}&limit=100&wait=50"),
            &token,
        );
        if first {
            let _ = ready.send(());
            first = false;
        }
        let answer = tokio::select! {
            a = exchange(&mut stream, &request, &mut buf) => a,
            _ = stop.wait_for(|s| *s) => return,
        };
        let at = Instant::now();
        let Ok((200, body)) = answer else {
            return;
        };
        let Ok(page) = serde_json::from_slice::<serde_json::Value>(&body) else {
            return;
        };
        if let Some(changes) = page["changes"].as_array() {
            for c in changes {
                if let Some(seq) = c["seq"].as_i64() {
                    let _ = arrived.send((seq, at));
                }
            }
        }
        since = page["next"].as_i64().unwrap_or(since);
    }
}

/// An idle client: a connection kept alive by a health check every 10 s (the server closes one
/// idle for its header timeout, 15 s by default).
async fn idler(
    addr: SocketAddr,
    mut stop: watch::Receiver<bool>,
    open: mpsc::UnboundedSender<bool>,
) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        let _ = open.send(false);
        return;
    };
    let mut buf = Vec::new();
    let request = format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let ok = matches!(
        exchange(&mut stream, &request, &mut buf).await,
        Ok((200, _))
    );
    let _ = open.send(ok);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(10)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if exchange(&mut stream, &request, &mut buf).await.is_err() {
            return;
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("live_load: {e}");
            std::process::exit(2);
        }
    };
    let token: Arc<str> = a.token.clone().into();
    let rss_before = rss_kib(&a.pids);
    let (stop_tx, stop) = watch::channel(false);

    // Idle connections first, all of them answered once, then the long-polls.
    let (open_tx, mut open_rx) = mpsc::unbounded_channel();
    for i in 0..a.idle {
        tokio::spawn(idler(
            a.bases[i % a.bases.len()],
            stop.clone(),
            open_tx.clone(),
        ));
    }
    let mut idle_open = 0;
    for _ in 0..a.idle {
        match tokio::time::timeout(Duration::from_secs(60), open_rx.recv()).await {
            Ok(Some(true)) => idle_open += 1,
            Ok(Some(false)) => {}
            _ => break,
        }
    }
    let since = match head(a.bases[0], &token).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("live_load: {e}");
            std::process::exit(1);
        }
    };
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel();
    let (ready_tx, mut ready) = mpsc::unbounded_channel();
    for i in 0..a.polls {
        tokio::spawn(poller(
            a.bases[i % a.bases.len()],
            token.clone(),
            since,
            arrived_tx.clone(),
            ready_tx.clone(),
            stop.clone(),
        ));
    }
    for _ in 0..a.polls {
        if tokio::time::timeout(Duration::from_secs(60), ready.recv())
            .await
            .is_err()
        {
            break;
        }
    }
    // Lets the last polls reach the server and settle into their wait.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_loaded = rss_kib(&a.pids);

    let mut writer = TcpStream::connect(a.bases[0])
        .await
        .expect("connect the writer");
    let mut buf = Vec::new();
    let mut latencies = Vec::new();
    let mut missed = 0usize;
    for w in 0..a.writes {
        let body = format!("{{\"name\":\"live load {w} {}\"}}", std::process::id());
        let request = format!(
            "POST /api/v1/teams HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            a.bases[0],
            body.len()
        );
        let sent = Instant::now();
        let (status, answer) = exchange(&mut writer, &request, &mut buf)
            .await
            .expect("the write");
        if status != 201 {
            eprintln!(
                "live_load: write answered {status}: {}",
                String::from_utf8_lossy(&answer)
            );
            std::process::exit(1);
        }
        let mut seen = 0;
        let deadline = sent + FAN_OUT_DEADLINE;
        while seen < a.polls {
            match tokio::time::timeout_at(deadline.into(), arrived.recv()).await {
                Ok(Some((_, at))) => {
                    latencies.push(at.saturating_duration_since(sent).as_secs_f64() * 1000.0);
                    seen += 1;
                }
                _ => break,
            }
        }
        missed += a.polls - seen;
        // The polls ask again before the next write.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = stop_tx.send(true);
    latencies.sort_by(f64::total_cmp);
    let clients = (a.polls + idle_open).max(1) as u64;
    println!(
        "servers {} | long-polls {} | idle open {idle_open}/{} | writes {} | fan-out p50 {:.0} ms p99 {:.0} ms max {:.0} ms | missed {missed} | RSS {} MiB -> {} MiB, {:.1} KiB per client",
        a.bases.len(),
        a.polls,
        a.idle,
        a.writes,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(f64::NAN),
        rss_before / 1024,
        rss_loaded / 1024,
        rss_loaded.saturating_sub(rss_before) as f64 / clients as f64,
    );
    if missed > 0 {
        std::process::exit(1);
    }
}
