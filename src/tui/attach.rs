//! Attaching a file from the screens (`F` in a record's view and in the 360°): the path typed
//! is read here — `~` is the home folder, the file must be a readable regular file — and the
//! upload itself runs beside the screens (`Effect::AttachFile`, answered by
//! `Action::Attached`). A file is attached while connected: its bytes go straight to the
//! server, which checks the admin's size limit and kinds; offline it is refused with a message
//! (nothing is queued), as the outbox carries records, not bytes.

use std::path::{Path, PathBuf};

use crm_server::schema::{ATTACHABLE, Entity};

/// What the user asked to attach, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub path: PathBuf,
    /// The name it is shown by: the file's own.
    pub name: String,
    pub size: u64,
}

/// `typed` with a leading `~` (alone or before a `/`) read as `home`.
pub fn expand(typed: &str, home: Option<&Path>) -> PathBuf {
    let typed = typed.trim();
    match (typed.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ => PathBuf::from(typed),
    }
}

/// The file at `typed` (see [`expand`]), or what is wrong with it, to be shown as it is.
pub fn choose(typed: &str, home: Option<&Path>) -> Result<Chosen, String> {
    if typed.trim().is_empty() {
        return Err("Type the path of the file to attach".into());
    }
    let path = expand(typed, home);
    let shown = crate::text::sanitize(&path.display().to_string());
    let meta = std::fs::metadata(&path).map_err(|e| format!("Cannot attach {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a file; type a file's path"));
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(String::from)
        .ok_or_else(|| format!("{shown} has no name a record can show"))?;
    Ok(Chosen {
        path,
        name,
        size: meta.len(),
    })
}

/// Whether files attach to records of `entity`; the message when they do not.
pub fn attachable(entity: Entity) -> Result<(), String> {
    if ATTACHABLE.contains(&entity.name()) {
        Ok(())
    } else {
        Err(format!(
            "Files attach to customers, contacts, deals, tickets, quotes, orders, contracts and the like, not to {}",
            entity.name()
        ))
    }
}

/// The user's home folder, from the environment.
pub fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `F`: asks for the path of a file to attach to `entity`'s record `id` (titled `title`).
pub fn ask(ctx: &mut crate::tui::screen::Ctx, entity: Entity, id: &str, title: &str) {
    if let Err(m) = attachable(entity) {
        return ctx.error(m);
    }
    let p = crate::tui::dialogs::Prompt::new(
        format!("Attach a file to {title}"),
        "File",
        crate::tui::dialogs::Purpose::AttachFile(entity, id.to_string()),
    )
    .hint("its path; ~ is your home folder, Tab completes")
    .paths();
    ctx.open(crate::tui::dialogs::Dialog::Prompt(p));
}

/// The path typed for [`ask`]: the prompt closed and the upload asked for, or the prompt kept
/// with what is wrong.
pub fn answered(ctx: &mut crate::tui::screen::Ctx, entity: Entity, id: String, typed: &str) {
    match choose(typed, home().as_deref()) {
        Ok(chosen) => {
            ctx.close();
            ctx.flash(format!(
                "Uploading {} ({})…",
                crate::text::sanitize(&chosen.name),
                crm_server::error::human_bytes(chosen.size)
            ));
            ctx.out.push(crate::tui::screen::Msg::Effect(
                crate::tui::action::Effect::AttachFile {
                    entity,
                    record_id: id,
                    path: chosen.path,
                    name: chosen.name,
                },
            ));
        }
        Err(m) => ctx.error(m),
    }
}

/// `typed` completed as far as the folder it names allows: the one entry starting with what
/// follows the last `/` (a folder's with a `/` after it), or the longest start several share;
/// None when nothing longer can be said. Reads one folder (on Tab only).
pub fn complete(typed: &str, home: Option<&Path>) -> Option<String> {
    let (folder, start) = match typed.rfind('/') {
        Some(at) => (&typed[..=at], &typed[at + 1..]),
        None => ("", typed),
    };
    let dir = if folder.is_empty() {
        PathBuf::from(".")
    } else {
        expand(folder, home)
    };
    let mut names: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            // Hidden entries only when asked for with a dot.
            (name.starts_with(start) && (start.starts_with('.') || !name.starts_with('.')))
                .then(|| (name, e.path().is_dir()))
        })
        .collect();
    names.sort();
    let completed = match names.as_slice() {
        [] => return None,
        [(name, true)] => format!("{name}/"),
        [(name, false)] => name.clone(),
        [(first, _), rest @ ..] => {
            let mut common = first.clone();
            for (name, _) in rest {
                while !name.starts_with(&common) {
                    common.pop();
                }
            }
            common
        }
    };
    (completed.len() > start.len()).then(|| format!("{folder}{completed}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilde_is_the_home_folder_and_nothing_else_is() {
        let home = Path::new("/home/li");
        assert_eq!(
            expand(" ~/合同/scan.pdf ", Some(home)),
            PathBuf::from("/home/li/合同/scan.pdf")
        );
        assert_eq!(expand("~", Some(home)), PathBuf::from("/home/li"));
        assert_eq!(expand("~bob/x", Some(home)), PathBuf::from("~bob/x"));
        assert_eq!(expand("/tmp/~/x", Some(home)), PathBuf::from("/tmp/~/x"));
        assert_eq!(expand("~/x", None), PathBuf::from("~/x"));
    }

    #[test]
    fn only_a_readable_file_is_chosen() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("报价.pdf"), b"%PDF-1.7").unwrap();
        let chosen = choose("~/报价.pdf", Some(dir.path())).unwrap();
        assert_eq!((chosen.name.as_str(), chosen.size), ("报价.pdf", 8));
        assert!(
            choose("~", Some(dir.path()))
                .unwrap_err()
                .contains("not a file")
        );
        assert!(
            choose("~/none.pdf", Some(dir.path()))
                .unwrap_err()
                .starts_with("Cannot attach")
        );
        assert!(choose("  ", Some(dir.path())).is_err());
    }

    #[test]
    fn tab_completes_a_path_as_far_as_the_folder_allows() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("合同")).unwrap();
        std::fs::write(dir.path().join("合同").join("扫描一.pdf"), b"x").unwrap();
        std::fs::write(dir.path().join("合同").join("扫描二.pdf"), b"x").unwrap();
        std::fs::write(dir.path().join("报价.pdf"), b"x").unwrap();
        std::fs::write(dir.path().join(".hidden"), b"x").unwrap();
        let home = Some(dir.path());
        assert_eq!(complete("~/合", home), Some("~/合同/".into()));
        assert_eq!(complete("~/合同/扫", home), Some("~/合同/扫描".into()));
        assert_eq!(
            complete("~/合同/扫描", home),
            None,
            "two fit: no more to say"
        );
        assert_eq!(complete("~/报", home), Some("~/报价.pdf".into()));
        assert_eq!(complete("~/.h", home), Some("~/.hidden".into()));
        assert_eq!(complete("~/无", home), None);
        let abs = format!("{}/报", dir.path().display());
        assert_eq!(
            complete(&abs, None),
            Some(format!("{}/报价.pdf", dir.path().display()))
        );
    }
}
