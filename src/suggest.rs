//! "Did you mean": the names nearest a misspelt one, by edit distance
//! (optimal string alignment: insertions, deletions, substitutions and
//! swaps of two neighbours, each counting 1), case-insensitive. One helper
//! for every message that names what was expected: keys, model, region,
//! PoP and cache policy names, Cache-Control directives.

/// The largest distance at which `candidate` still counts as near a word
/// of `len` characters: 1 up to 3 characters, 2 up to 8, then a third of
/// the length (so short words do not match everything).
fn threshold(len: usize) -> usize {
    match len {
        0..=3 => 1,
        4..=8 => 2,
        _ => len / 3,
    }
}

/// Edit distance between `a` and `b` (optimal string alignment), on
/// lower-cased characters.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, slot) in d.iter_mut().step_by(width).enumerate() {
        *slot = i;
    }
    for (j, slot) in d.iter_mut().take(width).enumerate() {
        *slot = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The candidates near `word`, nearest first (ties in the candidates'
/// order); an exact match ignoring case comes first.
pub fn nearest<'a, I>(word: &str, candidates: I) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = threshold(word.chars().count());
    let mut near: Vec<(usize, usize, &'a str)> = candidates
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let d = distance(word, c);
            (d <= limit).then_some((d, i, c))
        })
        .collect();
    near.sort_by_key(|&(d, i, _)| (d, i));
    near.into_iter().map(|(_, _, c)| c).collect()
}

/// `did you mean "x"?` (or `"x" or "y"`) for the nearest candidates of
/// `word`, or `None` when none is near.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let near = nearest(word, candidates);
    let shown: Vec<String> = near
        .iter()
        .filter(|c| **c != word)
        .take(2)
        .map(|c| format!("\"{c}\""))
        .collect();
    (!shown.is_empty()).then(|| format!("did you mean {}?", shown.join(" or ")))
}

/// `message` with `; did you mean "x"?` appended when a candidate is near.
pub fn with_hint<'a, I>(message: String, word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match did_you_mean(word, candidates) {
        Some(hint) => format!("{message}; {hint}"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_edits_and_swaps() {
        assert_eq!(distance("max-agee", "max-age"), 1);
        assert_eq!(distance("requst_rate", "request_rate"), 1);
        assert_eq!(distance("Sidney", "Sydney"), 1);
        assert_eq!(distance("lur", "lru"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_near_names_nearest_first() {
        let names = ["request_rate", "regions", "report_regions", "mode"];
        assert_eq!(nearest("requst_rate", names), ["request_rate"]);
        assert_eq!(
            did_you_mean("requst_rate", names).unwrap(),
            "did you mean \"request_rate\"?"
        );
        assert!(did_you_mean("zzz", names).is_none());
        assert_eq!(nearest("MODE", names), ["mode"]);
        assert!(nearest("ab", ["cd"]).is_empty());
    }
}
