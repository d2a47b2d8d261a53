//! The PRNG and the fingerprint sets of names, phones and mails handed out.

use super::SEED;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// splitmix64: tiny, fast, and good enough for demo data.
pub(super) struct Rng(pub(super) u64);

/// The streams the generator draws from: each customer, ticket and activity has its own, so
/// a draw that depends on the time of day (whether a call is already past, say) cannot shift
/// what every later record gets.
pub(super) const CUSTOMERS: u64 = 1;
pub(super) const TICKETS: u64 = 2;
pub(super) const ACTIVITIES: u64 = 3;
pub(super) const RIVALS: u64 = 4;
pub(super) const QUOTES: u64 = 5;
pub(super) const ORDERS: u64 = 6;
pub(super) const APPROVALS: u64 = 6;
pub(super) const KNOWLEDGE: u64 = 13;
pub(super) const MARKETING: u64 = 8;

impl Rng {
    /// Stream `item` of `kind`.
    pub(super) fn stream(kind: u64, item: usize) -> Rng {
        let mut rng = Rng(SEED ^ kind.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.0 ^= rng.next() ^ (item as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        rng
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0). Multiply-shift: the bias is far below notice.
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`; `lo` when the range is empty. Always one draw, so the draws
    /// that follow do not depend on the range.
    pub(super) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(0) as usize + 1) as i64
    }

    pub(super) fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Picks nearer the front more often: for lists ordered from common to rare.
    pub(super) fn pick_skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let a = self.below(items.len());
        let b = self.below(items.len());
        &items[a.min(b)]
    }

    pub(super) fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        let mut roll = self.below(total.max(1) as usize) as u32;
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[items.len() - 1].0
    }

    /// `pattern` with each `#` replaced by a digit and each `@` by a capital letter.
    pub(super) fn fill(&mut self, pattern: &str) -> String {
        pattern
            .chars()
            .map(|c| match c {
                '#' => char::from(b'0' + self.below(10) as u8),
                '@' => char::from(b'A' + self.below(26) as u8),
                other => other,
            })
            .collect()
    }
}

/// The sets of fingerprints need no second hash.
#[derive(Default)]
pub(super) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes
            .iter()
            .fold(self.0, |h, b| h.rotate_left(8) ^ u64::from(*b));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(super) type Fingerprints = HashSet<u64, BuildHasherDefault<Prehashed>>;

/// FNV-1a: a fixed hash for the sets of names, phones and mails already handed out, so a million
/// of them cost eight bytes each.
pub(super) fn fingerprint(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
