//! An export as a set of named files, whether it is a folder or a `.zip`: zip entries are
//! read straight from the archive, never extracted to disk.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

use crate::{Error, Limits, Result};

/// The files of one export, by relative path with `/` separators, in sorted order.
#[derive(Debug)]
pub struct ExportTree {
    root: PathBuf,
    backend: Backend,
    files: Vec<String>,
    limits: Limits,
    /// Bytes decompressed so far from a zip, counted as read rather than as declared, since
    /// a hostile archive can lie about its sizes.
    unzipped: Cell<u64>,
}

enum Backend {
    Dir,
    Zip(RefCell<zip::ZipArchive<BufReader<File>>>),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Dir => "Dir",
            Backend::Zip(_) => "Zip",
        })
    }
}

pub(crate) fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("zip"))
}

impl ExportTree {
    /// Opens a folder or a `.zip` file. Zip entries whose names climb out of the archive
    /// (`..`) or are absolute are refused, as are symlinks that point out of a folder.
    pub fn open(path: &Path, limits: &Limits) -> Result<Self> {
        let (backend, files) = if path.is_dir() {
            (Backend::Dir, list_dir(path)?)
        } else {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            let archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
                Error::input(
                    path.display().to_string(),
                    format!("not a readable zip archive: {e}"),
                )
            })?;
            let files = list_zip(path, &archive)?;
            (Backend::Zip(RefCell::new(archive)), files)
        };
        Ok(ExportTree {
            root: path.to_path_buf(),
            backend,
            files,
            limits: limits.clone(),
            unzipped: Cell::new(0),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn files(&self) -> &[String] {
        &self.files
    }

    pub fn contains(&self, name: &str) -> bool {
        self.files
            .binary_search_by(|f| f.as_str().cmp(name))
            .is_ok()
    }

    /// How a file of the export is named in messages: `export.zip!general/2024-01-02.json`
    /// for a zip entry, the file's path for a folder.
    pub fn location(&self, name: &str) -> String {
        match self.backend {
            Backend::Dir => self.root.join(name).display().to_string(),
            Backend::Zip(_) => format!("{}!{name}", self.root.display()),
        }
    }

    /// Reads one file of the export whole. A file larger than [`Limits::max_file_bytes`],
    /// or a zip whose decompressed total passes [`Limits::max_unzipped_bytes`], is an error.
    pub fn read(&self, name: &str) -> Result<Vec<u8>> {
        let per_file = self.limits.max_file_bytes;
        match &self.backend {
            Backend::Dir => {
                let path = self.root.join(name);
                let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
                read_capped(file, per_file, &self.location(name))
            }
            Backend::Zip(archive) => {
                let mut archive = archive.borrow_mut();
                let entry = archive.by_name(name).map_err(|e| {
                    Error::input(self.location(name), format!("cannot read zip entry: {e}"))
                })?;
                let budget = self
                    .limits
                    .max_unzipped_bytes
                    .saturating_sub(self.unzipped.get());
                let bytes = read_capped(entry, per_file.min(budget), &self.location(name))
                    .map_err(|err| match err {
                        Error::Input { location, .. } if budget < per_file => Error::input(
                            location,
                            format!(
                                "the archive decompresses to more than {} bytes in total \
                                 (--max-unzipped-bytes); refusing to read further",
                                self.limits.max_unzipped_bytes
                            ),
                        ),
                        other => other,
                    })?;
                self.unzipped.set(self.unzipped.get() + bytes.len() as u64);
                Ok(bytes)
            }
        }
    }
}

pub(crate) fn read_capped(reader: impl Read, cap: u64, location: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(location, format!("read failed: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(Error::input(
            location,
            format!("file is larger than the limit of {cap} bytes (--max-file-bytes)"),
        ));
    }
    Ok(bytes)
}

fn list_zip(path: &Path, archive: &zip::ZipArchive<BufReader<File>>) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for name in archive.file_names() {
        let unsafe_reason = Path::new(name).components().find_map(|c| match c {
            Component::ParentDir => Some("climbs out of the archive with '..'"),
            Component::RootDir | Component::Prefix(_) => Some("is an absolute path"),
            _ => None,
        });
        if let Some(reason) = unsafe_reason {
            return Err(Error::input(
                format!("{}!{name}", path.display()),
                format!("refusing an archive whose entry {reason}"),
            ));
        }
        if !name.ends_with('/') {
            files.push(name.trim_start_matches("./").to_owned());
        }
    }
    files.sort();
    Ok(files)
}

fn list_dir(root: &Path) -> Result<Vec<String>> {
    let canonical_root = root.canonicalize().map_err(|e| Error::io(root, e))?;
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let path = entry.path();
            // A symlink is followed only while it stays inside the export.
            let Ok(target) = path.canonicalize() else {
                continue;
            };
            if !target.starts_with(&canonical_root) {
                continue;
            }
            if target.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let name: Vec<_> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect();
                files.push(name.join("/"));
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
        let mut writer = zip::ZipWriter::new(File::create(path).unwrap());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
    }

    #[test]
    fn folder_and_zip_list_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("export");
        std::fs::create_dir_all(export.join("general")).unwrap();
        std::fs::write(export.join("users.json"), "[]").unwrap();
        std::fs::write(export.join("general/2024-01-02.json"), "[]").unwrap();
        let zip_path = dir.path().join("export.zip");
        write_zip(
            &zip_path,
            &[("users.json", b"[]"), ("general/2024-01-02.json", b"[]")],
        );

        let limits = Limits::default();
        let folder = ExportTree::open(&export, &limits).unwrap();
        let zipped = ExportTree::open(&zip_path, &limits).unwrap();
        assert_eq!(folder.files(), ["general/2024-01-02.json", "users.json"]);
        assert_eq!(folder.files(), zipped.files());
        assert!(zipped.contains("users.json"));
        assert_eq!(zipped.read("general/2024-01-02.json").unwrap(), b"[]");
        assert!(
            zipped
                .location("users.json")
                .ends_with("export.zip!users.json")
        );
    }

    #[test]
    fn zip_entries_that_climb_out_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zip_path = dir.path().join("evil.zip");
        write_zip(&zip_path, &[("../../etc/passwd", b"x")]);
        let err = ExportTree::open(&zip_path, &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("'..'"), "{err}");
        assert!(
            err.to_string().contains("evil.zip!../../etc/passwd"),
            "{err}"
        );
    }

    #[test]
    fn decompressed_total_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let zip_path = dir.path().join("bomb.zip");
        let zeros = vec![0u8; 1 << 20];
        write_zip(&zip_path, &[("a.json", &zeros), ("b.json", &zeros)]);
        let limits = Limits {
            max_unzipped_bytes: (1 << 20) + 10,
            ..Limits::default()
        };
        let tree = ExportTree::open(&zip_path, &limits).unwrap();
        assert_eq!(tree.read("a.json").unwrap().len(), 1 << 20);
        let err = tree.read("b.json").unwrap_err();
        assert!(
            err.to_string().contains("decompresses to more than"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_export_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("export");
        std::fs::create_dir(&export).unwrap();
        std::fs::write(dir.path().join("secret.json"), "[]").unwrap();
        std::fs::write(export.join("users.json"), "[]").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.json"), export.join("leak.json"))
            .unwrap();
        let tree = ExportTree::open(&export, &Limits::default()).unwrap();
        assert_eq!(tree.files(), ["users.json"]);
    }
}
