//! A small seeded generator (SplitMix64) for the fuzz and swarm inputs:
//! the same seed gives the same input on every machine, so a failure's
//! seed is all that is needed to replay it.
#![allow(dead_code)]

pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen(seed ^ 0x6564_6765_7369_6d21)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index into a slice of `len` items.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// A uniform float in `[lo, hi)`.
    pub fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A number near an edge: 0, 1, a power of two or ten, or the limits of
    /// the integer types (as text, so it can overflow what a reader takes).
    pub fn edge_number(&mut self) -> String {
        match self.below(10) {
            0 => "0".into(),
            1 => "1".into(),
            2 => "-1".into(),
            3 => u64::MAX.to_string(),
            4 => (u64::MAX as u128 + 1).to_string(),
            5 => i64::MIN.to_string(),
            6 => (1u64 << self.below(64)).to_string(),
            7 => format!("1e{}", self.below(400)),
            8 => "99999999999999999999999999999999999999".into(),
            _ => self.below(1000).to_string(),
        }
    }
}
