//! One generator per key, built on first use and reused after, so a second
//! generation reuses the HTTP client, its connections and the token.

use std::collections::HashMap;
use std::sync::Arc;

use crate::generate::Generator;
use crate::generate::error::GenerateError;
use crate::generate::job::GeneratorKey;

#[derive(Default)]
pub struct GeneratorCache {
    generators: HashMap<GeneratorKey, Arc<Generator>>,
    constructed: u64,
}

impl GeneratorCache {
    pub fn get_or_create(&mut self, key: &GeneratorKey) -> Result<Arc<Generator>, GenerateError> {
        if let Some(g) = self.generators.get(key) {
            return Ok(Arc::clone(g));
        }
        let g = Arc::new(Generator::new(key)?);
        self.constructed += 1;
        self.generators.insert(key.clone(), Arc::clone(&g));
        Ok(g)
    }

    /// How many generators were ever built.
    pub fn constructed(&self) -> u64 {
        self.constructed
    }

    pub fn len(&self) -> usize {
        self.generators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.generators.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::job::GenerationSettings;

    #[test]
    fn same_key_builds_once() {
        let mut cache = GeneratorCache::default();
        let key = GenerationSettings::default().key;
        let a = cache.get_or_create(&key).unwrap();
        let b = cache.get_or_create(&key).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.constructed(), 1);
        let mut other = key.clone();
        other.location = "europe-west4".to_string();
        cache.get_or_create(&other).unwrap();
        assert_eq!(cache.constructed(), 2);
    }
}
