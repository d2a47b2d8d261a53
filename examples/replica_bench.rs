//! Replica benchmarks: search latency per keystroke over a replica of synthetic customers (with
//! `fzf --filter` on the same names beside it when fzf is installed), and an initial sync over
//! loopback from a seeded server into an empty replica.
//!
//!     cargo run --release --example replica_bench -- [--customers N] [--sync N] [--no-fzf] [--dir PATH]
//!
//! Defaults: 1,000,000 customers for search, 100,000 for the sync. `--sync 0` or
//! `--customers 0` skips a part. Figures go to stdout; BENCHMARKS.md records them.
//!
//!     cargo run --release --example replica_bench -- --fetch-only URL [--user NAME]
//!
//! reads every snapshot page a first sync from a running server (`crm demo --server-only`)
//! reads, the way `sync::pull` asks for them, and drops them: the floor a first sync's wall time
//! is measured against. The password is `CRM_PASSWORD`, else the demo's.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crm::replica::Replica;
use crm::sync::{self, ApiClient};
use crm_server::schema::Entity;
use crm_server::wire::{FeedEntry, FeedOp, FeedPage};
use serde_json::{Map, Value, json};

// The allocator the `crm` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    customers: usize,
    sync: usize,
    fzf: bool,
    dir: Option<PathBuf>,
    pull_only: bool,
    fetch_only: Option<String>,
    user: String,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        customers: 1_000_000,
        sync: 100_000,
        fzf: true,
        dir: None,
        pull_only: false,
        fetch_only: None,
        user: "demo".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--customers" => out.customers = number("--customers")?,
            "--sync" => out.sync = number("--sync")?,
            "--no-fzf" => out.fzf = false,
            "--pull-only" => out.pull_only = true,
            "--fetch-only" => out.fetch_only = Some(it.next().ok_or("--fetch-only needs a URL")?),
            "--user" => out.user = it.next().ok_or("--user needs a name")?,
            "--dir" => out.dir = Some(PathBuf::from(it.next().ok_or("--dir needs a path")?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(out)
}

/// xorshift: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const CITIES: &[&str] = &[
    "北京", "上海", "深圳", "广州", "杭州", "成都", "武汉", "南京", "西安", "重庆", "苏州", "天津",
    "长沙", "青岛", "厦门", "宁波", "郑州", "济南", "合肥", "福州", "昆明", "大连", "沈阳", "无锡",
    "佛山", "东莞", "珠海", "温州", "常州", "南昌",
];
const HANZI: &[&str] = &[
    "华", "为", "腾", "讯", "阿", "里", "百", "度", "京", "东", "美", "团", "小", "米", "联", "想",
    "海", "尔", "格", "力", "中", "兴", "万", "科", "恒", "大", "碧", "桂", "园", "招", "商", "平",
    "安", "泰", "康", "人", "寿", "金", "银", "宝", "钢", "鞍", "山", "长", "城", "吉", "利", "比",
    "亚", "迪", "宁", "德", "时", "代", "隆", "基", "通", "威", "明", "阳", "光", "伏", "星", "辰",
    "瑞", "丰", "盛", "昌", "鑫", "源", "达", "信", "诚", "和", "顺", "发", "祥", "福", "禄", "新",
    "天", "地", "嘉", "怡", "悦", "博", "远", "志", "宏", "伟", "建", "立", "永", "佳", "优", "精",
    "创", "智", "慧", "云", "数", "易", "快", "捷",
];
const INDUSTRIES_CN: &[&str] = &[
    "科技", "信息", "贸易", "实业", "电子", "网络", "软件", "物流", "医药", "能源", "建设", "传媒",
    "食品", "机械", "化工", "汽车", "金融", "教育", "环保", "材料",
];
const SUFFIX_CN: &[&str] = &[
    "有限公司",
    "股份有限公司",
    "集团有限公司",
    "有限责任公司",
    "工作室",
];
const FIRST_EN: &[&str] = &[
    "Acme",
    "Global",
    "Pacific",
    "Northern",
    "Blue",
    "Golden",
    "Summit",
    "Pioneer",
    "Silver",
    "Red",
    "Eastern",
    "Royal",
    "United",
    "Bright",
    "Crystal",
    "Delta",
    "Evergreen",
    "Falcon",
    "Harbor",
    "Liberty",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ter", "van", "sol", "rin", "tex", "nor", "bel", "quin", "zar", "dor", "fen",
    "gal", "hux", "jor", "kel", "lum", "mar", "nex", "pol", "ros", "sev", "tal", "ul", "vex",
    "wil", "yor", "zen",
];
const INDUSTRIES_EN: &[&str] = &[
    "Trading",
    "Logistics",
    "Software",
    "Foods",
    "Machinery",
    "Pharma",
    "Energy",
    "Media",
    "Textiles",
    "Electronics",
    "Holdings",
    "Systems",
    "Consulting",
    "Motors",
    "Chemicals",
];
const SUFFIX_EN: &[&str] = &["Ltd", "Inc", "GmbH", "LLC", "Co.", "Pte Ltd"];
const AREAS: &[&str] = &[
    "010", "021", "0755", "020", "0571", "028", "027", "025", "029", "023",
];

struct Synthetic {
    name: String,
    code: String,
    phone: String,
    email: Option<String>,
}

fn synthetic(rng: &mut Rng, n: usize) -> Synthetic {
    let chinese = rng.below(10) < 6;
    let (name, email) = if chinese {
        let brand = format!("{}{}", rng.pick(HANZI), rng.pick(HANZI));
        let name = format!(
            "{}{}{}{}",
            rng.pick(CITIES),
            brand,
            rng.pick(INDUSTRIES_CN),
            rng.pick(SUFFIX_CN)
        );
        (name, None)
    } else {
        let brand: String = (0..2 + rng.below(2)).map(|_| rng.pick(SYLLABLES)).collect();
        let mut brand_cap = brand.clone();
        if let Some(first) = brand_cap.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        let name = format!(
            "{} {} {} {}",
            rng.pick(FIRST_EN),
            brand_cap,
            rng.pick(INDUSTRIES_EN),
            rng.pick(SUFFIX_EN)
        );
        (name, Some(format!("info@{brand}{n}.example")))
    };
    let phone = if rng.below(10) < 7 {
        format!(
            "1{}{} {:04} {:04}",
            3 + rng.below(7),
            rng.below(10),
            rng.below(10_000),
            rng.below(10_000)
        )
    } else {
        format!("{}-{:08}", rng.pick(AREAS), rng.below(100_000_000))
    };
    Synthetic {
        name,
        code: format!("C{n:07}"),
        phone,
        email,
    }
}

fn record(n: usize, s: &Synthetic) -> Map<String, Value> {
    let id = format!(
        "0190{:04x}-{:04x}-7{:03x}-8000-{:012x}",
        n >> 16,
        n & 0xffff,
        n % 4096,
        n
    );
    let level = ["A", "B", "C", "D"][n % 4];
    let v = json!({
        "id": id, "version": 1, "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
        "created_by": null, "code": s.code, "name": s.name, "kind": "company", "industry": null, "region": null,
        "level": level, "category": "customer", "lifecycle": "active", "source": null, "address": null,
        "postcode": null, "phone": s.phone, "fax": null, "website": null, "email": s.email, "owner_id": null, "team_id": null,
        "shared_with": [], "tags": [], "notes": null, "extra": {}
    });
    v.as_object().cloned().unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label}: n={} p50={} p95={} max={}",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(times.last().copied().unwrap_or_default())
    );
}

fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time this thread has used (Linux; zero elsewhere): the replica's writes run on the
/// bench's own thread, so this tells their cost apart from a busy machine's waits.
/// CPU time of the whole process (all threads: server, fetching, writing), from /proc.
fn process_cpu() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = after.split_whitespace().collect();
            // utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    // The kernel counts in USER_HZ, 100 a second on Linux.
    Duration::from_millis(ticks * 10)
}

fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0)
}

/// Every prefix of `q` from its third character on.
fn keystrokes(q: &str) -> Vec<String> {
    let chars: Vec<char> = q.chars().collect();
    (3..=chars.len())
        .map(|n| chars[..n].iter().collect())
        .collect()
}

fn search_bench(
    dir: &Path,
    customers: usize,
    use_fzf: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let path = dir.join("search.replica");
    let names_path = dir.join("names.txt");
    let _ = std::fs::remove_file(crm::replica::outbox_path(&path));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let replica = Replica::open(&path)?;
    let mut names = std::io::BufWriter::new(std::fs::File::create(&names_path)?);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut samples = Vec::new();
    let started = Instant::now();
    let page_size = 5000;
    let mut seq = 0i64;
    let mut n = 0;
    let mut applying = Duration::ZERO;
    let mut last_page = Duration::ZERO;
    while n < customers {
        let mut changes = Vec::with_capacity(page_size);
        for _ in 0..page_size.min(customers - n) {
            n += 1;
            seq += 1;
            let s = synthetic(&mut rng, n);
            writeln!(names, "{}", s.name)?;
            let r = record(n, &s);
            if n % 99_991 == 7 {
                samples.push(s);
            }
            changes.push(FeedEntry {
                seq,
                entity: Entity::Customers,
                id: r["id"].as_str().unwrap_or_default().to_string(),
                op: FeedOp::Upsert,
                record: Some(r),
            });
        }
        let t = Instant::now();
        replica.apply_page(&FeedPage {
            changes,
            next: seq,
            more: n < customers,
            latest: 0,
        })?;
        applying += t.elapsed();
        last_page = t.elapsed();
    }
    names.flush()?;
    let built = started.elapsed();
    println!(
        "built a replica of {customers} customers in {:.1} s, {:.1} s of it in apply_page ({:.1} s in the last page, which builds the indexes) ({:.0} records/s); file {:.0} MB",
        built.as_secs_f64(),
        applying.as_secs_f64(),
        last_page.as_secs_f64(),
        customers as f64 / applying.as_secs_f64(),
        file_mb(&path)
    );
    drop(replica);

    let opened = Instant::now();
    let replica = Replica::open(&path)?;
    println!("reopened in {}", ms(opened.elapsed()));

    // Queries as people type them: names and parts of names seen in the data, a code, an email,
    // digit runs of phones, common words, and a miss.
    let mut queries: Vec<String> = Vec::new();
    for s in samples.iter().take(4) {
        queries.push(s.name.clone());
    }
    if let Some(s) = samples.get(4) {
        let chars: Vec<char> = s.name.chars().collect();
        queries.push(chars[2..chars.len().min(6)].iter().collect());
    }
    if let Some(s) = samples.get(5) {
        queries.push(s.code.to_lowercase());
    }
    if let Some(s) = samples.iter().find(|s| s.email.is_some()) {
        queries.push(s.email.clone().unwrap_or_default());
    }
    for s in samples.iter().skip(6).take(3) {
        let digits: String = s.phone.chars().filter(char::is_ascii_digit).collect();
        queries.push(digits[digits.len() - 8..].to_string());
    }
    queries.extend(
        [
            "有限公司",
            "深圳科技",
            "golden trading",
            "logistics ltd",
            "华为",
            "zzqxj",
            "13912345",
        ]
        .iter()
        .map(|s| s.to_string()),
    );

    let mut all = Vec::new();
    let mut short = Vec::new();
    println!("\nsearch_customers(prefix, 50), every keystroke from the third character:");
    for q in &queries {
        let mut times = Vec::new();
        let mut hits = 0;
        for prefix in keystrokes(q) {
            let t = Instant::now();
            let found = replica.search_customers(&prefix, 50)?;
            times.push(t.elapsed());
            hits = found.len();
        }
        for n in 1..=2.min(q.chars().count()) {
            let prefix: String = q.chars().take(n).collect();
            let t = Instant::now();
            replica.search_customers(&prefix, 50)?;
            short.push(t.elapsed());
        }
        let mut sorted = times.clone();
        sorted.sort();
        println!(
            "  {q:<32} keystrokes={:<3} max={:<10} hits(full)={hits}",
            times.len(),
            ms(sorted.last().copied().unwrap_or_default())
        );
        all.extend(times);
    }
    summary("search, 3rd character on", all);
    summary("search, 1st and 2nd characters", short);
    let mut phone = Vec::new();
    for s in &samples {
        let t = Instant::now();
        let found = replica.customer_by_phone(&s.phone)?;
        phone.push(t.elapsed());
        if found.is_empty() {
            println!("  customer_by_phone({}) found nothing", s.phone);
        }
    }
    summary("customer_by_phone", phone);
    if let Some(rss) = rss_mb() {
        println!("process RSS after searching: {rss:.0} MB");
    }

    if use_fzf {
        match Command::new("fzf").arg("--version").output() {
            Ok(v) => {
                println!(
                    "\nfzf --filter over the same {customers} names ({}):",
                    String::from_utf8_lossy(&v.stdout).trim()
                );
                let mut times = Vec::new();
                for q in &queries {
                    for prefix in keystrokes(q) {
                        let input = std::fs::File::open(&names_path)?;
                        let t = Instant::now();
                        Command::new("fzf")
                            .arg("--filter")
                            .arg(&prefix)
                            .stdin(input)
                            .stdout(Stdio::null())
                            .status()?;
                        times.push(t.elapsed());
                    }
                }
                summary("fzf --filter, 3rd character on", times);
            }
            Err(_) => println!("\nfzf is not installed; skipped (apt-get install fzf)"),
        }
    }
    Ok(())
}

async fn sync_bench(
    dir: &Path,
    customers: usize,
    pull_only: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    // A server seeded by an earlier run with the same count is used again (`--dir`).
    let db_path = dir.join(format!("sync-server-{customers}.db"));
    if !db_path.exists() {
        let db = crm_server::open_sqlite(&db_path)?;
        let seeded = Instant::now();
        let report = crm_server::seed::demo(db.as_ref(), customers);
        if report.is_err() {
            drop(db);
            let _ = std::fs::remove_file(&db_path);
        }
        println!(
            "\nseeded the server in {:.1} s: {}",
            seeded.elapsed().as_secs_f64(),
            report?
        );
        // Closed and opened again, as `crm-server seed` and then `serve` would: closing
        // checkpoints the seed's WAL, which would otherwise be copied during the sync measured.
    }
    // And its gigabytes written to disk first: their writeback would compete with the sync.
    let _ = Command::new("sync").status();
    let db = crm_server::open_sqlite(&db_path)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(crm_server::serve(
        listener,
        db,
        crm_server::Settings::default(),
        std::future::pending(),
    ));

    let client = ApiClient::new(&format!("http://{addr}"))?;
    let session = client
        .login("demo", crm_server::seed::DEMO_PASSWORD)
        .await?;
    let client = client.with_token(session.token);
    if !pull_only {
        measure_apart(dir, &client, addr, customers).await?;
    }

    let path = dir.join("sync.replica");
    let replica = empty_replica(&path)?;
    let started = Instant::now();
    let cpu = thread_cpu();
    let all_cpu = process_cpu();
    let mut last_report = Instant::now();
    let pulled = sync::pull(&replica, &client, |p| {
        if last_report.elapsed() > Duration::from_secs(2) {
            println!("  … {} records", p.received);
            last_report = Instant::now();
        }
    })
    .await?;
    let took = started.elapsed();
    let write_cpu = thread_cpu() - cpu;
    let all_cpu = process_cpu() - all_cpu;
    let records = pulled.upserts + pulled.removals;
    println!(
        "initial sync of {customers} customers ({records} records in {} pages) over loopback: {:.2} s ({:.0} records/s, replica writes {:.2} s on CPU, all threads {:.2} s); replica {:.0} MB",
        pulled.pages,
        took.as_secs_f64(),
        records as f64 / took.as_secs_f64(),
        write_cpu.as_secs_f64(),
        all_cpu.as_secs_f64(),
        file_mb(&path)
    );
    // The search index, built after the sync (by `crm index-search` or the screens' thread).
    drop(replica);
    let started = Instant::now();
    let indexing = path.clone();
    tokio::task::spawn_blocking(move || crm::replica::index_search(&indexing)).await??;
    println!(
        "search index built after it: {:.2} s; replica {:.0} MB",
        started.elapsed().as_secs_f64(),
        file_mb(&path)
    );
    server.abort();
    Ok(())
}

/// Every snapshot page from a running server, asked for one after the other as `sync::pull`
/// asks (the next page named by the last one's `Snapshot-Position`), read and dropped.
async fn fetch_only(url: &str, user: &str) -> Result<(), Box<dyn std::error::Error>> {
    let password =
        std::env::var("CRM_PASSWORD").unwrap_or_else(|_| crm_server::seed::DEMO_PASSWORD.into());
    let client = ApiClient::new(url)?;
    let session = client.login(user, &password).await?;
    let client = client.with_token(session.token);
    let started = Instant::now();
    let (mut from, mut pages, mut bytes, mut records) = (None, 0usize, 0usize, 0u64);
    let mut shape = None;
    loop {
        let page = client
            .snapshot_body(from.as_ref(), sync::SNAPSHOT_PAGE_SIZE)
            .await?;
        shape.get_or_insert(page.shape);
        pages += 1;
        bytes += page.body.len();
        records = page.position.total.unwrap_or(records);
        from = page.position.next;
        if from.is_none() {
            break;
        }
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "fetched the snapshot alone ({shape:?}): {pages} pages, {records} records, {:.0} MB in {took:.2} s ({:.0} records/s)",
        bytes as f64 / 1e6,
        records as f64 / took
    );
    Ok(())
}

/// Reads every page of the snapshot the client's user may see; the records read.
async fn read_snapshot(client: &ApiClient) -> Result<usize, Box<dyn std::error::Error>> {
    let (mut from, mut records) = (None, 0);
    loop {
        let page = client
            .snapshot(from.as_ref(), sync::SNAPSHOT_PAGE_SIZE)
            .await?;
        records += page.records.len();
        from = page.next;
        if from.is_none() {
            return Ok(records);
        }
    }
}

/// The feed alone (server work, transfer, parsing), then writing the same pages into an empty
/// replica, to tell the two apart; then the snapshot alone, as users who see all and part of it.
async fn measure_apart(
    dir: &Path,
    client: &ApiClient,
    addr: std::net::SocketAddr,
    customers: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (mut since, mut fetched) = (0, 0);
    let mut pages = Vec::new();
    loop {
        let page = client.feed(since, sync::PAGE_SIZE, None).await?;
        fetched += page.changes.len();
        since = page.next;
        let more = page.more;
        // Held for the second pass only when they fit comfortably in memory.
        if customers <= 200_000 {
            pages.push(page);
        }
        if !more {
            break;
        }
    }
    let took = started.elapsed();
    println!(
        "fetching the feed alone: {fetched} records in {:.2} s ({:.0} records/s)",
        took.as_secs_f64(),
        fetched as f64 / took.as_secs_f64()
    );
    // The snapshot a first sync now reads instead, alone.
    let started = Instant::now();
    let snapshot_records = read_snapshot(client).await?;
    let took = started.elapsed();
    println!(
        "fetching the snapshot alone: {snapshot_records} records in {:.2} s ({:.0} records/s)",
        took.as_secs_f64(),
        snapshot_records as f64 / took.as_secs_f64()
    );
    // The same as users who see part of it: the access filter's cost.
    for user in ["wang", "li"] {
        let session = ApiClient::new(&format!("http://{addr}"))?
            .login(user, crm_server::seed::DEMO_PASSWORD)
            .await?;
        let as_user = ApiClient::new(&format!("http://{addr}"))?.with_token(session.token);
        let started = Instant::now();
        let records = read_snapshot(&as_user).await?;
        println!(
            "fetching the snapshot alone as {user}: {records} records in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    if !pages.is_empty() {
        let replica = empty_replica(&dir.join("apply-only.replica"))?;
        let started = Instant::now();
        let cpu = thread_cpu();
        let mut last = Duration::ZERO;
        for page in &pages {
            let t = Instant::now();
            replica.apply_page(page)?;
            last = t.elapsed();
        }
        let took = started.elapsed();
        println!(
            "writing the same pages into an empty replica: {:.2} s ({:.0} records/s, {:.2} s on CPU), {:.2} s of it in the last page (index build)",
            took.as_secs_f64(),
            fetched as f64 / took.as_secs_f64(),
            (thread_cpu() - cpu).as_secs_f64(),
            last.as_secs_f64()
        );
        drop((replica, pages));
    }

    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    if let Some(url) = &args.fetch_only {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return runtime.block_on(fetch_only(url, &args.user));
    }
    let temp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    if args.customers > 0 {
        search_bench(&dir, args.customers, args.fzf)?;
    }
    if args.sync > 0 {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(sync_bench(&dir, args.sync, args.pull_only))?;
    }
    Ok(())
}

/// A new, empty replica at `path`, with whatever an earlier run left there removed.
fn empty_replica(path: &Path) -> Result<Replica, Box<dyn std::error::Error>> {
    let _ = std::fs::remove_file(crm::replica::outbox_path(path));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(Replica::open(path)?)
}
