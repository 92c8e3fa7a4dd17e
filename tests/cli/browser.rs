//! The explorer in a real browser: headless Chromium driven over WebDriver
//! (chromedriver), through the few W3C WebDriver calls it needs, written here
//! on reqwest. Filters through the form, sorting by a column, the history
//! chart's points, instant filtering, the console, and the hostile catalog;
//! the pages at a laptop's and a phone's width; ticking models to compare.
//! Screenshots go to `target/screenshots/`, or to the folder
//! `COMETCAT_SCREENSHOTS` names.
//!
//! Chromium and chromedriver come from Debian's `chromium` and
//! `chromium-driver` packages (`.ci/run` installs them). Without them the test
//! says so and passes, except under CI, where it fails.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::Env;
use crate::serve::Server;

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Option<Driver> {
        let mut child =
            Command::new("chromedriver").arg("--port=0").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().ok()?;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = loop {
            let line = lines.next()?.ok()?;
            if let Some(p) = line.split("started successfully on port ").nth(1) {
                break p.trim().trim_end_matches('.').parse::<u16>().ok()?;
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Some(Driver { child, url: format!("http://127.0.0.1:{port}") })
    }

    /// The driver, or `None` (the test says it skipped) where there is no
    /// chromedriver; under CI a missing one fails the test.
    fn start_or_skip() -> Option<Driver> {
        let driver = Driver::start();
        if driver.is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have chromium and chromium-driver (.ci/run installs them)"
            );
            eprintln!("skipped: no chromedriver here (apt-get install chromium chromium-driver)");
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session.
struct Browser {
    http: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    async fn open(driver: &Driver) -> Browser {
        Browser::open_with(driver, &[]).await
    }

    /// A session whose browser also gets `flags` (`--blink-settings=scriptEnabled=false`, say).
    async fn open_with(driver: &Driver, flags: &[&str]) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1400,1000",
        ]
        .iter()
        .chain(flags)
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": chromium(), "args": args}
        }}});
        let res: Value =
            http.post(format!("{}/session", driver.url)).json(&caps).send().await.unwrap().json().await.unwrap();
        let session = res["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {res}")).to_owned();
        Browser { http, session: format!("{}/session/{session}", driver.url), _profile: profile }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap().json::<Value>().await.unwrap()["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    /// Sets the window to `width` × `height` CSS pixels.
    async fn resize(&self, width: u32, height: u32) {
        self.call(reqwest::Method::POST, "/window/rect", Some(json!({"width": width, "height": height}))).await;
        let inner = self.run("return window.innerWidth").await;
        assert_eq!(inner, json!(width), "the window is {width} px wide");
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap().to_owned()
    }

    async fn find_all(&self, css: &str) -> Vec<String> {
        let found =
            self.call(reqwest::Method::POST, "/elements", Some(json!({"using": "css selector", "value": css}))).await;
        found
            .as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    async fn click(&self, css: &str) {
        let element = self.find_all(css).await.into_iter().next().unwrap_or_else(|| panic!("nothing matches {css}"));
        self.call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find_all(css).await.into_iter().next().unwrap_or_else(|| panic!("nothing matches {css}"));
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({"text": text}))).await;
    }

    async fn run(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": []}))).await
    }

    /// Waits until the page's URL contains `part`.
    async fn wait_for_url(&self, part: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.url().await.contains(part) {
            assert!(Instant::now() < deadline, "the page never went to ...{part}... (at {})", self.url().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.run("return document.readyState").await;
    }

    /// Waits until the script `condition` (an expression) is true.
    async fn wait_until(&self, condition: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.run(&format!("return Boolean({condition})")).await != json!(true) {
            assert!(Instant::now() < deadline, "never true: {condition}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The browser's console since the last call: `[{level, message, source}]`.
    async fn console(&self) -> Vec<Value> {
        let log = self.call(reqwest::Method::POST, "/se/log", Some(json!({"type": "browser"}))).await;
        log.as_array().cloned().unwrap_or_default()
    }

    async fn screenshot(&self, name: &str) {
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let dir = std::env::var_os("COMETCAT_SCREENSHOTS")
            .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots"), PathBuf::from);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), base64(png.as_str().unwrap())).unwrap();
    }

    /// Whether an alert (a script's `alert()`) is open.
    async fn alert_open(&self) -> bool {
        let res = self.http.get(format!("{}/alert/text", self.session)).send().await.unwrap();
        res.status().is_success()
    }

    async fn close(self) {
        self.http.delete(&self.session).send().await.unwrap();
    }
}

fn chromium() -> String {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("chromium")
        .to_owned()
}

/// Standard base64, for the screenshots.
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text.bytes().filter(|c| !matches!(c, b'=' | b'\n' | b'\r')).map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
        out.extend(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

fn ids(run: &crate::common::Run) -> Vec<String> {
    let models: Value = serde_json::from_str(&run.stdout).unwrap();
    models.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
}

/// Errors the browser logged (scripts, CSP refusals, failed loads).
fn severe(log: &[Value]) -> Vec<&Value> {
    log.iter().filter(|e| e["level"] == "SEVERE").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_works_in_a_real_browser() {
    let Some(driver) = Driver::start_or_skip() else { return };
    let env = Env::new();
    env.import("catalog-v1-dated.json").import("catalog-v2.json").import("catalog-v3.json");
    let server = Server::start(&env);
    let browser = Browser::open(&driver).await;

    // The catalog; a filter set through the form's own checkbox (the page submits itself).
    browser.goto(&server.url).await;
    browser.screenshot("catalog").await;
    browser.click(r#"input[name="provider"][value="openai"]"#).await;
    browser.wait_for_url("provider=openai").await;
    let rows = browser.find_all("table.models tbody tr").await.len();
    let cli = ids(&env.run(&["models", "--provider", "openai", "--format", "json"]));
    assert_eq!(rows, cli.len(), "the page lists what `models --provider openai` lists");

    // Sorted by a column's header.
    browser.click(r#"th a[data-sort="input-price"]"#).await;
    browser.wait_for_url("sort=input-price").await;
    let first = browser.run("return document.querySelector('table.models tbody tr td a').textContent").await;
    let cli = ids(&env.run(&["models", "--provider", "openai", "--sort", "input-price", "--format", "json"]));
    assert_eq!(first.as_str(), Some(cli[0].as_str()), "cheapest input first");
    browser.screenshot("catalog-openai-by-input-price").await;

    // Instant filtering of the rows shown, as one types.
    browser.type_into("#quick", "mini").await;
    let shown = browser
        .run("return [...document.querySelectorAll('table.models tbody tr')].filter(r => !r.hidden).length")
        .await;
    assert_eq!(shown.as_u64().unwrap() as usize, cli.iter().filter(|id| id.contains("mini")).count());

    // A column the catalog has no sort key for (type) sorts the rows on screen.
    browser.click(r#"th[data-col="8"]"#).await;
    let sorted = browser
        .run(
            "const t = [...document.querySelectorAll('table.models tbody tr')].map(r => r.cells[8].textContent); \
              return t.length > 1 && t.every((v, i) => i === 0 || t[i - 1].localeCompare(v) <= 0)",
        )
        .await;
    assert_eq!(sorted, json!(true), "rows sorted by type");

    // A model's page: one chart point per price change.
    browser.goto(&server.at("models/gpt-5")).await;
    let history: Value =
        serde_json::from_str(&env.run(&["history", "gpt-5", "--format", "json"]).success().stdout).unwrap();
    let changes = history.as_array().unwrap().len();
    assert!(changes >= 2, "gpt-5's price changed in the fixtures: {history}");
    let points = browser.find_all(r#"circle.point[data-series="input"]"#).await.len();
    assert_eq!(points, changes, "one point per price change");
    browser.screenshot("model-gpt-5").await;

    for page in ["map", "cost?input-tokens=1200&output-tokens=350&requests=1000", "changes"] {
        browser.goto(&server.at(page)).await;
        browser.screenshot(page.split('?').next().unwrap()).await;
    }
    let log = browser.console().await;
    assert!(severe(&log).is_empty(), "the browser logged errors: {log:#?}");

    // The hostile catalog: no script of its own runs anywhere.
    let hostile = Env::new();
    hostile.import("hostile.json");
    let server = Server::start(&hostile);
    browser.goto(&server.url).await;
    let hrefs = browser
        .run("return [...document.querySelectorAll('table.models tbody a')].map(a => a.getAttribute('href'))")
        .await;
    for href in hrefs.as_array().unwrap() {
        let href = href.as_str().unwrap();
        assert!(href.starts_with("/models/") || href.starts_with("/model?id="), "{href}");
        browser.goto(&server.at(href.trim_start_matches('/'))).await;
        assert!(!browser.alert_open().await, "a script ran on {href}");
        let scripts = browser.run("return document.scripts.length").await;
        assert_eq!(scripts, json!(1), "{href}");
    }
    // Every hostile model ticked and compared: each id reaches the server as it is.
    browser.goto(&server.url).await;
    let ticks = browser.find_all(r#"input[form="compare"]"#).await;
    for tick in &ticks {
        browser.call(reqwest::Method::POST, &format!("/element/{tick}/click"), Some(json!({}))).await;
    }
    browser.click("#compare button").await;
    browser.wait_for_url("/compare?").await;
    let columns = browser.find_all("table.compare thead th a:not(.remove)").await.len();
    assert_eq!(columns, ticks.len(), "every ticked model is compared");
    assert!(!browser.alert_open().await);
    browser.screenshot("hostile-compare").await;
    browser.goto(&server.at("map")).await;
    browser.screenshot("hostile").await;
    assert!(!browser.alert_open().await);
    let log = browser.console().await;
    assert!(severe(&log).is_empty(), "the hostile pages logged errors (a blocked script?): {log:#?}");
    browser.close().await;
}

/// Whether the page scrolls sideways: `[scrollWidth, clientWidth]` of the
/// document, then of each `.scroll` box that holds a table.
const WIDTHS: &str = "const d = document.documentElement; \
    return [[d.scrollWidth, d.clientWidth]].concat([...document.querySelectorAll('.scroll')].map(s => [s.scrollWidth, s.clientWidth]))";

/// Where the element `css` is on screen, if it is shown: `{left, right, top, bottom}`.
async fn place(browser: &Browser, css: &str) -> Value {
    browser
        .run(&format!(
            "const e = document.querySelector({css:?}); if (!e || !e.checkVisibility()) return null; \
             const r = e.getBoundingClientRect(); return {{left: r.left, right: r.right, top: r.top, bottom: r.bottom}}"
        ))
        .await
}

/// The explorer on a laptop (1280 px) and a phone (390 px): nothing scrolls
/// sideways at 1280, the phone sees the model and its prices with the
/// filters folded above them, the cost page ranks on arrival, and the price
/// map's other providers are grey. Screenshots of every page at both widths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_fits_a_laptop_and_a_phone() {
    let Some(driver) = Driver::start_or_skip() else { return };
    let env = Env::new();
    env.import("catalog-v1-dated.json").import("catalog-v2.json").import("catalog-v3.json");
    let server = Server::start(&env);
    let browser = Browser::open(&driver).await;
    let compare = "compare?id=gpt-5&id=claude-haiku-4-5&id=gemini-2.5-flash&id=veo3-fast\
                   &id=black-forest-labs/flux-kontext-pro&id=deepseek-v3.2&id=gpt-5-mini&id=bge-m3";
    let pages = [("catalog", ""), ("model", "models/gpt-5"), ("compare", compare), ("cost", "cost"), ("map", "map")];

    // A laptop: no page scrolls sideways, and the catalog's table fits whole (features wrap as chips).
    browser.resize(1280, 900).await;
    for (name, path) in pages {
        browser.goto(&server.at(path)).await;
        let widths = browser.run(WIDTHS).await;
        let [page, boxes @ ..] = widths.as_array().unwrap().as_slice() else { panic!("{widths}") };
        assert!(page[0].as_u64() <= page[1].as_u64(), "/{path} scrolls sideways at 1280 px: {widths}");
        if matches!(name, "catalog" | "compare") {
            assert!(
                boxes.iter().all(|b| b[0].as_u64() <= b[1].as_u64()),
                "/{path}: a table scrolls at 1280 px: {widths}"
            );
        }
        browser.screenshot(&format!("{name}-1280")).await;
    }

    // A phone: the page never scrolls sideways; the model, input and output prices are on
    // screen; the filters are folded above the table, and open when asked.
    browser.resize(390, 844).await;
    for (name, path) in pages {
        browser.goto(&server.at(path)).await;
        let widths = browser.run(WIDTHS).await;
        assert!(widths[0][0].as_u64() <= widths[0][1].as_u64(), "/{path} scrolls sideways at 390 px: {widths}");
        browser.screenshot(&format!("{name}-390")).await;
    }
    browser.goto(&server.url).await;
    for column in ["a[data-sort=id]", "a[data-sort=input-price]", "a[data-sort=output-price]"] {
        let at = place(&browser, &format!("table.models th {column}")).await;
        assert!(!at.is_null(), "{column} is shown at 390 px");
        assert!(at["left"].as_f64() >= Some(0.0) && at["right"].as_f64() <= Some(390.0), "{column} at 390 px: {at}");
    }
    let cells = place(&browser, "table.models tbody tr td.num:nth-child(4)").await;
    assert!(cells["right"].as_f64() <= Some(390.0), "the first row's output price is on screen: {cells}");
    browser.wait_until("!document.querySelector('details.filters').open").await;
    let (filters, table) = (place(&browser, "details.filters").await, place(&browser, "table.models").await);
    assert!(filters["bottom"].as_f64() <= table["top"].as_f64(), "the filters are above the table: {filters} {table}");
    assert!(place(&browser, "input[name=provider]").await.is_null(), "folded away");
    browser.click("details.filters > summary").await;
    assert!(!place(&browser, "input[name=provider]").await.is_null(), "open when asked");
    browser.screenshot("catalog-390-filters").await;

    // The cost page ranks a default workload on arrival, as `rank` does, and says which.
    browser.resize(1280, 900).await;
    browser.goto(&server.at("cost")).await;
    let shown = browser
        .run("return [...document.querySelectorAll('table.ranked tbody tr td.id a')].map(a => a.textContent)")
        .await;
    let rank =
        ids(&env.run(&["rank", "--input-tokens", "1000", "--output-tokens", "200", "--top", "50", "--format", "json"]));
    assert!(!rank.is_empty());
    assert_eq!(shown, json!(rank), "the default workload's ranking, as `rank` gives it");
    let said = browser.run("return document.querySelector('main').textContent").await;
    assert!(said.as_str().unwrap().contains("one call of 1,000 input and 200 output tokens"), "{said}");
    assert_eq!(browser.run("return document.querySelector('input[name=input-tokens]').value").await, json!("1000"));

    // The price map's other providers are grey (the three channels alike), under the colours.
    browser.goto(&server.at("map")).await;
    let fills = browser
        .run(
            "return [...document.querySelectorAll('svg.chart circle.other, ul.legend circle.other')] \
             .map(c => getComputedStyle(c).fill)",
        )
        .await;
    let fills = fills.as_array().unwrap();
    assert!(fills.len() > 1, "the catalog has other providers: {fills:?}");
    for fill in fills {
        let rgb: Vec<i64> = fill
            .as_str()
            .unwrap()
            .trim_start_matches("rgb(")
            .trim_end_matches(')')
            .split(',')
            .map(|c| c.trim().parse().unwrap())
            .collect();
        let spread = rgb.iter().max().unwrap() - rgb.iter().min().unwrap();
        assert!(spread <= 16, "grey, not a colour: {fill}");
    }
    let first = browser.run("return document.querySelector('svg.chart circle').getAttribute('class')").await;
    assert_eq!(first, json!("dot other"), "drawn first, under the named providers");
    let log = browser.console().await;
    assert!(severe(&log).is_empty(), "the browser logged errors: {log:#?}");
    browser.close().await;
}

/// Ticking models in the catalog and pressing Compare, with the script and
/// without it: the page `/compare?id=...` shows them side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_ticked_in_the_catalog_are_compared() {
    let Some(driver) = Driver::start_or_skip() else { return };
    let env = Env::new();
    env.import("catalog-v3.json");
    let server = Server::start(&env);
    for script in [true, false] {
        let flags: &[&str] = if script { &[] } else { &["--blink-settings=scriptEnabled=false"] };
        let browser = Browser::open_with(&driver, flags).await;
        browser.goto(&server.at("?type=text")).await;
        let disabled = "return document.querySelector('#compare button').disabled";
        // The script holds the button until two models are ticked; without it the server says so.
        if script {
            browser.wait_until("document.getElementById('ticked').textContent.startsWith('tick 2')").await;
        }
        assert_eq!(browser.run(disabled).await, json!(script));
        browser.click(r#"input[name="id"][value="gpt-5"]"#).await;
        assert_eq!(browser.run(disabled).await, json!(script));
        browser.click(r#"input[name="id"][value="claude-haiku-4-5-20251001"]"#).await;
        assert_eq!(browser.run(disabled).await, json!(false));
        browser.click("#compare button").await;
        browser.wait_for_url("/compare?").await;
        assert!(
            browser.url().await.ends_with("/compare?id=claude-haiku-4-5-20251001&id=gpt-5"),
            "{}",
            browser.url().await
        );
        let columns =
            browser.run("return [...document.querySelectorAll('table.compare thead th a:not(.remove)')].map(a => a.textContent)").await;
        assert_eq!(columns, json!(["claude-haiku-4-5-20251001", "gpt-5"]), "script: {script}");
        if script {
            browser.screenshot("compare-ticked").await;
        }
        browser.close().await;
    }
}
