//! Files attached to records over HTTP, on either backend (the bytes on the server's disk, the
//! rows in the database): an upload stored once per SHA-256, refused over the limit (413) and
//! of a kind not allowed (415) with nothing left behind, read only by those who see its
//! record (404 to others), taken along by the record's delete, and kept by backups.

mod common;

use std::path::Path;

use common::{Client, TestServer, id_of};
use crm_server::Settings;
use reqwest::Method;
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

struct World {
    server: TestServer,
    admin: Client,
    /// Sales, north: owns the customer.
    alice: Client,
    /// Sales, south: does not see it.
    bob: Client,
    /// The call centre: sees every customer.
    carl: Client,
    customer: String,
}

fn world_with(settings: Settings) -> World {
    let server = TestServer::start_with(settings);
    let north = server.add_team("north");
    let south = server.add_team("south");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let bob = server.user("bob", "sales", Some(&south));
    let carl = server.user("carl", "agent", None);
    let customer = id_of(&admin.create(
        "/customers",
        json!({"name": "上海电气", "level": "A", "owner_id": alice.id()}),
    ));
    World {
        server,
        admin,
        alice,
        bob,
        carl,
        customer,
    }
}

fn world() -> World {
    world_with(Settings::default())
}

fn upload(client: &Client, entity: &str, record: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    client.send(
        client
            .request(Method::POST, "/files/upload")
            .query(&[("entity", entity), ("record_id", record), ("name", name)])
            .body(bytes.to_vec()),
    )
}

fn download(client: &Client, id: &str) -> (u16, Vec<u8>, reqwest::header::HeaderMap) {
    let response = client
        .request(Method::GET, &format!("/files/{id}/content"))
        .send()
        .expect("download");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, response.bytes().expect("body").to_vec(), headers)
}

/// Every stored file and every temporary one under the server's files folder.
fn on_disk(dir: &Path) -> (Vec<String>, usize) {
    let files = dir.join("files");
    let blobs = crm_server::blobs::BlobStore::open(&files)
        .unwrap()
        .digests()
        .unwrap();
    let tmp = std::fs::read_dir(files.join("tmp")).unwrap().count();
    (blobs, tmp)
}

fn sha256(bytes: &[u8]) -> String {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    crm_server::blobs::digest_of(&path).unwrap()
}

#[test]
fn an_upload_is_stored_once_per_content_and_read_back_whole() {
    let w = world();
    let (status, file) = upload(&w.alice, "customers", &w.customer, "合同扫描.pdf", PDF);
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["name"], "合同扫描.pdf");
    assert_eq!(file["entity"], "customers");
    assert_eq!(file["record_id"], w.customer.as_str());
    assert_eq!(file["size"], PDF.len());
    assert_eq!(file["content_type"], "application/pdf");
    assert_eq!(file["sha256"], sha256(PDF));
    assert_eq!(file["created_by"], w.alice.id());

    let (status, bytes, headers) = download(&w.alice, &id_of(&file));
    assert_eq!(status, 200);
    assert_eq!(bytes, PDF);
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["x-content-type"], "application/pdf");
    assert_eq!(headers["etag"], format!("\"{}\"", sha256(PDF)).as_str());

    // The same bytes on a second record: a second record, one copy on disk.
    let deal = id_of(&w.alice.create(
        "/opportunities",
        json!({"name": "风机改造", "customer_id": w.customer, "amount": 100_000}),
    ));
    let (status, again) = upload(&w.alice, "opportunities", &deal, "copy.pdf", PDF);
    assert_eq!(status, 201, "{again}");
    assert_ne!(id_of(&again), id_of(&file));
    assert_eq!(again["sha256"], file["sha256"]);
    assert_eq!(on_disk(w.server.dir()), (vec![sha256(PDF)], 0));

    // Listed on the record like any child, by its link.
    let listed = w
        .alice
        .list_all("/files", &format!("record_id={}", w.customer), 50);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "合同扫描.pdf");

    // Renamed like any record; the record it hangs off never changes, and nothing makes a file
    // without its bytes.
    let path = format!("/files/{}", id_of(&file));
    let (status, renamed) = w.alice.patch(&path, json!({"name": "合同 2026.pdf"}));
    assert_eq!(status, 200, "{renamed}");
    let (status, moved) = w.alice.patch(&path, json!({"record_id": deal}));
    assert_eq!(status, 422, "{moved}");
    assert!(moved["error"]["fields"]["record_id"].is_string(), "{moved}");
    for (field, forged) in [
        ("sha256", json!({"sha256": sha256(b"x")})),
        ("size", json!({"size": 1})),
    ] {
        let (status, answer) = w.alice.patch(&path, forged);
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["error"]["fields"][field], "is set by the server");
    }
    let (status, made) = w.alice.post(
        "/files",
        json!({"entity": "customers", "record_id": w.customer, "name": "nothing.pdf"}),
    );
    assert_eq!(status, 422, "{made}");
    assert!(
        made["error"]["fields"]["sha256"]
            .as_str()
            .unwrap()
            .contains("files/upload"),
        "{made}"
    );
}

#[test]
fn over_the_limit_is_413_and_leaves_nothing() {
    let w = world_with(Settings {
        max_file_bytes: 1_000,
        ..Settings::default()
    });
    let mut big = PDF.to_vec();
    big.resize(5_000, b'x');
    // Declared too large: refused before a byte is stored.
    let (status, answer) = upload(&w.alice, "customers", &w.customer, "big.pdf", &big);
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"]["code"], "too_large");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1000 bytes"),
        "{answer}"
    );
    // Sent without a length (chunked): counted while read, cut off at the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(700).map(|c| Ok(c.to_vec())).collect();
    let stream = reqwest::blocking::Body::new(ChunkReader::new(chunks));
    let response = w
        .alice
        .request(Method::POST, "/files/upload")
        .query(&[
            ("entity", "customers"),
            ("record_id", w.customer.as_str()),
            ("name", "big.pdf"),
        ])
        .body(stream)
        .send();
    if let Ok(response) = response {
        assert_eq!(response.status().as_u16(), 413);
    }
    assert_eq!(on_disk(w.server.dir()), (vec![], 0));
    let listed = w.admin.list_all("/files", "", 50);
    assert!(listed.is_empty(), "{listed:?}");
    // Within the limit it goes.
    let (status, _) = upload(&w.alice, "customers", &w.customer, "ok.pdf", PDF);
    assert_eq!(status, 201);
}

#[test]
fn an_admins_file_settings_change_what_an_upload_may_be() {
    // The flags say 1000 bytes and the default kinds; the admin's record beats them.
    let w = world_with(Settings {
        max_file_bytes: 1_000,
        ..Settings::default()
    });
    let mut mid = PDF.to_vec();
    mid.resize(5_000, b'x');
    let (status, _) = upload(&w.alice, "customers", &w.customer, "mid.pdf", &mid);
    assert_eq!(status, 413);
    // Only an admin sets them.
    let (status, _) = w.alice.post(
        "/file_settings",
        json!({"max_size_mb": 50, "types": ["archive"]}),
    );
    assert_eq!(status, 403);
    let (status, answer) = w.admin.post(
        "/file_settings",
        json!({"max_size_mb": 1, "types": ["pdf", "exe"]}),
    );
    assert_eq!(status, 422, "{answer}");
    let setting = w.admin.create(
        "/file_settings",
        json!({"max_size_mb": 1, "types": ["PDF"]}),
    );
    assert_eq!(setting["types"], json!(["pdf"]));
    let (status, _) = w.admin.post(
        "/file_settings",
        json!({"max_size_mb": 2, "types": ["pdf"]}),
    );
    assert_eq!(status, 409, "one record per server");
    // Now 1 MiB and PDFs only: the 5000 bytes go, text does not, 1.5 MiB does not.
    let (status, file) = upload(&w.alice, "customers", &w.customer, "mid.pdf", &mid);
    assert_eq!(status, 201, "{file}");
    let (status, answer) = upload(&w.alice, "customers", &w.customer, "a.txt", b"notes");
    assert_eq!(status, 415, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("(pdf)"),
        "{answer}"
    );
    let mut big = PDF.to_vec();
    big.resize(1_536 * 1024, b'x');
    let (status, answer) = upload(&w.alice, "customers", &w.customer, "big.pdf", &big);
    assert_eq!(status, 413, "{answer}");
    // The admin raises the limit and allows text: the next uploads go.
    let (status, answer) = w.admin.patch(
        &format!("/file_settings/{}", id_of(&setting)),
        json!({"max_size_mb": 2, "types": ["pdf", "text"]}),
    );
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = upload(&w.alice, "customers", &w.customer, "big.pdf", &big);
    assert_eq!(status, 201, "{answer}");
    let (status, _) = upload(&w.alice, "customers", &w.customer, "a.txt", b"notes");
    assert_eq!(status, 201);
    // Deleted, the flags hold again.
    let (status, _) = w
        .admin
        .delete(&format!("/file_settings/{}", id_of(&setting)));
    assert!(status == 200 || status == 204, "{status}");
    let (status, _) = upload(&w.alice, "customers", &w.customer, "mid2.pdf", &mid);
    assert_eq!(status, 413);
}

fn sweep(client: &Client) -> (u16, Value) {
    client.post("/files/sweep", json!({}))
}

#[test]
fn bytes_no_record_names_are_swept_and_named_ones_stay() {
    // Deleted files' bytes are not kept here, so a delete frees them at the next sweep.
    let w = world_with(Settings {
        deleted_files_kept: chrono::Duration::zero(),
        ..Settings::default()
    });
    let dir = w.server.dir();
    let deal = id_of(&w.admin.create(
        "/opportunities",
        json!({"name": "变压器", "customer_id": w.customer, "owner_id": w.alice.id(), "amount": 100}),
    ));
    let (_, on_customer) = upload(&w.alice, "customers", &w.customer, "a.pdf", PDF);
    let (_, on_deal) = upload(&w.alice, "opportunities", &deal, "b.pdf", PDF);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";
    let (status, photo) = upload(&w.alice, "customers", &w.customer, "c.png", png);
    assert_eq!(status, 201, "{photo}");
    // An upload whose record is refused after its bytes were kept (notes too long).
    let orphan = "孤儿文件 text".repeat(10);
    let long_notes = "x".repeat(2_001);
    let (status, _) = w.alice.send(
        w.alice
            .request(Method::POST, "/files/upload")
            .query(&[
                ("entity", "customers"),
                ("record_id", w.customer.as_str()),
                ("name", "orphan.txt"),
                ("notes", long_notes.as_str()),
            ])
            .body(orphan.clone().into_bytes()),
    );
    assert_eq!(status, 422);
    assert_eq!(
        on_disk(dir).0.len(),
        3,
        "the refused upload's bytes were kept"
    );

    // Only an admin sweeps.
    assert_eq!(sweep(&w.alice).0, 403);
    let (status, swept) = sweep(&w.admin);
    assert_eq!(status, 200, "{swept}");
    assert_eq!(
        (swept["stored"].as_i64(), swept["removed"].as_i64()),
        (Some(3), Some(1))
    );
    let mut left = vec![sha256(PDF), sha256(png)];
    left.sort();
    assert_eq!(on_disk(dir), (left, 0));

    // One of two records naming the PDF deleted: its bytes stay for the other.
    let (status, _) = w.alice.delete(&format!("/files/{}", id_of(&on_customer)));
    assert!(status == 200 || status == 204, "{status}");
    assert_eq!(sweep(&w.admin).1["removed"], 0);
    let (status, bytes, _) = download(&w.alice, &id_of(&on_deal));
    assert_eq!((status, bytes.as_slice()), (200, PDF));
    // The deal deleted takes its file along; now nothing names the PDF.
    let (status, _) = w.admin.delete(&format!("/opportunities/{deal}"));
    assert!(status == 200 || status == 204, "{status}");
    assert_eq!(sweep(&w.admin).1["removed"], 1);
    assert_eq!(on_disk(dir), (vec![sha256(png)], 0));
    let (status, bytes, _) = download(&w.alice, &id_of(&photo));
    assert_eq!((status, bytes.as_slice()), (200, &png[..]));
    // The same content uploaded again is stored again.
    let (status, again) = upload(&w.alice, "customers", &w.customer, "a2.pdf", PDF);
    assert_eq!(status, 201, "{again}");
    assert_eq!(sweep(&w.admin).1["removed"], 0);
    let (status, bytes, _) = download(&w.alice, &id_of(&again));
    assert_eq!((status, bytes.as_slice()), (200, PDF));
}

#[test]
fn a_deleted_files_bytes_are_kept_for_the_undo() {
    let w = world();
    let (_, file) = upload(&w.alice, "customers", &w.customer, "a.pdf", PDF);
    let (status, _) = w.alice.delete(&format!("/files/{}", id_of(&file)));
    assert!(status == 200 || status == 204, "{status}");
    assert_eq!(sweep(&w.admin).1["removed"], 0);
    let (status, answer) = w
        .alice
        .post(&format!("/files/{}/restore", id_of(&file)), json!({}));
    assert_eq!(status, 200, "{answer}");
    let (status, bytes, _) = download(&w.alice, &id_of(&file));
    assert_eq!((status, bytes.as_slice()), (200, PDF));
}

/// Bytes handed out a piece at a time with no length: reqwest sends them chunked.
struct ChunkReader {
    pieces: std::collections::VecDeque<Vec<u8>>,
    current: std::io::Cursor<Vec<u8>>,
}

impl ChunkReader {
    fn new(pieces: Vec<Result<Vec<u8>, std::io::Error>>) -> ChunkReader {
        ChunkReader {
            pieces: pieces.into_iter().map(Result::unwrap).collect(),
            current: std::io::Cursor::new(Vec::new()),
        }
    }
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            match self.pieces.pop_front() {
                Some(piece) => self.current = std::io::Cursor::new(piece),
                None => return Ok(0),
            }
        }
    }
}

#[test]
fn the_bytes_decide_the_kind_and_a_kind_not_allowed_is_415() {
    let w = world_with(Settings {
        file_types: vec![crm_server::rules::file_types::FileKind::Pdf],
        ..Settings::default()
    });
    // An executable named like a PDF.
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0";
    let (status, answer) = upload(&w.alice, "customers", &w.customer, "contract.pdf", elf);
    assert_eq!(status, 415, "{answer}");
    assert_eq!(answer["error"]["code"], "unsupported_type");
    // Text is a kind this server does not take.
    let (status, _) = upload(
        &w.alice,
        "customers",
        &w.customer,
        "notes.txt",
        "备注".as_bytes(),
    );
    assert_eq!(status, 415);
    assert_eq!(on_disk(w.server.dir()), (vec![], 0));
    // A PDF named otherwise is still a PDF.
    let (status, file) = upload(&w.alice, "customers", &w.customer, "scan", PDF);
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["content_type"], "application/pdf");
}

#[test]
fn who_sees_the_record_sees_its_files_and_nobody_else_stores_anything() {
    let w = world();
    // Nobody signed in: refused before the body is read, nothing stored.
    let (status, _) = upload(
        &w.server.anonymous(),
        "customers",
        &w.customer,
        "a.pdf",
        PDF,
    );
    assert_eq!(status, 401);
    // Bob does not see the customer: as if it did not exist.
    let (status, answer) = upload(&w.bob, "customers", &w.customer, "a.pdf", PDF);
    assert_eq!(status, 404, "{answer}");
    let (status, answer) = upload(&w.alice, "users", &w.alice.id(), "a.pdf", PDF);
    assert_eq!(status, 422, "{answer}");
    assert_eq!(on_disk(w.server.dir()), (vec![], 0));

    let (_, file) = upload(&w.alice, "customers", &w.customer, "a.pdf", PDF);
    let id = id_of(&file);
    let (status, _, _) = download(&w.bob, &id);
    assert_eq!(status, 404);
    let (status, _) = w.bob.get(&format!("/files/{id}"));
    assert_eq!(status, 404);
    assert!(w.bob.list_all("/files", "", 50).is_empty());
    // The call centre sees the customer, so its files.
    let (status, bytes, _) = download(&w.carl, &id);
    assert_eq!((status, bytes.as_slice()), (200, PDF));
    // Agents see no opportunities, nor their files.
    let deal = id_of(&w.alice.create(
        "/opportunities",
        json!({"name": "风机改造", "customer_id": w.customer, "amount": 100_000}),
    ));
    let (_, on_deal) = upload(&w.alice, "opportunities", &deal, "bid.pdf", PDF);
    let (status, _, _) = download(&w.carl, &id_of(&on_deal));
    assert_eq!(status, 404);
    // The agent may read but not remove alice's file; alice may.
    let (status, _) = w.carl.delete(&format!("/files/{id}"));
    assert_eq!(status, 403);

    // Given to bob's team, the customer brings its files along.
    let (status, _) = w.admin.patch(
        &format!("/customers/{}", w.customer),
        json!({"owner_id": w.bob.id()}),
    );
    assert_eq!(status, 200);
    let (status, _, _) = download(&w.bob, &id);
    assert_eq!(status, 200);

    // The customer's delete takes its files along; its restore brings them back.
    let (status, _) = w.admin.delete(&format!("/customers/{}", w.customer));
    assert_eq!(status, 200);
    let (status, _, _) = download(&w.admin, &id);
    assert_eq!(status, 404);
    let (status, _) = w
        .admin
        .post(&format!("/customers/{}/restore", w.customer), json!({}));
    assert_eq!(status, 200);
    let (status, bytes, _) = download(&w.admin, &id);
    assert_eq!((status, bytes.as_slice()), (200, PDF));
}

#[test]
fn a_backup_carries_the_files_and_a_restore_brings_them_back() {
    let server = TestServer::start_sqlite();
    let north = server.add_team("north");
    let admin = server.user("root", "admin", None);
    let alice = server.user("alice", "sales", Some(&north));
    let customer = id_of(&admin.create(
        "/customers",
        json!({"name": "杭州制药", "owner_id": alice.id()}),
    ));
    let photo = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";
    let (status, file) = upload(&alice, "customers", &customer, "现场.png", photo);
    assert_eq!(status, 201, "{file}");
    let files = server.dir().join("files");
    let backups = server.dir().join("backups");
    let at = chrono::Utc::now();
    let backup =
        crm_server::backups::run_once(server.db().as_ref(), &backups, 2, at, Some(files.as_path()))
            .unwrap();
    let digest = file["sha256"].as_str().unwrap().to_string();
    let kept = crm_server::backups::files_beside(&backup);
    assert!(
        crm_server::blobs::BlobStore::open(&kept)
            .unwrap()
            .has(&digest)
    );

    // The disk holding the files is lost; the restore brings back the bytes with the rows.
    std::fs::remove_dir_all(&files).unwrap();
    let restored = server.dir().join("restored.db");
    crm_server::store::sqlite::restore(&backup, &restored, false).unwrap();
    let brought = crm_server::backups::restore_files(&backup, &files).unwrap();
    assert_eq!(brought, 1);
    let store = crm_server::blobs::BlobStore::open(&files).unwrap();
    assert_eq!(
        crm_server::blobs::digest_of(&store.path(&digest)).unwrap(),
        digest
    );
    let conn = rusqlite::Connection::open(&restored).unwrap();
    let named: String = conn
        .query_row(
            "SELECT sha256 FROM files WHERE id = ?1",
            [id_of(&file)],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(named, digest);

    // Backups beyond `keep` go with their files.
    for hour in 1..=2 {
        crm_server::backups::run_once(
            server.db().as_ref(),
            &backups,
            2,
            at + chrono::Duration::hours(hour),
            Some(files.as_path()),
        )
        .unwrap();
    }
    assert!(!backup.exists());
    assert!(!kept.exists());
}
