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
