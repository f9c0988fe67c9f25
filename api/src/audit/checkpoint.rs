//! Checkpoints: each sealed batch's head, signed, appended as one JSON line to a file outside
//! the audited database. Whoever can rewrite the database cannot rewrite what the file already
//! holds, so a trail cut short or emptied is caught against the file's last line.
//!
//! Each instance's sealer appends to its file after each batch is committed, and catches the
//! file up with the batches other instances sealed, each checked against the signing key and the
//! previous head before it is written. A file that is new or empty while batches exist starts at
//! the newest one: it never copies history from the database it is there to check.

use std::{
    fs::{File, OpenOptions},
    io::{BufRead, BufReader, Read, Seek, SeekFrom, Write},
    path::Path,
};

use chrono::{DateTime, SecondsFormat, Utc};
use entity::audit_batch;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{audit::AuditKeys, auth::token::hex};

/// One line of the checkpoint file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The batch's number.
    pub batch: i64,
    /// Position of its first event.
    pub first_seq: i64,
    /// Position of its last event.
    pub last_seq: i64,
    /// Merkle root of its events.
    pub root: String,
    /// The previous batch's head.
    pub prev_head: String,
    /// This batch's head.
    pub head: String,
    /// When it was sealed (RFC 3339, microseconds).
    pub sealed_at: String,
    /// The public key that signed it (base64 Ed25519).
    pub key: String,
    /// The signature of the head (base64).
    pub signature: String,
}

impl Checkpoint {
    /// The checkpoint of a stored batch.
    pub fn of(batch: &audit_batch::Model, key: String) -> Self {
        Self {
            batch: batch.number,
            first_seq: batch.first_seq,
            last_seq: batch.last_seq,
            root: batch.root.clone(),
            prev_head: batch.prev_head.clone(),
            head: batch.head.clone(),
            sealed_at: timestamp(batch.sealed_at),
            key,
            signature: batch.signature.clone(),
        }
    }

    /// Whether the head follows from the other fields and the key signed it.
    pub fn authentic(&self, keys: &AuditKeys) -> bool {
        self.key == keys.verifying_key_text()
            && self.head
                == head(
                    self.batch,
                    self.first_seq,
                    self.last_seq,
                    &self.root,
                    &self.prev_head,
                    &self.sealed_at,
                )
            && keys.signed(self.head.as_bytes(), &self.signature)
    }
}

/// A batch's time as its head covers it.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A batch's head: SHA-256 over its number, positions, root, the previous head and its time.
pub fn head(
    number: i64,
    first_seq: i64,
    last_seq: i64,
    root: &str,
    prev_head: &str,
    sealed_at: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"shouhu-audit-batch-v1");
    hasher.update(number.to_be_bytes());
    hasher.update(first_seq.to_be_bytes());
    hasher.update(last_seq.to_be_bytes());
    for part in [root, prev_head, sealed_at] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// The last complete checkpoint in the file, if any (read from the file's tail).
pub fn last(path: &Path) -> std::io::Result<Option<Checkpoint>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let length = file.metadata()?.len();
    let mut window = 4096_u64;
    loop {
        let start = length.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = String::new();
        file.read_to_string(&mut tail)?;
        let found = tail
            .lines()
            .rev()
            .filter_map(|line| serde_json::from_str::<Checkpoint>(line).ok())
            .next();
        if found.is_some() || start == 0 {
            return Ok(found);
        }
        window *= 4;
    }
}

/// Appends checkpoints and makes them durable. A torn last line (a crash mid-write) is ended
/// first, so it stays a line of its own.
pub fn append(path: &Path, checkpoints: &[Checkpoint]) -> std::io::Result<()> {
    if checkpoints.is_empty() {
        return Ok(());
    }
    let mut text = String::new();
    let torn = match File::open(path) {
        Ok(mut file) => {
            let length = file.metadata()?.len();
            if length == 0 {
                false
            } else {
                let mut last = [0_u8; 1];
                file.seek(SeekFrom::Start(length - 1))?;
                file.read_exact(&mut last)?;
                last[0] != b'\n'
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => false,
        Err(err) => return Err(err),
    };
    if torn {
        text.push('\n');
    }
    for checkpoint in checkpoints {
        text.push_str(&serde_json::to_string(checkpoint).map_err(std::io::Error::other)?);
        text.push('\n');
    }
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// The file's lines in order, each parsed (a line that is not a checkpoint is an error naming
/// its line number).
pub fn read(path: &Path) -> std::io::Result<impl Iterator<Item = Result<Checkpoint, usize>>> {
    let file = match File::open(path) {
        Ok(file) => Some(BufReader::new(file)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err),
    };
    Ok(file
        .into_iter()
        .flat_map(|reader| reader.lines().enumerate())
        .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(|(number, line)| {
            line.ok()
                .and_then(|l| serde_json::from_str(&l).ok())
                .ok_or(number + 1)
        }))
}

/// Keeps a checkpoint file up with the sealed batches.
pub struct Appender {
    /// The last batch the file holds: its number and head.
    last: Option<(i64, String)>,
    /// The batch refused last (not re-reported every tick).
    refused: Option<i64>,
}

impl Appender {
    /// Starts from the file's last checkpoint.
    pub async fn open(path: &Path) -> std::io::Result<Self> {
        let path = path.to_owned();
        let last = tokio::task::spawn_blocking(move || last(&path))
            .await
            .map_err(std::io::Error::other)??;
        Ok(Self {
            last: last.map(|c| (c.batch, c.head)),
            refused: None,
        })
    }

    /// Appends the checkpoints of the batches sealed since the file's last one, each checked
    /// first (signed by this deployment's key, linked to the one before); stops at a batch that
    /// is not, and reports it.
    pub async fn catch_up(
        &mut self,
        db: &DatabaseConnection,
        keys: &AuditKeys,
    ) -> anyhow::Result<usize> {
        let key = keys.verifying_key_text();
        if self.last.is_none()
            && let Some(newest) = audit_batch::Entity::find()
                .order_by_desc(audit_batch::Column::Number)
                .one(db)
                .await?
            && newest.number > 1
        {
            // The file is new or was emptied while the database holds batches: it starts at the
            // newest batch rather than copy the history from the database it is meant to check.
            tracing::error!(
                file = %keys.checkpoint_file.display(),
                batches = newest.number,
                "ALARM: the audit checkpoint file holds no checkpoint but batches are sealed; it \
                 resumes from the newest batch (restore the file from its copy if it was lost)"
            );
            self.last = Some((newest.number - 1, newest.prev_head.clone()));
        }
        let mut written = 0;
        loop {
            let after = self.last.as_ref().map_or(0, |(number, _)| *number);
            let batches = audit_batch::Entity::find()
                .filter(audit_batch::Column::Number.gt(after))
                .order_by_asc(audit_batch::Column::Number)
                .limit(1000)
                .all(db)
                .await?;
            if batches.is_empty() {
                return Ok(written);
            }
            let mut lines = Vec::with_capacity(batches.len());
            let mut prev = self.last.clone();
            for batch in &batches {
                let checkpoint = Checkpoint::of(batch, key.clone());
                let linked = match &prev {
                    Some((number, head)) => {
                        batch.number == number + 1 && &checkpoint.prev_head == head
                    }
                    None => batch.number == 1 && checkpoint.prev_head.is_empty(),
                };
                if !linked || !checkpoint.authentic(keys) {
                    if self.refused != Some(batch.number) {
                        tracing::error!(
                            batch = batch.number,
                            "audit batch is not signed by this deployment's key or does not \
                             follow the last checkpoint; not appended (run `shouhu audit verify`)"
                        );
                        self.refused = Some(batch.number);
                    }
                    break;
                }
                prev = Some((batch.number, checkpoint.head.clone()));
                lines.push(checkpoint);
            }
            if lines.is_empty() {
                return Ok(written);
            }
            let count = lines.len();
            let path = keys.checkpoint_file.clone();
            tokio::task::spawn_blocking(move || append(&path, &lines)).await??;
            written += count;
            self.last = prev;
            if count < batches.len() {
                return Ok(written);
            }
        }
    }
}
