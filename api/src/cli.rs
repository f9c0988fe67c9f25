//! The `shouhu` command line.

use clap::{Args, Parser, Subcommand};
use entity::enums::Role;
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    app::Application,
    audit::{
        AuditKeys,
        chain::{self, Verdict},
        keys,
    },
    config::Config,
    db, demo, domain, graphql,
    policy::matrix,
    telemetry, trusted,
};

/// Shouhu (守护): the GraphQL service for the care and protection of rural left-behind children.
#[derive(Debug, Parser)]
#[command(name = "shouhu", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve the API (the default).
    Serve(ServeArgs),
    /// Apply pending migrations, or roll back with `--down`.
    Migrate {
        /// Roll back this many migrations instead: shows what that drops (tables and columns,
        /// with the rows they hold) and changes nothing unless `--yes` is given.
        #[arg(long)]
        down: Option<u32>,
        /// Carry out the rollback `--down` shows, each migration in a transaction of its own.
        #[arg(long, requires = "down")]
        yes: bool,
        /// Let the rollback drop tables and columns that hold data (back the database up first).
        #[arg(long, requires = "yes")]
        force_drop_data: bool,
    },
    /// Load the demo data (idempotent).
    Demo {
        /// Also add this many generated children, with their guardians, two years of visits,
        /// teachers, past reports and service items, spread over the demo's villages (for
        /// load tests; the same size loaded again changes nothing).
        #[arg(long)]
        children: Option<u32>,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The access policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Exports for offline use.
    #[command(subcommand)]
    Export(ExportCommand),
    /// The plan's tasks and their responsible units.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// The client apps' trusted documents.
    #[command(subcommand)]
    Documents(DocumentsCommand),
}

/// Trusted document commands.
#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// Read every manifest of the folder (hashes checked) and check every document against the
    /// schema and the query limits; exits non-zero naming each document that would be refused.
    Check {
        /// The folder of manifests (default: `documents.dir`).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// Print the Apollo persisted-query manifest of a client app's operations: one document
    /// per `.graphql` file of the folder, by file name.
    Manifest {
        /// The folder of the app's `.graphql` files.
        sources: std::path::PathBuf,
    },
}

/// Export commands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the ledger in the national registration form to a file, as the account `--as`
    /// would download it (its rows, its field policy; audited as its export).
    Ledger {
        /// The account to export as (its username).
        #[arg(long = "as")]
        as_account: String,
        /// The region to export (its division code); the account's whole scope when omitted.
        #[arg(long)]
        region: Option<String>,
        /// Only the region's quarterly submission of this number (每季度报送, 1 for its
        /// first), with how each child changed; needs `--region`.
        #[arg(long, requires = "region")]
        submission: Option<i32>,
        /// `csv` (UTF-8 with a byte-order mark) or `xlsx`.
        #[arg(long, value_enum, default_value = "xlsx")]
        format: ExportFormat,
        /// The file to write.
        #[arg(long)]
        output: std::path::PathBuf,
    },
}

/// The format of an export.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// CSV in UTF-8 with a byte-order mark.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

/// Plan commands.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Load the plan's tasks and assign their lead and assisting units (idempotent; needs the
    /// units, as the demo data has them).
    Load,
}

/// Audit trail commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every event's MAC, every batch's root, link and signature, the record-to-event
    /// index and the checkpoint file, without writing anything; exits non-zero naming the first
    /// broken place and its kind (edited, deleted, inserted, reordered, truncated, forged,
    /// stalled).
    Verify {
        /// The checkpoint file to check against (default: `audit.checkpoint_file`).
        #[arg(long)]
        checkpoints: Option<std::path::PathBuf>,
        /// Start at this batch (after the months before it were archived).
        #[arg(long, default_value_t = 1)]
        from: i64,
    },
    /// Print a fresh MAC key and signing key for a deployment, with the checkpoint file
    /// setting, as lines for an environment file.
    Keygen,
}

/// Policy commands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check the policy in force against the schema and print it as the Markdown access matrix
    /// (`docs/access-matrix.md`).
    Matrix,
}

/// Options of `serve`.
#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Load the demo data first when the database is empty.
    #[arg(long)]
    pub demo: bool,
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account, such as a deployment's first administrator. The password is read
    /// from `SHOUHU_NEW_PASSWORD`, else from standard input (typed unseen at a terminal), so
    /// it never appears on the command line or in the shell history.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Name shown to colleagues.
        #[arg(long)]
        display_name: String,
        /// Role, e.g. `admin`.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Code of the organization the account belongs to.
        #[arg(long)]
        organization: String,
    },
    /// Disable an account: it can no longer sign in, and every session it has ends at once
    /// (on PostgreSQL every running instance hears of it; on SQLite a running service notices
    /// within 30 seconds).
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled account again (it signs in anew).
    Enable {
        /// Login name.
        username: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::try_from_value(&text.to_owned()).map_err(|_| format!("unknown role `{text}`"))
}

/// `migrate --down steps`: shows what rolling back drops, then, with `yes`, rolls back,
/// refusing to drop data unless `drop_data`.
async fn roll_back(
    db: &sea_orm::DatabaseConnection,
    steps: u32,
    yes: bool,
    drop_data: bool,
) -> anyhow::Result<()> {
    use migration::rollback::{self, Stopped};
    let plan = rollback::plan(db, steps).await?;
    if plan.steps.is_empty() {
        println!("no migration has been applied: nothing to roll back");
        return Ok(());
    }
    emit(&rollback_text(&plan))?;
    anyhow::ensure!(
        yes,
        "nothing was rolled back: run again with --yes to roll back what is shown"
    );
    anyhow::ensure!(
        drop_data || !plan.drops_data(),
        "refused: the tables and columns above hold data. Back the database up, then run again \
         with --force-drop-data to drop it"
    );
    match rollback::roll_back(db, steps, drop_data).await {
        Ok(done) => {
            println!("rolled back {} migrations", done.len());
            Ok(())
        }
        Err(Stopped::WouldDropData(step)) => anyhow::bail!(
            "refused: {} would drop data written since it was shown; the migrations before it \
             are rolled back, it and those after it are not",
            step.migration
        ),
        Err(Stopped::Database(error)) => Err(error.into()),
    }
}

/// A rollback's plan as an operator reads it.
fn rollback_text(plan: &migration::rollback::Plan) -> String {
    use migration::rollback::{COUNT_CAP, Dropped};
    let held = |d: &Dropped, what: &str| match d.rows {
        0 => "empty".to_owned(),
        n if n >= COUNT_CAP => format!("{COUNT_CAP} {what} or more"),
        n => format!("{n} {what}"),
    };
    let mut text = format!(
        "rolling back {} migrations, newest first, drops:\n",
        plan.steps.len()
    );
    for step in &plan.steps {
        text.push_str(&format!("  {}\n", step.migration));
        for table in &step.tables {
            text.push_str(&format!(
                "    table {} ({})\n",
                table.name,
                held(table, "rows")
            ));
        }
        for column in &step.columns {
            text.push_str(&format!(
                "    column {} ({})\n",
                column.name,
                held(column, "values")
            ));
        }
        if step.tables.is_empty() && step.columns.is_empty() {
            text.push_str("    no table or column (indexes and constraints only)\n");
        }
    }
    text
}

/// The password of `account create`: `SHOUHU_NEW_PASSWORD`, else a line of standard input
/// (typed unseen at a terminal).
fn new_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if let Ok(password) = std::env::var("SHOUHU_NEW_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        rpassword::prompt_password("password of the new account: ")?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    anyhow::ensure!(
        !password.is_empty(),
        "no password: set SHOUHU_NEW_PASSWORD or write it on standard input"
    );
    Ok(password)
}

/// Writes a command's output to standard output. A reader that stops early (`shouhu schema |
/// head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => Ok(written?),
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    let (config, unknown) = Config::load()?;
    let ignoring = |name: &String| format!("ignoring {name}: it names no setting");
    match command {
        Command::Schema | Command::Policy(_) | Command::Documents(_) => {
            for name in &unknown {
                eprintln!("{}", ignoring(name));
            }
        }
        _ => {}
    }
    match command {
        Command::Schema => {
            return emit(&graphql::sdl());
        }
        Command::Policy(PolicyCommand::Matrix) => {
            let policy = crate::app::load_policy(&config)?;
            return emit(&matrix::render(&policy));
        }
        Command::Documents(DocumentsCommand::Check { dir }) => {
            let dir = dir.unwrap_or_else(|| config.documents.dir.clone());
            let checked = graphql::validate::check(&dir, &config.limits).await?;
            for (app, count) in &checked.apps {
                println!("{app}: {count} documents");
            }
            for problem in &checked.problems {
                eprintln!("{problem}");
            }
            anyhow::ensure!(
                checked.problems.is_empty(),
                "{} trusted documents would be refused",
                checked.problems.len()
            );
            return Ok(());
        }
        Command::Documents(DocumentsCommand::Manifest { sources }) => {
            return emit(&trusted::manifest_of(&sources)?);
        }
        _ => {}
    }
    let _telemetry = telemetry::init(&config)?;
    for name in &unknown {
        tracing::warn!("{}", ignoring(name));
    }
    match command {
        Command::Schema | Command::Policy(_) | Command::Documents(_) => {}
        Command::Plan(PlanCommand::Load) => {
            let db = db::connect(&config).await?;
            db::migrate(&db).await?;
            let txn = db::begin_write(&db).await?;
            let assigned = domain::assignment::load_plan(
                &txn,
                demo::RESPONSIBILITY_MATRIX,
                chrono::Utc::now(),
            )
            .await?;
            txn.commit().await?;
            println!("plan loaded: {assigned} unit responsibilities");
        }
        Command::Audit(AuditCommand::Keygen) => {
            emit(&keys::keygen(&config.audit.checkpoint_file))?;
        }
        Command::Audit(AuditCommand::Verify { checkpoints, from }) => {
            anyhow::ensure!(
                config.audit.mac_key.is_some() && config.audit.signing_key.is_some(),
                "audit verify needs the deployment's audit.mac_key and audit.signing_key \
                 (SHOUHU_AUDIT__MAC_KEY, SHOUHU_AUDIT__SIGNING_KEY)"
            );
            let keys = AuditKeys::from_config(&config.audit)?;
            let db = db::connect(&config).await?;
            db::migrate(&db).await?;
            let started = std::time::Instant::now();
            let file = checkpoints.unwrap_or_else(|| keys.checkpoint_file.clone());
            match chain::verify(&db, &keys, &file, from, chrono::Utc::now()).await? {
                Verdict::Intact {
                    batches,
                    sealed,
                    unsealed,
                    checkpoints,
                } => {
                    println!(
                        "audit trail intact: {sealed} events in {batches} batches, {checkpoints} \
                         checkpoints matched, {unsealed} waiting ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
                Verdict::Broken(place) => anyhow::bail!("audit trail broken: {place}"),
            }
        }
        Command::Serve(args) => {
            // Refused before anything is written, the demo data included.
            let config = config.for_environment().map_err(|problems| {
                anyhow::anyhow!("refusing to start in production: {}", problems.join("; "))
            })?;
            if args.demo {
                let db = db::connect(&config).await?;
                db::migrate(&db).await?;
                if demo::is_empty(&db).await? {
                    load_demo(&db).await?;
                }
                db.close().await?;
            }
            let app = Application::build(config).await?;
            tracing::info!(port = app.port(), "serving GraphQL at /graphql");
            app.run_until_stopped().await?;
        }
        Command::Migrate {
            down,
            yes,
            force_drop_data,
        } => match down {
            Some(steps) => {
                let db = db::connect_for_rollback(&config).await?;
                roll_back(&db, steps, yes, force_drop_data).await?;
            }
            None => db::migrate(&db::connect(&config).await?).await?,
        },
        Command::Demo { children } => {
            let db = db::connect(&config).await?;
            db::migrate(&db).await?;
            load_demo(&db).await?;
            if let Some(children) = children {
                let started = std::time::Instant::now();
                let counts = demo::scale::load(&db, children, chrono::Utc::now()).await?;
                println!(
                    "generated in {:.1} s (rows already there were kept): {counts:?}",
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Command::Account(AccountCommand::Create {
            username,
            display_name,
            role,
            organization,
        }) => {
            let password = new_password()?;
            let db = db::connect(&config).await?;
            db::migrate(&db).await?;
            let txn = db::begin_write(&db).await?;
            let keys = AuditKeys::from_config(&config.audit)?;
            let account = domain::account::create(
                &txn,
                &keys.mac,
                domain::account::NewAccount {
                    username: &username,
                    display_name: &display_name,
                    password: &password,
                    role,
                    organization_code: &organization,
                },
                chrono::Utc::now(),
            )
            .await?;
            txn.commit().await?;
            println!("created account {} ({})", account.username, account.id);
        }
        Command::Export(ExportCommand::Ledger {
            as_account,
            region,
            submission,
            format,
            output,
        }) => {
            export_ledger(
                config,
                &as_account,
                (region.as_deref(), submission),
                format,
                &output,
            )
            .await?;
        }
        Command::Account(AccountCommand::Disable { username }) => {
            set_disabled(&config, &username, true).await?;
            println!("disabled {username}; its sessions have ended");
        }
        Command::Account(AccountCommand::Enable { username }) => {
            set_disabled(&config, &username, false).await?;
            println!("enabled {username}");
        }
    }
    Ok(())
}

/// `shouhu export ledger`: the application without its listener's use, the ledger (or a
/// region's submission of it) read through the API as the account, the audit event written
/// before exiting.
async fn export_ledger(
    mut config: Config,
    username: &str,
    (region, submission): (Option<&str>, Option<i32>),
    format: ExportFormat,
    output: &std::path::Path,
) -> anyhow::Result<()> {
    // Nobody is served: the listener takes whatever loopback port is free.
    config.bind = "127.0.0.1:0".to_owned();
    let app = Application::build(config).await?;
    let state = app.state().clone();
    let principal = domain::account::principal_of(&state.db, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no enabled account {username}"))?;
    let region = match region {
        Some(code) => Some(
            entity::region::Entity::find()
                .filter(entity::region::Column::Code.eq(code))
                .one(&state.db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no region with the code {code}"))?,
        ),
        None => None,
    };
    let submitted = match (submission, &region) {
        (Some(sequence), Some(region)) => {
            let found = entity::ledger_submission::Entity::find()
                .filter(entity::ledger_submission::Column::RegionId.eq(region.id))
                .filter(entity::ledger_submission::Column::Sequence.eq(sequence))
                .one(&state.db)
                .await?;
            let id = found.map(|s| {
                graphql::ids::encode(graphql::ids::Kind::LedgerSubmission, s.id).to_string()
            });
            let readable = match &id {
                Some(id) => {
                    crate::http::ledger::Submitted::readable(&state, &principal, id).await?
                }
                None => None,
            };
            Some(readable.ok_or_else(|| {
                anyhow::anyhow!(
                    "{username} has no submission {sequence} of the region {} to export",
                    region.code
                )
            })?)
        }
        _ => None,
    };
    // A submission holds its own region's children: the region filter would only repeat it.
    let region = region
        .filter(|_| submitted.is_none())
        .map(|found| graphql::ids::encode(graphql::ids::Kind::Region, found.id).to_string());
    let format = match format {
        ExportFormat::Csv => crate::http::ledger::Format::Csv,
        ExportFormat::Xlsx => crate::http::ledger::Format::Xlsx,
    };
    let schema = graphql::schema(state.clone());
    let written = crate::http::ledger::export_to_file(
        state,
        schema,
        principal,
        (region, submitted),
        format,
        output,
    )
    .await;
    // The stop is heard while the server runs down, which `run_until_stopped` drives.
    let server = app.server_handle();
    actix_web::rt::spawn(async move { server.stop(true).await });
    app.run_until_stopped().await?;
    println!("{} rows written to {}", written?, output.display());
    Ok(())
}

async fn set_disabled(config: &Config, username: &str, disabled: bool) -> anyhow::Result<()> {
    let db = db::connect(config).await?;
    db::migrate(&db).await?;
    let keys = AuditKeys::from_config(&config.audit)?;
    let events = crate::events::EventBus::new(&db);
    let store = domain::work::Store {
        db: &db,
        events: &events,
    };
    domain::account::set_disabled(store, &keys.mac, username, disabled, chrono::Utc::now()).await?;
    Ok(())
}

async fn load_demo(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let password = std::env::var("SHOUHU_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let outcome = demo::load(db, password, chrono::Utc::now()).await?;
    let counts = demo::counts(db).await?;
    println!("demo data loaded: {counts:?}");
    match (outcome.generated_password, outcome.accounts_existed) {
        (Some(password), _) => println!(
            "demo accounts demo.<role> (demo.teacher, demo.police_officer, …) have the password: {password}"
        ),
        (None, true) => println!("demo accounts already existed; their password is unchanged"),
        (None, false) => println!("demo accounts have the password in SHOUHU_DEMO_PASSWORD"),
    }
    Ok(())
}
