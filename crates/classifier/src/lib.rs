//! cadence's classifier: text normalisation, encoders (hashed n-gram features and, with the
//! `bert` feature, MiniLM sentence embeddings), a calibrated multinomial logistic-regression
//! head, its training and evaluation, and model files.
//!
//! ```no_run
//! # fn main() -> cadence_classifier::Result<()> {
//! let model = cadence_classifier::model_dir::load(std::path::Path::new("models/default"))?;
//! let scores = model.classifier.predict("still on it", Some("where is the audit?"));
//! # Ok(()) }
//! ```

mod calibration;
pub mod encoder;
mod error;
pub mod features;
pub mod finetune;
pub mod metrics;
#[cfg(feature = "bert")]
pub mod minilm;
mod model;
pub mod model_dir;
pub mod normalize;
mod train;
#[cfg(feature = "bert")]
mod transformer;

pub use encoder::Encoder;
pub use error::{Error, Result};
pub use metrics::{ClassMetrics, Evaluation};
pub use model::{Classifier, Contribution, LinearModel, Scores, softmax};
pub use train::{
    CROSS_FIT_FOLDS, CalibrationReport, Example, Stage, TrainConfig, TrainingReport,
    cross_validate, cross_validate_with, holdout_split, train, train_with,
};
