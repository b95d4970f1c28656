use std::path::PathBuf;

/// Everything that can go wrong reading an input. Each variant names where it happened.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A record (line, array element, CSV row) that could not be read; the rest of the input
    /// can still be read.
    #[error("{location}: {message}")]
    Record { location: String, message: String },
    /// An input that cannot be read at all: unknown format, missing part of an export, an
    /// unsafe archive.
    #[error("{location}: {message}")]
    Input { location: String, message: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn record(location: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Record {
            location: location.into(),
            message: message.into(),
        }
    }

    pub(crate) fn input(location: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            location: location.into(),
            message: message.into(),
        }
    }

    /// Whether reading can go on with the next record after this error.
    pub fn is_record_error(&self) -> bool {
        matches!(self, Error::Record { .. })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
