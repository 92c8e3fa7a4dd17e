//! The release archives are where `cargo binstall` looks for them. For every target that
//! `.github/workflows/release.yml` builds, `[package.metadata.binstall]` in Cargo.toml names
//! the archive that `.ci/package` writes; and `.ci/package`, which the workflow runs, is run
//! here on the binary the tests use: its SHA-256 file checks, the binary is at the path binstall
//! takes it from, and it runs. The README's download-by-hand lines fetch those same files.

use std::path::Path;
use std::process::Command;

use crate::common::checkout_file;

const TARGETS: [&str; 6] = [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

#[test]
fn every_release_target_has_the_archive_cargo_binstall_asks_for() {
    let workflow = checkout_file(".github/workflows/release.yml");
    let built: Vec<&str> = workflow.lines().filter_map(|l| l.trim().strip_prefix("- target: ")).collect();
    assert_eq!(built, TARGETS, "the workflow builds these targets");

    let version = env!("CARGO_PKG_VERSION");
    let repo = env!("CARGO_PKG_REPOSITORY");
    for target in TARGETS {
        let archive = archive(target);
        let got = binstall(target);
        assert_eq!(got.url, format!("{repo}/releases/download/v{version}/{archive}"), "{target}");
        let format = if target.contains("windows") { "zip" } else { "tgz" };
        assert_eq!(got.format, format, "{target}");
        let exe = if target.contains("windows") { "cometcat.exe" } else { "cometcat" };
        assert_eq!(got.bin_dir, format!("cometcat-{target}-v{version}/{exe}"), "{target}");
    }
}

#[test]
fn the_readme_downloads_the_archive_and_checksum_the_release_has() {
    let readme = checkout_file("README.md");
    let fetched: Vec<&str> = readme.lines().filter_map(|l| l.strip_prefix("curl -fLO ")).collect();
    for target in TARGETS.iter().filter(|t| !t.contains("windows")) {
        assert!(readme.contains(&format!("`{target}`")), "the README names the target {target}");
        let urls: Vec<String> =
            fetched.iter().map(|u| u.replace("$v", env!("CARGO_PKG_VERSION")).replace("$t", target)).collect();
        let url = binstall(target).url;
        assert_eq!(urls, [url.clone(), format!("{url}.sha256")], "{target}");
    }
    let windows = archive("x86_64-pc-windows-msvc").replace(env!("CARGO_PKG_VERSION"), "VERSION");
    assert!(readme.contains(&format!("`{windows}`")), "the README names {windows}");
}

#[test]
fn the_packaged_archive_checks_and_its_binary_runs() {
    let Some(target) = host_target() else {
        eprintln!("skipped: .ci/package is run here on Linux and macOS only");
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let package = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/package"))
        .args([target, env!("CARGO_PKG_VERSION"), env!("CARGO_BIN_EXE_cometcat")])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(package.status.success(), "{}", String::from_utf8_lossy(&package.stderr));
    let written = String::from_utf8(package.stdout).unwrap();
    assert_eq!(written.trim_end(), out.path().join(archive(target)).to_str().unwrap());

    // The checksum file checks, in the folder the two files are downloaded to.
    let (tool, args) = if cfg!(target_os = "macos") { ("shasum", &["-a", "256"][..]) } else { ("sha256sum", &[][..]) };
    let check = Command::new(tool)
        .args(args)
        .args(["--check", "--strict", &format!("{}.sha256", archive(target))])
        .current_dir(out.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    // The archive holds one folder: the binary, the README and the change log.
    let list = Command::new("tar").args(["-tzf", &archive(target)]).current_dir(out.path()).output().unwrap();
    let mut entries: Vec<String> = String::from_utf8(list.stdout).unwrap().lines().map(str::to_owned).collect();
    entries.sort();
    let folder = format!("cometcat-{target}-v{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        entries,
        [
            format!("{folder}/"),
            format!("{folder}/CHANGELOG.md"),
            format!("{folder}/README.md"),
            format!("{folder}/cometcat")
        ]
    );

    // Where binstall takes the binary from, a binary that runs.
    let unpacked = out.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let untar = Command::new("tar")
        .args(["-xzf", out.path().join(archive(target)).to_str().unwrap()])
        .current_dir(&unpacked)
        .status()
        .unwrap();
    assert!(untar.success());
    let run = Command::new(unpacked.join(binstall(target).bin_dir)).arg("--version").env_clear().output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), format!("cometcat {}\n", env!("CARGO_PKG_VERSION")));
}

/// The archive `.ci/package` writes for `target`.
fn archive(target: &str) -> String {
    let suffix = if target.contains("windows") { "zip" } else { "tar.gz" };
    format!("cometcat-{target}-v{}.{suffix}", env!("CARGO_PKG_VERSION"))
}

/// What cargo binstall makes of Cargo.toml's metadata for one target.
struct Resolved {
    url: String,
    bin_dir: String,
    format: String,
}

/// `[package.metadata.binstall]` with the target's override applied and its templates filled
/// in, as cargo binstall does (`{ name }`, `{ version }`, `{ repo }`, `{ target }`, `{ bin }`,
/// `{ binary-ext }`).
fn binstall(target: &str) -> Resolved {
    let manifest: toml::Table = toml::from_str(&checkout_file("Cargo.toml")).unwrap();
    let meta = &manifest["package"]["metadata"]["binstall"];
    let key = |k: &str| -> String {
        let value = meta.get("overrides").and_then(|o| o.get(target)).and_then(|o| o.get(k)).or_else(|| meta.get(k));
        value.and_then(|v| v.as_str()).unwrap_or_else(|| panic!("binstall metadata has no {k} for {target}")).to_owned()
    };
    let fill = |template: &str| -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').expect("a closed placeholder") + open;
            out.push_str(&match rest[open + 1..close].trim() {
                "name" | "bin" => "cometcat".to_owned(),
                "version" => env!("CARGO_PKG_VERSION").to_owned(),
                "repo" => env!("CARGO_PKG_REPOSITORY").to_owned(),
                "target" => target.to_owned(),
                "binary-ext" => if target.contains("windows") { ".exe" } else { "" }.to_owned(),
                other => panic!("a placeholder this test does not know: {other}"),
            });
            rest = &rest[close + 1..];
        }
        out + rest
    };
    Resolved { url: fill(&key("pkg-url")), bin_dir: fill(&key("bin-dir")), format: key("pkg-fmt") }
}

/// The release target this machine runs, when `.ci/package` can archive it here.
fn host_target() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("x86_64-unknown-linux-gnu"),
        ("linux", "aarch64") => Some("aarch64-unknown-linux-gnu"),
        ("macos", "aarch64") => Some("aarch64-apple-darwin"),
        ("macos", "x86_64") => Some("x86_64-apple-darwin"),
        _ => None,
    }
}
