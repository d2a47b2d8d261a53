//! An in-memory data source with fixed fixtures, for snapshot and key-driven tests: Chinese and
//! Latin names, a customer whose name carries an escape sequence and a bidi override, a funnel,
//! two weeks of calendar, tickets in every SLA state, and one sync conflict. It applies the same
//! validation and entity rules as the server so tests see realistic records, and it logs every
//! write so a test can check what the screens asked for.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use crm_server::access::Role;
use crm_server::dedupe;
use crm_server::schema::Entity;
use crm_server::validate::{self, Mode, format_time};
use serde_json::{Value, json};

use super::data::*;
use super::sla;

/// One write the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeWrite {
    pub op: &'static str,
    pub entity: Entity,
    pub id: String,
    /// The body as sent by the screen (before defaults).
    pub body: Record,
}

#[derive(Debug)]
struct Inner {
    now: DateTime<Utc>,
    me: String,
    tables: BTreeMap<Entity, Vec<Record>>,
    writes: Vec<FakeWrite>,
    next_id: u64,
    next_code: u64,
    next_ticket: u64,
    conflicts: Vec<Conflict>,
    status: SourceStatus,
    /// This many generated customers stand in for the stored ones (see `with_synthetic`).
    synthetic: Option<usize>,
    /// How many customer rows reads have built, to show windows stay small.
    rows_built: usize,
}

/// Cloning shares the data, so a test can keep a handle after boxing one for the app.
#[derive(Debug, Clone)]
pub struct FakeSource {
    inner: Arc<Mutex<Inner>>,
}

/// Deterministic UUIDs: the entity in the first group, the number in the last.
pub fn fake_id(entity: Entity, n: u64) -> String {
    format!("{:08x}-0000-7000-8000-{n:012x}", entity as u32 + 1)
}

fn obj(v: Value) -> Record {
    v.as_object().cloned().unwrap_or_default()
}

/// The fixed "now" the fixtures are built around: Wednesday 2026-11-25 09:00 UTC.
pub fn fixture_now() -> DateTime<Utc> {
    at("2026-11-25T09:00:00Z")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

/// id, name, level, lifecycle, region, industry, phone, email, kind, owner.
type CustomerFixture = (
    u64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
);

const SLA_MINUTES: [(&str, i64, i64); 4] = [
    ("urgent", 30, 240),
    ("high", 60, 480),
    ("normal", 240, 1440),
    ("low", 480, 4320),
];

fn sla_minutes(priority: &str) -> (i64, i64) {
    SLA_MINUTES
        .iter()
        .find(|(p, _, _)| *p == priority)
        .map_or((240, 1440), |(_, f, r)| (*f, *r))
}

impl FakeSource {
    /// The fixtures, seen by 李娜 (username "li", sales).
    pub fn new() -> FakeSource {
        let source = FakeSource::empty(fixture_now(), &fake_id(Entity::Users, 3));
        source.load_fixtures();
        source
    }

    /// No records at all, `now` as the clock for timestamps, `me` as the author of writes.
    pub fn empty(now: DateTime<Utc>, me: &str) -> FakeSource {
        FakeSource {
            inner: Arc::new(Mutex::new(Inner {
                now,
                me: me.to_string(),
                tables: BTreeMap::new(),
                writes: Vec::new(),
                next_id: 1000,
                next_code: 200,
                next_ticket: 200,
                conflicts: Vec::new(),
                synthetic: None,
                rows_built: 0,
                status: SourceStatus {
                    pending: 0,
                    conflicts: 0,
                    last_sync: Some(now - Duration::minutes(3)),
                    online: Some(true),
                },
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread poisons the lock; the data is still fine to read.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fixtures, with `n` generated customers in place of the stored ones. A window of
    /// them is built on demand in O(window) (sorted by name, which is their order), so a
    /// million rows cost no memory and no time until shown.
    pub fn with_synthetic(n: usize) -> FakeSource {
        let source = FakeSource::new();
        source.lock().synthetic = Some(n);
        source
    }

    /// The generated customer at `index` (its name sorts in index order).
    pub fn synthetic_customer(index: usize) -> Record {
        let region = ["深圳", "北京", "上海", "London", "Berlin"][index % 5];
        let level = ["A", "B", "C", "D"][index % 4];
        let lifecycle = ["active", "potential", "dormant", "lost"][index % 4];
        obj(json!({
            "id": fake_id(Entity::Customers, 10_000_000 + index as u64),
            "code": format!("C{:07}", index + 1),
            "name": format!("客户 {index:07} Trading Co."),
            "kind": "company",
            "level": level,
            "category": "customer",
            "lifecycle": lifecycle,
            "region": region,
            "industry": "Wholesale",
            "phone": format!("+86 10 {:04} {:04}", index / 10_000 % 10_000, index % 10_000),
            "email": format!("buyer{index}@example.com"),
            "owner_id": fake_id(Entity::Users, 3 + (index % 3) as u64),
            "version": 1,
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-01-01T00:00:00.000Z",
        }))
    }

    /// Customer rows built by reads so far.
    pub fn rows_built(&self) -> usize {
        self.lock().rows_built
    }

    /// Every write so far, in order.
    pub fn writes(&self) -> Vec<FakeWrite> {
        self.lock().writes.clone()
    }

    pub fn set_status(&self, status: SourceStatus) {
        self.lock().status = status;
    }

    /// Puts a record in place as if synced (no write logged).
    pub fn insert(&self, entity: Entity, record: Record) {
        self.lock().tables.entry(entity).or_default().push(record);
    }

    pub fn add_conflict(&self, conflict: Conflict) {
        self.lock().conflicts.push(conflict);
    }

    fn load_fixtures(&self) {
        let u = |n| fake_id(Entity::Users, n);
        let c = |n| fake_id(Entity::Customers, n);
        let k = |n| fake_id(Entity::Contacts, n);
        let s = |n| fake_id(Entity::Stages, n);
        let stamp = "2026-11-01T08:00:00.000Z";
        let base =
            |id: String| json!({"id": id, "version": 1, "created_at": stamp, "updated_at": stamp});
        let with = |id: String, fields: Value| {
            let mut r = obj(base(id));
            r.extend(obj(fields));
            r
        };

        for (n, username, name, role) in [
            (1, "demo", "Demo Admin", "admin"),
            (2, "wang", "王强", "manager"),
            (3, "li", "李娜", "sales"),
            (4, "zhang", "张伟", "sales"),
            (5, "emma", "Emma Clarke", "sales"),
            (6, "chen", "陈静", "agent"),
        ] {
            self.insert(
                Entity::Users,
                with(u(n), json!({"username": username, "display_name": name, "role": role, "active": true})),
            );
        }

        for (n, name, position, probability, kind) in [
            (1, "lead", 0, 10, "open"),
            (2, "qualified", 10, 25, "open"),
            (3, "proposal", 20, 50, "open"),
            (4, "negotiation", 30, 75, "open"),
            (5, "won", 40, 100, "won"),
            (6, "lost", 50, 0, "lost"),
        ] {
            self.insert(
                Entity::Stages,
                with(s(n), json!({"name": name, "position": position, "probability": probability, "kind": kind})),
            );
        }

        let customers: [CustomerFixture; 12] = [
            (
                1,
                "华为技术有限公司",
                "A",
                "active",
                "深圳",
                "通信设备",
                "+86 755 2878 0808",
                "contact@huawei.example",
                "company",
                3,
            ),
            (
                2,
                "阿里巴巴网络技术有限公司",
                "A",
                "active",
                "杭州",
                "互联网",
                "0571-8502-2088",
                "bd@alibaba.example",
                "company",
                3,
            ),
            (
                3,
                "北京字节跳动科技有限公司",
                "B",
                "potential",
                "北京",
                "互联网",
                "010-5825-1234",
                "",
                "company",
                4,
            ),
            (
                4,
                "Acme Ltd.",
                "B",
                "active",
                "London",
                "Manufacturing",
                "+44 20 7946 0958",
                "hello@acme.example",
                "company",
                5,
            ),
            (
                5,
                "Globex Corporation",
                "C",
                "dormant",
                "Berlin",
                "Energy",
                "+49 30 901820",
                "info@globex.example",
                "company",
                5,
            ),
            (
                6,
                "上海浦东发展银行",
                "A",
                "active",
                "上海",
                "金融",
                "021-6161-8888",
                "",
                "company",
                2,
            ),
            (
                7,
                "张记餐饮",
                "D",
                "potential",
                "北京",
                "餐饮",
                "138 1111 2222",
                "",
                "person",
                4,
            ),
            (
                8,
                "Initech GmbH",
                "C",
                "potential",
                "München",
                "Software",
                "+49 89 1234 5678",
                "peter@initech.example",
                "company",
                5,
            ),
            (
                9,
                "小米科技有限责任公司",
                "B",
                "active",
                "北京",
                "消费电子",
                "400-100-5678",
                "",
                "company",
                3,
            ),
            (
                10,
                "Evil\x1b[2J\x1b]0;pwned\x07 Corp\u{202e}gnp.exe",
                "C",
                "potential",
                "Nowhere\x1b[31m",
                "Security",
                "+1 555 0100",
                "root@evil.example",
                "company",
                3,
            ),
            (
                11,
                "腾讯科技（深圳）有限公司",
                "A",
                "active",
                "深圳",
                "互联网",
                "0755-8601-3388",
                "",
                "company",
                2,
            ),
            (
                12,
                "Umbrella Pharma",
                "B",
                "lost",
                "Tokyo",
                "Pharma",
                "+81 3 1234 5678",
                "",
                "company",
                5,
            ),
        ];
        for (n, name, level, lifecycle, region, industry, phone, email, kind, owner) in customers {
            let email = if email.is_empty() {
                Value::Null
            } else {
                json!(email)
            };
            self.insert(
                Entity::Customers,
                with(
                    c(n),
                    json!({"code": format!("C{:06}", 100 + n), "name": name, "kind": kind, "level": level,
                        "category": if lifecycle == "potential" { "prospect" } else { "customer" },
                        "lifecycle": lifecycle, "region": region, "industry": industry, "phone": phone,
                        "email": email, "owner_id": u(owner), "tags": if level == "A" { json!(["vip"]) } else { json!([]) },
                        "shared_with": [], "extra": {},
                        "address": if n == 1 { json!("深圳市龙岗区坂田华为基地") } else { Value::Null },
                        "website": if n == 4 { json!("https://acme.example") } else { Value::Null },
                        "notes": if n == 1 { json!("战略客户，年度框架合同 12 月续签。") } else { Value::Null }}),
                ),
            );
        }

        for (n, customer, name, title, phone, email, birthday, primary) in [
            (
                1,
                1,
                "王小明",
                "采购经理",
                "13800138000",
                "wxm@huawei.example",
                "1985-11-27",
                true,
            ),
            (
                2,
                1,
                "李静",
                "IT 主管",
                "13900139000",
                "",
                "1990-03-14",
                false,
            ),
            (
                3,
                2,
                "陈晨",
                "商务总监",
                "13700137000",
                "",
                "1988-12-03",
                true,
            ),
            (
                4,
                4,
                "John Smith",
                "Head of Ops",
                "+44 7700 900123",
                "john@acme.example",
                "1979-11-30",
                true,
            ),
            (
                5,
                5,
                "Hank Scorpio",
                "CEO",
                "",
                "hank@globex.example",
                "",
                true,
            ),
            (6, 6, "赵磊", "科技部经理", "13600136000", "", "", true),
            (
                7,
                9,
                "孙悦",
                "工厂厂长",
                "13500135000",
                "",
                "1992-11-28",
                true,
            ),
            (8, 10, "Mallory\x1b[31m", "Attacker", "", "", "", true),
            (9, 11, "马晓", "合作经理", "13300133000", "", "", true),
            (
                10,
                8,
                "Peter Gibbons",
                "Engineer",
                "",
                "peter@initech.example",
                "",
                true,
            ),
        ] {
            let opt = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
            self.insert(
                Entity::Contacts,
                with(
                    k(n),
                    json!({"customer_id": c(customer), "name": name, "title": title, "mobile": opt(phone),
                        "email": opt(email), "birthday": opt(birthday), "is_primary": primary}),
                ),
            );
        }

        for (n, customer, name, stage, amount, close, owner, reason) in [
            (1, 1, "5G 基站维保合同", 3, 128_000_000, "2026-12-15", 3, ""),
            (2, 1, "数据中心扩容", 4, 345_000_000, "2026-12-20", 3, ""),
            (3, 2, "云服务年度框架", 2, 86_000_000, "2027-01-31", 3, ""),
            (4, 3, "广告投放系统", 1, 12_000_000, "2027-02-28", 4, ""),
            (
                5,
                4,
                "Annual support renewal",
                4,
                4_500_000,
                "2026-11-30",
                5,
                "",
            ),
            (
                6,
                5,
                "Plant automation",
                6,
                25_000_000,
                "2026-10-31",
                5,
                "Chose a competitor",
            ),
            (
                7,
                6,
                "核心系统咨询",
                5,
                200_000_000,
                "2026-11-10",
                2,
                "签约完成",
            ),
            (8, 9, "智能工厂试点", 3, 56_000_000, "2026-12-31", 3, ""),
            (
                9,
                8,
                "TPS report tooling",
                1,
                1_800_000,
                "2027-01-15",
                5,
                "",
            ),
            (10, 11, "企业微信集成", 2, 33_000_000, "2026-12-10", 2, ""),
        ] {
            let probability = [10, 25, 50, 75, 100, 0][(stage - 1) as usize];
            self.insert(
                Entity::Opportunities,
                with(
                    fake_id(Entity::Opportunities, n),
                    json!({"customer_id": c(customer), "name": name, "stage_id": s(stage), "amount": amount,
                        "currency": "CNY", "probability": probability, "expected_close": close, "owner_id": u(owner),
                        "close_reason": if reason.is_empty() { Value::Null } else { json!(reason) }}),
                ),
            );
        }

        for (n, kind, subject, customer, starts, due, done, outcome, owner) in [
            (
                1,
                "call",
                "回访：维保报价",
                1,
                "2026-11-24T02:30:00.000Z",
                "",
                true,
                "answered",
                3,
            ),
            (
                2,
                "meeting",
                "现场演示 5G 方案",
                1,
                "2026-11-26T06:00:00.000Z",
                "",
                false,
                "",
                3,
            ),
            (
                3,
                "task",
                "发送框架协议草稿",
                2,
                "",
                "2026-11-23T10:00:00.000Z",
                false,
                "",
                3,
            ),
            (
                4,
                "visit",
                "拜访小米工厂",
                9,
                "2026-11-27T01:00:00.000Z",
                "",
                false,
                "",
                3,
            ),
            (
                5,
                "call",
                "Renewal call with John",
                4,
                "2026-11-25T14:00:00.000Z",
                "",
                false,
                "",
                3,
            ),
            (
                6,
                "email",
                "Send revised quote",
                5,
                "",
                "2026-11-20T09:00:00.000Z",
                false,
                "",
                5,
            ),
            (
                7,
                "meeting",
                "季度业务回顾",
                6,
                "2026-12-01T02:00:00.000Z",
                "",
                false,
                "",
                2,
            ),
            (
                8,
                "task",
                "准备需求清单",
                3,
                "",
                "2026-11-25T08:00:00.000Z",
                false,
                "",
                3,
            ),
            (
                9,
                "note",
                "客户反馈 API 限流",
                11,
                "2026-11-18T03:00:00.000Z",
                "",
                true,
                "",
                2,
            ),
            (
                10,
                "call",
                "确认到货时间",
                1,
                "2026-11-10T07:00:00.000Z",
                "",
                true,
                "callback_requested",
                3,
            ),
            (
                11,
                "meeting",
                "Kickoff workshop",
                8,
                "2026-12-03T09:00:00.000Z",
                "",
                false,
                "",
                3,
            ),
            (
                12,
                "call",
                "Cold call",
                10,
                "2026-09-01T10:00:00.000Z",
                "",
                true,
                "no_answer",
                3,
            ),
            (
                13,
                "task",
                "Prepare contract draft",
                4,
                "",
                "2026-11-25T16:00:00.000Z",
                false,
                "",
                3,
            ),
        ] {
            let opt = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
            let ends = if kind == "meeting" && !starts.is_empty() {
                json!(format_time(at(starts) + Duration::minutes(90)))
            } else {
                Value::Null
            };
            let created = if starts.is_empty() { due } else { starts };
            let mut record = with(
                fake_id(Entity::Activities, n),
                json!({"kind": kind, "subject": subject, "customer_id": c(customer), "starts_at": opt(starts),
                    "ends_at": ends, "due_at": opt(due), "done": done, "outcome": opt(outcome), "owner_id": u(owner),
                    "direction": if kind == "call" { json!("outbound") } else { Value::Null }}),
            );
            record.insert("created_at".into(), json!(created));
            self.insert(Entity::Activities, record);
        }

        for (
            n,
            customer,
            contact,
            subject,
            priority,
            status,
            created,
            responded,
            assignee,
            resolution,
        ) in [
            (
                1,
                1,
                1,
                "基站告警无法清除",
                "urgent",
                "open",
                "2026-11-25T05:35:00.000Z",
                "2026-11-25T05:50:00.000Z",
                3,
                "",
            ),
            (
                2,
                2,
                3,
                "发票抬头错误",
                "high",
                "new",
                "2026-11-25T07:00:00.000Z",
                "",
                3,
                "",
            ),
            (
                3,
                4,
                4,
                "Login fails after password reset",
                "normal",
                "open",
                "2026-11-24T10:00:00.000Z",
                "2026-11-24T11:00:00.000Z",
                3,
                "",
            ),
            (
                4,
                9,
                7,
                "设备巡检报告",
                "low",
                "pending",
                "2026-11-23T09:00:00.000Z",
                "2026-11-23T12:00:00.000Z",
                0,
                "",
            ),
            (
                5,
                5,
                5,
                "Refund request",
                "normal",
                "new",
                "2026-11-25T08:30:00.000Z",
                "",
                0,
                "",
            ),
            (
                6,
                6,
                6,
                "报表导出乱码",
                "high",
                "resolved",
                "2026-11-19T09:00:00.000Z",
                "2026-11-19T09:30:00.000Z",
                6,
                "已修复编码问题",
            ),
            (
                7,
                10,
                8,
                "Please run \x1b[6n now",
                "normal",
                "open",
                "2026-11-24T12:00:00.000Z",
                "",
                0,
                "",
            ),
        ] {
            let (first, resolve) = sla_minutes(priority);
            let opened = at(created);
            let opt = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
            let mut record = with(
                fake_id(Entity::Tickets, n),
                json!({"number": format!("T-{:06}", 100 + n), "subject": subject, "customer_id": c(customer),
                    "contact_id": k(contact), "channel": "phone", "priority": priority, "status": status,
                    "assignee_id": if assignee == 0 { Value::Null } else { json!(u(assignee)) },
                    "category": if n % 2 == 0 { json!("billing") } else { json!("technical") },
                    "description": if n == 1 { json!("龙岗机房 3 号基站持续告警，重启后仍无法清除。客户要求今天内给出方案。") } else { Value::Null },
                    "first_response_due": format_time(opened + Duration::minutes(first)),
                    "resolution_due": format_time(opened + Duration::minutes(resolve)),
                    "first_responded_at": opt(responded),
                    "resolved_at": if status == "resolved" { json!("2026-11-20T10:00:00.000Z") } else { Value::Null },
                    "resolution": opt(resolution)}),
            );
            record.insert("created_at".into(), json!(created));
            record.insert("updated_at".into(), json!(created));
            self.insert(Entity::Tickets, record);
        }

        for (n, ticket, body, internal, author, when) in [
            (
                1,
                1,
                "已收到告警截图，正在远程排查。",
                false,
                3,
                "2026-11-25T05:50:00.000Z",
            ),
            (
                2,
                1,
                "怀疑是固件版本问题，已联系研发。",
                true,
                3,
                "2026-11-25T06:30:00.000Z",
            ),
            (
                3,
                1,
                "客户催促：今天下午必须恢复。",
                false,
                6,
                "2026-11-25T08:10:00.000Z",
            ),
            (
                4,
                3,
                "Reset link sent again; waiting for the customer.",
                false,
                3,
                "2026-11-24T11:00:00.000Z",
            ),
        ] {
            let mut record = with(
                fake_id(Entity::Comments, n),
                json!({"ticket_id": fake_id(Entity::Tickets, ticket), "body": body, "internal": internal}),
            );
            record.insert("created_at".into(), json!(when));
            record.insert("created_by".into(), json!(u(author)));
            self.insert(Entity::Comments, record);
        }

        // Acme's phone was changed here and on the server at the same time.
        let theirs = self
            .get(Entity::Customers, &c(4))
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut mine = theirs.clone();
        mine.insert("phone".into(), json!("+44 20 7946 0000"));
        mine.insert("notes".into(), json!("Switchboard moved to the new office"));
        let mut theirs = theirs;
        theirs.insert("phone".into(), json!("+44 20 7946 0999"));
        theirs.insert("version".into(), json!(3));
        self.add_conflict(Conflict {
            id: "conflict-1".into(),
            entity: Entity::Customers,
            record_id: c(4),
            mine,
            theirs,
            message: "changed on the server since you edited it".into(),
        });
        self.lock().status.pending = 2;
    }
}

impl Default for FakeSource {
    fn default() -> Self {
        FakeSource::new()
    }
}

fn table(inner: &Inner, entity: Entity) -> &[Record] {
    inner.tables.get(&entity).map(Vec::as_slice).unwrap_or(&[])
}

fn find<'a>(inner: &'a Inner, entity: Entity, id: &str) -> Option<&'a Record> {
    table(inner, entity).iter().find(|r| text(r, "id") == id)
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

fn matches_search(inner: &Inner, customer: &Record, search: &str) -> bool {
    let needle = lower(search.trim());
    if needle.is_empty() {
        return true;
    }
    let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
    let phone_hit = digits.len() >= 3
        && digits.len()
            == needle
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '+' | '(' | ')'))
                .count()
        && text(customer, "phone")
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .contains(&digits);
    phone_hit
        || ["name", "code", "email", "phone"]
            .iter()
            .any(|f| lower(text(customer, f)).contains(&needle))
        || table(inner, Entity::Contacts).iter().any(|k| {
            text(k, "customer_id") == text(customer, "id")
                && lower(text(k, "name")).contains(&needle)
        })
}

fn filtered_customers<'a>(inner: &'a Inner, q: &CustomerQuery) -> Vec<&'a Record> {
    let eq =
        |r: &Record, f: &str, want: &Option<String>| want.as_ref().is_none_or(|w| text(r, f) == w);
    let mut rows: Vec<&Record> = table(inner, Entity::Customers)
        .iter()
        .filter(|r| {
            eq(r, "level", &q.level)
                && eq(r, "owner_id", &q.owner_id)
                && eq(r, "lifecycle", &q.lifecycle)
                && q.region
                    .as_ref()
                    .is_none_or(|w| lower(text(r, "region")) == lower(w))
                && matches_search(inner, r, &q.search)
        })
        .collect();
    // A search lists the best matches first, as the replica does: names and codes starting
    // with what was typed, then the rest; the chosen sort orders within each group.
    let needle = lower(q.search.trim());
    let rank = |r: &Record| {
        let prefix = !needle.is_empty()
            && (lower(text(r, "name")).starts_with(&needle)
                || lower(text(r, "code")).starts_with(&needle));
        !prefix
    };
    rows.sort_by(|a, b| {
        let key = |r: &Record| match q.sort {
            CustomerSort::Name => text(r, "name").to_string(),
            CustomerSort::Code => text(r, "code").to_string(),
            // Customers without a level sort after D.
            CustomerSort::Level => opt_text(r, "level").unwrap_or("Z").to_string(),
            CustomerSort::Updated => text(r, "updated_at").to_string(),
        };
        rank(a)
            .cmp(&rank(b))
            .then_with(|| key(a).cmp(&key(b)))
            .then_with(|| text(a, "id").cmp(text(b, "id")))
    });
    if q.descending {
        rows.reverse();
    }
    rows
}

fn in_month(date: &str, month: Option<(i32, u32)>) -> bool {
    match month {
        None => true,
        Some((y, m)) => NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .is_ok_and(|d| d.year() == y && d.month() == m),
    }
}

fn funnel_opps<'a>(inner: &'a Inner, stage_id: &str, f: &FunnelFilter) -> Vec<&'a Record> {
    let mut rows: Vec<&Record> = table(inner, Entity::Opportunities)
        .iter()
        .filter(|o| {
            text(o, "stage_id") == stage_id
                && f.owner_id
                    .as_deref()
                    .is_none_or(|w| text(o, "owner_id") == w)
                && in_month(text(o, "expected_close"), f.close_month)
        })
        .collect();
    rows.sort_by(|a, b| {
        int(b, "amount")
            .cmp(&int(a, "amount"))
            .then_with(|| text(a, "id").cmp(text(b, "id")))
    });
    rows
}

fn last_contact(inner: &Inner, customer_id: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    table(inner, Entity::Activities)
        .iter()
        .filter(|a| text(a, "customer_id") == customer_id)
        .filter_map(activity_time)
        .filter(|t| *t <= now)
        .max()
}

impl Inner {
    fn new_id(&mut self, entity: Entity) -> String {
        self.next_id += 1;
        fake_id(entity, self.next_id)
    }

    /// The server's entity rules, as far as the screens can observe them.
    fn prepare(
        &mut self,
        entity: Entity,
        old: Option<&Record>,
        record: &mut Record,
    ) -> Result<(), WriteError> {
        let now = format_time(self.now);
        let invalid = |field: &str, msg: &str| {
            WriteError::Invalid(BTreeMap::from([(field.to_string(), msg.to_string())]))
        };
        match entity {
            Entity::Customers => {
                if old.is_none() && record.get("owner_id").is_none_or(Value::is_null) {
                    record.insert("owner_id".into(), json!(self.me));
                }
                if opt_text(record, "code").is_none() {
                    self.next_code += 1;
                    record.insert("code".into(), json!(format!("C{:06}", self.next_code)));
                }
            }
            Entity::Opportunities => {
                if old.is_none() && record.get("owner_id").is_none_or(Value::is_null) {
                    record.insert("owner_id".into(), json!(self.me));
                }
                let mut stages: Vec<&Record> = table(self, Entity::Stages).iter().collect();
                stages.sort_by_key(|s| int(s, "position"));
                if opt_text(record, "stage_id").is_none()
                    && let Some(first) = stages.iter().find(|s| text(s, "kind") == "open")
                {
                    record.insert("stage_id".into(), json!(text(first, "id")));
                }
                let stage_changed = old.is_none_or(|o| o.get("stage_id") != record.get("stage_id"));
                let stage = stages
                    .iter()
                    .find(|s| text(s, "id") == text(record, "stage_id"))
                    .copied();
                if let Some(stage) = stage {
                    let given = old
                        .is_none_or(|o| o.get("probability") != record.get("probability"))
                        && record.get("probability").is_some_and(|p| !p.is_null());
                    if stage_changed && !given {
                        record.insert("probability".into(), stage["probability"].clone());
                    }
                    let kind = text(stage, "kind");
                    if kind != "open" && opt_text(record, "close_reason").is_none() {
                        return Err(invalid(
                            "close_reason",
                            &format!("say why the opportunity was {kind}"),
                        ));
                    }
                }
            }
            Entity::Activities => {
                if old.is_none() && record.get("owner_id").is_none_or(Value::is_null) {
                    record.insert("owner_id".into(), json!(self.me));
                }
                if text(record, "kind") != "call" {
                    for field in ["direction", "duration_seconds", "outcome"] {
                        if record.get(field).is_some_and(|v| !v.is_null()) {
                            return Err(invalid(field, "applies to calls only"));
                        }
                    }
                }
            }
            Entity::Tickets => {
                if old.is_none() {
                    self.next_ticket += 1;
                    record.insert("number".into(), json!(format!("T-{:06}", self.next_ticket)));
                }
                if old.is_none_or(|o| o.get("priority") != record.get("priority")) {
                    let opened = time(record, "created_at").unwrap_or(self.now);
                    let (first, resolve) = sla_minutes(text(record, "priority"));
                    record.insert(
                        "first_response_due".into(),
                        json!(format_time(opened + Duration::minutes(first))),
                    );
                    record.insert(
                        "resolution_due".into(),
                        json!(format_time(opened + Duration::minutes(resolve))),
                    );
                }
                let status = text(record, "status").to_string();
                if status != "new" && record.get("first_responded_at").is_none_or(Value::is_null) {
                    record.insert("first_responded_at".into(), json!(now));
                }
                let finished = matches!(status.as_str(), "resolved" | "closed");
                if finished {
                    if opt_text(record, "resolution").is_none() {
                        return Err(invalid("resolution", "say how the request was resolved"));
                    }
                    if record.get("resolved_at").is_none_or(Value::is_null) {
                        record.insert("resolved_at".into(), json!(now));
                    }
                } else {
                    record.insert("resolved_at".into(), Value::Null);
                }
                if record.get("satisfaction").is_some_and(|s| !s.is_null()) && !finished {
                    return Err(invalid(
                        "satisfaction",
                        "is recorded when the ticket is resolved or closed",
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn problems(p: validate::Problems) -> WriteError {
    let mut all = p.invalid;
    all.extend(p.forbidden);
    WriteError::Invalid(all)
}

impl DataSource for FakeSource {
    fn customers(
        &self,
        query: &CustomerQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        let mut inner = self.lock();
        let rows: Vec<Record> = match inner.synthetic {
            Some(n) if query.search.is_empty() && !query.has_filters() => {
                let end = offset.saturating_add(limit).min(n);
                let indices: Box<dyn Iterator<Item = usize>> = if query.descending {
                    Box::new((offset..end).map(|i| n - 1 - i))
                } else {
                    Box::new(offset..end)
                };
                indices.map(FakeSource::synthetic_customer).collect()
            }
            Some(n) => {
                let matches = |c: &Record| {
                    lower(text(c, "name")).contains(&lower(&query.search))
                        && query.level.as_deref().is_none_or(|l| text(c, "level") == l)
                };
                let indices: Box<dyn Iterator<Item = usize>> = if query.descending {
                    Box::new((0..n).rev())
                } else {
                    Box::new(0..n)
                };
                indices
                    .map(FakeSource::synthetic_customer)
                    .filter(matches)
                    .skip(offset)
                    .take(limit)
                    .collect()
            }
            None => filtered_customers(&inner, query)
                .into_iter()
                .skip(offset)
                .take(limit)
                .cloned()
                .collect(),
        };
        inner.rows_built += rows.len();
        Ok(rows)
    }

    fn get(&self, entity: Entity, id: &str) -> Result<Option<Record>, DataError> {
        Ok(find(&self.lock(), entity, id).cloned())
    }

    fn customer_by_phone(&self, phone: &str) -> Result<Option<Record>, DataError> {
        let Some(key) = dedupe::phone_key(phone) else {
            return Ok(None);
        };
        let inner = self.lock();
        let direct = table(&inner, Entity::Customers)
            .iter()
            .find(|c| dedupe::phone_key(text(c, "phone")).as_deref() == Some(key.as_str()));
        if let Some(c) = direct {
            return Ok(Some(c.clone()));
        }
        let via_contact = table(&inner, Entity::Contacts).iter().find(|k| {
            ["phone", "mobile"]
                .iter()
                .any(|f| dedupe::phone_key(text(k, f)).as_deref() == Some(key.as_str()))
        });
        Ok(via_contact
            .and_then(|k| find(&inner, Entity::Customers, text(k, "customer_id")).cloned()))
    }

    fn find_duplicates(&self, customer: &Record) -> Result<Vec<Record>, DataError> {
        let keys = |r: &Record| {
            [
                dedupe::name_key(text(r, "name")),
                dedupe::phone_key(text(r, "phone")),
                dedupe::email_key(text(r, "email")),
            ]
        };
        let mine = keys(customer);
        let inner = self.lock();
        Ok(table(&inner, Entity::Customers)
            .iter()
            .filter(|c| text(c, "id") != text(customer, "id"))
            .filter(|c| {
                keys(c)
                    .iter()
                    .zip(mine.iter())
                    .any(|(a, b)| a.is_some() && a == b)
            })
            .cloned()
            .collect())
    }

    fn contacts_of(&self, customer_id: &str) -> Result<Vec<Record>, DataError> {
        let inner = self.lock();
        let mut rows: Vec<Record> = table(&inner, Entity::Contacts)
            .iter()
            .filter(|k| text(k, "customer_id") == customer_id)
            .cloned()
            .collect();
        rows.sort_by(|a, b| {
            flag(b, "is_primary")
                .cmp(&flag(a, "is_primary"))
                .then(text(a, "name").cmp(text(b, "name")))
        });
        Ok(rows)
    }

    fn opportunities_of(&self, customer_id: &str) -> Result<Vec<Record>, DataError> {
        let inner = self.lock();
        let mut rows: Vec<Record> = table(&inner, Entity::Opportunities)
            .iter()
            .filter(|o| text(o, "customer_id") == customer_id)
            .cloned()
            .collect();
        rows.sort_by(|a, b| text(a, "expected_close").cmp(text(b, "expected_close")));
        Ok(rows)
    }

    fn timeline(&self, customer_id: &str, limit: usize) -> Result<Vec<TimelineEntry>, DataError> {
        let inner = self.lock();
        let mut entries: Vec<TimelineEntry> = table(&inner, Entity::Activities)
            .iter()
            .filter(|a| text(a, "customer_id") == customer_id)
            .map(|a| TimelineEntry {
                entity: Entity::Activities,
                at: opt_text(a, "starts_at")
                    .or(opt_text(a, "due_at"))
                    .unwrap_or(text(a, "created_at"))
                    .to_string(),
                record: a.clone(),
            })
            .chain(
                table(&inner, Entity::Tickets)
                    .iter()
                    .filter(|t| text(t, "customer_id") == customer_id)
                    .map(|t| TimelineEntry {
                        entity: Entity::Tickets,
                        at: text(t, "created_at").to_string(),
                        record: t.clone(),
                    }),
            )
            .collect();
        entries.sort_by(|a, b| b.at.cmp(&a.at));
        entries.truncate(limit);
        Ok(entries)
    }

    fn stages(&self) -> Result<Vec<Record>, DataError> {
        let inner = self.lock();
        let mut rows = table(&inner, Entity::Stages).to_vec();
        rows.sort_by_key(|s| int(s, "position"));
        Ok(rows)
    }

    fn funnel(&self, filter: &FunnelFilter) -> Result<Vec<StageSummary>, DataError> {
        let stages = self.stages()?;
        let inner = self.lock();
        Ok(stages
            .into_iter()
            .map(|stage| {
                let opps = funnel_opps(&inner, text(&stage, "id"), filter);
                let p = int(&stage, "probability").unwrap_or(0);
                StageSummary {
                    count: opps.len(),
                    total: opps.iter().map(|o| int(o, "amount").unwrap_or(0)).sum(),
                    weighted: opps.iter().map(|o| weighted(o, p)).sum(),
                    stage,
                }
            })
            .collect())
    }

    fn stage_opportunities(
        &self,
        stage_id: &str,
        filter: &FunnelFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        let inner = self.lock();
        Ok(funnel_opps(&inner, stage_id, filter)
            .into_iter()
            .skip(offset)
            .take(limit)
            .cloned()
            .collect())
    }

    fn activities_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<Record>, DataError> {
        let inner = self.lock();
        let mut rows: Vec<Record> = table(&inner, Entity::Activities)
            .iter()
            .filter(|a| owner.is_none_or(|o| text(a, "owner_id") == o))
            .filter(|a| activity_time(a).is_some_and(|t| t >= from && t < to))
            .cloned()
            .collect();
        rows.sort_by_key(|a| (activity_time(a), text(a, "id").to_string()));
        Ok(rows)
    }

    fn reminders(&self, q: &ReminderQuery) -> Result<Reminders, DataError> {
        let inner = self.lock();
        let customer_name =
            |id: &str| find(&inner, Entity::Customers, id).map(|c| text(c, "name").to_string());
        let owned = |customer_id: &str| {
            q.owner.as_deref().is_none_or(|o| {
                find(&inner, Entity::Customers, customer_id)
                    .is_some_and(|c| text(c, "owner_id") == o)
            })
        };
        let mut birthdays: Vec<Birthday> = table(&inner, Entity::Contacts)
            .iter()
            .filter(|k| owned(text(k, "customer_id")))
            .filter_map(|k| {
                let born = date(k, "birthday")?;
                let date = next_anniversary(born, q.from)?;
                (date <= q.to).then(|| Birthday {
                    contact: k.clone(),
                    customer_name: customer_name(text(k, "customer_id")).unwrap_or_default(),
                    date,
                })
            })
            .collect();
        birthdays.sort_by_key(|b| b.date);
        birthdays.truncate(q.limit);
        let mine = |owner_id: &str| q.owner.as_deref().is_none_or(|o| o == owner_id);
        let mut overdue: Vec<Record> = table(&inner, Entity::Activities)
            .iter()
            .filter(|a| mine(text(a, "owner_id")))
            .filter(|a| !flag(a, "done") && time(a, "due_at").is_some_and(|d| d < q.now))
            .cloned()
            .collect();
        overdue.sort_by_key(|a| time(a, "due_at"));
        overdue.truncate(q.limit);
        let mut quiet: Vec<QuietCustomer> = table(&inner, Entity::Customers)
            .iter()
            .filter(|c| q.owner.as_deref().is_none_or(|o| text(c, "owner_id") == o))
            .filter_map(|c| {
                let days = q.quiet_days.iter().find(|(l, _)| l == text(c, "level"))?.1;
                let last = last_contact(&inner, text(c, "id"), q.now);
                let quiet_since = q.now - Duration::days(i64::from(days));
                last.is_none_or(|t| t <= quiet_since)
                    .then(|| QuietCustomer {
                        customer: c.clone(),
                        last_contact: last,
                    })
            })
            .collect();
        quiet.sort_by(|a, b| {
            a.last_contact
                .cmp(&b.last_contact)
                .then(text(&a.customer, "name").cmp(text(&b.customer, "name")))
        });
        quiet.truncate(q.limit);
        Ok(Reminders {
            birthdays,
            overdue,
            quiet,
        })
    }

    fn tickets(
        &self,
        q: &TicketQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Record>, DataError> {
        let inner = self.lock();
        let mut rows: Vec<&Record> = table(&inner, Entity::Tickets)
            .iter()
            .filter(|t| q.include_done || !sla::is_done(t))
            .filter(|t| match q.scope {
                TicketScope::All => true,
                TicketScope::Unassigned => opt_text(t, "assignee_id").is_none(),
                TicketScope::Mine => {
                    q.me.as_deref()
                        .is_some_and(|me| text(t, "assignee_id") == me)
                }
            })
            .collect();
        rows.sort_by(|a, b| sla::queue_order(a, b));
        if q.from_end {
            rows.reverse();
        }
        Ok(rows.into_iter().skip(offset).take(limit).cloned().collect())
    }

    fn comments(&self, ticket_id: &str) -> Result<Vec<Record>, DataError> {
        let inner = self.lock();
        let mut rows: Vec<Record> = table(&inner, Entity::Comments)
            .iter()
            .filter(|c| text(c, "ticket_id") == ticket_id)
            .cloned()
            .collect();
        rows.sort_by(|a, b| text(a, "created_at").cmp(text(b, "created_at")));
        Ok(rows)
    }

    fn users(&self) -> Result<Vec<Record>, DataError> {
        let inner = self.lock();
        let mut rows = table(&inner, Entity::Users).to_vec();
        rows.sort_by(|a, b| text(a, "username").cmp(text(b, "username")));
        Ok(rows)
    }

    fn create(&mut self, entity: Entity, body: Record) -> Result<Record, WriteError> {
        let mut inner = self.lock();
        let mut record =
            validate::check(entity, &body, Mode::Create, Role::Admin).map_err(problems)?;
        let id = match record.remove("id") {
            Some(Value::String(id)) => id,
            _ => inner.new_id(entity),
        };
        let stamp = format_time(inner.now);
        record.insert("id".into(), json!(id));
        record.insert("version".into(), json!(1));
        record.insert("created_at".into(), json!(stamp));
        record.insert("updated_at".into(), json!(stamp));
        record.insert("created_by".into(), json!(inner.me));
        inner.prepare(entity, None, &mut record)?;
        inner.tables.entry(entity).or_default().push(record.clone());
        inner.writes.push(FakeWrite {
            op: "create",
            entity,
            id,
            body,
        });
        inner.status.pending += 1;
        Ok(record)
    }

    fn update(&mut self, entity: Entity, id: &str, patch: Record) -> Result<Record, WriteError> {
        let mut inner = self.lock();
        let current = find(&inner, entity, id)
            .cloned()
            .ok_or(WriteError::NotFound(entity.noun()))?;
        let changes =
            validate::check(entity, &patch, Mode::Patch, Role::Admin).map_err(problems)?;
        let mut record = current.clone();
        record.extend(changes);
        inner.prepare(entity, Some(&current), &mut record)?;
        let version = int(&current, "version").unwrap_or(0);
        record.insert("version".into(), json!(version + 1));
        record.insert("updated_at".into(), json!(format_time(inner.now)));
        if let Some(slot) = inner
            .tables
            .get_mut(&entity)
            .and_then(|t| t.iter_mut().find(|r| text(r, "id") == id))
        {
            *slot = record.clone();
        }
        inner.writes.push(FakeWrite {
            op: "update",
            entity,
            id: id.to_string(),
            body: patch,
        });
        inner.status.pending += 1;
        Ok(record)
    }

    fn delete(&mut self, entity: Entity, id: &str) -> Result<(), WriteError> {
        let mut inner = self.lock();
        let table = inner.tables.entry(entity).or_default();
        let before = table.len();
        table.retain(|r| text(r, "id") != id);
        if table.len() == before {
            return Err(WriteError::NotFound(entity.noun()));
        }
        inner.writes.push(FakeWrite {
            op: "delete",
            entity,
            id: id.to_string(),
            body: Record::new(),
        });
        inner.status.pending += 1;
        Ok(())
    }

    fn status(&self) -> SourceStatus {
        let inner = self.lock();
        SourceStatus {
            conflicts: inner.conflicts.len(),
            ..inner.status.clone()
        }
    }

    fn conflicts(&self) -> Result<Vec<Conflict>, DataError> {
        Ok(self.lock().conflicts.clone())
    }

    fn resolve_conflict(&mut self, conflict_id: &str, chosen: Record) -> Result<(), WriteError> {
        let mut inner = self.lock();
        let Some(pos) = inner.conflicts.iter().position(|c| c.id == conflict_id) else {
            return Err(WriteError::NotFound("conflict"));
        };
        let conflict = inner.conflicts.remove(pos);
        if let Some(slot) = inner
            .tables
            .get_mut(&conflict.entity)
            .and_then(|t| t.iter_mut().find(|r| text(r, "id") == conflict.record_id))
        {
            slot.extend(chosen.clone());
        }
        inner.writes.push(FakeWrite {
            op: "resolve",
            entity: conflict.entity,
            id: conflict.record_id,
            body: chosen,
        });
        Ok(())
    }
}

/// The first anniversary of `born` on or after `from` (29 February falls on 28 February).
pub fn next_anniversary(born: NaiveDate, from: NaiveDate) -> Option<NaiveDate> {
    for year in [from.year(), from.year() + 1] {
        let date = NaiveDate::from_ymd_opt(year, born.month(), born.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, born.month(), born.day() - 1))?;
        if date >= from {
            return Some(date);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_covers_name_code_phone_email_and_contacts() {
        let f = FakeSource::new();
        let names = |s: &str| -> Vec<String> {
            let q = CustomerQuery {
                search: s.into(),
                ..CustomerQuery::default()
            };
            f.customers(&q, 0, 50)
                .unwrap()
                .iter()
                .map(|c| text(c, "name").to_string())
                .collect()
        };
        assert_eq!(names("华为"), ["华为技术有限公司"]);
        assert_eq!(names("c000104"), ["Acme Ltd."]);
        assert_eq!(names("7946 0958"), ["Acme Ltd."]);
        assert_eq!(names("hello@acme"), ["Acme Ltd."]);
        assert_eq!(names("王小明"), ["华为技术有限公司"]);
        assert_eq!(
            f.customers(&CustomerQuery::default(), 10, 5).unwrap().len(),
            2
        );
    }

    #[test]
    fn writes_follow_the_server_rules() {
        let mut f = FakeSource::new();
        let won = fake_id(Entity::Stages, 5);
        let opp = fake_id(Entity::Opportunities, 1);
        let err = f
            .update(Entity::Opportunities, &opp, obj(json!({"stage_id": won})))
            .unwrap_err();
        assert!(matches!(err, WriteError::Invalid(ref m) if m.contains_key("close_reason")));
        let ok = f
            .update(
                Entity::Opportunities,
                &opp,
                obj(json!({"stage_id": won, "close_reason": "signed"})),
            )
            .unwrap();
        assert_eq!(int(&ok, "probability"), Some(100));
        let t = f
            .create(Entity::Tickets, obj(json!({"subject": "x", "customer_id": fake_id(Entity::Customers, 1), "priority": "urgent"})))
            .unwrap();
        assert_eq!(text(&t, "first_response_due"), "2026-11-25T09:30:00.000Z");
        assert_eq!(f.writes().len(), 2);
    }

    #[test]
    fn duplicates_and_phone_lookup_use_normalized_keys() {
        let f = FakeSource::new();
        let dup = f
            .find_duplicates(&obj(json!({"name": "x", "phone": "0086 755 28780808"})))
            .unwrap();
        assert_eq!(text(&dup[0], "code"), "C000101");
        assert_eq!(
            text(
                &f.customer_by_phone("+86 138-0013-8000").unwrap().unwrap(),
                "code"
            ),
            "C000101",
            "found through a contact's mobile"
        );
    }

    #[test]
    fn anniversaries_wrap_the_year() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            next_anniversary(d(1990, 1, 3), d(2026, 11, 25)),
            Some(d(2027, 1, 3))
        );
        assert_eq!(
            next_anniversary(d(1992, 2, 29), d(2027, 2, 1)),
            Some(d(2027, 2, 28))
        );
    }
}
