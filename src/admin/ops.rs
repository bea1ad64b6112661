//! `hyoka admin backup`, `restore` and `doctor` (docs/operations.md).
//!
//! - SQLite: the backup is `VACUUM INTO` on the live database (one read
//!   transaction: uploads go on meanwhile, and every upload answered before
//!   it began is in the copy); the copy is opened read-only and checked.
//! - PostgreSQL: `pg_dump --format=custom` (one snapshot as well), checked by
//!   restoring it into a scratch database on the same server, which is
//!   dropped afterwards. Without `pg_dump` the command prints what to run.
//!   The password goes to the tools in `PGPASSWORD`, never in their
//!   argument list (which every user of the machine can read).
//!
//! Every check is `hyoka_model::db::ops::check_all`: the engine's integrity
//! check and foreign keys, complete sheets, one current revision, the audit
//! log's hash chain, and the dashboards' summaries against a fresh computation.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use hyoka_model::db::{self, DbConn, DbUrl, ops};

use crate::config::Config;

/// `hyoka admin backup --to FILE`.
pub fn backup(config: &Config, to: &Path) -> anyhow::Result<ExitCode> {
    if to.exists() {
        bail!(
            "{} exists; name a new file / {} は既にあります。新しいファイル名を指定してください",
            to.display(),
            to.display()
        );
    }
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!("folder {} does not exist / フォルダ {} がありません", dir.display(), dir.display());
    }
    let url = &config.database.url;
    let mut live = match url {
        DbUrl::Sqlite(path) => {
            if !path.is_file() {
                bail!("no database at {url} / {url} にデータベースがありません");
            }
            url.connect()?
        }
        DbUrl::Postgres(_) => url.connect()?,
    };
    ops::refuse_newer(&mut live)?;
    let started = hyoka_model::time::now();
    let problems = match url {
        DbUrl::Sqlite(_) => {
            ops::backup_sqlite(&mut live, to)?;
            let mut copy = ops::open_sqlite_read_only(to)?;
            ops::check_all(&mut copy)?
        }
        DbUrl::Postgres(pg_url) => {
            if !tool_exists("pg_dump") {
                print_pg_dump_advice(pg_url, to);
                return Ok(ExitCode::FAILURE);
            }
            pg_tool("pg_dump", pg_url, &["--format=custom", "--no-password", "--file"], Some(to))?;
            check_pg_dump(&mut live, pg_url, to)?
        }
    };
    let (sha, bytes) = ops::sha256_file(to).with_context(|| format!("reading {}", to.display()))?;
    println!("backup of {url} taken at {} / バックアップを作成しました", hyoka_model::time::show(started));
    println!("file: {} ({bytes} bytes)", to.display());
    println!("sha256: {sha}");
    if !problems.is_empty() {
        for p in &problems {
            println!("problem: {p}");
        }
        println!(
            "the copy FAILS its checks ({} problem(s)); do not rely on it / コピーの検査で {} 件の問題が見つかりました。このバックアップは使えません",
            problems.len(),
            problems.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    let name = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut sum_path = to.as_os_str().to_owned();
    sum_path.push(".sha256");
    std::fs::write(&sum_path, format!("{sha}  {name}\n"))
        .with_context(|| format!("writing {}", PathBuf::from(&sum_path).display()))?;
    ops::record_backup(&mut live, &to.display().to_string(), &sha, bytes)?;
    println!(
        "checks on the copy passed: integrity, foreign keys, complete sheets, one current revision, audit chain, \
         summaries / コピーの検査 (整合性・外部キー・シート・現行版・監査ログの連鎖・集計) はすべて合格です"
    );
    println!("checksum file: {} (sha256sum -c)", PathBuf::from(&sum_path).display());
    Ok(ExitCode::SUCCESS)
}

/// `hyoka admin restore --from FILE [--force]`.
pub fn restore(config: &Config, from: &Path, force: bool) -> anyhow::Result<ExitCode> {
    if !from.is_file() {
        bail!("{} is not a file / {} はファイルではありません", from.display(), from.display());
    }
    let url = &config.database.url;
    let (sha, bytes) = ops::sha256_file(from).with_context(|| format!("reading {}", from.display()))?;
    match url {
        DbUrl::Sqlite(target) => {
            let mut backup = ops::open_sqlite_read_only(from).with_context(|| {
                format!("{} is not a SQLite backup / SQLite のバックアップではありません", from.display())
            })?;
            ops::refuse_newer(&mut backup)?;
            let problems = ops::check_all(&mut backup).with_context(|| {
                format!("{} is not a hyoka backup / hyoka のバックアップではありません", from.display())
            })?;
            drop(backup);
            if !problems.is_empty() {
                for p in &problems {
                    println!("problem: {p}");
                }
                bail!(
                    "the backup fails its checks; nothing was restored / バックアップが検査に合格しないため、何も復元していません"
                );
            }
            if target.exists() {
                let mut existing = url.connect()?;
                refuse_over_data(&mut existing, url, force)?;
            }
            replace_sqlite_file(from, target)?;
        }
        DbUrl::Postgres(pg_url) => {
            if !tool_exists("pg_restore") {
                let (shown, _) = ops::split_password(pg_url);
                println!("pg_restore is not installed (Debian: apt-get install postgresql-client). Run:");
                println!(
                    "  PGPASSWORD=… pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction \
                     --dbname='{shown}' '{}'",
                    from.display()
                );
                println!("then `hyoka admin doctor` to check it / その後 hyoka admin doctor で検査してください");
                return Ok(ExitCode::FAILURE);
            }
            let list = Command::new("pg_restore").arg("--list").arg(from).output().context("running pg_restore")?;
            if !list.status.success() {
                bail!(
                    "{} is not a pg_dump custom-format file: {} / pg_dump のカスタム形式ではありません",
                    from.display(),
                    String::from_utf8_lossy(&list.stderr).trim()
                );
            }
            let mut existing = url.connect()?;
            refuse_over_data(&mut existing, url, force)?;
            drop(existing);
            pg_tool(
                "pg_restore",
                pg_url,
                &["--clean", "--if-exists", "--no-owner", "--exit-on-error", "--single-transaction", "--no-password"],
                Some(from),
            )?;
        }
    }
    db::migrate(url).context("bringing the restored database up to date / 復元したデータベースの更新")?;
    let mut conn = url.connect()?;
    let problems = ops::check_all(&mut conn)?;
    println!("restored {} (sha256 {sha}, {bytes} bytes) into {url} / 復元しました", from.display());
    if !problems.is_empty() {
        for p in &problems {
            println!("problem: {p}");
        }
        println!("the restored database FAILS its checks / 復元したデータベースが検査に合格しません");
        return Ok(ExitCode::FAILURE);
    }
    println!("checks passed / 検査はすべて合格です");
    Ok(ExitCode::SUCCESS)
}

/// `hyoka admin doctor`.
pub fn doctor(config: &Config) -> anyhow::Result<ExitCode> {
    let mut failures = 0usize;
    let url = &config.database.url;
    println!("hyoka {} — is it healthy? / 健康診断", env!("CARGO_PKG_VERSION"));
    println!("configuration in force (secrets hidden) / 使用中の設定:");
    println!("  database.url = {url}");
    println!("  database.pool_size = {}", config.database.pool_size);
    println!("  server.bind = {}", config.server.bind);
    println!("  server.workers = {}", config.server.workers);
    println!("  server.shutdown_timeout_secs = {}", config.server.shutdown_timeout_secs);
    let proxies: Vec<String> = config.server.trusted_proxies.0.iter().map(ToString::to_string).collect();
    println!("  server.trusted_proxies = [{}]", proxies.join(", "));
    println!("  log.format = {:?}, log.level = {}", config.log.format, config.log.level);
    println!(
        "  limits.max_file_bytes = {}, limits.max_rows = {}",
        config.limits.max_file_bytes, config.limits.max_rows
    );
    println!(
        "  api.upload_body_limit = {}, api.max_concurrent_uploads = {}, api.login_max_failures = {}",
        config.api.upload_body_limit, config.api.max_concurrent_uploads, config.api.login_policy.max_failures
    );
    println!(
        "  web.cookie_secure = {}, web.session_hours = {}",
        config.web.cookie_secure,
        config.web.lifetimes.absolute.num_hours()
    );
    if let DbUrl::Sqlite(path) = url
        && !path.exists()
    {
        println!("database: none yet at {url} (serve or migrate creates it) / データベースはまだありません");
        return Ok(ExitCode::FAILURE);
    }
    let mut conn = match url.connect() {
        Ok(c) => c,
        Err(e) => {
            println!("database: cannot connect: {e} / データベースに接続できません");
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("database: {} / バックエンド", backend_name(&conn));
    match ops::schema_version(&mut conn)? {
        Some(v) => println!(
            "schema version: {} (readable from {}); this binary: {} (leaves it readable from {})",
            v.version,
            v.oldest_reader,
            ops::SCHEMA_VERSION,
            ops::OLDEST_READER
        ),
        None => {
            println!("schema version: not recorded yet (older than this binary); this binary: {}", ops::SCHEMA_VERSION)
        }
    }
    if let Err(e) = ops::refuse_newer(&mut conn) {
        println!("PROBLEM: {e}");
        failures += 1;
    }
    let pending = db::pending_migrations(&mut conn)?;
    if pending.is_empty() {
        println!("migrations pending: none / 未適用のマイグレーションはありません");
    } else {
        println!(
            "migrations pending: {} ({}); `hyoka migrate` or the next `hyoka serve` runs them / 未適用のマイグレーションがあります",
            pending.len(),
            pending.join(", ")
        );
    }
    println!("data size: {} / データ量", human_bytes(ops::data_size(&mut conn, url)?));
    match ops::last_backup(&mut conn) {
        Ok(Some(b)) => println!(
            "last backup: {} to {} ({} bytes, sha256 {}) / 最後のバックアップ",
            hyoka_model::time::show(b.taken_at.and_utc()),
            b.file,
            b.bytes,
            b.sha256
        ),
        Ok(None) => {
            println!("last backup: none recorded (`hyoka admin backup --to FILE`) / バックアップの記録はありません")
        }
        Err(e) => println!("last backup: cannot read: {e}"),
    }
    match db::check_writable(&mut conn) {
        Ok(()) => println!("writes: accepted / 書き込み可能"),
        Err(e) => {
            println!("PROBLEM: the database does not take writes: {e} / 書き込みができません");
            failures += 1;
        }
    }
    if pending.is_empty() {
        match ops::check_all(&mut conn) {
            Ok(problems) if problems.is_empty() => println!(
                "checks: integrity, foreign keys, complete sheets, one current revision, audit chain, summaries: \
                 all passed / 検査はすべて合格です"
            ),
            Ok(problems) => {
                for p in &problems {
                    println!("PROBLEM: {p}");
                }
                failures += problems.len();
            }
            Err(e) => {
                println!("PROBLEM: the checks could not run: {e}");
                failures += 1;
            }
        }
    } else {
        println!("checks: skipped until the migrations have run / マイグレーション後に検査します");
    }
    if failures > 0 {
        println!("{failures} problem(s) / 問題が {failures} 件あります");
        return Ok(ExitCode::FAILURE);
    }
    println!("healthy / 正常です");
    Ok(ExitCode::SUCCESS)
}

fn backend_name(conn: &DbConn) -> &'static str {
    match conn {
        DbConn::Sqlite(_) => "SQLite",
        DbConn::Pg(_) => "PostgreSQL",
    }
}

fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    format!("{n} bytes ({:.1} MiB)", n as f64 / MIB)
}

/// Refuses to restore over a database that holds data, unless forced.
fn refuse_over_data(conn: &mut DbConn, url: &DbUrl, force: bool) -> anyhow::Result<()> {
    if ops::holds_data(conn)? {
        if !force {
            bail!(
                "{url} holds data (companies, users or sheets); nothing was restored. Restore into an empty database, \
                 or add --force to replace it (stop every hyoka serve first) / {url} にはデータがあるため、何も復元して\
                 いません。空のデータベースに復元するか、置き換える場合は --force を付けてください (先にすべての hyoka \
                 serve を止めてください)"
            );
        }
        println!("--force: replacing the data in {url} / データを置き換えます");
    }
    Ok(())
}

/// Puts a checked SQLite backup in place of the database file: copied to a
/// temporary file beside it, synced, the old WAL and shared-memory files
/// removed (they belong to the old file), then renamed over it.
fn replace_sqlite_file(from: &Path, target: &Path) -> anyhow::Result<()> {
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut tmp = target.as_os_str().to_owned();
    tmp.push(".restoring");
    let tmp = PathBuf::from(tmp);
    std::fs::copy(from, &tmp).with_context(|| format!("copying to {}", tmp.display()))?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).with_context(|| format!("syncing {}", tmp.display()))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(&side)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", PathBuf::from(&side).display())),
        }
    }
    std::fs::rename(&tmp, target).with_context(|| format!("renaming {} to {}", tmp.display(), target.display()))?;
    Ok(())
}

fn tool_exists(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Runs `pg_dump` / `pg_restore` against `url` with the password in the
/// environment. `file` follows `args`: pg_dump's `--file` value, or
/// pg_restore's input.
fn pg_tool(tool: &str, url: &str, args: &[&str], file: Option<&Path>) -> anyhow::Result<()> {
    let (shown, password) = ops::split_password(url);
    let mut cmd = Command::new(tool);
    cmd.args(args);
    if let Some(f) = file {
        cmd.arg(f);
    }
    cmd.arg(format!("--dbname={shown}"));
    if let Some(pw) = password {
        cmd.env("PGPASSWORD", pw);
    }
    let out = cmd.output().with_context(|| format!("running {tool}"))?;
    if !out.status.success() {
        let redacted = hyoka_model::db::conn::redact(url);
        bail!(
            "{tool} failed ({}) on {redacted}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim().replace(url, &redacted)
        );
    }
    Ok(())
}

fn print_pg_dump_advice(url: &str, to: &Path) {
    let (shown, _) = ops::split_password(url);
    println!(
        "pg_dump is not installed (Debian: apt-get install postgresql-client). Run / pg_dump がありません。次を実行してください:"
    );
    println!("  PGPASSWORD=… pg_dump --format=custom --no-password --file='{}' --dbname='{shown}'", to.display());
    println!("  sha256sum '{}' > '{}.sha256'", to.display(), to.display());
    println!(
        "and check the copy by restoring it into an empty database: DATABASE_URL=postgres://…/scratch \
         hyoka admin restore --from '{}'",
        to.display()
    );
}

/// Restores a dump into a scratch database on the same server, checks it,
/// drops the scratch database.
fn check_pg_dump(live: &mut DbConn, url: &str, dump: &Path) -> anyhow::Result<Vec<String>> {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let name = format!("hyoka_backup_check_{}_{nanos}", std::process::id());
    if let Err(e) = ops::create_database(live, &name) {
        println!(
            "cannot create a scratch database to check the copy ({e}); checked only that pg_restore reads it. \
             Check it fully by restoring it into an empty database / 検査用のデータベースを作れないため、\
             読めることだけを確かめました"
        );
        let list = Command::new("pg_restore").arg("--list").arg(dump).output().context("running pg_restore")?;
        return Ok(if list.status.success() {
            Vec::new()
        } else {
            vec![format!("pg_restore cannot read the dump: {}", String::from_utf8_lossy(&list.stderr).trim())]
        });
    }
    let scratch = ops::with_database(url, &name);
    let result = (|| -> anyhow::Result<Vec<String>> {
        let (shown, password) = ops::split_password(&scratch);
        let mut cmd = Command::new("pg_restore");
        cmd.args(["--no-owner", "--exit-on-error", "--single-transaction", "--no-password"])
            .arg(format!("--dbname={shown}"))
            .arg(dump);
        if let Some(pw) = password {
            cmd.env("PGPASSWORD", pw);
        }
        let out = cmd.output().context("running pg_restore")?;
        if !out.status.success() {
            return Ok(vec![format!("pg_restore of the copy failed: {}", String::from_utf8_lossy(&out.stderr).trim())]);
        }
        let mut conn = DbUrl::Postgres(scratch.clone()).connect()?;
        Ok(ops::check_all(&mut conn)?)
    })();
    if let Err(e) = ops::drop_database(live, &name) {
        println!("could not drop the scratch database {name}: {e}");
    }
    result
}
