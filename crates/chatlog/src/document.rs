//! One file of an input, wherever it lives: on disk, in a zip, or already in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::tree::read_capped;
use crate::{Limits, Result};

#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Bytes(Rc<[u8]>),
}

/// A file to read: where its bytes are, and how messages and errors name it.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    source: Source,
    /// `path/to/file` or `archive.zip!entry`, for error messages.
    pub location: String,
    /// The file's own name, without folders: some formats name the conversation after it.
    pub name: String,
}

impl Document {
    pub fn file(path: &Path) -> Self {
        Document {
            source: Source::File(path.to_path_buf()),
            location: path.display().to_string(),
            name: file_name(&path.to_string_lossy()).to_owned(),
        }
    }

    pub fn bytes(bytes: Vec<u8>, location: String, name: &str) -> Self {
        Document {
            source: Source::Bytes(bytes.into()),
            location,
            name: file_name(name).to_owned(),
        }
    }

    /// The file name without its extension.
    pub fn stem(&self) -> &str {
        self.name
            .rsplit_once('.')
            .map_or(self.name.as_str(), |(stem, _)| stem)
    }

    /// A fresh reader from the start of the file; a file can be read more than once.
    pub fn reader(&self) -> Result<Box<dyn BufRead>> {
        Ok(match &self.source {
            Source::File(path) => {
                let file = File::open(path).map_err(|e| crate::Error::io(path, e))?;
                Box::new(BufReader::with_capacity(1 << 16, file))
            }
            Source::Bytes(bytes) => Box::new(Cursor::new(Rc::clone(bytes))),
        })
    }

    /// The whole file, for formats that are one JSON document.
    pub fn read_all(&self, limits: &Limits) -> Result<Rc<[u8]>> {
        match &self.source {
            Source::File(path) => {
                let file = File::open(path).map_err(|e| crate::Error::io(path, e))?;
                Ok(read_capped(file, limits.max_file_bytes, &self.location)?.into())
            }
            Source::Bytes(bytes) => Ok(Rc::clone(bytes)),
        }
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
