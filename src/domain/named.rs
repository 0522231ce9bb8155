//! Closed sets of names — modes, models, statuses, track fields — each
//! spelled once (on its enum, with strum) and used from there by clap,
//! serde, help texts and error messages.

use strum::VariantArray;

/// An enum whose variants have fixed wire names.
pub trait Named: Copy + VariantArray + Into<&'static str> + 'static {
    /// What one of them is called in an error: "mode", "model".
    const KIND: &'static str;

    fn name(self) -> &'static str {
        self.into()
    }

    /// Every name, in declaration order.
    fn names() -> impl Iterator<Item = &'static str> {
        Self::VARIANTS.iter().map(|v| v.name())
    }

    fn from_name(s: &str) -> Result<Self, UnknownName> {
        Self::VARIANTS
            .iter()
            .copied()
            .find(|v| v.name() == s)
            .ok_or_else(|| UnknownName {
                kind: Self::KIND,
                value: s.to_string(),
                allowed: Self::names().collect::<Vec<_>>().join(", "),
            })
    }
}

/// A name outside the set, with the names that are allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {kind}; use one of {allowed}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub value: String,
    pub allowed: String,
}

/// Makes an enum [`Named`] (`KIND` is what one is called in an error) and
/// gives it `FromStr`, `Display` and serde's string form.
macro_rules! named_str {
    ($t:ty, $kind:literal) => {
        impl $crate::domain::named::Named for $t {
            const KIND: &'static str = $kind;
        }

        impl std::str::FromStr for $t {
            type Err = $crate::domain::named::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t as $crate::domain::named::Named>::from_name(s)
            }
        }

        impl TryFrom<String> for $t {
            type Error = $crate::domain::named::UnknownName;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::domain::named::Named::name(*self))
            }
        }
    };
}
pub(crate) use named_str;
