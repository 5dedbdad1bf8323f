//! The seeded randomness every choice comes from.
//!
//! splitmix64, as the project generator of `specproof bench` (`src/bench/generate.rs`) uses: tiny,
//! fast, well mixed, dependency-free. Each table,
//! column and join pool draws from its own stream, derived from the seed and its name, so that
//! adding a table to a spec leaves every other table's data as it was.

/// A splitmix64 stream.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// The stream for `seed` and the names of what it generates.
    pub(crate) fn for_parts(seed: u64, parts: &[&str]) -> Rng {
        Rng(stream_seed(seed, parts))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        finalize(self.0)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        below(self.next_u64(), n)
    }
}

/// A number in `0..n` from 64 random bits, without the bias of `%` (multiply-high).
pub(crate) fn below(bits: u64, n: u64) -> u64 {
    ((u128::from(bits) * u128::from(n)) >> 64) as u64
}

/// splitmix64's output function.
pub(crate) fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream seed from the dataset's seed and names (FNV-1a over the names, then mixed).
pub(crate) fn stream_seed(seed: u64, parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    finalize(seed ^ finalize(hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_seed_and_names() {
        let a: Vec<u64> = (0..4).map(|_| 0).scan(Rng::for_parts(1, &["t", "c"]), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..4).scan(Rng::for_parts(1, &["t", "c"]), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(stream_seed(1, &["t", "c"]), stream_seed(2, &["t", "c"]));
        assert_ne!(stream_seed(1, &["tc"]), stream_seed(1, &["t", "c"]));
        for n in [1, 2, 7, 1000] {
            assert!((0..100).all(|i| below(finalize(i), n) < n));
        }
        assert_eq!(below(u64::MAX, 0), 0);
    }
}
