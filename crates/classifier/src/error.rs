use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A model directory (or built-in model) that cannot be used, and why.
    #[error("model {origin}: {message}")]
    Model { origin: String, message: String },
    /// The sentence-transformer encoder cannot be loaded or run.
    #[error("encoder: {0}")]
    Encoder(String),
    #[error("training failed: {0}")]
    Training(String),
}

impl Error {
    pub(crate) fn model(origin: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Model {
            origin: origin.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
