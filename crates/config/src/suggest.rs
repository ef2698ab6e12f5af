//! "Did you mean ...?" for unknown names.
//!
//! Typos in ids and class names are the commonest configuration mistake
//! (`verbos` for `verbose`, `logging.StreamHandeler`). The closest candidate by
//! optimal-string-alignment distance (Levenshtein plus transpositions) is
//! suggested when it is close enough to be a plausible typo: at most a third of the
//! name's length, and at least one edit. A candidate that differs only in case
//! always qualifies (`info` for `INFO`).

/// `"; did you mean 'x'?"`, or `""` when no candidate is close.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match closest(name, candidates) {
        Some(c) => format!("; did you mean {}?", crate::convert::py_repr(c)),
        None => String::new(),
    }
}

/// The closest plausible candidate.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Names longer than this are not compared: the distance is quadratic.
    const MAX_LEN: usize = 256;
    let n: Vec<char> = name.chars().collect();
    if n.len() > MAX_LEN {
        return None;
    }
    let limit = (n.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name || c.chars().count() > MAX_LEN {
            continue;
        }
        let d = if c.to_lowercase() == name.to_lowercase() {
            0
        } else {
            osa_distance(&n, &c.chars().collect::<Vec<_>>())
        };
        let better = match best {
            Some((bd, _)) => d < bd,
            None => true,
        };
        if d <= limit && better {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn osa_distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("verbos", ["verbose", "simple"]),
            "; did you mean 'verbose'?"
        );
        assert_eq!(
            did_you_mean(
                "logging.StreamHandeler",
                ["logging.StreamHandler", "logging.FileHandler"]
            ),
            "; did you mean 'logging.StreamHandler'?"
        );
        assert_eq!(
            did_you_mean("info", ["INFO", "DEBUG"]),
            "; did you mean 'INFO'?"
        );
        assert_eq!(did_you_mean("ab", ["ba"]), "; did you mean 'ba'?");
        assert_eq!(did_you_mean("nope", ["verbose", "simple"]), "");
        assert_eq!(did_you_mean("x", Vec::<&str>::new()), "");
        assert_eq!(did_you_mean("same", ["same"]), "");
    }
}
