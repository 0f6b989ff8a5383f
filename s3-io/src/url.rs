//! `s3://bucket/key`: where an object lives.

use std::fmt;

/// An object's address. `Display` gives back the `s3://bucket/key` form, which every error
/// message uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub key: String,
}

impl S3Url {
    pub const SCHEME: &'static str = "s3://";

    /// Whether `text` is meant as an S3 URL (whether or not it is a valid one).
    pub fn is_s3(text: &str) -> bool {
        text.starts_with(Self::SCHEME)
    }

    /// Parses `s3://bucket/key`; the error says what is missing.
    pub fn parse(text: &str) -> Result<S3Url, String> {
        let rest = text.strip_prefix(Self::SCHEME).ok_or_else(|| format!("'{text}' is not an s3:// URL"))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("'{text}' names no bucket: expected s3://BUCKET/KEY"));
        }
        if key.is_empty() || key.ends_with('/') {
            return Err(format!("'{text}' names no object: expected s3://BUCKET/KEY"));
        }
        Ok(S3Url { bucket: bucket.to_string(), key: key.to_string() })
    }
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}/{}", Self::SCHEME, self.bucket, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bucket_and_key_with_slashes() {
        let url = S3Url::parse("s3://data/runs/2026/in.smi").expect("valid");
        assert_eq!(url, S3Url { bucket: "data".into(), key: "runs/2026/in.smi".into() });
        assert_eq!(url.to_string(), "s3://data/runs/2026/in.smi");
    }

    #[test]
    fn refuses_urls_without_bucket_or_object() {
        for (text, says) in [
            ("s3://", "no bucket"),
            ("s3:///key", "no bucket"),
            ("s3://bucket", "no object"),
            ("s3://bucket/", "no object"),
            ("s3://bucket/dir/", "no object"),
            ("file.smi", "not an s3:// URL"),
        ] {
            let err = S3Url::parse(text).expect_err(text);
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
