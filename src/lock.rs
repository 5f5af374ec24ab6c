//! The stage lock: `apply` and `destroy` hold it, in the target account itself, so that two
//! operators (or two CI jobs) never change one stage at once. It is an SSM parameter under
//! `/bank/{env}/bankinfra/lock`, created atomically, recording who holds it until when. It is
//! released on success, failure and Ctrl-C; a lock past its expiry, or held by a process of this
//! host that no longer exists, is taken over; `bankinfra unlock` removes it by hand.

use std::future::Future;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::anyhow;
use serde_json::{Value, json};

use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};

/// How long a lock holds before anyone may take it over.
const LEASE_SECONDS: u64 = 3600;

pub fn parameter(ctx: &Context) -> String {
    format!("/bank/{}/bankinfra/lock", ctx.specs.stage.name)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// What a lock records about its holder.
fn record(command: &str) -> Value {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let started = now();
    json!({
        "holder": format!("{user}@{}", host()),
        "host": host(),
        "pid": std::process::id(),
        "command": command,
        "started_at": started,
        "expires_at": started + LEASE_SECONDS,
    })
}

/// One line naming the holder of a lock value.
pub fn describe(value: &str) -> String {
    match serde_json::from_str::<Value>(value) {
        Ok(v) => format!(
            "{} (pid {} on {}, `{}`, since {} s ago, expires in {} s)",
            v["holder"].as_str().unwrap_or("?"),
            v["pid"],
            v["host"].as_str().unwrap_or("?"),
            v["command"].as_str().unwrap_or("?"),
            now().saturating_sub(v["started_at"].as_u64().unwrap_or(0)),
            v["expires_at"].as_u64().unwrap_or(0).saturating_sub(now()),
        ),
        Err(_) => format!("an unreadable holder record: {value}"),
    }
}

/// Whether a held lock may be taken over: expired, or its process on this host is gone.
fn stale(value: &str) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(value) else { return false };
    let expired = v["expires_at"].as_u64().is_some_and(|t| t < now());
    let dead_here = v["host"].as_str() == Some(host().as_str())
        && std::path::Path::new("/proc/self").exists()
        && v["pid"].as_u64().is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
    expired || dead_here
}

/// Takes the lock, runs `work`, and releases the lock whatever happens (Ctrl-C included).
pub async fn locked<T>(
    ctx: &Context,
    command: &str,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    let name = parameter(ctx);
    let mine = record(command).to_string();
    acquire(ctx, &name, &mine).await?;
    let result = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Failure::new(
            exit::INTERRUPTED,
            anyhow!("interrupted; the lock is released, and re-running converges from where this run stopped"),
        )),
    };
    release(ctx, &name, &mine).await;
    result
}

async fn acquire(ctx: &Context, name: &str, mine: &str) -> Result<(), Failure> {
    let provider = &ctx.provider;
    if provider.lock_create(name, mine).await.exit(exit::FAILED)? {
        return Ok(());
    }
    let held = provider.lock_read(name).await.exit(exit::FAILED)?.unwrap_or_default();
    if held == mine {
        // Our own create landed, but its response was lost and the retry found it.
        return Ok(());
    }
    if !held.is_empty() && stale(&held) {
        eprintln!("notice: taking over a stale lock on {}: held by {}", ctx.target(), describe(&held));
        provider.lock_delete(name).await.exit(exit::FAILED)?;
        if provider.lock_create(name, mine).await.exit(exit::FAILED)? {
            return Ok(());
        }
    }
    let held = provider.lock_read(name).await.exit(exit::FAILED)?.unwrap_or(held);
    Err(Failure::new(
        exit::LOCKED,
        anyhow!(
            "{} is locked by {}; wait for that run to finish, or, if it is dead, remove the lock with `bankinfra unlock --stage {}`",
            ctx.target(),
            describe(&held),
            ctx.specs.stage.name
        ),
    ))
}

/// Deletes the lock if it is still this run's; reports (never fails) otherwise.
async fn release(ctx: &Context, name: &str, mine: &str) {
    match ctx.provider.lock_read(name).await {
        Ok(Some(held)) if held == mine => {
            if let Err(e) = ctx.provider.lock_delete(name).await {
                eprintln!("warning: could not release the lock {name}: {e}; remove it with `bankinfra unlock`");
            }
        }
        Ok(Some(held)) => eprintln!("warning: the lock {name} was taken over meanwhile by {}", describe(&held)),
        Ok(None) => eprintln!("warning: the lock {name} was removed while this run held it"),
        Err(e) => eprintln!("warning: could not check the lock {name}: {e}; remove it with `bankinfra unlock`"),
    }
}
