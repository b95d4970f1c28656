/// Everything that can go wrong making or writing a health report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid health option: {0}")]
    InvalidOption(String),
    #[error("writing the report failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing JSON failed: {0}")]
    Json(#[from] serde_json::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
