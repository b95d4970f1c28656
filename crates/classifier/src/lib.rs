//! cadence's classifier: text normalisation, hashed n-gram features, a calibrated
//! multinomial logistic-regression model, its training and evaluation, and model files.
//!
//! ```no_run
//! # fn main() -> cadence_classifier::Result<()> {
//! let model = cadence_classifier::model_dir::load(std::path::Path::new("models/default"))?;
//! let scores = model.classifier.predict("still on it", Some("where is the audit?"));
//! # Ok(()) }
//! ```

mod calibration;
mod error;
pub mod features;
pub mod metrics;
mod model;
pub mod model_dir;
pub mod normalize;
mod train;

pub use error::{Error, Result};
pub use metrics::{ClassMetrics, Evaluation};
pub use model::{Classifier, Contribution, LinearModel, Scores, softmax};
pub use train::{CalibrationReport, Example, TrainConfig, TrainingReport, cross_validate, train};
