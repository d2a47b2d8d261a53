//! `crm … import` as a script runs it against a real server on loopback: the mapping guessed
//! from Chinese headers and remembered, the dry run's report, the error file, XLSX sheets and
//! vCard contacts, and a second run that creates nothing twice.

mod common;

use std::process::Output;

use common::TestServer;
use common::cli::Crm;
use crm_server::schema::Entity;
use serde_json::Value;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn said(out: &Output) -> String {
    text(&out.stderr)
}

fn signed_in(role: &str) -> (TestServer, Crm) {
    let server = TestServer::start();
    server.add_user("li", role, None);
    let client = Crm::new();
    let out = client.login(&server, "li");
    assert!(out.status.success(), "{}", said(&out));
    (server, client)
}

fn named<'a>(
    records: &'a [crm_server::store::Record],
    name: &str,
) -> &'a crm_server::store::Record {
    records
        .iter()
        .find(|r| r.get("name").and_then(Value::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn a_chinese_customer_sheet_is_mapped_checked_by_a_dry_run_then_imported_with_an_error_file() {
    let (server, client) = signed_in("sales");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("客户.csv");
    std::fs::write(
        &file,
        "客户名称,电话,手机,邮箱,地址,行业,级别,备注\n\
         北辰科技,010-6552 1234,,info@beichen.example,北京市朝阳区,,A,老客户\n\
         南山贸易,,139 0000 0000,bad-mail,深圳,,B,\n\
         \"=HYPERLINK(\"\"http://x\"\")\",,,also-bad,,,C,\n\
         东方物流,,,,,,Z,\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let dry = client.run(&["customers", "import", path, "--dry-run"]);
    let out = said(&dry);
    assert!(dry.status.success(), "{out}");
    for mapped in [
        "column 客户名称 → name",
        "column 电话 → phone",
        "column 手机: left out",
        "column 邮箱 → email",
        "column 级别 → level",
        "column 备注 → notes",
    ] {
        assert!(out.contains(mapped), "{mapped}: {out}");
    }
    assert!(
        out.contains(
            "dry run: 1 customers would be created, 0 updated, 3 refused; nothing was written"
        ),
        "{out}"
    );
    assert!(out.contains("row 3: refused: email"), "{out}");
    assert!(out.contains("row 5: refused: level"), "{out}");
    assert!(server.all(Entity::Customers).is_empty(), "a dry run wrote");

    let run = client.run(&["customers", "import", path]);
    let out = said(&run);
    assert!(run.status.success(), "{out}");
    assert!(
        out.contains("1 customers created, 0 updated, 3 refused"),
        "{out}"
    );
    let customers = server.all(Entity::Customers);
    assert_eq!(customers.len(), 1);
    let beichen = named(&customers, "北辰科技");
    assert_eq!(beichen["level"], "A");
    assert_eq!(beichen["notes"], "老客户");
    assert!(beichen["code"].as_str().unwrap().starts_with('C'));

    // The refused rows, with the file's columns, the row and the reason; formulas defused.
    let errors = std::fs::read_to_string(dir.path().join("客户.errors.csv")).unwrap();
    let mut lines = errors.lines();
    assert_eq!(
        lines.next(),
        Some("客户名称,电话,手机,邮箱,地址,行业,级别,备注,row,reason")
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 3, "{errors}");
    assert!(
        rest[0].starts_with("南山贸易,,139 0000 0000,bad-mail"),
        "{errors}"
    );
    assert!(
        rest[0].contains(",3,\"email:") || rest[0].contains(",3,email:"),
        "{errors}"
    );
    assert!(
        rest[1].starts_with("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "a formula is defused: {errors}"
    );
    assert!(rest[2].starts_with("东方物流"), "{errors}");
    assert!(rest[2].contains(",5,"), "{errors}");

    // Fixed and run again: the two that went in are not made twice; the fixed rows go in,
    // the first updated (same name) rather than duplicated.
    std::fs::write(
        &file,
        "客户名称,电话,手机,邮箱,地址,行业,级别,备注\n\
         北辰科技,010-6552 1234,,info@beichen.example,北京市海淀区,,A,老客户\n\
         南山贸易,,139 0000 0000,sales@nanshan.example,深圳,,B,\n",
    )
    .unwrap();
    let again = client.run(&["customers", "import", path]);
    let out = said(&again);
    assert!(again.status.success(), "{out}");
    assert!(
        out.contains("1 customers created, 1 updated, 0 refused"),
        "{out}"
    );
    assert!(out.contains("row 2: updated C"), "{out}");
    let customers = server.all(Entity::Customers);
    assert_eq!(customers.len(), 2);
    assert_eq!(named(&customers, "北辰科技")["address"], "北京市海淀区");
    // In the local copy at once.
    let listed = client.run(&["customers", "list", "--format", "json"]);
    let items: Vec<Value> = serde_json::from_str(&text(&listed.stdout)).unwrap();
    assert_eq!(items.len(), 2);
}

#[test]
fn a_mapping_given_once_is_used_again_for_the_same_headers() {
    let (server, client) = signed_in("sales");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.csv");
    std::fs::write(&file, "单位全称,座机号\n北辰科技,010-6552 1234\n").unwrap();
    let path = file.to_str().unwrap();
    // Neither header is known: the name column is missing, and the message says how to map it.
    let out = client.run(&["customers", "import", path]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("no column for name"), "{}", said(&out));
    assert!(said(&out).contains("--map"), "{}", said(&out));
    let out = client.run(&[
        "customers",
        "import",
        path,
        "--map",
        "单位全称=name",
        "--map",
        "座机号=phone",
    ]);
    assert!(out.status.success(), "{}", said(&out));
    // The same headers in another order: the saved mapping applies with no --map.
    std::fs::write(&file, "座机号,单位全称\n021-1234 5678,南山贸易\n").unwrap();
    let out = client.run(&["customers", "import", path]);
    let s = said(&out);
    assert!(out.status.success(), "{s}");
    assert!(
        s.contains("using the mapping saved for these columns"),
        "{s}"
    );
    assert!(s.contains("column 座机号 → phone"), "{s}");
    let customers = server.all(Entity::Customers);
    assert_eq!(named(&customers, "南山贸易")["phone"], "021-1234 5678");
    // A map naming no field is refused before anything is read into the server.
    let out = client.run(&["customers", "import", path, "--map", "座机号=nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        said(&out).contains("nonsense is not a field"),
        "{}",
        said(&out)
    );

    // A column headed by a custom field's label fills it, in major units as typed.
    server.create_as_system(
        Entity::FieldDefinitions,
        serde_json::json!({"entity": "customers", "key": "capital", "label_zh": "注册资金", "kind": "money"}),
    );
    let sync = client.run(&["sync"]);
    assert!(sync.status.success(), "{}", said(&sync));
    let file = dir.path().join("profile.csv");
    std::fs::write(
        &file,
        "客户名称,注册资金\n西湖茶业,\"5,000,000\"\n东湖,很多\n",
    )
    .unwrap();
    let out = client.run(&["customers", "import", file.to_str().unwrap()]);
    let s = said(&out);
    assert!(out.status.success(), "{s}");
    assert!(s.contains("column 注册资金 → custom.capital"), "{s}");
    assert!(s.contains("row 3: refused: custom.capital"), "{s}");
    let customers = server.all(Entity::Customers);
    assert_eq!(
        named(&customers, "西湖茶业")["custom"]["capital"],
        500_000_000
    );
}

#[test]
fn an_xlsx_sheet_of_products_and_a_vcard_of_contacts_are_imported() {
    let (server, client) = signed_in("manager");
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("产品.xlsx");
    {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, h) in ["产品编号", "产品名称", "单价", "税率", "单位"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, col as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "P-100").unwrap();
        sheet.write_string(1, 1, "服务器").unwrap();
        sheet.write_number(1, 2, 12_000.5).unwrap();
        sheet.write_string(1, 3, "13%").unwrap();
        sheet.write_string(1, 4, "台").unwrap();
        sheet.write_number(2, 0, 200.0).unwrap();
        sheet.write_string(2, 1, "安装服务").unwrap();
        sheet.write_number(2, 2, 800.0).unwrap();
        sheet.write_number(2, 3, 0.06).unwrap();
        workbook.save(&book).unwrap();
    }
    let out = client.run(&["products", "import", book.to_str().unwrap()]);
    let s = said(&out);
    assert!(out.status.success(), "{s}");
    assert!(s.contains("2 products created"), "{s}");
    let products = server.all(Entity::Products);
    let server_row = named(&products, "服务器");
    assert_eq!(server_row["code"], "P-100");
    assert_eq!(server_row["list_price"], 1_200_050);
    assert_eq!(server_row["tax_rate_bp"], 1300);
    assert_eq!(server_row["unit"], "台");
    let service = named(&products, "安装服务");
    assert_eq!(service["code"], "200", "a whole number cell reads as typed");
    assert_eq!(service["tax_rate_bp"], 600);

    // Contacts from a phone's address book, each attached to its customer by the company name.
    let li = server
        .all(Entity::Users)
        .into_iter()
        .find(|u| u["username"] == "li")
        .unwrap();
    let customer = server.create_as_system(
        Entity::Customers,
        serde_json::json!({"name": "北辰科技", "owner_id": li["id"]}),
    );
    let sync = client.run(&["sync"]);
    assert!(sync.status.success(), "{}", said(&sync));
    let cards = dir.path().join("通讯录.vcf");
    std::fs::write(
        &cards,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:王;磊;;;\r\nFN:王磊\r\nORG:北辰科技\r\nTITLE:采购经理\r\nTEL;TYPE=CELL:138 0013 8000\r\nEMAIL:wang@beichen.example\r\nBDAY:1980-03-15\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nFN:无名公司的人\r\nORG:不存在的公司\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let out = client.run(&["contacts", "import", cards.to_str().unwrap()]);
    let s = said(&out);
    assert!(out.status.success(), "{s}");
    assert!(
        s.contains("1 contacts created, 0 updated, 1 refused"),
        "{s}"
    );
    assert!(
        s.contains("row 11: refused: customer_id: no customer 不存在的公司"),
        "{s}"
    );
    let contacts = server.all(Entity::Contacts);
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["customer_id"], customer["id"]);
    assert_eq!(contacts[0]["mobile"], "138 0013 8000");
    assert_eq!(contacts[0]["birthday"], "1980-03-15");
    assert_eq!(contacts[0]["title"], "采购经理");
    // A vCard is contacts only.
    let out = client.run(&["customers", "import", cards.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
}

#[test]
fn a_dry_run_sees_a_row_repeating_one_of_an_earlier_part_and_a_finished_import_leaves_no_progress()
{
    let (server, client) = signed_in("sales");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    // 1,001 customers: the last repeats the first's phone, and lands in the second part.
    let mut text = String::from("客户名称,电话\n");
    text.push_str("北辰科技,010-6552 1234\n");
    for i in 1..1000 {
        text.push_str(&format!("客户{i:04},\n"));
    }
    text.push_str("东方物流,+86 10 6552 1234\n");
    std::fs::write(&file, text).unwrap();
    let path = file.to_str().unwrap();

    let dry = client.run(&["customers", "import", path, "--dry-run"]);
    let out = said(&dry);
    assert!(dry.status.success(), "{out}");
    assert!(
        out.contains("row 1002: the same phone as row 2 of this file"),
        "{out}"
    );
    assert!(
        out.contains(
            "dry run: 1000 customers would be created, 1 updated, 0 refused; nothing was written"
        ),
        "{out}"
    );
    let refusing = client.run(&["customers", "import", path, "--dry-run", "--no-update"]);
    let out = said(&refusing);
    assert!(
        out.contains("1000 customers would be created, 0 updated, 1 refused"),
        "{out}"
    );
    assert!(server.all(Entity::Customers).is_empty(), "a dry run wrote");

    // The import does what the dry run said, and keeps no progress once finished.
    let run = client.run(&["customers", "import", path]);
    let out = said(&run);
    assert!(run.status.success(), "{out}");
    assert!(
        out.contains("1000 customers created, 1 updated, 0 refused"),
        "{out}"
    );
    assert_eq!(server.all(Entity::Customers).len(), 1000);
    let leftovers: Vec<_> = walk(client.home.path())
        .into_iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("imports")))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
