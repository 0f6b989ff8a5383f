//! Tokenization with the `tokenizers` crate: a word-level vocabulary plus a pre-tokenizer
//! chosen by [`TokenizerKind`]. Whitespace separates tokens only for `space` tokenizers; the
//! others drop it (SMILES never contain spaces, so the seed's space-separated format loses nothing).

use std::collections::HashMap;

use tokenizers::models::wordlevel::WordLevel;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
use tokenizers::{PreTokenizerWrapper, SplitDelimiterBehavior, Tokenizer};

use crate::bundle::TokenizerKind;
use crate::error::{Error, Result};

/// Schwaller et al.'s SMILES tokenization regex (Molecular Transformer).
pub const SMILES_REGEX: &str =
    r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|\%[0-9]{2}|[0-9])";

/// REINVENT's SMILES tokenization as one leftmost-first pattern: brackets first, then `%nn`,
/// then the two-letter halogens, then single characters (the order REINVENT splits in).
pub const REINVENT_SMILES_REGEX: &str = r"\[[^\]]*\]|%[0-9]{2}|Br|Cl|.";

pub struct SideTokenizer {
    inner: Tokenizer,
    kind: TokenizerKind,
    id_to_token: Vec<String>,
}

impl SideTokenizer {
    /// Builds the `tokenizers` JSON for a vocabulary (index = id). Importers call this.
    pub fn build_json(vocab: &[String], unk: &str, kind: TokenizerKind) -> Result<String> {
        let map: HashMap<String, u32> = vocab.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        if map.len() != vocab.len() {
            return Err(Error::Tokenizer("vocabulary has duplicate tokens".into()));
        }
        if !map.contains_key(unk) {
            return Err(Error::Tokenizer(format!("unknown token '{unk}' is not in the vocabulary")));
        }
        let model = WordLevel::builder()
            .vocab(map.into_iter().collect())
            .unk_token(unk.to_string())
            .build()
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let mut tok = Tokenizer::new(model);
        let pre: PreTokenizerWrapper = match kind {
            TokenizerKind::Space => WhitespaceSplit.into(),
            TokenizerKind::Smiles => split_regex(SMILES_REGEX)?.into(),
            TokenizerKind::Char => split_regex(r"\S")?.into(),
            TokenizerKind::ReinventSmiles => split_regex(REINVENT_SMILES_REGEX)?.into(),
        };
        tok.with_pre_tokenizer(Some(pre));
        tok.to_string(false).map_err(|e| Error::Tokenizer(e.to_string()))
    }

    pub fn from_json(json: &str, kind: TokenizerKind) -> Result<Self> {
        let inner: Tokenizer =
            checked_json(json)?.parse().map_err(|e| Error::Tokenizer(format!("bad tokenizer JSON: {e}")))?;
        let vocab = inner.get_vocab(false);
        let mut id_to_token = vec![String::new(); vocab.len()];
        for (t, id) in vocab {
            let slot = id_to_token
                .get_mut(id as usize)
                .ok_or_else(|| Error::Tokenizer(format!("token id {id} is outside the vocabulary")))?;
            *slot = t;
        }
        Ok(SideTokenizer { inner, kind, id_to_token })
    }

    pub fn vocab_size(&self) -> usize {
        self.id_to_token.len()
    }

    pub fn kind(&self) -> TokenizerKind {
        self.kind
    }

    /// Splits text into tokens by the bundle's rule: a `space` tokenizer splits on whitespace;
    /// the others drop all whitespace first (a SMILES never contains any, so the seed's
    /// character-split `C l` is `Cl`), then apply their pattern.
    pub fn tokenize(&self, text: &str) -> Result<Vec<String>> {
        if self.kind == TokenizerKind::Space {
            return Ok(text.split_whitespace().map(str::to_string).collect());
        }
        let joined: String = text.split_whitespace().collect();
        let enc = self.inner.encode(joined.as_str(), false).map_err(|e| Error::Tokenizer(e.to_string()))?;
        // The pre-tokenizer's pieces, not the vocabulary's tokens: an unknown piece keeps its
        // text (so replace_unk can copy it) and maps to the unknown id in `ids`.
        let offsets = enc.get_offsets();
        Ok(offsets.iter().map(|(s, e)| joined[*s..*e].to_string()).collect())
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    pub fn id_to_token(&self, id: u32) -> Option<&str> {
        self.id_to_token.get(id as usize).map(String::as_str)
    }

    /// Joins tokens as the tokenizer kind expects: SMILES and characters concatenate,
    /// space-tokenized text keeps its spaces.
    pub fn detokenize(&self, tokens: &[String]) -> String {
        match self.kind {
            TokenizerKind::Space => tokens.join(" "),
            TokenizerKind::Smiles | TokenizerKind::Char | TokenizerKind::ReinventSmiles => tokens.concat(),
        }
    }
}

/// Parts of the `tokenizers` JSON that [`SideTokenizer::build_json`] never writes. The
/// `tokenizers` crate panics (`expect`) on some malformed decoders and normalizers instead of
/// returning an error, so a bundle holding one is refused here, before that parser sees it.
const UNUSED_PARTS: [&str; 2] = ["normalizer", "decoder"];

/// The tokenizer JSON as `tokenizers` may safely parse it: valid JSON (a syntax error inside a
/// decoder panics in `tokenizers`, fuzz finding), an object, no [`UNUSED_PARTS`]. Returned
/// re-serialized, so a key given twice reaches `tokenizers` once, as checked here.
fn checked_json(json: &str) -> Result<String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Error::Tokenizer(format!("bad tokenizer JSON: {e}")))?;
    let fields = value.as_object().ok_or_else(|| Error::Tokenizer("bad tokenizer JSON: not an object".into()))?;
    if let Some(part) = UNUSED_PARTS.iter().find(|p| fields.get(**p).is_some_and(|v| !v.is_null())) {
        return Err(Error::Tokenizer(format!(
            "the tokenizer JSON has a {part}, which Retort's tokenizers never have (a hand-made or corrupt bundle)"
        )));
    }
    Ok(value.to_string())
}

fn split_regex(pattern: &str) -> Result<Split> {
    Split::new(SplitPattern::Regex(pattern.to_string()), SplitDelimiterBehavior::Isolated, false)
        .map_err(|e| Error::Tokenizer(format!("bad pre-tokenizer pattern: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{random_bundle, small_spec};
    use crate::Engine;

    fn vocab() -> Vec<String> {
        ["<unk>", "C", "O", "Cl"].iter().map(|t| t.to_string()).collect()
    }

    fn refusal(json: &str) -> String {
        match SideTokenizer::from_json(json, TokenizerKind::Smiles) {
            Ok(_) => "no error".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn built_tokenizers_load() {
        let json = SideTokenizer::build_json(&vocab(), "<unk>", TokenizerKind::Smiles).unwrap();
        let t = SideTokenizer::from_json(&json, TokenizerKind::Smiles).unwrap();
        assert_eq!(t.tokenize("CCl O").unwrap(), ["C", "Cl", "O"]);
        assert_eq!(t.vocab_size(), 4);
    }

    /// Fuzz finding (bundle target): a syntax error where the decoder goes made `tokenizers`
    /// panic ("Helper") while loading the bundle; decoders and normalizers it would parse are
    /// refused too.
    #[test]
    fn malformed_or_foreign_tokenizer_parts_are_errors_not_panics() {
        let json = SideTokenizer::build_json(&vocab(), "<unk>", TokenizerKind::Smiles).unwrap();
        assert!(json.contains("\"decoder\":null"), "{json}");
        let garbled = json.replace("\"decoder\":null", "\"decoder\":,nlul");
        assert!(refusal(&garbled).starts_with("tokenizer: bad tokenizer JSON"), "{}", refusal(&garbled));
        for (part, value) in [("decoder", r#"{"type":"Fuse"}"#), ("normalizer", r#"{"type":"Lowercase","x":[1]}"#)] {
            let edited = json.replace(&format!("\"{part}\":null"), &format!("\"{part}\":{value}"));
            assert!(refusal(&edited).contains(&format!("has a {part}")), "{}", refusal(&edited));
        }
        // A key given twice: the checked (last) value is the one `tokenizers` sees.
        let twice = json.replacen("\"decoder\":null", "\"decoder\":{\"type\":\"Fuse\"},\"decoder\":null", 1);
        assert!(SideTokenizer::from_json(&twice, TokenizerKind::Smiles).is_ok());
        assert!(refusal("[1]").contains("not an object"));
    }

    #[test]
    fn an_engine_refuses_a_bundle_with_a_garbled_tokenizer() {
        let mut b = random_bundle(small_spec(12), 3).unwrap();
        b.meta.src_tokenizer = b.meta.src_tokenizer.replace("\"decoder\":null", "\"decoder\":,nlul");
        let e = Engine::from_bundle(&b).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("bad tokenizer JSON"), "{e}");
    }
}
