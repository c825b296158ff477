//! The web pages in a real browser: `tests/web/browser.mjs` drives Debian's Chromium through
//! playwright-core against the real `baton serve`.
//!
//! The browser, Node and `tests/web/node_modules` are not part of a Rust checkout. Where one is
//! missing the test says so loudly on stderr and passes, unless `BATON_REQUIRE_BROWSER=1` (set by
//! `.ci/run`), where it fails. `BATON_SCREENSHOTS_DIR` keeps the screenshots there (for the
//! README) instead of in a temporary directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::server::Server;

const CHROMIUM: &str = "/usr/bin/chromium";
/// The scenario stops itself after 180 s; this is the backstop if Node itself hangs.
const NODE_TIMEOUT: Duration = Duration::from_secs(240);

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/web")
}

/// What the browser tests need and this machine lacks, one phrase each.
fn missing_prerequisites(web_dir: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let node = std::process::Command::new("node").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !node.is_ok_and(|status| status.success()) {
        missing.push("`node` on the PATH".to_string());
    }
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!("{CHROMIUM} (apt-get install chromium)"));
    }
    if !web_dir.join("node_modules/playwright-core/package.json").exists() {
        missing.push("tests/web/node_modules/playwright-core (npm ci --prefix tests/web)".to_string());
    }
    missing
}

#[tokio::test]
async fn pages_work_in_a_real_browser() {
    let web_dir = web_dir();
    let missing = missing_prerequisites(&web_dir);
    if !missing.is_empty() {
        let what = missing.join(", ");
        if std::env::var("BATON_REQUIRE_BROWSER").is_ok_and(|value| value == "1") {
            panic!("BATON_REQUIRE_BROWSER=1 but the browser tests cannot run; missing: {what}");
        }
        // Straight to the process's stderr: the test harness captures `eprintln!` of a passing
        // test, and this must be seen.
        let bar = "!".repeat(80);
        let _ = writeln!(
            std::io::stderr().lock(),
            "\n{bar}\n!!! SKIPPED: browser tests need {what}\n!!! (BATON_REQUIRE_BROWSER=1 makes this a failure)\n{bar}\n"
        );
        return;
    }

    let temp_shots = tempfile::tempdir().unwrap();
    let shots = match std::env::var_os("BATON_SCREENSHOTS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => temp_shots.path().to_path_buf(),
    };
    std::fs::create_dir_all(&shots).unwrap_or_else(|error| panic!("cannot create {}: {error}", shots.display()));

    let data_dir = tempfile::tempdir().unwrap();
    let server = Server::start(data_dir.path()).await;
    // A second server on a demo workspace, for the insights pages (an isolated @quinn).
    let demo_dir = tempfile::tempdir().unwrap();
    let demo = crate::server::baton()
        .args(["demo", "--members", "20", "--days", "42", "--seed", "1", "--data-dir"])
        .arg(demo_dir.path())
        .output()
        .expect("baton demo can be run");
    assert!(demo.status.success(), "baton demo failed: {}", String::from_utf8_lossy(&demo.stderr));
    let demo_server = Server::start(demo_dir.path()).await;
    // A third on a real Slack export as a lead imports it (a history that ended in 2018), with the
    // owner login the import tells them to make.
    let imported_dir = tempfile::tempdir().unwrap();
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/slack/zulip-test_slack_importer.zip");
    for args in [
        vec!["import", "slack", export.to_str().unwrap(), "--data-dir", imported_dir.path().to_str().unwrap()],
        vec!["admin", "--data-dir", imported_dir.path().to_str().unwrap(), "create-user", "--role", "owner"],
    ] {
        let mut args = args;
        if args[0] == "admin" {
            args.extend(["--handle", "lead", "--email", "lead@example.com", "--password", "lead-password-123"]);
        }
        let output = crate::server::baton().args(&args).output().expect("baton runs");
        assert!(output.status.success(), "baton {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let imported_server = Server::start(imported_dir.path()).await;

    let started = Instant::now();
    let mut node = tokio::process::Command::new("node");
    node.arg(web_dir.join("browser.mjs"))
        .current_dir(&web_dir)
        .env("BATON_URL", &server.base)
        .env("BATON_SETUP_TOKEN", server.setup_token().expect("a fresh server writes a setup token"))
        .env("BATON_DEMO_URL", &demo_server.base)
        .env("BATON_IMPORTED_URL", &imported_server.base)
        .env("BATON_SHOTS", &shots)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = match tokio::time::timeout(NODE_TIMEOUT, node.output()).await {
        Ok(output) => output.expect("node can be started"),
        Err(_) => {
            panic!("node tests/web/browser.mjs did not finish in {NODE_TIMEOUT:?}; server stderr:\n{}", server.stderr())
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("--- node tests/web/browser.mjs ({:.1} s, {}):", started.elapsed().as_secs_f64(), output.status);
    print!("{stdout}");
    if !stderr.trim().is_empty() {
        println!("--- its stderr:\n{stderr}");
    }

    if !output.status.success() {
        // Keep the screenshots, the failure one included, for whoever reads this.
        let kept = if shots == temp_shots.path() { temp_shots.keep() } else { shots };
        let failed_line = stdout.lines().find(|line| line.starts_with("FAILED")).unwrap_or("(no FAILED line)");
        panic!(
            "the browser scenario failed ({}): {failed_line}\nscreenshots kept in {}\nserver stderr:\n{}",
            output.status,
            kept.display(),
            server.stderr()
        );
    }
}
