//! A record's `created` split once into the whole second and the milliseconds.
//!
//! `asctime` needs the whole second (`floor`, for `time.localtime`) and, with the
//! default `default_msec_format`, the milliseconds; `%(msecs)03d` needs the
//! milliseconds again. Python computes `record.msecs` as
//! `int((created - int(created)) * 1000)`, truncating towards zero, where the
//! second is floored: the two agree for every `created` at or after 1970, which is
//! the only case this type covers. Anything else (before 1970, NaN, infinite, or
//! beyond 2**52) has no [`Stamp`] and takes the general path, which follows
//! Python's arithmetic literally.
//!
//! The benchmark helper's callgrind profile of the previous design showed 46
//! instructions per record spent flooring `created` for `asctime` and truncating
//! it again for `msecs` (through libm's `trunc`: x86-64 has no SSE4.1 by
//! default); splitting once is a few conversions.

/// The whole second and the milliseconds of a `created` at or after 1970.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// `floor(created)`, which here is also `int(created)`.
    pub(crate) secs: i64,
    /// `int((created - int(created)) * 1000)`, below 1000.
    pub(crate) ms: u32,
}

/// 2**52: below it a cast to `i64` truncates exactly (larger floats have no
/// fractional part, but stay on the general path all the same).
const EXACT: f64 = 4_503_599_627_370_496.0;

impl Stamp {
    /// The split of `created`, or `None` for the values the general path handles.
    #[inline]
    pub(crate) fn of(created: f64) -> Option<Stamp> {
        // `0.0 <= created < EXACT` as one integer comparison: the bits of the
        // non-negative floats are in their order, and NaN, the infinity and
        // every negative float (-0.0 too, which the general path writes the
        // same as 0.0) have bits at or above `EXACT`'s. (Callgrind,
        // `examples/format_cost.rs`, instructions per record against the two
        // float comparisons: the comparison layout 269 -> 267, `unfused` 307
        // -> 300.)
        if created.to_bits() >= EXACT.to_bits() {
            return None;
        }
        // `as` would saturate, which the checks above make pointless and which
        // costs 12 instructions per record (callgrind, the comparison layout).
        // SAFETY: `created` is finite and in `0.0..2**52`: its integer part fits
        // an `i64`.
        let secs: i64 = unsafe { created.to_int_unchecked() };
        // `created - secs` is exact; the product is truncated as Python's `int()`.
        // SAFETY: the fraction is in `0.0..1.0`, so the product is finite and in
        // `0.0..=1000.0`: it fits a `u32`.
        let ms: u32 = unsafe { ((created - secs as f64) * 1000.0).to_int_unchecked() };
        // Never true (the largest fraction, 1 - 2**-53, times 1000 rounds to
        // 999.9999999999999), but cheap to keep.
        if ms >= 1000 {
            return None;
        }
        Some(Stamp { secs, ms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::floor_seconds;
    use crate::value::msecs;

    #[test]
    fn agrees_with_the_general_arithmetic() {
        let values = [
            0.0,
            0.000_999_9,
            0.001,
            0.999_999_999_999_999_9,
            1.0,
            946_684_800.0,
            1_700_000_000.125,
            1_709_251_199.999_023_4,
            1_738_324_800.000_001,
            4_503_599_627_370_495.5,
        ];
        for created in values {
            let s = Stamp::of(created).unwrap();
            assert_eq!(Ok(s.secs), floor_seconds(created), "{created}");
            assert_eq!(f64::from(s.ms), msecs(created), "{created}");
        }
    }

    #[test]
    fn leaves_the_rest_to_the_general_path() {
        for created in [
            -0.5,
            -1.0,
            -1e-300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            EXACT,
            1e300,
        ] {
            assert_eq!(Stamp::of(created), None, "{created}");
        }
        // -0.0 too (its second is 0 and msecs is 0.0 in Python, as the general
        // path has it).
        assert_eq!(Stamp::of(-0.0), None);
        assert_eq!(
            Stamp::of(f64::from_bits(EXACT.to_bits() - 1)).unwrap().secs,
            (1 << 52) - 1
        );
        assert_eq!(Stamp::of(f64::MIN_POSITIVE), Some(Stamp { secs: 0, ms: 0 }));
    }
}
