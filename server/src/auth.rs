//! Passwords (argon2id at OWASP's minimum parameters or better), bearer tokens (256 random bits,
//! stored only as a SHA-256 hash), the sign-in throttle and the bound on concurrent hashing.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const MIN_PASSWORD_CHARS: usize = 8;

/// OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane.
fn argon2() -> Result<Argon2<'static>, ApiError> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| ApiError::Internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ApiError::Internal(format!("salt: {e}")))?;
    Ok(argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| ApiError::Internal(format!("argon2: {e}")))?
        .to_string())
}

/// True when `password` matches the stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A dummy verification so that an unknown username costs as much time as a wrong password.
pub fn burn_time(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get_or_init(|| hash_password("not-a-real-password").ok()) {
        let _ = verify_password(password, hash);
    }
}

/// A fresh bearer token: 256 random bits, URL-safe.
pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("crm_{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token)
}

/// SHA-256 of `text` in lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(text.as_bytes());
    // Run on every request: no `format!` (and its String) per byte.
    let mut hex = String::with_capacity(2 * digest.len());
    for b in digest {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

/// The digest an Idempotency-Key's request is remembered by, with secrets (a new password) left
/// out: the digest is stored, and SHA-256 over a known body gives a guessed password away at
/// once. A retry differing only in a secret gets the first answer back.
pub fn request_digest(request: &serde_json::Value) -> String {
    fn without_secrets(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("password");
                map.values_mut().for_each(without_secrets);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(without_secrets),
            _ => {}
        }
    }
    let mut request = request.clone();
    without_secrets(&mut request);
    sha256_hex(&request.to_string())
}

/// Why a username sent to sign in is refused before anything is looked up, stored or logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("a username is 1 to {0} characters")]
    Length(usize),
    #[error("a username holds no spaces or control characters")]
    Characters,
}

/// The longest username: the users descriptor's limit, the one place it is set.
pub fn max_username_chars() -> usize {
    match crate::schema::Entity::Users
        .field("username")
        .map(|f| f.kind)
    {
        Some(crate::schema::Kind::Text(n)) => n,
        _ => 64,
    }
}

/// A username as sign-in accepts it: within the descriptor's length, no whitespace, no control
/// or bidi characters (they would forge log lines or reach a terminal).
pub fn check_username(name: &str) -> Result<(), UsernameError> {
    let max = max_username_chars();
    // Bytes first: a megabyte of text is refused without counting its characters.
    if name.is_empty() || name.len() > 4 * max || name.chars().count() > max {
        return Err(UsernameError::Length(max));
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || crate::log::is_bidi_control(c))
    {
        return Err(UsernameError::Characters);
    }
    Ok(())
}

/// Throttle keys: an IPv6 client holds a whole /64, so it counts as one address.
fn address_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(Ipv6Addr::from(segments))
            }
        },
    }
}

/// A key's sign-in tries: how many, and since when (milliseconds since the epoch, wall clock:
/// several servers share counts through the database, so no process's own clock will do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub n: u32,
    pub since: i64,
}

/// Seconds left of the pause when `count` holds `limit` tries within the window.
fn pause(count: Option<Count>, limit: u32, window_ms: i64, now: i64) -> Option<u64> {
    let count = count?;
    let elapsed = now.saturating_sub(count.since).max(0);
    (count.n >= limit && elapsed < window_ms).then(|| {
        u64::try_from((window_ms - elapsed) / 1000)
            .unwrap_or(0)
            .max(1)
    })
}

/// `count` with one more try: a window that has passed starts again.
fn bumped(count: Option<Count>, window_ms: i64, now: i64) -> Count {
    match count {
        Some(c) if now.saturating_sub(c.since) < window_ms => Count { n: c.n + 1, ..c },
        _ => Count { n: 1, since: now },
    }
}

/// Where the throttle's counts live: this process's memory (one server) or the database
/// (several servers on PostgreSQL share one throttle). `get` holds the key against other
/// servers until the work ends (a transaction's key lock), so a check and its bump cannot
/// interleave with another server's.
pub trait SignInCounts {
    fn get(&mut self, key: &str) -> Result<Option<Count>, ApiError>;
    /// Stores a key's count, or forgets the key (None).
    fn put(&mut self, key: &str, count: Option<Count>) -> Result<(), ApiError>;
}

/// The counts of one server, at most `capacity` keys: expired keys go first, then the oldest,
/// so a flood of new keys costs bounded memory.
struct MemoryCounts {
    map: HashMap<String, Count>,
    capacity: usize,
    window_ms: i64,
}

impl SignInCounts for MemoryCounts {
    fn get(&mut self, key: &str) -> Result<Option<Count>, ApiError> {
        Ok(self.map.get(key).copied())
    }

    fn put(&mut self, key: &str, count: Option<Count>) -> Result<(), ApiError> {
        let Some(count) = count else {
            self.map.remove(key);
            return Ok(());
        };
        if !self.map.contains_key(key) && self.map.len() >= self.capacity {
            let now = count.since.max(now_ms());
            let window = self.window_ms;
            self.map.retain(|_, c| now.saturating_sub(c.since) < window);
            if self.map.len() >= self.capacity
                && let Some(oldest) = self
                    .map
                    .iter()
                    .min_by_key(|(_, c)| c.since)
                    .map(|(k, _)| k.clone())
            {
                self.map.remove(&oldest);
            }
        }
        self.map.insert(key.to_string(), count);
        Ok(())
    }
}

/// Milliseconds since the epoch, now.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Limits of the sign-in throttle.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    /// Tries of one username from one address in a window.
    pub per_user: u32,
    /// Tries from one address, whatever the username, in a window.
    pub per_address: u32,
    pub window: Duration,
    /// Most keys remembered of each kind.
    pub capacity: usize,
}

impl ThrottleLimits {
    fn window_ms(&self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A counted sign-in try, handed back to [`settle`].
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The key of the address's count.
    address: String,
    /// The key of the username's count from that address.
    pair: String,
}

/// Counts a try of `username` from `address` in `counts`; Err with the seconds to wait when
/// either count is spent. A try is counted before its password is checked, so parallel
/// guesses cannot all slip under the limit; nothing counts per username alone, so a stranger
/// guessing from elsewhere cannot lock a user out. `username` must have passed
/// [`check_username`].
pub fn begin(
    counts: &mut dyn SignInCounts,
    limits: &ThrottleLimits,
    address: IpAddr,
    username: &str,
) -> Result<Attempt, ApiError> {
    let address = address_key(address);
    let attempt = Attempt {
        address: format!("a {address}"),
        pair: format!("u {address} {}", username.to_lowercase()),
    };
    let (window, now) = (limits.window_ms(), now_ms());
    let by_address = counts.get(&attempt.address)?;
    let by_pair = counts.get(&attempt.pair)?;
    let wait = pause(by_address, limits.per_address, window, now).max(pause(
        by_pair,
        limits.per_user,
        window,
        now,
    ));
    if let Some(seconds) = wait {
        return Err(ApiError::TooManyAttempts(seconds));
    }
    counts.put(&attempt.address, Some(bumped(by_address, window, now)))?;
    counts.put(&attempt.pair, Some(bumped(by_pair, window, now)))?;
    Ok(attempt)
}

/// Settles a counted try: a right password clears that username's count from that address
/// and takes back its count of the address; a try never checked (the server was busy) takes
/// back both; a wrong one stays counted.
pub fn settle(
    counts: &mut dyn SignInCounts,
    attempt: &Attempt,
    outcome: Outcome,
) -> Result<(), ApiError> {
    let take_back = |counts: &mut dyn SignInCounts, key: &str| -> Result<(), ApiError> {
        if let Some(c) = counts.get(key)? {
            let n = c.n.saturating_sub(1);
            counts.put(key, Some(Count { n, ..c }))?;
        }
        Ok(())
    };
    match outcome {
        Outcome::Failed => Ok(()),
        Outcome::Succeeded => {
            take_back(counts, &attempt.address)?;
            counts.put(&attempt.pair, None)
        }
        Outcome::NotChecked => {
            take_back(counts, &attempt.address)?;
            take_back(counts, &attempt.pair)
        }
    }
}

/// The sign-in throttle of a server: its limits, and its counts when it keeps them in memory
/// (`shared` false); when the database keeps them, the API runs [`begin`] and [`settle`] in a
/// write transaction over them instead.
pub struct Throttle {
    limits: ThrottleLimits,
    shared: bool,
    counts: Mutex<MemoryCounts>,
}

impl Throttle {
    pub fn new(limits: ThrottleLimits, shared: bool) -> Throttle {
        Throttle {
            limits,
            shared,
            counts: Mutex::new(MemoryCounts {
                map: HashMap::new(),
                // Addresses and username-address pairs, `capacity` of each.
                capacity: 2 * limits.capacity.max(1),
                window_ms: limits.window_ms(),
            }),
        }
    }

    pub fn limits(&self) -> ThrottleLimits {
        self.limits
    }

    /// The counts are the database's, shared by every server on it.
    pub fn shared(&self) -> bool {
        self.shared
    }

    /// [`begin`] over this server's own counts.
    pub fn begin(&self, address: IpAddr, username: &str) -> Result<Attempt, ApiError> {
        let mut counts = self
            .counts
            .lock()
            .map_err(|_| ApiError::Internal("throttle lock".into()))?;
        begin(&mut *counts, &self.limits, address, username)
    }

    /// [`settle`] over this server's own counts.
    pub fn settle(&self, attempt: &Attempt, outcome: Outcome) {
        if let Ok(mut counts) = self.counts.lock() {
            let _ = settle(&mut *counts, attempt, outcome);
        }
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.counts.lock().map_or(0, |c| c.map.len())
    }
}

/// How a counted sign-in try ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    NotChecked,
}

/// Bounds password hashing: at most `threads` hashes at once (each takes 19 MiB and a core),
/// at most `queue` waiting; more are refused with 503 and Retry-After instead of piling up.
pub struct HashGate {
    permits: tokio::sync::Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

/// Takes a waiting place back when the wait ends, also when the request is dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl HashGate {
    pub fn new(threads: usize, queue: usize) -> HashGate {
        HashGate {
            permits: tokio::sync::Semaphore::new(threads.max(1)),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    /// About one hash per core.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }

    /// Runs `f` (a hash or a verification) on the blocking pool under the bound.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(ApiError::Busy(1));
                }
                let _waiting = Waiting(&self.waiting);
                self.permits
                    .acquire()
                    .await
                    .map_err(|e| ApiError::Internal(format!("hash gate: {e}")))?
            }
        };
        let out = tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| ApiError::Internal(format!("password check: {e}")))?;
        drop(permit);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_use_argon2id() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(hash.contains("m=19456,t=2,p=1"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn token_hashes_are_sha256_in_lowercase_hex() {
        // Sessions already stored were hashed this way: the text must not change.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn limits(per_user: u32, per_address: u32, capacity: usize) -> ThrottleLimits {
        ThrottleLimits {
            per_user,
            per_address,
            window: Duration::from_secs(60),
            capacity,
        }
    }

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const STRANGER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 9));

    #[test]
    fn the_throttle_pauses_a_username_from_one_address_only() {
        let t = Throttle::new(limits(3, 100, 100), false);
        for _ in 0..3 {
            let a = t.begin(STRANGER, "Bob").unwrap();
            t.settle(&a, Outcome::Failed);
        }
        assert!(matches!(
            t.begin(STRANGER, "BOB"),
            Err(ApiError::TooManyAttempts(s)) if s > 0
        ));
        // Bob at home is not locked out by the stranger.
        let a = t.begin(HOME, "bob").unwrap();
        t.settle(&a, Outcome::Succeeded);
    }

    #[test]
    fn tries_are_counted_before_the_password_is_checked() {
        let t = Throttle::new(limits(3, 100, 100), false);
        // Three tries in flight at once: the fourth is refused before any is settled.
        let held: Vec<Attempt> = (0..3).map(|_| t.begin(HOME, "bob").unwrap()).collect();
        assert!(t.begin(HOME, "bob").is_err());
        for a in &held {
            t.settle(a, Outcome::NotChecked);
        }
        assert!(t.begin(HOME, "bob").is_ok());
    }

    #[test]
    fn one_address_is_paused_across_usernames() {
        let t = Throttle::new(limits(10, 5, 100), false);
        for i in 0..5 {
            let a = t.begin(STRANGER, &format!("user{i}")).unwrap();
            t.settle(&a, Outcome::Failed);
        }
        assert!(t.begin(STRANGER, "someone-else").is_err());
        assert!(t.begin(HOME, "someone-else").is_ok());
    }

    #[test]
    fn an_ipv6_client_counts_as_its_slash_64() {
        let t = Throttle::new(limits(10, 2, 100), false);
        for host in 1..=2u16 {
            let addr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, host));
            let a = t.begin(addr, "bob").unwrap();
            t.settle(&a, Outcome::Failed);
        }
        let next = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 9, 9, 9, 9));
        assert!(t.begin(next, "bob").is_err());
    }

    #[test]
    fn the_throttle_remembers_a_bounded_number_of_keys() {
        let t = Throttle::new(limits(10, 10, 50), false);
        for i in 0..1000u32 {
            let addr = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let a = t.begin(addr, &format!("user{i}")).unwrap();
            t.settle(&a, Outcome::Failed);
        }
        let remembered = t.remembered();
        assert!(remembered <= 100, "{remembered}");
    }

    #[test]
    fn usernames_are_checked_before_anything_else() {
        assert!(check_username("li.wei").is_ok());
        assert!(check_username(&"x".repeat(64)).is_ok());
        assert_eq!(
            check_username(&"x".repeat(65)),
            Err(UsernameError::Length(64))
        );
        assert_eq!(
            check_username(&"x".repeat(1 << 20)),
            Err(UsernameError::Length(64))
        );
        assert!(check_username("").is_err());
        for bad in [
            "evil\u{1b}]0;U\u{7}",
            "a\nb",
            "nul\u{0}",
            "c1\u{85}",
            "rtl\u{202e}x",
            "a b",
        ] {
            assert_eq!(
                check_username(bad),
                Err(UsernameError::Characters),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_request_digest_holds_no_password() {
        let request = |username: &str, password: &str| {
            serde_json::json!({"op": "create", "entity": "users",
                "body": {"username": username, "password": password, "role": "sales"}})
        };
        let digest = request_digest(&request("li", "Summer2026!"));
        // Guessing the password and hashing the body no longer finds it.
        assert_ne!(
            digest,
            sha256_hex(&request("li", "Summer2026!").to_string())
        );
        assert_eq!(digest, request_digest(&request("li", "Winter2027!")));
        assert_ne!(digest, request_digest(&request("wang", "Summer2026!")));
    }

    #[tokio::test]
    async fn the_hash_gate_refuses_past_its_queue() {
        let gate = std::sync::Arc::new(HashGate::new(1, 1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let g = gate.clone();
        let first = tokio::spawn(async move { g.run(move || hold.recv().is_ok()).await });
        while gate.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let g = gate.clone();
        let second = tokio::spawn(async move { g.run(|| 2).await });
        while gate.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(gate.run(|| 3).await, Err(ApiError::Busy(_))));
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
        assert_eq!(second.await.unwrap().unwrap(), 2);
        // Once the queue is empty again, hashing goes on.
        assert_eq!(gate.run(|| 4).await.unwrap(), 4);
        assert_eq!(gate.waiting.load(Ordering::SeqCst), 0);
    }
}
