//! The `shouhu` binary's own output commands, run as a user runs them.

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

#[test]
fn every_request_gets_an_access_log_line_naming_its_request_id() {
    use std::{
        io::{Read, Write},
        sync::mpsc,
        time::Duration,
    };
    let dir = std::env::temp_dir().join(format!("shouhu-access-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shouhu"))
        .arg("serve")
        .current_dir(&dir)
        .env("SHOUHU_CONFIG", "/nonexistent/shouhu.toml")
        .env("SHOUHU_BIND", "127.0.0.1:0")
        .env("SHOUHU_DATABASE_URL", "sqlite://access.db?mode=rwc")
        .env("SHOUHU_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, logged) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let next_line = || logged.recv_timeout(Duration::from_secs(60)).unwrap();
    let port = loop {
        let line = next_line();
        if line.contains("serving GraphQL") {
            let log: serde_json::Value = serde_json::from_str(&line).unwrap();
            break log["port"].as_u64().unwrap();
        }
    };

    let body = r#"{"query":"query Hello { __typename }"}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port as u16)).unwrap();
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let request_id = response
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .unwrap()
        .trim()
        .to_owned();
    let access = loop {
        let line = next_line();
        if line.contains("shouhu::access") && line.contains(&request_id) {
            break serde_json::from_str::<serde_json::Value>(&line).unwrap();
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(access["status"], 200);
    assert_eq!(access["operation"], "Hello");
    assert_eq!(access["path"], "/graphql");
    assert!(access["duration_ms"].as_f64().is_some(), "{access}");
}
