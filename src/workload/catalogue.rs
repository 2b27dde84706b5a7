//! A catalogue of objects with Zipf popularity, sizes and content classes,
//! where newly published objects become the most popular.
//!
//! Popularity is by rank: rank k (0 = most popular) has Zipf probability
//! `p_(k+1)` over the `objects` live ranks (`workload::zipf`). Object ids grow
//! with publication: the object at rank k is `newest - k`, so publishing an
//! object gives it rank 0 and moves every other object one rank down (the
//! oldest falls out of the catalogue). With publications at rate nu an
//! object's popularity decays with its age, as for news and new releases.
//!
//! Sizes and classes live in tables indexed by `id mod table length` (a power
//! of two at least the catalogue size): the live ids are consecutive, so no
//! two live objects share a slot, and a request costs two array reads.

use rand::RngExt;

use super::sizes::SizeSpec;
use super::zipf::Zipf;
use crate::engine::SimRng;

/// The live objects, their popularity, sizes and classes.
#[derive(Clone, Debug)]
pub struct Catalogue {
    zipf: Zipf,
    sizes: Vec<u32>,
    classes: Vec<u8>,
    mask: u64,
    newest: u64,
    size_spec: SizeSpec,
    /// Cumulative shares of the content classes.
    class_cumulative: Vec<f64>,
}

/// The most content classes a catalogue may have.
pub const MAX_CLASSES: usize = 255;

impl Catalogue {
    /// A catalogue of `objects` objects with Zipf exponent `alpha`, sizes from
    /// `sizes` and classes drawn with probabilities `class_shares` (which sum
    /// to 1; at most [`MAX_CLASSES`]); every draw comes from `rng`.
    pub fn new(
        objects: u64,
        alpha: f64,
        sizes: &SizeSpec,
        class_shares: &[f64],
        rng: &mut SimRng,
    ) -> Result<Catalogue, String> {
        let zipf = Zipf::new(objects, alpha)?;
        let slots = objects.next_power_of_two();
        let mut total = 0.0;
        let class_cumulative: Vec<f64> = class_shares
            .iter()
            .map(|s| {
                total += s;
                total
            })
            .collect();
        let mut catalogue = Catalogue {
            zipf,
            sizes: vec![0; slots as usize],
            classes: vec![0; slots as usize],
            mask: slots - 1,
            newest: objects - 1,
            size_spec: sizes.clone(),
            class_cumulative,
        };
        for id in 0..slots {
            catalogue.draw(id, rng);
        }
        Ok(catalogue)
    }

    /// Draws the size and class of the object that takes slot `id`.
    fn draw(&mut self, id: u64, rng: &mut SimRng) {
        let slot = (id & self.mask) as usize;
        self.sizes[slot] = self.size_spec.sample(rng) as u32;
        let u: f64 = rng.random();
        let class = self
            .class_cumulative
            .partition_point(|&c| c <= u)
            .min(self.class_cumulative.len().saturating_sub(1));
        self.classes[slot] = class as u8;
    }

    /// Live objects.
    pub fn len(&self) -> u64 {
        self.zipf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.zipf.is_empty()
    }

    /// The id of the newest (most popular) object.
    pub fn newest(&self) -> u64 {
        self.newest
    }

    /// The object at popularity rank `rank` (0 = most popular), clamped to the catalogue.
    #[inline]
    pub fn object_at_rank(&self, rank: u64) -> u64 {
        self.newest - rank.min(self.len() - 1)
    }

    /// Draws the object of one request.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        self.newest - self.zipf.sample(rng)
    }

    /// The Zipf column a draw's first random word picks; a draw split in
    /// two ([`Catalogue::object_of`]) gives what [`Catalogue::sample`] gives
    /// for the same words.
    #[inline]
    pub fn column(&self, word: u64) -> usize {
        self.zipf.column(word)
    }

    /// Starts loading what [`Catalogue::object_of`] will read for `column`.
    #[inline]
    pub fn prefetch_column(&self, column: usize) {
        self.zipf.prefetch_column(column);
    }

    /// The object of a draw whose first word picked `column` and whose
    /// second is `coin_word`, with the ranks as they are now.
    #[inline]
    pub fn object_of(&self, column: usize, coin_word: u64) -> u64 {
        self.newest - self.zipf.resolve(column, coin_word)
    }

    /// The size of object `id` in bytes (a live or recently dropped id).
    #[inline]
    pub fn size(&self, id: u64) -> u64 {
        self.sizes[(id & self.mask) as usize] as u64
    }

    /// The content class of object `id`.
    #[inline]
    pub fn class(&self, id: u64) -> usize {
        self.classes[(id & self.mask) as usize] as usize
    }

    /// Publishes a new object, which takes rank 0; returns its id.
    pub fn publish(&mut self, rng: &mut SimRng) -> u64 {
        self.newest += 1;
        self.draw(self.newest, rng);
        self.newest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    #[test]
    fn publishing_moves_every_object_down_one_rank() {
        let mut rng = Streams::new(1).stream("catalogue-test", 0);
        let mut c = Catalogue::new(5, 1.0, &SizeSpec::fixed(100), &[1.0], &mut rng).unwrap();
        assert_eq!(c.object_at_rank(0), 4);
        assert_eq!(c.object_at_rank(4), 0);
        let id = c.publish(&mut rng);
        assert_eq!(id, 5);
        assert_eq!(c.object_at_rank(0), 5);
        assert_eq!(c.object_at_rank(4), 1);
        assert_eq!(c.size(5), 100);
        for _ in 0..1_000 {
            let o = c.sample(&mut rng);
            assert!((1..=5).contains(&o));
        }
    }

    #[test]
    fn classes_follow_their_shares() {
        let mut rng = Streams::new(1).stream("catalogue-test", 1);
        let c = Catalogue::new(10_000, 0.8, &SizeSpec::fixed(1), &[0.25, 0.75], &mut rng).unwrap();
        let ones = (0..10_000).filter(|&id| c.class(id) == 1).count();
        assert!((ones as f64 / 10_000.0 - 0.75).abs() < 0.02, "{ones}");
    }
}
