//! What a network walk says while it runs: a progress bar on a terminal
//! (pages done of pages known), retries with `-v`, and warnings unless `-q`.

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::ctx::Ctx;
use crate::api::client::{Event, Reporter};

/// A bar on stderr, `doing` pages: hidden unless progress is wanted and
/// stderr is a terminal.
pub fn bar(ctx: &Ctx<'_>, doing: &str) -> ProgressBar {
    let bar = if ctx.settings.progress {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    let template = format!("{{spinner}} {doing} {{pos}}/{{len}} pages {{wide_bar}} {{elapsed}}");
    bar.set_style(ProgressStyle::with_template(&template).expect("the template is valid"));
    bar
}

/// Progress and retries, as the walk reports them.
pub fn reporter(bar: ProgressBar, quiet: bool, verbose: bool) -> Reporter {
    Arc::new(move |event| {
        let say = |text: String| {
            if !quiet {
                bar.suspend(|| eprintln!("{text}"));
            }
        };
        match event {
            Event::Page { done, of } => {
                if let Some(of) = of {
                    bar.set_length(of);
                }
                bar.set_position(done);
            }
            Event::Retry { url, failure, attempt, delay } => {
                if verbose {
                    say(format!("retry {attempt} of {url} in {:.1}s: {failure}", delay.as_secs_f64()));
                }
            }
            Event::Throttled { concurrency } => {
                say(format!("warning: the server is limiting requests; {concurrency} at a time from now on"));
            }
            Event::WalkAgain { why } => {
                say(format!("warning: the catalog changed during the sync ({why}); reading it again"))
            }
            Event::Recheck { ids } => say(format!(
                "the server listed {ids} {} more than once; reading the catalog again to make sure it is not moving",
                if ids == 1 { "id" } else { "ids" }
            )),
        }
    })
}
