//! `usage --fetch`: the gateway's call log, fetched ([`crate::api::log`]) as
//! JSON Lines that `usage` then reads as it reads any file — so a fetched
//! month and the same month saved with `--save` and read offline give the
//! same report. The token or key comes from the environment only, and goes
//! nowhere but the request.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::ctx::Ctx;
use super::progress;
use crate::api::log::{self, Auth, Fetched, KEY_ANSWER_LIMIT, LogOptions};
use crate::cli::BillArgs;
use crate::error::UserError;
use crate::numbers::counted;
use crate::output;
use crate::time::Time;

/// The page size asked for; the gateway may answer with fewer (some cap it at 10).
const PAGE_SIZE: u64 = 100;

/// The default period: the last 30 days.
const DEFAULT_PERIOD: SignedDuration = SignedDuration::from_hours(30 * 24);

/// A fetched log, for `usage` to read.
pub struct FetchedLog {
    /// The items as JSON Lines, in a temporary file the system removes
    /// whatever happens to the process.
    pub file: File,
    /// How the log is named in what `usage` says (`--save`'s path, or the log).
    pub shown: String,
    /// What the report must say of the fetch (items left out, a total that differs, ...).
    pub notes: Vec<String>,
    /// Why the log is incomplete, when it is: `--max-pages` stopped the walk.
    pub incomplete: Option<String>,
}

/// Fetches the log `args` describe, saving it where `--save` says.
pub fn fetch(ctx: &Ctx<'_>, args: &BillArgs) -> anyhow::Result<FetchedLog> {
    let opts = options(ctx, args)?;
    if let Some(save) = &args.save {
        writable(save)?;
    }
    let period = (Time::from(opts.since), Time::from(opts.until));
    let mut file = tempfile::tempfile().context("cannot make a temporary file for the log")?;
    let bar = progress::bar(ctx, "fetching the log:");
    let report = progress::reporter(bar.clone(), ctx.settings.quiet, ctx.settings.verbose);
    let mut outside = 0u64;
    let fetched = {
        let mut out = BufWriter::new(&mut file);
        let mut each = |item: &RawValue| -> std::io::Result<()> {
            // A gateway that ignores the period is not trusted with it.
            if created(item).is_some_and(|at| at < period.0 || at > period.1) {
                outside += 1;
                return Ok(());
            }
            out.write_all(item.get().as_bytes())?;
            out.write_all(b"\n")
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let fetched = runtime.block_on(log::fetch(&opts, &mut each, report));
        bar.finish_and_clear();
        let fetched = fetched?;
        out.flush().context("cannot write the fetched log to a temporary file")?;
        fetched
    };
    let kept = fetched.items - outside;
    ctx.note(format_args!(
        "fetched {} in {} from {} to {}",
        counted(kept, "log item"),
        counted(fetched.pages, "page"),
        period.0,
        period.1
    ));
    let mut log = FetchedLog {
        file,
        shown: "the fetched log".into(),
        notes: notes(&opts.auth, &fetched, outside, period),
        incomplete: incomplete(&fetched, args.max_pages, args.max_items),
    };
    log.file.rewind()?;
    if let (Some(save), Some(why)) = (&args.save, &log.incomplete) {
        ctx.warn(format_args!("not saved to {}: {why}", save.display()));
    } else if let Some(save) = &args.save {
        // Written whole or not at all: a failed fetch never reached here.
        output::file::write_to(save, |out| {
            std::io::copy(&mut log.file, out).with_context(|| format!("cannot write {}", save.display()))?;
            Ok(())
        })?;
        log.file.rewind()?;
        log.shown = save.display().to_string();
        ctx.note(format_args!("saved {} to {}", counted(kept, "log item"), save.display()));
    }
    Ok(log)
}

/// Why the log fetched is not the whole period, if it is not: `--max-pages`
/// stopped the walk, or the gateway said it holds more than it sent.
fn incomplete(fetched: &Fetched, max_pages: u64, max_items: u64) -> Option<String> {
    if fetched.capped {
        let (flag, held) = match fetched.items >= max_items {
            true => ("--max-items", counted(fetched.items, "item")),
            false => ("--max-pages", counted(max_pages, "page")),
        };
        return Some(format!(
            "the walk stopped after {held} ({flag}) and the log may hold more: this report covers only the calls fetched"
        ));
    }
    fetched.total_differs.filter(|&total| total > fetched.items).map(|total| {
        format!(
            "the gateway said its log holds {total} items for the period and sent {}: this report covers only those",
            fetched.items
        )
    })
}

/// What the report says of the fetch: items it left out or kept once, a
/// total the gateway stated but did not send, an API key's answer that may
/// hold only the latest calls.
fn notes(auth: &Auth, fetched: &Fetched, outside: u64, (since, until): (Time, Time)) -> Vec<String> {
    let mut notes = Vec::new();
    if outside > 0 {
        let items = counted(outside, "log item");
        notes.push(format!("left out {items} the gateway sent from outside {since} to {until}"));
    }
    if fetched.twice > 0 {
        let items = counted(fetched.twice, "log item");
        notes.push(format!("kept once {items} the gateway sent again (its pages shifted while the log grew)"));
    }
    // A total above what was sent makes the log incomplete (said as a violation); one below is said here.
    if let Some(total) = fetched.total_differs.filter(|&total| total < fetched.items) {
        let sent = counted(fetched.items, "item");
        notes.push(format!("the gateway said its log holds {total} items for the period, and sent {sent}"));
    }
    if matches!(auth, Auth::ApiKey(_)) && fetched.items >= KEY_ANSWER_LIMIT {
        notes.push(format!(
            "the gateway sent {} for this key in one answer, as many as it sends at once: older calls of the \
             period may be missing (fetch with COMETCAT_ACCESS_TOKEN for a whole period)",
            counted(fetched.items, "log item")
        ));
    }
    notes
}

/// A log item's `created_at`, when it has one that can be read (an item
/// without one is kept, and `usage` says what it lacks).
fn created(item: &RawValue) -> Option<Time> {
    #[derive(Deserialize)]
    struct Head<'a> {
        #[serde(borrow)]
        created_at: Option<&'a RawValue>,
    }
    let head: Head<'_> = serde_json::from_str(item.get()).ok()?;
    crate::usage::read::time_of_value(head.created_at?).ok()
}

/// `--save`'s path, checked before anything is fetched: a folder, or a
/// folder that does not exist, would lose the fetch.
fn writable(path: &Path) -> anyhow::Result<()> {
    let shown = path.display();
    if path.is_dir() {
        return Err(UserError::usage(format!("--save {shown} is a folder")).hint("give a file name").into());
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) if !parent.is_dir() => {
            Err(UserError::usage(format!("--save {shown}: the folder {} does not exist", parent.display())).into())
        }
        _ => Ok(()),
    }
}

/// The fetch's options: the credential from the environment, the period, the network limits.
fn options(ctx: &Ctx<'_>, args: &BillArgs) -> anyhow::Result<LogOptions> {
    let base = crate::api::base_url(&args.base_url).map_err(UserError::usage)?;
    let until = args.until.unwrap_or_else(Timestamp::now);
    let since = match args.since {
        Some(since) => since,
        None => until.checked_sub(DEFAULT_PERIOD).unwrap_or(Timestamp::MIN),
    };
    if since > until {
        let (since, until) = (Time::from(since), Time::from(until));
        return Err(UserError::usage(format!("--since {since} is after --until {until}")).into());
    }
    let auth = auth(|name| std::env::var(name).ok())?;
    if let Some(name) = auth.unsendable() {
        let message =
            format!("{name} holds a character an HTTP header cannot carry (a newline or a control character)");
        return Err(UserError::usage(message).hint("set it again, without the stray character").into());
    }
    Ok(LogOptions {
        base,
        auth,
        since,
        until,
        page_size: PAGE_SIZE,
        max_pages: args.max_pages,
        max_items: args.max_items,
        timeout: Duration::from_secs_f64(args.timeout),
        retries: args.retries as u32,
        backoff: ctx.settings.backoff,
        max_body: args.max_body,
    })
}

/// The credential, from `COMETCAT_ACCESS_TOKEN` (with `COMETCAT_USER_ID`) or
/// `COMETCAT_API_KEY`; an empty variable is no variable.
fn auth(var: impl Fn(&str) -> Option<String>) -> Result<Auth, UserError> {
    let var = |name| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(token) = var("COMETCAT_ACCESS_TOKEN") {
        return Ok(Auth::AccessToken { token, user: var("COMETCAT_USER_ID") });
    }
    if let Some(key) = var("COMETCAT_API_KEY") {
        return Ok(Auth::ApiKey(key));
    }
    Err(UserError::usage("--fetch needs the gateway's console access token, or an API key").hint(
        "set COMETCAT_ACCESS_TOKEN (and COMETCAT_USER_ID, your user id) from the console's settings, \
         or COMETCAT_API_KEY to fetch one key's calls",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_comes_from_the_environment_and_empty_is_unset() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
        };
        let got = auth(env(&[("COMETCAT_ACCESS_TOKEN", "t"), ("COMETCAT_USER_ID", "7"), ("COMETCAT_API_KEY", "k")]));
        assert!(matches!(got, Ok(Auth::AccessToken { token, user: Some(user) }) if token == "t" && user == "7"));
        let got = auth(env(&[("COMETCAT_ACCESS_TOKEN", " "), ("COMETCAT_API_KEY", "sk-1")]));
        assert!(matches!(got, Ok(Auth::ApiKey(key)) if key == "sk-1"));
        let got = auth(env(&[("COMETCAT_USER_ID", "7")]));
        assert!(got.is_err_and(|e| e.to_string().contains("access token")));
    }

    #[test]
    fn an_items_time_is_read_as_usage_reads_it() {
        let item = |text: &str| RawValue::from_string(text.to_owned()).unwrap();
        assert_eq!(created(&item(r#"{"created_at":100}"#)), Time::from_second(100));
        assert_eq!(created(&item(r#"{"created_at":1700000000.0}"#)), Time::from_second(1_700_000_000));
        assert_eq!(created(&item(r#"{"created_at":"2023-11-14T22:13:20Z"}"#)), Time::from_second(1_700_000_000));
        assert_eq!(created(&item(r#"{"created_at":1e30}"#)), None, "unreadable: kept, and said unreadable by usage");
        assert_eq!(created(&item(r#"{"id":1}"#)), None);
    }
}
