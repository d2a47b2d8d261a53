//! Quotes and contracts as documents (`crate::documents`, behind `crm quotes render`): the
//! lines and totals by the one money formatter and the one rounding rule, customer text escaped
//! in HTML, the admin's synced template used over the built-in one, the profile's language.

mod support;

use chrono::{DateTime, NaiveDate, Utc};
use crm::documents::{self, Format};
use crm::tui::data::Record;
use crm::tui::format::money;
use crm_server::rules::call_outcomes::Lang;
use crm_server::schema::Entity;
use serde_json::{Value, json};
use support::{Fixture, apply_records, server_record};

const QUOTE: &str = "0000000e-0000-7000-8000-000000000001";
const CUSTOMER: &str = "00000011-0000-7000-8000-000000000001";

fn stored(entity: Entity, id: &str, fields: Value) -> Record {
    server_set(entity, id, fields, json!({}))
}

/// A record as the server sends it, `server` holding the fields only the server sets.
fn server_set(entity: Entity, id: &str, fields: Value, server: Value) -> Record {
    let at = DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut r = server_record(entity, id, fields, at);
    if let Value::Object(more) = server {
        r.extend(more);
    }
    r
}

/// A quote of two lines for a customer whose name holds markup, in the fixtures' replica.
fn world() -> (Fixture, Record) {
    let fx = Fixture::load();
    let replica = fx.replica();
    let mut seq = 3_000_000;
    apply_records(
        &replica,
        Entity::Customers,
        vec![stored(
            Entity::Customers,
            CUSTOMER,
            json!({"name": "<script>alert(1)</script> & 东华", "code": "C009001", "level": "A"}),
        )],
        &mut seq,
    );
    apply_records(
        &replica,
        Entity::Products,
        vec![
            stored(
                Entity::Products,
                "0000000f-0000-7000-8000-000000000001",
                json!({"code": "S-IMPL", "name": "实施服务", "unit": "天", "list_price": 250_000, "tax_rate_bp": 600}),
            ),
            stored(
                Entity::Products,
                "0000000f-0000-7000-8000-000000000002",
                json!({"code": "WMS-LIC", "name": "仓储管理系统许可", "unit": "套", "list_price": 33_333, "tax_rate_bp": 1_300}),
            ),
        ],
        &mut seq,
    );
    let quote = server_set(
        Entity::Quotes,
        QUOTE,
        json!({"customer_id": CUSTOMER, "status": "sent", "currency": "CNY", "valid_until": "2026-12-31",
               "terms": "30 天内付款 | net 30"}),
        json!({"number": "Q-000042", "revision": 2}),
    );
    apply_records(&replica, Entity::Quotes, vec![quote.clone()], &mut seq);
    apply_records(
        &replica,
        Entity::QuoteLines,
        vec![
            stored(
                Entity::QuoteLines,
                "00000012-0000-7000-8000-000000000001",
                json!({"quote_id": QUOTE, "product_id": "0000000f-0000-7000-8000-000000000001",
                       "quantity": 7, "unit_price": 199_999, "discount_bp": 750, "tax_rate_bp": 600}),
            ),
            stored(
                Entity::QuoteLines,
                "00000012-0000-7000-8000-000000000002",
                json!({"quote_id": QUOTE, "product_id": "0000000f-0000-7000-8000-000000000002",
                       "quantity": 3, "unit_price": 33_333, "discount_bp": 0, "tax_rate_bp": 1_300}),
            ),
        ],
        &mut seq,
    );
    (fx, quote)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn render(fx: &Fixture, quote: &Record, format: Format, lang: Lang) -> String {
    let bytes = documents::render(&fx.replica(), Entity::Quotes, quote, format, lang, day())
        .expect("the quote renders");
    String::from_utf8(bytes).unwrap()
}

#[test]
fn markdown_holds_the_lines_and_the_totals_of_the_rule() {
    let (fx, quote) = world();
    let md = render(&fx, &quote, Format::Markdown, Lang::Zh);
    assert!(md.starts_with("# 报价单 Q-000042（第 2 版）"), "{md}");
    // 7 × 1,999.99 less 7.5 % = 12,949.94 (half to even of 12,949.93525); 6 % = 777.00.
    assert!(
        md.contains("| 1 | S-IMPL 实施服务 | 7 天 | 1,999.99 | 7.5% | 6% | 12,949.94 | 777.00 |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| 2 | WMS-LIC 仓储管理系统许可 | 3 套 | 333.33 | 0% | 13% | 999.99 | 130.00 |"
        ),
        "{md}"
    );
    assert!(
        md.contains(&format!("| 小计 | {} |", money(1_294_994 + 99_999))),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "| **合计** | **{}** |",
            money(1_294_994 + 99_999 + 77_700 + 13_000)
        )),
        "{md}"
    );
    // Customer text cannot break the table or add markup.
    assert!(md.contains("30 天内付款 \\| net 30"), "{md}");
    assert!(md.contains("\\<script\\>"), "{md}");
    let en = render(&fx, &quote, Format::Markdown, Lang::En);
    assert!(en.starts_with("# Quote Q-000042 (revision 2)"), "{en}");
    assert!(en.contains("| **Total** | **14,856.93** |"), "{en}");
}

#[test]
fn html_escapes_what_customers_and_users_typed() {
    let (fx, quote) = world();
    let html = render(&fx, &quote, Format::Html, Lang::En);
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; 东华"),
        "{html}"
    );
    assert!(html.contains("<td class=\"n\">12,949.94</td>"), "{html}");
    assert!(html.contains("<th class=\"n\">14,856.93</th>"), "{html}");
}

#[test]
fn the_admins_template_is_used_once_synced_and_a_wrong_one_says_where() {
    let (fx, quote) = world();
    let replica = fx.replica();
    let mut seq = 4_000_000;
    apply_records(
        &replica,
        Entity::DocumentTemplates,
        vec![stored(
            Entity::DocumentTemplates,
            "00000013-0000-7000-8000-000000000001",
            json!({"kind": "quote", "lang": "en", "format": "md",
                   "body": "ACME Trading Ltd.\n{{number}} for {{customer}}\n{{#lines}}- {{code}} x{{quantity}} = {{net}}\n{{/lines}}Total {{total}}\n"}),
        )],
        &mut seq,
    );
    let md = render(&fx, &quote, Format::Markdown, Lang::En);
    assert!(md.starts_with("ACME Trading Ltd.\nQ-000042 for"), "{md}");
    assert!(
        md.contains("- S-IMPL x7 = 12,949.94\n- WMS-LIC x3 = 999.99\nTotal 14,856.93"),
        "{md}"
    );
    // The Chinese document still prints from the built-in template.
    assert!(render(&fx, &quote, Format::Markdown, Lang::Zh).starts_with("# 报价单"));
    apply_records(
        &replica,
        Entity::DocumentTemplates,
        vec![stored(
            Entity::DocumentTemplates,
            "00000013-0000-7000-8000-000000000001",
            json!({"kind": "quote", "lang": "en", "format": "md", "body": "ok\n{{totl}}"}),
        )],
        &mut seq,
    );
    let e = documents::render(
        &replica,
        Entity::Quotes,
        &quote,
        Format::Markdown,
        Lang::En,
        day(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("line 2: unknown placeholder {{totl}}"), "{e}");
    assert!(e.contains("crm document_templates edit"), "{e}");
}

#[test]
fn a_contract_prints_the_fields_of_its_approval_form() {
    let fx = Fixture::load();
    let replica = fx.replica();
    let mut seq = 5_000_000;
    let contract = server_set(
        Entity::Contracts,
        "0000000c-0000-7000-8000-000000000001",
        json!({"name": "年度维保合同", "customer_id": support::fixture_id(Entity::Customers, "name", "华为技术有限公司"),
               "amount": 12_345_678, "currency": "CNY", "payment_terms": "分两期付款", "key_clauses": "保密条款",
               "starts_on": "2027-01-01", "ends_on": "2027-12-31"}),
        json!({"number": "K-000007", "status": "approved"}),
    );
    apply_records(
        &replica,
        Entity::Contracts,
        vec![contract.clone()],
        &mut seq,
    );
    let md = String::from_utf8(
        documents::render(
            &replica,
            Entity::Contracts,
            &contract,
            Format::Markdown,
            Lang::Zh,
            day(),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(md.starts_with("# 合同 K-000007：年度维保合同"), "{md}");
    assert!(md.contains("**合同金额：** 123,456.78 CNY"), "{md}");
    assert!(md.contains("华为技术有限公司"), "{md}");
    assert!(md.contains("## 付款约定\n\n分两期付款"), "{md}");
    assert!(md.contains("## 合同中重要事项\n\n保密条款"), "{md}");
    assert!(
        !md.contains("合同遵循标准"),
        "an empty section is left out: {md}"
    );
}

#[test]
fn a_pdf_is_a_pdf_that_parses_with_its_pages_title_and_font() {
    let (fx, quote) = world();
    let bytes = documents::render(
        &fx.replica(),
        Entity::Quotes,
        &quote,
        Format::Pdf,
        Lang::Zh,
        day(),
    )
    .expect("the PDF renders");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF header");
    let doc = lopdf::Document::load_mem(&bytes).expect("the PDF parses");
    assert!(!doc.get_pages().is_empty());
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(|i| i.as_reference())
        .unwrap();
    let title = doc
        .get_object(info)
        .unwrap()
        .as_dict()
        .unwrap()
        .get(b"Title")
        .unwrap();
    let title = match title {
        lopdf::Object::String(bytes, _) => String::from_utf8_lossy(bytes).to_string(),
        other => format!("{other:?}"),
    };
    assert!(title.contains("Q-000042"), "{title}");
    // The Chinese font travels inside the file: a machine without fonts prints it.
    let embedded = doc.objects.values().any(|o| {
        o.as_dict()
            .ok()
            .is_some_and(|d| d.has(b"FontFile2") || d.has(b"FontFile3"))
    });
    assert!(embedded, "the font is embedded");
    let page = *doc.get_pages().values().next().unwrap();
    let content = doc.get_page_content(page).unwrap();
    assert!(content.len() > 500, "the page holds the quote's text");
    // The text reads back through the font's own ToUnicode map: the glyphs kept are the
    // right ones, Chinese included.
    let text = pdf_text(&doc);
    for expected in [
        "Q-000042",
        "实施服务",
        "仓储管理系统许可",
        "东华",
        "30 天内付款",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    // Only the glyphs used travel in the file: the whole font (2.2 MB) would break this.
    assert!(
        bytes.len() < 200_000,
        "a one-page quote is {} bytes: the font was not subset",
        bytes.len()
    );
    let font_file = doc
        .objects
        .values()
        .find_map(|o| {
            o.as_dict()
                .ok()?
                .get(b"FontFile2")
                .ok()?
                .as_reference()
                .ok()
        })
        .and_then(|id| doc.get_object(id).ok()?.as_stream().ok().cloned())
        .expect("the font's stream");
    assert!(
        font_file.content.len() < 150_000,
        "the embedded font is {} bytes",
        font_file.content.len()
    );
}

/// A PDF's text as a reader copies it: every shown string's glyph ids through its font's
/// ToUnicode map (one font, two-byte ids, as `documents::pdf` writes them).
fn pdf_text(doc: &lopdf::Document) -> String {
    use std::collections::HashMap;
    let to_unicode = doc
        .objects
        .values()
        .find_map(|o| {
            o.as_dict()
                .ok()?
                .get(b"ToUnicode")
                .ok()?
                .as_reference()
                .ok()
        })
        .and_then(|id| doc.get_object(id).ok()?.as_stream().ok().cloned())
        .expect("the font's ToUnicode map");
    let cmap = to_unicode
        .decompressed_content()
        .unwrap_or(to_unicode.content);
    let cmap = String::from_utf8_lossy(&cmap).to_string();
    let hex = |s: &str| u32::from_str_radix(s.trim_matches(|c| c == '<' || c == '>'), 16).ok();
    let mut map: HashMap<u32, char> = HashMap::new();
    let mut in_chars = false;
    for line in cmap.lines() {
        let line = line.trim();
        if line.ends_with("beginbfchar") {
            in_chars = true;
        } else if line == "endbfchar" {
            in_chars = false;
        } else if in_chars {
            let mut words = line.split_whitespace();
            if let (Some(gid), Some(code)) =
                (words.next().and_then(hex), words.next().and_then(hex))
                && let Some(c) = char::from_u32(code)
            {
                map.insert(gid, c);
            }
        }
    }
    let mut text = String::new();
    for page in doc.get_pages().values() {
        let content = doc.get_page_content(*page).unwrap();
        let ops = lopdf::content::Content::decode(&content)
            .unwrap()
            .operations;
        for op in ops {
            let strings: Vec<Vec<u8>> = match op.operator.as_str() {
                "Tj" => op
                    .operands
                    .first()
                    .and_then(|o| o.as_str().ok())
                    .map(|s| vec![s.to_vec()])
                    .unwrap_or_default(),
                "TJ" => op
                    .operands
                    .first()
                    .and_then(|o| o.as_array().ok())
                    .map(|a| {
                        a.iter()
                            .filter_map(|o| o.as_str().ok())
                            .map(|s| s.to_vec())
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => continue,
            };
            for s in strings {
                for pair in s.chunks_exact(2) {
                    let gid = (u32::from(pair[0]) << 8) | u32::from(pair[1]);
                    text.push(map.get(&gid).copied().unwrap_or('\u{fffd}'));
                }
            }
            text.push(' ');
        }
    }
    text
}
