//! The `shouhu` binary's own output commands, run as a user runs them.
#![allow(
    clippy::unwrap_used,
    reason = "the helpers below are steps of tests: a failed step fails its test"
)]

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

#[test]
fn printing_the_schema_into_a_reader_that_stops_early_is_no_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shouhu"))
        .arg("schema")
        .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is gone (as `| head -1` goes) while the schema is still being written.
    let output = child.wait_with_output().unwrap();

    assert!(!first.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
}

#[test]
fn kubernetes_service_variables_are_warned_about_never_fatal() {
    // A Service named `shouhu` gives every pod of its namespace these.
    let output = Command::new(env!("CARGO_BIN_EXE_shouhu"))
        .arg("schema")
        .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
        .env("SHOUHU_PORT", "tcp://10.96.0.12:80")
        .env("SHOUHU_PORT_80_TCP", "tcp://10.96.0.12:80")
        .env("SHOUHU_PORT_80_TCP_ADDR", "10.96.0.12")
        .env("SHOUHU_SERVICE_HOST", "10.96.0.12")
        .env("SHOUHU_SERVICE_PORT", "80")
        .env("SHOUHU_NEW_PASSWORD", "not a setting, and no warning")
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("ignoring SHOUHU_PORT: it names no setting"),
        "{stderr}"
    );
    assert!(stderr.contains("ignoring SHOUHU_SERVICE_HOST"), "{stderr}");
    assert!(!stderr.contains("SHOUHU_NEW_PASSWORD"), "{stderr}");
}

#[test]
fn production_refuses_to_start_with_a_published_secret_or_without_audit_keys() {
    let dir = std::env::temp_dir().join(format!("shouhu-production-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shouhu"))
        .arg("serve")
        .current_dir(&dir)
        .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
        .env("SHOUHU_ENV", "production")
        .env("SHOUHU_BIND", "127.0.0.1:0")
        .env("SHOUHU_DATABASE_URL", "sqlite://production.db?mode=rwc")
        // The example of deploy/compose.yaml.
        .env(
            "SHOUHU_JWT__SECRET",
            "change-me-change-me-change-me-change-me",
        )
        .env("SHOUHU_GRAPHIQL", "true")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("refusing to start in production"),
        "{stderr}"
    );
    assert!(
        stderr.contains("jwt.secret is published or guessable"),
        "{stderr}"
    );
    assert!(stderr.contains("audit.mac_key"), "{stderr}");
    assert!(stderr.contains("graphiql must be off"), "{stderr}");
    assert!(stderr.contains("metrics_token"), "{stderr}");
}

#[test]
fn documents_check_names_a_document_that_no_longer_validates() {
    let dir = std::env::temp_dir().join(format!("shouhu-documents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stale = "query Stale { me { username shoeSize } }";
    let hash = shouhu::trusted::hash(stale);
    std::fs::write(
        dir.join("kiosk.json"),
        format!(r#"{{"sha256:{hash}": "{stale}"}}"#),
    )
    .unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_shouhu"))
        .args(["documents", "check", "--dir"])
        .arg(&dir)
        .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("kiosk sha256:{hash}")), "{stderr}");
    assert!(stderr.contains("shoeSize"), "{stderr}");
}

/// `shouhu serve` on an empty SQLite database in a folder of its own, logging JSON lines.
struct Served {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    port: u16,
    dir: std::path::PathBuf,
}

impl Served {
    fn start(name: &str, env: &[(&str, &str)]) -> Self {
        Self::start_with(name, &[], env)
    }

    /// `shouhu serve` with `args` after it (`--demo`).
    fn start_with(name: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("shouhu-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_shouhu"))
            .arg("serve")
            .args(args)
            .current_dir(&dir)
            .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
            .env("SHOUHU_BIND", "127.0.0.1:0")
            .env("SHOUHU_DATABASE_URL", "sqlite://served.db?mode=rwc")
            .env("SHOUHU_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (send, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Self {
            child,
            lines,
            port: 0,
            dir,
        };
        served.port = loop {
            let line = served.next_line();
            if line.contains("serving GraphQL") {
                let log: serde_json::Value = serde_json::from_str(&line).unwrap();
                break u16::try_from(log["port"].as_u64().unwrap()).unwrap();
            }
        };
        served
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap()
    }

    /// Sends a GraphQL POST with extra header lines, and answers the response's JSON body.
    fn post_json(&self, body: &serde_json::Value, headers: &str) -> serde_json::Value {
        let response = self.post(&body.to_string(), headers);
        let (_, body) = response.split_once("\r\n\r\n").unwrap();
        serde_json::from_str(body).unwrap()
    }

    /// Sends a GraphQL POST with extra header lines, and answers the raw response.
    fn post(&self, body: &str, headers: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             {headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn every_request_gets_an_access_log_line_naming_its_request_id() {
    let served = Served::start("access-log", &[]);

    let response = served.post(r#"{"query":"query Hello { __typename }"}"#, "");
    let request_id = response
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .unwrap()
        .trim()
        .to_owned();
    let access = loop {
        let line = served.next_line();
        if line.contains("shouhu::access") && line.contains(&request_id) {
            break serde_json::from_str::<serde_json::Value>(&line).unwrap();
        }
    };

    assert_eq!(access["status"], 200);
    assert_eq!(access["operation"], "Hello");
    assert_eq!(access["path"], "/graphql");
    assert!(access["duration_ms"].as_f64().is_some(), "{access}");
}

/// A collector's OTLP/HTTP endpoint on a free port: every request's path and body.
fn collector() -> (u16, std::sync::mpsc::Receiver<(String, Vec<u8>)>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (send, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .unwrap();
            let path = request_line
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            if send.send((path, body)).is_err() {
                break;
            }
        }
    });
    (port, received)
}

/// The bytes of a hex trace id.
fn trace_bytes(trace_id: &str) -> Vec<u8> {
    (0..trace_id.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&trace_id[i..i + 2], 16).unwrap())
        .collect()
}

fn holds(body: &[u8], part: &[u8]) -> bool {
    body.windows(part.len()).any(|w| w == part)
}

/// Serves with an OTLP endpoint (and `proxies` trusted), sends a request carrying a
/// `traceparent` of `trace_id` and `flags`, and answers the exports up to and including the
/// first one holding the request's span, together: a span that ends before the request's (the
/// execution's) may have gone out in an earlier batch on a busy machine.
fn export_of_a_request(proxies: &str, trace_id: &str, flags: &str) -> (String, Vec<u8>) {
    let (port, exported) = collector();
    let endpoint = format!("http://127.0.0.1:{port}");
    let served = Served::start(
        "otlp",
        &[
            ("SHOUHU_OTLP_ENDPOINT", &endpoint),
            ("SHOUHU_TRUSTED_PROXIES", proxies),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    served.post(
        r#"{"query":"query Hello { __typename }"}"#,
        &format!("traceparent: 00-{trace_id}-00f067aa0ba902b7-{flags}\r\n"),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut bodies = Vec::new();
    loop {
        let remaining = deadline.saturating_duration_since(std::time::Instant::now());
        let (path, body) = exported.recv_timeout(remaining).unwrap();
        bodies.extend_from_slice(&body);
        if holds(&body, b"POST /graphql") {
            return (path, bodies);
        }
    }
}

#[test]
fn with_an_otlp_endpoint_a_request_through_a_trusted_proxy_continues_the_callers_trace() {
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";

    let (path, body) = export_of_a_request("127.0.0.1", trace_id, "01");

    assert_eq!(path, "/v1/traces");
    assert!(holds(&body, &trace_bytes(trace_id)), "the caller's trace");
    assert!(holds(&body, b"shouhu"), "the service's name");
    assert!(holds(&body, b"graphql (ad hoc)"), "the execution's span");
    assert!(
        !holds(&body, b"Hello"),
        "neither span nor log line names an ad-hoc operation"
    );
}

#[test]
fn a_traceparent_from_outside_the_trusted_proxies_starts_a_trace_of_our_own() {
    // Unsampled: believed, it would keep the request out of the traces.
    let trace_id = "0af7651916cd43dd8448eb211c80319c";

    let (_, body) = export_of_a_request("10.0.0.0/8", trace_id, "00");

    assert!(!holds(&body, &trace_bytes(trace_id)));
}

#[test]
fn the_ledger_exports_offline_as_an_account_and_is_refused_to_one_without_rows() {
    let dir = std::env::temp_dir().join(format!("shouhu-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shouhu = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_shouhu"))
            .args(args)
            .current_dir(&dir)
            .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
            .env("SHOUHU_DATABASE_URL", "sqlite://export.db?mode=rwc")
            .env("SHOUHU_DEMO_PASSWORD", "demo-password-for-the-export")
            .env("SHOUHU_AUDIT__CHECKPOINT_FILE", "checkpoints.jsonl")
            .output()
            .unwrap()
    };
    let demo = shouhu(&["demo"]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );

    let exported = shouhu(&[
        "export",
        "ledger",
        "--as",
        "demo.civil_affairs_officer",
        "--region",
        "652701",
        "--format",
        "csv",
        "--output",
        "ledger.csv",
    ]);
    let refused = shouhu(&[
        "export",
        "ledger",
        "--as",
        "demo.analyst",
        "--format",
        "xlsx",
        "--output",
        "no.xlsx",
    ]);
    let file = std::fs::read(dir.join("ledger.csv")).unwrap_or_default();
    std::fs::remove_dir_all(&dir).unwrap();

    let stdout = String::from_utf8_lossy(&exported.stdout);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let text = String::from_utf8(file).unwrap();
    assert!(
        text.starts_with("\u{feff}姓名,性别,民族,出生日期,身份证号"),
        "{}",
        &text[..80]
    );
    let rows = text.lines().count() - 1;
    assert!(rows > 100, "{rows}");
    assert!(stdout.contains(&format!("{rows} rows written")), "{stdout}");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("refused"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn a_regions_quarterly_submission_exports_offline_with_how_each_child_changed() {
    const PASSWORD: &str = "demo-password-for-the-submission";
    let mut served = Served::start_with(
        "submission-export",
        &["--demo"],
        &[
            ("SHOUHU_DEMO_PASSWORD", PASSWORD),
            ("SHOUHU_AUDIT__CHECKPOINT_FILE", "checkpoints.jsonl"),
        ],
    );
    let login = served.post_json(
        &serde_json::json!({
            "query": "mutation($p: String!) { login(input: {username: \"demo.child_supervisor\", password: $p}) { accessToken } }",
            "variables": { "p": PASSWORD },
        }),
        "",
    );
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let me = served.post_json(
        &serde_json::json!({ "query": "{ me { jurisdiction { id code } } }" }),
        &bearer,
    );
    let township = me["data"]["me"]["jurisdiction"].clone();
    let submitted = served.post_json(
        &serde_json::json!({
            "query": "mutation($r: ID!) { submitLedger(input: {regionId: $r}) { submission { sequence newRecords } } }",
            "variables": { "r": township["id"] },
        }),
        &bearer,
    );
    let held = submitted["data"]["submitLedger"]["submission"]["newRecords"].as_u64();
    assert!(held.is_some_and(|n| n > 0), "{submitted}");
    let held = held.unwrap();
    // The service stops; its database stays for the offline export.
    served.child.kill().unwrap();
    served.child.wait().unwrap();
    let code = township["code"].as_str().unwrap();
    let shouhu = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_shouhu"))
            .args(args)
            .current_dir(&served.dir)
            .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
            .env("SHOUHU_DATABASE_URL", "sqlite://served.db?mode=rwc")
            .env("SHOUHU_AUDIT__CHECKPOINT_FILE", "checkpoints.jsonl")
            .output()
            .unwrap()
    };
    let export = |sequence: &str, output: &str| {
        shouhu(&[
            "export",
            "ledger",
            "--as",
            "demo.child_supervisor",
            "--region",
            code,
            "--submission",
            sequence,
            "--format",
            "csv",
            "--output",
            output,
        ])
    };

    let exported = export("1", "first.csv");
    let missing = export("2", "second.csv");
    let without_region = shouhu(&[
        "export",
        "ledger",
        "--as",
        "demo.child_supervisor",
        "--submission",
        "1",
        "--output",
        "x.csv",
    ]);
    let file = std::fs::read_to_string(served.dir.join("first.csv")).unwrap_or_default();

    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    assert!(
        file.starts_with("\u{feff}变动类型,姓名,"),
        "{}",
        &file[..40]
    );
    let rows: Vec<&str> = file.lines().skip(1).collect();
    assert_eq!(u64::try_from(rows.len()).unwrap(), held);
    assert!(rows.iter().all(|row| row.starts_with("新增,")), "{rows:?}");
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no submission 2"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    assert!(
        !without_region.status.success(),
        "--submission needs --region"
    );
}

#[test]
fn migrate_down_shows_what_it_drops_and_needs_yes_and_consent_to_drop_data() {
    let dir = std::env::temp_dir().join(format!("shouhu-down-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shouhu = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_shouhu"))
            .args(args)
            .current_dir(&dir)
            .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
            .env("SHOUHU_DATABASE_URL", "sqlite://down.db?mode=rwc")
            .env("SHOUHU_DEMO_PASSWORD", "demo-password-for-the-rollback")
            .env("SHOUHU_AUDIT__CHECKPOINT_FILE", "checkpoints.jsonl")
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (loaded, _, stderr) = shouhu(&["demo"]);
    assert!(loaded, "{stderr}");

    // Shown, not done: every table with its rows, and a refusal without --yes.
    let (shown, listing, stderr) = shouhu(&["migrate", "--down", "100"]);
    // With --yes, refused while anything to drop holds data.
    let (refused, _, refusal) = shouhu(&["migrate", "--down", "100", "--yes"]);
    let (exported, _, _) = shouhu(&[
        "export",
        "ledger",
        "--as",
        "demo.civil_affairs_officer",
        "--format",
        "csv",
        "--output",
        "ledger.csv",
    ]);
    std::fs::remove_dir_all(&dir).unwrap();

    assert!(!shown, "nothing done without --yes");
    assert!(stderr.contains("run again with --yes"), "{stderr}");
    let steps = listing.lines().filter(|l| l.starts_with("  m20")).count();
    assert!(steps > 20, "{listing}");
    assert!(
        listing.starts_with(&format!(
            "rolling back {steps} migrations, newest first, drops:"
        )),
        "{listing}"
    );
    assert!(listing.contains("    table audit_event ("), "{listing}");
    assert!(listing.contains("    table child (336 rows)"), "{listing}");
    assert!(
        listing.contains("    column child.guardians_version (336 values)"),
        "{listing}"
    );
    assert!(!refused);
    assert!(refusal.contains("--force-drop-data"), "{refusal}");
    assert!(exported, "the ledger is still whole");
}

#[test]
fn account_create_takes_the_password_from_the_environment_or_standard_input_only() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("shouhu-account-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shouhu = |username: &str, env: Option<&str>, stdin: Option<&str>, extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shouhu"));
        command
            .args([
                "account",
                "create",
                "--username",
                username,
                "--display-name",
                "管理员",
                "--role",
                "admin",
                "--organization",
                "unit:civil_affairs",
            ])
            .args(extra)
            .current_dir(&dir)
            .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
            .env("SHOUHU_DATABASE_URL", "sqlite://accounts.db?mode=rwc")
            .env("SHOUHU_DEMO_PASSWORD", "demo-password-for-the-accounts")
            .env("SHOUHU_AUDIT__CHECKPOINT_FILE", "checkpoints.jsonl")
            .env("RUST_BACKTRACE", "0")
            .env_remove("SHOUHU_NEW_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(password) = env {
            command.env("SHOUHU_NEW_PASSWORD", password);
        }
        let mut child = command.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(line) = stdin {
            writeln!(input, "{line}").unwrap();
        }
        drop(input);
        let output = child.wait_with_output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let loaded = Command::new(env!("CARGO_BIN_EXE_shouhu"))
        .arg("demo")
        .current_dir(&dir)
        .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
        .env("SHOUHU_DATABASE_URL", "sqlite://accounts.db?mode=rwc")
        .env("SHOUHU_DEMO_PASSWORD", "demo-password-for-the-accounts")
        .env("SHOUHU_AUDIT__CHECKPOINT_FILE", "checkpoints.jsonl")
        .output()
        .unwrap();
    assert!(loaded.status.success());

    let from_env = shouhu("first.admin", Some("a river runs through it"), None, &[]);
    let from_stdin = shouhu(
        "second.admin",
        None,
        Some("autumn leaves in the hills"),
        &[],
    );
    let weak = shouhu("third.admin", Some("third.admin-2026"), None, &[]);
    let none = shouhu("fourth.admin", None, None, &[]);
    let on_the_command_line = shouhu(
        "fifth.admin",
        None,
        None,
        &["--password", "visible in the history"],
    );
    std::fs::remove_dir_all(&dir).unwrap();

    assert!(from_env.0, "{}", from_env.1);
    assert!(
        from_env.1.contains("created account first.admin"),
        "{}",
        from_env.1
    );
    assert!(from_stdin.0, "{}", from_stdin.1);
    assert!(!weak.0);
    assert!(
        weak.1.contains("must not contain the username"),
        "{}",
        weak.1
    );
    assert!(!none.0);
    assert!(none.1.contains("SHOUHU_NEW_PASSWORD"), "{}", none.1);
    assert!(!on_the_command_line.0);
    assert!(
        on_the_command_line.1.contains("--password"),
        "{}",
        on_the_command_line.1
    );
}
