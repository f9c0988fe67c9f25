//! `shouhu`: read the command line, run it.

use clap::Parser;
use shouhu::cli::{Cli, run};

/// mimalloc: a request allocates and frees thousands of small objects (resolver futures,
/// rows, values), which it serves faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    run(Cli::parse()).await
}
