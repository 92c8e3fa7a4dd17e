//! `usage --fetch`: the gateway's call log, fetched ([`crate::api::log`]) into
//! a JSON Lines file that `usage` then reads as it reads any file — so a
//! fetched month and the same month saved with `--save` and read offline give
//! the same report. The token or key comes from the environment only, and
//! goes nowhere but the request.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::ctx::Ctx;
use super::progress;
use crate::api::log::{self, Auth, Fetched, LogOptions};
use crate::cli::BillArgs;
use crate::error::UserError;
use crate::numbers::counted;
use crate::output;

/// The page size asked for; the gateway may answer with fewer (some cap it at 10).
const PAGE_SIZE: u64 = 100;

/// The default period: the last 30 days.
const DEFAULT_PERIOD: SignedDuration = SignedDuration::from_hours(30 * 24);

/// A fetched log, in a file `usage` reads.
pub struct FetchedLog {
    /// The JSON Lines file (`--save`, or a temporary file removed when dropped).
    pub path: PathBuf,
    /// How the file is named in what `usage` says (`--save`'s path, or the log).
    pub shown: String,
    /// Said in the report: the walk stopped at `--max-pages` with more to fetch.
    pub note: Option<String>,
    _temporary: Option<tempfile::TempPath>,
}

/// Fetches the log `args` describe, saving it where `--save` says.
pub fn fetch(ctx: &Ctx<'_>, args: &BillArgs) -> anyhow::Result<FetchedLog> {
    let opts = options(ctx, args)?;
    let (since, until) = (opts.since, opts.until);
    let mut temporary = tempfile::NamedTempFile::new().context("cannot make a temporary file for the log")?;
    let bar = progress::bar(ctx, "fetching the log:");
    let report = progress::reporter(bar.clone(), ctx.settings.quiet, ctx.settings.verbose);
    let (mut outside, mut twice) = (0u64, 0u64);
    let mut seen = std::collections::HashSet::new();
    let fetched = {
        let mut out = BufWriter::new(temporary.as_file_mut());
        let mut each = |item: &RawValue| -> std::io::Result<()> {
            let Head { created_at, id } = serde_json::from_str(item.get()).unwrap_or_default();
            // A gateway that ignores the period is not trusted with it.
            if created_at.is_some_and(|at| !(since.as_second()..=until.as_second()).contains(&at)) {
                outside += 1;
                return Ok(());
            }
            // A log that grows while it is read shifts its pages: an item sent twice is kept once.
            if let Some(id) = id
                && !seen.insert(id.get().to_owned())
            {
                twice += 1;
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
    say(ctx, &fetched, outside, twice, since, until);
    let path = temporary.path().to_owned();
    let note = fetched.capped.then(|| {
        format!(
            "the log has more than {} (--max-pages): this report covers only the calls they hold",
            counted(args.max_pages, "page")
        )
    });
    match &args.save {
        Some(save) => {
            // Written whole or not at all: a failed fetch never reached here.
            output::file::write_to(save, |out| {
                std::io::copy(&mut std::fs::File::open(&path)?, out)?;
                Ok(())
            })?;
            ctx.note(format_args!(
                "saved {} to {}",
                counted(fetched.items - outside - twice, "log item"),
                save.display()
            ));
            Ok(FetchedLog { path: save.clone(), shown: save.display().to_string(), note, _temporary: None })
        }
        None => {
            Ok(FetchedLog { path, shown: "the fetched log".into(), note, _temporary: Some(temporary.into_temp_path()) })
        }
    }
}

/// What was fetched, on stderr: the pages, the cap when it was hit, the items
/// left out for lying outside the period.
fn say(ctx: &Ctx<'_>, fetched: &Fetched, outside: u64, twice: u64, since: Timestamp, until: Timestamp) {
    let period = format!("{} to {}", crate::time::format_time(since), crate::time::format_time(until));
    ctx.note(format_args!(
        "fetched {} in {} from {period}",
        counted(fetched.items, "log item"),
        counted(fetched.pages, "page")
    ));
    if outside > 0 {
        ctx.note(format_args!("left out {} the gateway sent from outside {period}", counted(outside, "log item")));
    }
    if twice > 0 {
        ctx.note(format_args!("kept once {} the gateway sent twice (its pages shifted)", counted(twice, "log item")));
    }
}

/// What of a log item the fetch looks at: its time and its id (text or number).
#[derive(Deserialize, Default)]
struct Head {
    created_at: Option<i64>,
    id: Option<Box<RawValue>>,
}

/// The fetch's options: the credential from the environment, the period, the network limits.
fn options(ctx: &Ctx<'_>, args: &BillArgs) -> anyhow::Result<LogOptions> {
    let base = crate::api::base_url(&args.base_url).map_err(UserError::usage)?;
    let now = Timestamp::now();
    let until = args.until.unwrap_or(now);
    let since = match args.since {
        Some(since) => since,
        None => until.checked_sub(DEFAULT_PERIOD).unwrap_or(Timestamp::MIN),
    };
    if since > until {
        return Err(UserError::usage(format!(
            "--since {} is after --until {}",
            crate::time::format_time(since),
            crate::time::format_time(until)
        ))
        .into());
    }
    Ok(LogOptions {
        base,
        auth: auth(|name| std::env::var(name).ok())?,
        since,
        until,
        page_size: PAGE_SIZE,
        max_pages: args.max_pages,
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
}
