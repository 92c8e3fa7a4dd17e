//! `cometcat serve`: the web explorer, as glue. Binds the address, says where
//! it listens (stdout: the URL; stderr: a warning when that is not loopback),
//! opens a browser if asked, and serves ([`crate::serve`]) until Ctrl-C.

use std::time::Duration;

use anyhow::Context as _;

use super::ctx::Ctx;
use crate::cli::ServeArgs;
use crate::error::Exit;
use crate::serve::{App, Runner, ServeLimits};

/// Serves until Ctrl-C; `run` is the command line's runner, which the API uses.
pub fn run(ctx: &mut Ctx<'_>, args: &ServeArgs, run: Runner) -> anyhow::Result<Exit> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    let exit = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}/");
        if !addr.ip().is_loopback() {
            ctx.warn(format_args!("listening on {addr}: anyone who can reach this address can read the catalog"));
        }
        writeln!(ctx.out, "{url}")?;
        ctx.out.flush()?;
        ctx.note("serving the catalog; Ctrl-C stops");
        if args.open {
            open_browser(&url).unwrap_or_else(|e| ctx.warn(format_args!("cannot open a browser: {e}")));
        }
        let app = App::new(ctx.settings.db.clone(), addr, run, limits(args));
        crate::serve::serve(listener, app, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped")?;
        ctx.note("stopped");
        Ok(Exit::Ok)
    });
    // A request still running past its deadline is not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    exit
}

/// The explorer's bounds, as the flags set them.
fn limits(args: &ServeArgs) -> ServeLimits {
    ServeLimits {
        time_limit: Duration::from_secs_f64(args.time_limit),
        write_timeout: Duration::from_secs_f64(args.write_timeout),
        connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        in_flight: usize::try_from(args.max_in_flight).unwrap_or(usize::MAX),
        streams: usize::try_from(args.max_streams).unwrap_or(usize::MAX),
    }
}

/// Opens `url` in the default browser, without waiting for it.
fn open_browser(url: &str) -> std::io::Result<()> {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    crate::memory::child_may_have_huge_pages(&mut command);
    command.arg(url).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().map(drop)
}
