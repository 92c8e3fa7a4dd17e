//! `cargo bench --bench slow_readers`: the explorer under clients that read
//! slowly or not at all (issue 19), on 100,000 models, with `serve`'s default
//! limits: the server's memory while 8 whole-catalog answers (88 MB each) are
//! not read, and how long a new client waits while 260 clients read at 100
//! bytes a second (and come back when cut off): a 5 MB listing each, then the
//! catalog page asked 40 times over on each connection. Prints figures;
//! asserts nothing. `COMETCAT_BENCH_BIN=PATH` measures another build of
//! cometcat (the one before, say). Linux only (it reads `/proc`).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let bin = std::env::var("COMETCAT_BENCH_BIN").unwrap_or_else(|_| common::bin().to_owned());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog.json");
    common::write_catalog(&file, 100_000);
    let db = dir.path().join("catalog.db");
    // Imported by the build measured: another build may not read a newer schema.
    let imported = Command::new(&bin)
        .args(["--db", db.to_str().unwrap(), "sync", "--from", file.to_str().unwrap(), "--max-body", "1G", "-q"])
        .status()
        .unwrap();
    assert!(imported.success());
    println!("{bin}, 100,000 models:");
    let (mut server, addr) = start(&bin, &db);
    fresh(&addr);
    println!("  idle, after one request: RSS {} MiB", memory(server.id(), "VmRSS:") >> 10);
    stalled(&server, &addr, 8);
    let _ = server.kill();
    let _ = server.wait();
    // An answer larger than the kernel takes in for the client (about 4 MB
    // here), then one small page asked over and over.
    for (path, times) in [("api/v1/models?limit=6000", 1), ("", 40)] {
        let (mut server, addr) = start(&bin, &db);
        trickle(&addr, 260, path, times);
        let _ = server.kill();
        let _ = server.wait();
    }
}

fn start(bin: &str, db: &std::path::Path) -> (Child, String) {
    let mut server = Command::new(bin)
        .args(["serve", "--bind", "127.0.0.1:0", "-q"])
        .env("COMETCAT_DB", db)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let addr = url.trim().trim_start_matches("http://").trim_end_matches('/').to_owned();
    (server, addr)
}

/// `n` clients ask for the whole catalog and read nothing: the server's
/// resident memory (now and at its peak) over 20 s, and a new client's wait.
fn stalled(server: &Child, addr: &str, n: usize) {
    let ask = format!("GET /api/v1/models HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let clients: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut socket = TcpStream::connect(addr).unwrap();
            socket.write_all(ask.as_bytes()).unwrap();
            socket
        })
        .collect();
    let started = Instant::now();
    let mut worst = 0;
    while started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(250));
        worst = worst.max(memory(server.id(), "VmRSS:"));
    }
    let wait = fresh(addr);
    println!(
        "  {n} stalled whole-catalog answers: RSS after 20 s {} MiB, highest seen {} MiB, peak (VmHWM) {} MiB; a new client waits {wait}",
        memory(server.id(), "VmRSS:") >> 10,
        worst >> 10,
        memory(server.id(), "VmHWM:") >> 10,
    );
    drop(clients);
}

/// `n` clients ask for `path` `times` over on one connection, read at 100
/// bytes a second through a 4 KiB receive buffer, and ask again when cut
/// off: how long a new client waits for an answer, five times over.
fn trickle(addr: &str, n: usize, path: &str, times: usize) {
    let ask = format!("GET /{path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").repeat(times);
    let connect = || {
        let mut socket = TcpStream::connect(addr).ok()?;
        let size: libc::c_int = 4096;
        // SAFETY: a valid socket, and an int option of the size given.
        unsafe {
            let size_of = std::mem::size_of_val(&size) as libc::socklen_t;
            libc::setsockopt(socket.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, (&raw const size).cast(), size_of);
        }
        socket.write_all(ask.as_bytes()).ok()?;
        socket.set_nonblocking(true).ok()?;
        Some(socket)
    };
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut clients: Vec<Option<TcpStream>> = (0..n).map(|_| connect()).collect();
            let mut buf = [0; 100];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_secs(1));
                for client in &mut clients {
                    let gone = match client.as_mut().map(|c| c.read(&mut buf)) {
                        Some(Ok(0)) | None => true,
                        Some(Err(e)) => e.kind() != std::io::ErrorKind::WouldBlock,
                        Some(Ok(_)) => false,
                    };
                    if gone {
                        *client = connect();
                    }
                }
            }
        });
        std::thread::sleep(Duration::from_secs(5));
        let waits: Vec<String> = (0..5).map(|_| fresh(addr)).collect();
        println!("  {n} clients reading /{path} ×{times} at 100 B/s: a new client waits {}", waits.join(", "));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

/// How long a new client waits for `/api/v1/types`, or why it got nothing.
fn fresh(addr: &str) -> String {
    let started = Instant::now();
    let got = (|| {
        let mut socket = TcpStream::connect(addr).ok()?;
        socket.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
        socket.write_all(format!("GET /api/v1/types HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).ok()?;
        let mut head = [0; 12];
        socket.read_exact(&mut head).ok()?;
        Some(String::from_utf8_lossy(&head[9..12]).into_owned())
    })();
    match got {
        Some(status) => format!("{:.2} s ({status})", started.elapsed().as_secs_f64()),
        None => format!("{:.0} s (no answer)", started.elapsed().as_secs_f64()),
    }
}

/// A line of `/proc/PID/status`, in KiB.
fn memory(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}
