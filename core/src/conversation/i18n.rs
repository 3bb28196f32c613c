//! Every word the assistant says, in French and English, read from translation files so that
//! translators never touch Rust. The files use a small subset of Fluent: `key = text`, indented
//! continuation lines, `{ $name }` placeholders, and `**bold**` (parsed into spans, so an argument
//! typed by a user can never inject formatting).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::reply::Span;
use crate::domain::Lang;

/// Each language's files, read as one: the conversation (`main.ftl`) and the words of the
/// commands and the front-ends (`frontend.ftl`).
const FR: &[&str] =
    &[include_str!("../../locales/fr/main.ftl"), include_str!("../../locales/fr/frontend.ftl")];
const EN: &[&str] =
    &[include_str!("../../locales/en/main.ftl"), include_str!("../../locales/en/frontend.ftl")];

fn parse_files(files: &[&str]) -> HashMap<String, String> {
    files.iter().flat_map(|f| parse_file(f)).collect()
}

/// Arguments substituted into a message.
pub type Args<'a> = &'a [(&'a str, String)];

/// Parses one translation file into its messages.
#[must_use]
pub fn parse_file(text: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            if line.trim().is_empty() {
                current = None;
            }
            continue;
        }
        if line.starts_with(' ') {
            if let Some(key) = &current
                && let Some(value) = out.get_mut(key)
            {
                if !value.is_empty() {
                    value.push('\n');
                }
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let key = key.trim().to_owned();
            out.insert(key.clone(), value.trim().to_owned());
            current = Some(key);
        }
    }
    out
}

fn bundle(lang: Lang) -> &'static HashMap<String, String> {
    static FR_B: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN_B: OnceLock<HashMap<String, String>> = OnceLock::new();
    match lang {
        Lang::Fr => FR_B.get_or_init(|| parse_files(FR)),
        Lang::En => EN_B.get_or_init(|| parse_files(EN)),
    }
}

/// Whether `key` is translated in `lang`.
#[must_use]
pub fn has_key(lang: Lang, key: &str) -> bool {
    bundle(lang).contains_key(key)
}

/// The keys of both languages, for the completeness test.
#[must_use]
pub fn keys(lang: Lang) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = bundle(lang).keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// The raw template of a key; a missing key shows as ⟦key⟧, which tests look for.
/// Borrowed from the bundle: a step says many messages, and none needs its own copy.
fn template(lang: Lang, key: &str) -> Cow<'static, str> {
    match bundle(lang).get(key) {
        Some(t) => Cow::Borrowed(t),
        None => Cow::Owned(format!("⟦{key}⟧")),
    }
}

fn substitute(text: &str, args: Args<'_>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim().trim_start_matches('$');
        match args.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => out.push_str(v),
            None => {
                out.push('⟦');
                out.push_str(name);
                out.push('⟧');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A message as styled spans.
#[must_use]
pub fn spans(lang: Lang, key: &str, args: Args<'_>) -> Vec<Span> {
    let t = template(lang, key);
    t.split("**")
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| {
            let text = substitute(part, args);
            if i % 2 == 1 { Span::Bold(text) } else { Span::Plain(text) }
        })
        .collect()
}

/// The key of a message about `n` things: `KEY-one` for the singular where the file has it
/// (French counts 0 and 1 as singular, English only 1), `KEY` otherwise.
#[must_use]
pub fn counted(lang: Lang, key: &str, n: usize) -> String {
    let singular = match lang {
        Lang::Fr => n <= 1,
        Lang::En => n == 1,
    };
    let one = format!("{key}-one");
    if singular && bundle(lang).contains_key(&one) { one } else { key.to_owned() }
}

/// A message as plain text (button labels, list items).
#[must_use]
pub fn tr(lang: Lang, key: &str, args: Args<'_>) -> String {
    let t = template(lang, key);
    if t.contains("**") { substitute(&t.replace("**", ""), args) } else { substitute(&t, args) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages() {
        let fr = keys(Lang::Fr);
        let en = keys(Lang::En);
        let missing_en: Vec<_> = fr.iter().filter(|k| !en.contains(k)).collect();
        let missing_fr: Vec<_> = en.iter().filter(|k| !fr.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
        assert!(missing_fr.is_empty(), "missing in fr: {missing_fr:?}");
    }

    /// A key written twice in the files would silently lose one of its two texts.
    #[test]
    fn no_key_is_written_twice() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        for lang in ["fr", "en"] {
            let mut seen = std::collections::HashMap::new();
            for file in ["main.ftl", "frontend.ftl"] {
                let text = std::fs::read_to_string(dir.join(lang).join(file)).unwrap();
                for line in text.lines() {
                    let Some((key, _)) = line.split_once(" =") else { continue };
                    if key.is_empty() || key.starts_with([' ', '#']) {
                        continue;
                    }
                    if let Some(first) = seen.insert(key.to_owned(), file) {
                        panic!("{lang}: {key} is written in {first} and again in {file}");
                    }
                }
            }
        }
    }

    /// Every kebab-case literal of the flows names a message: a key typed wrong in the code fails
    /// here, not in front of a user. (`payload.rs` holds button codes, not keys.)
    #[test]
    fn every_key_the_code_names_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/conversation");
        let en = keys(Lang::En);
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == "payload.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, literal) in text.split('"').enumerate() {
                let kebab = i % 2 == 1
                    && literal.contains('-')
                    && literal.split('-').all(|w| {
                        !w.is_empty()
                            && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                    })
                    && literal.starts_with(|c: char| c.is_ascii_lowercase());
                if kebab && !en.contains(&literal) {
                    missing.push(format!("{}: {literal}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys named in the code but not translated: {missing:?}");
    }

    #[test]
    fn placeholders_match_between_languages() {
        let names = |t: &str| {
            let mut v: Vec<String> = t
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.trim().to_owned()))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        for key in keys(Lang::Fr) {
            assert_eq!(
                names(&template(Lang::Fr, key)),
                names(&template(Lang::En, key)),
                "placeholders of {key} differ"
            );
        }
    }

    #[test]
    fn bold_is_a_span_and_arguments_cannot_inject_it() {
        let spans = {
            let t = "Hello **{ $name }** !";
            t.split("**")
                .enumerate()
                .map(|(i, p)| (i, substitute(p, &[("name", "**x**".to_owned())])))
                .collect::<Vec<_>>()
        };
        assert_eq!(spans[1].1, "**x**");
        assert_eq!(substitute("{ $a } and { $b }", &[("a", "1".into())]), "1 and ⟦b⟧");
    }
}
