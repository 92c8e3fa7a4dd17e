//! The explorer's pages, rendered on the server with maud (which escapes every
//! value it splices), each handed typed data: the store's models, snapshots
//! and diffs, and the command layer's ranking and estimate. Catalog text is
//! third-party data: it is also shown with control and bidi characters made
//! visible, as in the terminal, and never becomes a link other than to this
//! server's own pages (`/models/ID`, `/compare?id=...`). Each page works without JavaScript; its state is
//! its query string, in the CLI's names.

mod catalog;
mod changes;
mod compare;
mod cost;
mod filters;
mod frame;
mod map;
mod model;

pub use catalog::catalog;
pub use changes::changes;
pub use compare::compare;
pub use cost::cost;
pub use frame::failure;
pub use map::map;
pub use model::{model, model_by_query};
