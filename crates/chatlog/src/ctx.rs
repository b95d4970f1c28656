//! What every reader shares: the options and the running [`Summary`].

use std::cell::RefCell;
use std::rc::Rc;

use cadence_taxonomy::Message;

use crate::{ReadOptions, Summary};

/// The options a reader follows and the summary it reports skips and warnings to. Cheap to
/// clone: readers keep one in their iterators.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub options: Rc<ReadOptions>,
    summary: Rc<RefCell<Summary>>,
}

impl Ctx {
    pub fn new(options: Rc<ReadOptions>, summary: Rc<RefCell<Summary>>) -> Self {
        Ctx { options, summary }
    }

    pub fn warn(&self, warning: impl Into<String>) {
        self.summary.borrow_mut().warnings.push(warning.into());
    }

    /// Records where the message about to be yielded stands, for errors found later.
    pub fn set_position(&self, position: String) {
        self.summary.borrow_mut().position = Some(position);
    }

    /// Counts a platform event (a join, a pin, a topic change) that is not a message.
    pub fn skip_system(&self) {
        self.summary.borrow_mut().skipped_system += 1;
    }

    /// Passes a finished message on, unless it is a bot's and bots are not wanted, or it has
    /// no text of its own; either is counted instead.
    pub fn admit(&self, message: Message) -> Option<Message> {
        let mut summary = self.summary.borrow_mut();
        if message.is_bot && !self.options.include_bots {
            summary.skipped_bots += 1;
            None
        } else if message.text.trim().is_empty() {
            summary.skipped_empty += 1;
            None
        } else {
            Some(message)
        }
    }
}
