//! Scheduled backups (`serve --backup-dir D --backup-every 1h --keep 48`): a consistent copy of
//! the database every so often, named by its UTC time so the names sort by age, 0600 in a 0700
//! folder; the oldest beyond `keep` are deleted. Attached files' bytes go beside each copy,
//! in `<backup>.files/` (hard links where the disk allows: stored bytes never change), and
//! `crm-server restore` brings them back (`restore_files`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::blobs::BlobStore;
use crate::error::ApiError;
use crate::store::Database;

const PREFIX: &str = "crm-";
const SUFFIX: &str = ".db";

/// Where and how often.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
    /// The server's files folder, copied beside each backup.
    pub files: Option<PathBuf>,
}

/// The folder of attached files that goes with the backup `file`.
pub fn files_beside(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".files");
    PathBuf::from(name)
}

/// Copies the files of the store at `files` beside the backup `file` (those the database copy
/// names were stored before their rows were written, so none is missed).
pub fn copy_files(files: &Path, file: &Path) -> Result<usize, ApiError> {
    let failed = |e: std::io::Error| {
        ApiError::Internal(format!("copying the files of {}: {e}", files.display()))
    };
    BlobStore::open(files)
        .map_err(failed)?
        .copy_to(&files_beside(file))
        .map_err(failed)
}

/// Brings back the files kept beside the backup `file` into the files folder `files` (those
/// already there stay); how many were added. A backup without files adds none.
pub fn restore_files(file: &Path, files: &Path) -> Result<usize, ApiError> {
    let beside = files_beside(file);
    if !beside.is_dir() {
        return Ok(0);
    }
    let failed =
        |e: std::io::Error| ApiError::Internal(format!("restoring {}: {e}", beside.display()));
    BlobStore::open(&beside)
        .map_err(failed)?
        .copy_to(files)
        .map_err(failed)
}

/// `1h`, `30m`, `90s`, `2d`: a whole number and a unit.
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} needs a unit: s, m, h or d (like 1h)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} must start with a whole number (like 1h)"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: the unit is s, m, h or d (like 1h)")),
    };
    if number == 0 {
        return Err("the time between backups must be more than 0".into());
    }
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

/// A backup's file name: its UTC time to the millisecond, so names sort by age.
pub fn file_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format("%Y%m%dT%H%M%S%.3fZ"))
}

fn is_backup(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|n| n.strip_suffix(SUFFIX))
        .is_some_and(|stamp| {
            stamp.len() == 20
                && stamp
                    .chars()
                    .all(|c| c.is_ascii_digit() || "TZ.".contains(c))
        })
}

/// Writes one backup into `dir` (made 0700 when missing) and deletes the oldest beyond `keep`;
/// returns the new file.
pub fn run_once(
    db: &dyn Database,
    dir: &Path,
    keep: usize,
    at: DateTime<Utc>,
    files: Option<&Path>,
) -> Result<PathBuf, ApiError> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    }
    let file = dir.join(file_name(at));
    db.backup(&file)?;
    if let Some(files) = files {
        copy_files(files, &file)?;
    }
    prune(dir, keep)?;
    Ok(file)
}

/// Deletes the oldest backups in `dir` beyond the newest `keep`; other files are left alone.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, ApiError> {
    let failed =
        |e: std::io::Error| ApiError::Internal(format!("backups in {}: {e}", dir.display()));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(failed)?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| is_backup(name))
        .collect();
    names.sort();
    let old = names.len().saturating_sub(keep);
    let mut deleted = Vec::new();
    for name in &names[..old] {
        let path = dir.join(name);
        std::fs::remove_file(&path).map_err(failed)?;
        let files = files_beside(&path);
        if files.is_dir() {
            std::fs::remove_dir_all(&files).map_err(failed)?;
        }
        deleted.push(path);
    }
    Ok(deleted)
}

/// Runs the schedule until the process ends: a backup every `every`, the first one `every`
/// after the start. A failed backup is logged and tried again at the next time.
pub async fn run(db: Arc<dyn Database>, schedule: Schedule) {
    let start = tokio::time::Instant::now() + schedule.every;
    let mut ticks = tokio::time::interval_at(start, schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let (db, dir, keep) = (db.clone(), schedule.dir.clone(), schedule.keep);
        let files = schedule.files.clone();
        let done = tokio::task::spawn_blocking(move || {
            run_once(db.as_ref(), &dir, keep, Utc::now(), files.as_deref())
        })
        .await;
        match done {
            Ok(Ok(file)) => tracing::info!(file = %file.display(), "backed up"),
            Ok(Err(e)) => tracing::error!(error = %e, "scheduled backup failed"),
            Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_as_admins_write_them() {
        assert_eq!(parse_every("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_every("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_every("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_every("2d"), Ok(Duration::from_secs(172_800)));
        for bad in ["", "h", "1", "1w", "0h", "-1h", "1.5h"] {
            assert!(parse_every(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_sort_by_time() {
        let a = DateTime::parse_from_rfc3339("2026-12-03T09:05:00.007Z").unwrap();
        let b = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").unwrap();
        let (a, b) = (file_name(a.to_utc()), file_name(b.to_utc()));
        assert_eq!(a, "crm-20261203T090500.007Z.db");
        assert!(a < b);
        assert!(is_backup(&a));
        assert!(!is_backup("crm-notes.db"));
    }

    #[test]
    fn the_newest_backups_are_kept_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::open_sqlite(&dir.path().join("server.db")).unwrap();
        let backups = dir.path().join("backups");
        let start = DateTime::parse_from_rfc3339("2026-12-03T09:00:00Z")
            .unwrap()
            .to_utc();
        let made: Vec<PathBuf> = (0..4)
            .map(|hour| {
                run_once(
                    db.as_ref(),
                    &backups,
                    2,
                    start + chrono::Duration::hours(hour),
                    None,
                )
                .unwrap()
            })
            .collect();
        let mut left: Vec<PathBuf> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        left.sort();
        assert_eq!(left, made[2..]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&backups), 0o700);
            assert!(left.iter().all(|f| mode(f) == 0o600));
        }
        // Each is a sound crm database.
        for file in &left {
            crate::store::sqlite::check_file(file, crate::store::sqlite::Check::Full).unwrap();
        }
    }
}
