//! The Python wheel installs a `cometcat` that runs, as `pipx install cometcat` and
//! `uvx cometcat` will: maturin builds the wheel from this checkout (pyproject.toml, `bin`
//! bindings), pip installs it into a fresh venv from the file alone, and the venv's `cometcat`
//! answers `--version` with Cargo's version; the wheel's metadata is Cargo.toml's.
//!
//! maturin comes from `.ci/venv`, pinned by `.ci/run` to the version the release workflow
//! uses; without it the test skips with a note, except under `CI=true`, where it fails.
//!
//! `cargo test` has released `target/debug` by the time tests run, but the other tests run
//! `target/debug/cometcat` while this one builds, so the wheel's cargo build has a target
//! directory of its own, `target/tmp/wheel`: no lock to wait for, no binary replaced under a
//! running test. It builds the dev profile without debug info (about 2 minutes of CPU on a
//! fresh clone; a rebuild with nothing changed takes seconds), not the release profile that
//! the release workflow ships.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{checkout_file, venv_python};

#[test]
fn the_wheel_installs_a_cometcat_that_runs() {
    let Some(python) = venv_python("maturin") else { return };
    let maturin = python.with_file_name("maturin");
    let version = env!("CARGO_PKG_VERSION");
    let out = tempfile::tempdir().unwrap();

    let build = Command::new(&maturin)
        .args(["build", "--locked", "--quiet", "--out"])
        .arg(out.path())
        .arg("--target-dir")
        .arg(Path::new(env!("CARGO_TARGET_TMPDIR")).join("wheel"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .unwrap();
    check(&build, "maturin build");
    let wheels: Vec<PathBuf> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    let [wheel] = wheels.as_slice() else { panic!("one wheel is built: {wheels:?}") };
    let file = wheel.file_name().unwrap().to_str().unwrap();
    // No Python code inside: one wheel serves every Python 3 on the platform.
    assert!(file.starts_with(&format!("cometcat-{version}-py3-none-")), "{file}");

    // A fresh venv, as pipx and uv make one, and the wheel installed from the file alone.
    let venv = out.path().join("venv");
    check(&Command::new(&python).args(["-m", "venv", "--without-pip"]).arg(&venv).output().unwrap(), "python -m venv");
    let install = Command::new(&python)
        .args(["-m", "pip", "--python"])
        .arg(venv.join("bin/python"))
        .args(["install", "--no-index", "--no-deps", "--disable-pip-version-check", "--quiet"])
        .arg(wheel)
        .output()
        .unwrap();
    check(&install, "pip install");

    // The `cometcat` that the venv puts on PATH is the binary, not a Python launcher.
    let home = tempfile::tempdir().unwrap();
    let run = Command::new(venv.join("bin/cometcat"))
        .arg("--version")
        .env_clear()
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    check(&run, "the venv's cometcat --version");
    assert_eq!(String::from_utf8_lossy(&run.stdout), format!("cometcat {version}\n"));

    // What PyPI will show says what Cargo.toml says (pyproject.toml takes most of it from there).
    let metadata = std::fs::read_dir(venv.join("lib"))
        .unwrap()
        .map(|e| e.unwrap().path().join(format!("site-packages/cometcat-{version}.dist-info/METADATA")))
        .find(|p| p.exists())
        .expect("the installed wheel's METADATA");
    let metadata = std::fs::read_to_string(metadata).unwrap();
    let headers: Vec<&str> = metadata.lines().take_while(|l| !l.is_empty()).collect();
    let manifest: toml::Table = toml::from_str(&checkout_file("Cargo.toml")).unwrap();
    let keywords: Vec<&str> =
        manifest["package"]["keywords"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    for want in [
        "Name: cometcat".to_owned(),
        format!("Version: {version}"),
        format!("Summary: {}", env!("CARGO_PKG_DESCRIPTION")),
        format!("Keywords: {}", keywords.join(",")),
        format!("License-Expression: {}", env!("CARGO_PKG_LICENSE")),
        format!("Project-URL: Source Code, {}", env!("CARGO_PKG_REPOSITORY")),
        "Requires-Python: >=3.8".to_owned(),
        "Description-Content-Type: text/markdown; charset=UTF-8; variant=GFM".to_owned(),
    ] {
        assert!(headers.contains(&want.as_str()), "METADATA lacks {want:?}:\n{}", headers.join("\n"));
    }
    assert!(metadata.contains("\n# cometcat\n"), "the README is the project's description on PyPI");
}

#[test]
fn the_tests_build_the_wheel_with_the_maturin_that_releases_it() {
    let workflow = checkout_file(".github/workflows/release.yml");
    let released = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("MATURIN_VERSION: v"))
        .expect("the release workflow pins maturin");
    assert!(
        checkout_file(".ci/run").contains(&format!("\"maturin=={released}\"")),
        ".ci/run installs maturin {released}"
    );
}

#[track_caller]
fn check(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({})\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
