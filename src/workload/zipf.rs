//! Zipf popularity over a finite catalogue: exact probabilities
//! `p_k = k^-alpha / sum_j j^-alpha` (rank k = 1..=N) and O(1) sampling with
//! Walker's alias method (Vose's construction, numerically stable).
//!
//! Object `i` (0-based) has rank `i + 1`, so object 0 is the most popular.
//! Building costs O(N) time and 24 bytes per object.
//!
//! A column's keep probability and alias sit side by side in one 16-byte,
//! 16-aligned cell, so a draw reads one cache line (two separate arrays
//! cost two misses a draw once the tables outgrow the CPU caches: 200k
//! objects take 3.2 MB). A draw can be split at its two random words
//! ([`Zipf::column`], then [`Zipf::resolve`]) so that a caller which draws
//! its words early can warm the column's line in between
//! ([`Zipf::prefetch_column`]); the result is the same as [`Zipf::sample`]'s
//! for the same words.

use rand::Rng;

/// A Zipf distribution over `n` objects.
#[derive(Clone, Debug)]
pub struct Zipf {
    probabilities: Vec<f64>,
    /// Alias method: column `i` keeps itself with probability
    /// `columns[i].keep`, otherwise yields `columns[i].alias`.
    columns: Vec<Column>,
}

/// One column of the alias tables: a cache line holds four, and none
/// straddles two lines.
#[derive(Copy, Clone, Debug)]
#[repr(C, align(16))]
struct Column {
    keep: f64,
    alias: u32,
}

impl Zipf {
    /// Zipf over `n` objects with exponent `alpha` (0 is uniform).
    pub fn new(n: u64, alpha: f64) -> Result<Zipf, String> {
        if n == 0 || n > u32::MAX as u64 {
            return Err(format!(
                "a Zipf catalogue needs 1 to {} objects; got {n}",
                u32::MAX
            ));
        }
        if !alpha.is_finite() || alpha < 0.0 {
            return Err(format!(
                "the Zipf exponent must be a finite number >= 0; got {alpha}"
            ));
        }
        let weights: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-alpha)).collect();
        // Sum smallest first for accuracy.
        let total: f64 = weights.iter().rev().sum();
        let probabilities: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let (keep, alias) = vose(&probabilities);
        let columns = keep
            .into_iter()
            .zip(alias)
            .map(|(keep, alias)| Column { keep, alias })
            .collect();
        Ok(Zipf {
            probabilities,
            columns,
        })
    }

    pub fn len(&self) -> u64 {
        self.probabilities.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.probabilities.is_empty()
    }

    /// The probability of object `index` (0-based).
    pub fn probability(&self, index: u64) -> f64 {
        self.probabilities[index as usize]
    }

    /// All probabilities, most popular first.
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }

    /// Draws an object index (0-based) from two 64-bit random words.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let column = self.column(rng.next_u64());
        self.resolve(column, rng.next_u64())
    }

    /// The column a draw's first random word picks (Lemire's multiply-shift).
    #[inline]
    pub fn column(&self, word: u64) -> usize {
        ((word as u128 * self.columns.len() as u128) >> 64) as usize
    }

    /// Starts loading `column`'s cache line (a hint; changes nothing).
    #[inline]
    pub fn prefetch_column(&self, column: usize) {
        crate::cache::slab::prefetch(&self.columns[column]);
    }

    /// The object index of a draw whose first word picked `column` and
    /// whose second word is `coin_word`.
    #[inline]
    pub fn resolve(&self, column: usize, coin_word: u64) -> u64 {
        // 53 random bits: a uniform double in [0, 1).
        let coin = (coin_word >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let c = self.columns[column];
        if coin < c.keep {
            column as u64
        } else {
            c.alias as u64
        }
    }
}

/// Vose's alias tables for `p` (summing to 1).
fn vose(p: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let n = p.len();
    let mut keep: Vec<f64> = p.iter().map(|&x| x * n as f64).collect();
    let mut alias: Vec<u32> = (0..n as u32).collect();
    let (mut small, mut large): (Vec<u32>, Vec<u32>) =
        (0..n as u32).partition(|&i| keep[i as usize] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        alias[s as usize] = l;
        keep[l as usize] -= 1.0 - keep[s as usize];
        if keep[l as usize] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left is 1 up to rounding.
    for i in large.into_iter().chain(small) {
        keep[i as usize] = 1.0;
    }
    (keep, alias)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    #[test]
    fn probabilities_are_exact() {
        let z = Zipf::new(3, 1.0).unwrap();
        let h = 1.0 + 0.5 + 1.0 / 3.0;
        assert!((z.probability(0) - 1.0 / h).abs() < 1e-15);
        assert!((z.probability(2) - 1.0 / 3.0 / h).abs() < 1e-15);
        assert!((z.probabilities().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn alias_tables_reproduce_the_probabilities() {
        let z = Zipf::new(1000, 0.9).unwrap();
        // The probability the alias tables give each object, computed exactly.
        let n = z.len() as usize;
        let mut implied = vec![0.0; n];
        for (i, c) in z.columns.iter().enumerate() {
            implied[i] += c.keep / n as f64;
            implied[c.alias as usize] += (1.0 - c.keep) / n as f64;
        }
        for (i, q) in implied.iter().enumerate() {
            assert!((q - z.probability(i as u64)).abs() < 1e-12, "object {i}");
        }
    }

    #[test]
    fn samples_follow_the_distribution() {
        let z = Zipf::new(10, 1.0).unwrap();
        let mut rng = Streams::new(1).stream("zipf-test", 0);
        let mut counts = [0u32; 10];
        let draws = 200_000;
        for _ in 0..draws {
            counts[z.sample(&mut rng) as usize] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let expected = z.probability(i as u64) * draws as f64;
            assert!(
                (c as f64 - expected).abs() < 5.0 * expected.sqrt(),
                "object {i}: {c} vs {expected}"
            );
        }
    }

    #[test]
    fn a_split_draw_is_the_same_draw() {
        let z = Zipf::new(1000, 0.8).unwrap();
        let mut a = Streams::new(3).stream("zipf-test", 2);
        let mut b = Streams::new(3).stream("zipf-test", 2);
        for _ in 0..10_000 {
            let column = z.column(b.next_u64());
            z.prefetch_column(column);
            assert_eq!(z.sample(&mut a), z.resolve(column, b.next_u64()));
        }
        assert_eq!(std::mem::size_of::<Column>(), 16);
        assert_eq!(std::mem::align_of::<Column>(), 16);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Zipf::new(0, 1.0).is_err());
        assert!(Zipf::new(10, -1.0).is_err());
        assert!(Zipf::new(10, f64::NAN).is_err());
    }
}
