//! Output folders: which folders edgesim writes into, and one writer at a
//! time. A folder edgesim creates or adopts gets a marker file first
//! ([`MARKER`]); a folder that holds other files and no marker is not
//! edgesim's, and a command refuses it unless `--force` is given. While a
//! command writes a folder it holds an exclusive lock on [`LOCK`] (the
//! operating system's file lock: released when the process ends, however it
//! ends, so a killed run leaves no lock behind); a second command on the
//! same folder is refused, naming the holder. What edgesim removes inside
//! its folders is decided by the writers of each file (run records, data
//! files, charts): only names edgesim gives, never other files.
//!
//! Problems with the path itself (a file where the folder should be, a
//! dangling link, a path too long, no permission) are bad input naming the
//! flag and the path.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, InputError};

/// The marker file of an edgesim output folder.
pub const MARKER: &str = ".edgesim-output";
/// The lock file of an edgesim output folder.
pub const LOCK: &str = ".edgesim-lock";

const MARKER_TEXT: &str =
    "This is an edgesim output folder. edgesim wrote this file when it created or
adopted the folder; it replaces and removes only the files it writes here
(docs/reliability.md). Without this file edgesim refuses to write into the
folder unless given --force.
";

/// How a command takes its folder.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// `run`, `merge`, `replay`: the folder may be new; an existing one must
    /// be empty or edgesim's, unless `force`.
    Write { force: bool },
    /// `plot`: an existing folder whose manifest the caller has read, so
    /// edgesim's (adopted when an older edgesim left no marker).
    Existing,
}

/// An output folder held by this process: its marker is written and its
/// lock held until the value is dropped.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    lock: Option<File>,
}

impl OutputFolder {
    /// Takes `dir`, given by `flag` (`--out`, `DIR`, ...), for writing.
    pub fn claim(dir: &Path, flag: &str, claim: Claim) -> Result<OutputFolder, Error> {
        check_path(dir, flag)?;
        if dir.is_dir() && !dir.join(MARKER).exists() {
            let empty = is_empty(dir).map_err(|e| path_error(flag, dir, &describe(&e)))?;
            if !empty && claim == (Claim::Write { force: false }) {
                return Err(path_error(
                    flag,
                    dir,
                    &format!(
                        "holds files and is not an edgesim output folder (it has no {MARKER} marker); edgesim writes only into a new or empty folder or one of its own: choose another {flag}, or add --force to write into it (edgesim then replaces and removes only the files it writes)"
                    ),
                ));
            }
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| path_error(flag, dir, &format!("cannot create it: {}", describe(&e))))?;
        write_marker(dir).map_err(|e| {
            path_error(
                flag,
                dir,
                &format!("cannot write {MARKER} into it: {}", describe(&e)),
            )
        })?;
        let lock = lock(dir, flag)?;
        Ok(OutputFolder {
            dir: dir.to_path_buf(),
            lock,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        // Still locked here: nobody else reads a holder that has left.
        if let Some(file) = &self.lock {
            let _ = file.set_len(0);
        }
    }
}

/// Marks `parent`, the folder of a run's default `shards/` folder, as
/// edgesim's when it holds nothing but `shards/`: the merge of the shards
/// goes there.
pub fn adopt_shards_parent(parent: &Path) -> Result<(), Error> {
    let only_shards = std::fs::read_dir(parent)
        .map_err(|e| Error::io(format!("cannot list {}", parent.display()), e))?
        .filter_map(|e| e.ok())
        .all(|e| e.file_name() == "shards");
    if only_shards {
        write_marker(parent)
            .map_err(|e| Error::io(format!("cannot write {}", parent.join(MARKER).display()), e))?;
    }
    Ok(())
}

/// Checks, without creating anything, that `dir` (given by `flag`) can be
/// an output folder: a folder or a new path, not a file, a link to nothing,
/// or a path under a file. Commands that write nothing before their work
/// is done check early with this and claim the folder at the end.
pub fn check_path(dir: &Path, flag: &str) -> Result<(), Error> {
    if dir.as_os_str().is_empty() {
        return Err(path_error(flag, dir, "is empty; give a folder"));
    }
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = std::fs::read_link(dir)
                .map_or_else(|_| "?".to_string(), |t| t.display().to_string());
            match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => Ok(()),
                Ok(_) => Err(path_error(
                    flag,
                    dir,
                    &format!("is a symbolic link to {target}, which is not a folder"),
                )),
                Err(_) => Err(path_error(
                    flag,
                    dir,
                    &format!(
                        "is a symbolic link to {target}, which does not exist; create the folder or give another path"
                    ),
                )),
            }
        }
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(path_error(
            flag,
            dir,
            "exists and is not a folder; give a folder (or a path to create one)",
        )),
        Err(e) if e.kind() == ErrorKind::NotFound => check_ancestors(dir, flag),
        Err(e) => Err(path_error(flag, dir, &describe(&e))),
    }
}

/// For a path that does not exist: its nearest existing ancestor must be a
/// folder.
fn check_ancestors(dir: &Path, flag: &str) -> Result<(), Error> {
    for ancestor in dir.ancestors().skip(1) {
        if ancestor.as_os_str().is_empty() {
            return Ok(());
        }
        match std::fs::metadata(ancestor) {
            Ok(meta) if meta.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(path_error(
                    flag,
                    dir,
                    &format!(
                        "cannot be created: {} is a file, not a folder",
                        ancestor.display()
                    ),
                ));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if std::fs::symlink_metadata(ancestor).is_ok() {
                    return Err(path_error(
                        flag,
                        dir,
                        &format!(
                            "cannot be created: {} is a symbolic link to nothing",
                            ancestor.display()
                        ),
                    ));
                }
            }
            Err(e) => return Err(path_error(flag, dir, &describe(&e))),
        }
    }
    Ok(())
}

fn path_error(flag: &str, dir: &Path, message: &str) -> Error {
    InputError::new("command line", format!("{}: {message}", dir.display()))
        .with_key(flag)
        .into()
}

/// What an I/O error on a path means, in words.
fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::NotADirectory => "a part of the path is a file, not a folder".into(),
        ErrorKind::InvalidFilename => "the path or one of its names is too long".into(),
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        ErrorKind::AlreadyExists => "something that is not a folder is in the way".into(),
        _ => e.to_string(),
    }
}

fn is_empty(dir: &Path) -> std::io::Result<bool> {
    Ok(std::fs::read_dir(dir)?.next().is_none())
}

fn write_marker(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(MARKER);
    match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(mut file) => file.write_all(MARKER_TEXT.as_bytes()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes the folder's lock, or says who holds it.
fn lock(dir: &Path, flag: &str) -> Result<Option<File>, Error> {
    let path = dir.join(LOCK);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| {
            path_error(
                flag,
                dir,
                &format!("cannot open {LOCK} in it: {}", describe(&e)),
            )
        })?;
    match file.try_lock() {
        Ok(()) => {
            let holder = holder_text();
            file.set_len(0)
                .and_then(|()| file.write_all(holder.as_bytes()))
                .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
            Ok(Some(file))
        }
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            Err(path_error(
                flag,
                dir,
                &format!(
                    "is in use by {}; two commands never write one folder at once: wait for it to end, or choose another {flag}",
                    holder_of(&text)
                ),
            ))
        }
        Err(TryLockError::Error(e)) if e.kind() == ErrorKind::Unsupported => {
            eprintln!(
                "warning: the file system of {} cannot lock files; nothing stops another edgesim from writing into it at the same time",
                dir.display()
            );
            Ok(None)
        }
        Err(TryLockError::Error(e)) => Err(Error::io(format!("cannot lock {}", path.display()), e)),
    }
}

/// What the lock file says of its holder: pid, start time, command line.
fn holder_text() -> String {
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let command: Vec<String> = std::env::args().collect();
    format!(
        "pid {}\nstarted {started}\ncommand {}\n",
        std::process::id(),
        command.join(" ")
    )
}

/// The holder in words, from the lock file's text.
fn holder_of(text: &str) -> String {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
    };
    let Some(pid) = field("pid ") else {
        return "another edgesim process".into();
    };
    let mut holder = format!("edgesim process {pid}");
    if let Some(command) = field("command ") {
        holder.push_str(&format!(" (`{command}`"));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if let Some(started) = field("started ").and_then(|s| s.parse::<u64>().ok()) {
            holder.push_str(&format!(", for {} s", now.saturating_sub(started)));
        }
        holder.push(')');
    }
    holder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_is_named_from_the_lock_file() {
        let text = "pid 42\nstarted 0\ncommand edgesim run x.toml\n";
        let holder = holder_of(text);
        assert!(
            holder.starts_with("edgesim process 42 (`edgesim run x.toml`, for "),
            "{holder}"
        );
        assert_eq!(holder_of(""), "another edgesim process");
        assert!(holder_text().starts_with(&format!("pid {}\n", std::process::id())));
    }
}
