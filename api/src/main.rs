//! `shouhu`: read the command line, run it.

use clap::Parser;
use shouhu::cli::{Cli, run};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    run(Cli::parse()).await
}
